import { WriteStream } from 'node:tty'

/**
 * Whether to colour what is written to `stream`, by the rules Node follows for its own
 * output: when FORCE_COLOR is set it decides (`0` never; `1`, `2`, `3` even on a pipe or
 * a file); otherwise only a terminal is coloured, unless NO_COLOR, NODE_DISABLE_COLORS or
 * TERM=dumb is set, or the environment names no terminal that has colours.
 */
export function useColor(
  stream: NodeJS.WriteStream,
  env: NodeJS.ProcessEnv = process.env,
): boolean {
  // More than 2 bits of colour, as Node's util.styleText asks.
  if (stream.isTTY === true) return stream.getColorDepth(env) > 2
  // getColorDepth reads nothing but `env`, so it answers for a pipe or a file as well.
  return env.FORCE_COLOR !== undefined && WriteStream.prototype.getColorDepth.call(stream, env) > 2
}
