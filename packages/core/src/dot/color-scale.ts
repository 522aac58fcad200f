// Sequential colour scales for toDot, light to dark: ColorBrewer's nine-class schemes
// (colorbrewer2.org), interpolated linearly in RGB between their classes. Twenty lines
// here rather than a colour library: toDot needs two scales and one contrast test.

/** ColorBrewer Blues: run order, first (light) to last (dark). */
// prettier-ignore
export const BLUES = [
  '#f7fbff', '#deebf7', '#c6dbef', '#9ecae1', '#6baed6', '#4292c6', '#2171b5', '#08519c', '#08306b',
] as const

/** ColorBrewer YlOrRd: durations, shortest (light) to longest (dark). */
// prettier-ignore
export const YL_OR_RD = [
  '#ffffcc', '#ffeda0', '#fed976', '#feb24c', '#fd8d3c', '#fc4e2a', '#e31a1c', '#bd0026', '#800026',
] as const

/** The colour at `t` (0 to 1, clamped) along `stops`, as `#rrggbb`. */
export function interpolate(stops: readonly string[], t: number): string {
  const at = Math.min(Math.max(t, 0), 1) * (stops.length - 1)
  const i = Math.min(Math.floor(at), stops.length - 2)
  const [from, to] = [rgb(stops[i]!), rgb(stops[i + 1]!)]
  return hex(from.map((c, k) => Math.round(c + (to[k]! - c) * (at - i))))
}

/**
 * Black or white, whichever contrasts more with `fill` (WCAG relative luminance), so a
 * label stays readable on the dark end of a scale.
 */
export function fontColorOn(fill: string): '#000000' | '#ffffff' {
  const [r, g, b] = rgb(fill).map((c) => {
    const s = c / 255
    return s <= 0.04045 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4
  }) as [number, number, number]
  const luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
  // Contrast with white, (1.05) / (L + 0.05), beats contrast with black, (L + 0.05) / 0.05.
  return luminance < 0.179 ? '#ffffff' : '#000000'
}

function rgb(color: string): number[] {
  return [1, 3, 5].map((at) => parseInt(color.slice(at, at + 2), 16))
}

function hex(channels: readonly number[]): string {
  return `#${channels.map((c) => c.toString(16).padStart(2, '0')).join('')}`
}
