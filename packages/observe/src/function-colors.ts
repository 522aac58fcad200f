/** Tableau's ten colours without its red, which the stream keeps for failures. */
const PALETTE = [
  '#4e79a7',
  '#f28e2b',
  '#59a14f',
  '#b07aa1',
  '#76b7b2',
  '#edc948',
  '#9c755f',
  '#ff9da7',
  '#bab0ac',
]

/**
 * A colour for each of `count` functions, by index: the palette's first, then hues a
 * golden angle apart (so neighbours differ most), away from red. The report's stream and
 * legend, and the dashboard's page, take them from here.
 */
export function functionColors(count: number): string[] {
  return Array.from({ length: count }, (_, i) => {
    if (i < PALETTE.length) return PALETTE[i]!
    let hue = Math.round((200 + i * 137.508) % 360)
    if (hue > 340 || hue < 20) hue = (hue + 40) % 360
    const lightness = [50, 38, 64][i % 3]!
    return `hsl(${hue} 60% ${lightness}%)`
  })
}
