import { functionColors } from '../function-colors.js'
import { pageScript } from '../page-script.js'

/** Colours the page gives functions, in the order it meets them (then round again). */
const PALETTE_SIZE = 24

/**
 * The dashboard's page: all its style and code inline, so it loads nothing from anywhere
 * (no CDN), and it connects only back to the server that served it (`/events`).
 */
export async function dashboardHtml(): Promise<string> {
  const script = await pageScript('dashboard-page.js')
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>taskgraph dashboard</title>
<link rel="icon" href="data:,">
<style>${STYLE}</style>
</head>
<body>
<header>
  <h1>taskgraph</h1>
  <span id="status" class="status waiting">connecting…</span>
  <span id="summary"></span>
</header>
<main>
  <section id="progress-section">
    <h2>Progress per function</h2>
    <div id="groups"></div>
  </section>
  <section id="failures-section">
    <h2>Failures <small id="failure-count"></small></h2>
    <ul id="failures"><li class="none">none</li></ul>
  </section>
  <section id="stream-section">
    <h2>Task stream <small>(up to the last 10 s, one row per worker thread)</small></h2>
    <canvas id="stream" height="160"></canvas>
    <div id="legend"></div>
  </section>
  <section id="workers-section">
    <h2>Workers <small id="busy"></small></h2>
    <table id="workers"><thead><tr><th>worker</th><th>kind</th><th>host</th><th>pid</th><th>tasks</th><th>busy (last 5 s)</th><th>RSS of its process</th></tr></thead><tbody></tbody></table>
    <p class="note">Threads share their process's memory: each thread row shows its whole process's RSS. A thread's busy share counts attempts that have ended.</p>
  </section>
  <section id="cluster-section" hidden>
    <h2>Cluster workers</h2>
    <table id="cluster"><thead><tr><th>name</th><th>host</th><th>pid</th><th>threads</th><th>running</th><th>waiting</th><th>RSS</th></tr></thead><tbody></tbody></table>
  </section>
  <section id="memory-section">
    <h2>Memory and CPU per process</h2>
    <table id="processes"><thead><tr><th>process</th><th>pid</th><th>RSS</th><th>RSS over time</th><th>CPU</th></tr></thead><tbody></tbody></table>
    <p class="note">CPU in percent of one core: a process busy on two cores shows 200%. Child processes are sampled on Linux only.</p>
  </section>
</main>
<script id="palette" type="application/json">${JSON.stringify(functionColors(PALETTE_SIZE))}</script>
<script>${script}</script>
</body>
</html>
`
}

const STYLE = `
:root { color-scheme: light; font: 14px/1.4 system-ui, sans-serif; color: #1f2328; background: #f6f8fa; }
body { margin: 0; }
header { display: flex; gap: 1em; align-items: baseline; padding: .6em 1.2em; background: #24292f; color: #fff; }
h1 { font-size: 1.2em; margin: 0; }
h2 { font-size: 1em; margin: 0 0 .5em; }
h2 small, .note { font-weight: normal; color: #57606a; }
.note { font-size: .85em; margin: .4em 0 0; }
.status { padding: .1em .6em; border-radius: 1em; font-size: .85em; background: #57606a; }
.status.running { background: #1a7f37; }
.status.ended { background: #0969da; }
.status.disconnected { background: #cf222e; }
main { display: grid; grid-template-columns: repeat(auto-fit, minmax(560px, 1fr)); gap: 1em; padding: 1em; }
section { background: #fff; border: 1px solid #d0d7de; border-radius: 6px; padding: .8em 1em; min-width: 0; }
#stream-section, #cluster-section { grid-column: 1 / -1; }
canvas { width: 100%; display: block; background: #fafbfc; border: 1px solid #eaeef2; }
.group { display: grid; grid-template-columns: 10em 1fr 11em; gap: .6em; align-items: center; margin: .25em 0; }
.group .name { overflow: hidden; text-overflow: ellipsis; white-space: nowrap; font-family: ui-monospace, monospace; }
.bar { display: flex; height: 1em; background: #eaeef2; border-radius: 3px; overflow: hidden; }
.bar span { display: block; height: 100%; }
.done { background: #2da44e; } .cached { background: #8fd19e; } .failed { background: #cf222e; } .running-part { background: #bf8700; }
.counts { font-variant-numeric: tabular-nums; font-size: .9em; }
table { border-collapse: collapse; width: 100%; font-variant-numeric: tabular-nums; }
th, td { text-align: left; padding: .2em .5em; border-bottom: 1px solid #eaeef2; white-space: nowrap; }
th { white-space: normal; font-size: .9em; }
.meter { display: inline-block; width: 5em; height: .7em; background: #eaeef2; vertical-align: middle; margin-right: .4em; }
.meter span { display: block; height: 100%; background: #0969da; }
#failures { list-style: none; margin: 0; padding: 0; max-height: 18em; overflow: auto; }
/* Keys and errors wrap anywhere: a key can be a URL, with nothing to break a line at. */
#failures li { padding: .25em 0; border-bottom: 1px solid #eaeef2; overflow-wrap: anywhere; }
#failures code { font-weight: 600; }
#failures .message { color: #cf222e; font-family: ui-monospace, monospace; font-size: .9em; }
svg.spark { width: 8em; height: 1.4em; vertical-align: middle; }
svg.spark polyline { fill: none; stroke: #0969da; stroke-width: 1.5; }
#legend { display: flex; flex-wrap: wrap; gap: .8em; font-size: .85em; margin-top: .4em; overflow-wrap: anywhere; }
#legend i { display: inline-block; width: .8em; height: .8em; margin-right: .3em; vertical-align: middle; }
.none { color: #57606a; }
`
