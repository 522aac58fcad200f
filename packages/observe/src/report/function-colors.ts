/**
 * A colour for each of `count` functions, by index: hues a golden angle apart, so
 * neighbours differ most and a new function never repeats an earlier one's colour.
 * The stream and its legend both take them from here.
 */
export function functionColors(count: number): string[] {
  return Array.from({ length: count }, (_, i) => {
    const hue = Math.round((i * 137.508) % 360)
    const lightness = [55, 42, 68][Math.floor(i / 3) % 3]!
    return `hsl(${hue} 65% ${lightness}%)`
  })
}
