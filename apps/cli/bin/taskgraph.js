#!/usr/bin/env node
// The `taskgraph` command. It lives outside dist/ so that a package manager installing a
// clone links it into node_modules/.bin before the first build has made dist/bin.js.
import '../dist/bin.js'
