#!/usr/bin/env node
// The `taskgraph` command. It lives outside dist/ so that a package manager installing a
// clone links it into node_modules/.bin before the first build has made dist/bin.js.
//
// The Node running it is checked before anything of taskgraph loads: on an older Node its
// modules fail to link (node:zlib's crc32, say, is Node 20.15's), which would read as an
// internal error of taskgraph's. The range is package.json's `engines`.
import process from 'node:process'

const [major, minor] = process.versions.node.split('.').map(Number)
if (major < 20 || (major === 20 && minor < 19) || major === 21 || (major === 22 && minor < 12)) {
  process.stderr.write(
    `taskgraph: error: Node ${process.version} is not supported (ERR_UNSUPPORTED_NODE): taskgraph runs on Node 20.19 or later, 22.12 or later, or 24. Install one of those (with nvm: nvm install 22) and run the command with it.\n`,
  )
  process.exitCode = 2
} else {
  await import('../dist/bin.js')
}
