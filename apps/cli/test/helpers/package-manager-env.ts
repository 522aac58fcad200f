/**
 * This process's environment without the npm_* and pnpm_* variables that the pnpm
 * running the tests sets: they are not meant for the npm or pnpm a test starts, as a
 * user would, in another project (a registry chosen by the user still is). With them
 * goes npm_config_yes, so npx asks before it downloads anything, and with no terminal
 * to ask on, it refuses.
 */
export function packageManagerEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) => !/^(npm|pnpm)_/i.test(name) || /^npm_config_registry$/i.test(name),
    ),
  )
}
