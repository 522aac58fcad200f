/**
 * The report's stylesheet, inlined in its page. Keys, names and errors can be long with
 * nothing to break a line at (a task keyed by its URL): they wrap anywhere, so that a
 * table shares the page's width instead of widening it; numbers and headings stay whole.
 */
export const REPORT_STYLE = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 0 auto; padding: 16px 24px; max-width: 1400px; color: #222; overflow-wrap: anywhere; }
h1 { font-size: 20px; margin: 0 0 4px; } h2 { font-size: 16px; margin: 24px 0 8px; }
.summary, .hint { color: #555; margin: 4px 0; }
table { border-collapse: collapse; } thead th { font-weight: 600; } th, td { padding: 3px 10px; text-align: left; font-weight: normal; border-bottom: 1px solid #eee; vertical-align: top; }
thead th, td.num { white-space: nowrap; } td.num { text-align: right; font-variant-numeric: tabular-nums; } td.note { color: #555; }
.bad, .error { color: #b00020; } .error { font-family: ui-monospace, monospace; white-space: pre-wrap; max-width: 60ch; }
.share { height: 10px; background: #e8e8e8; border-radius: 3px; max-width: 600px; margin-bottom: 6px; }
.share div { height: 100%; background: #3b82c4; border-radius: 3px; }
.legend { list-style: none; padding: 0; margin: 4px 0 8px; display: flex; flex-wrap: wrap; gap: 4px 14px; }
.legend li { display: flex; align-items: center; }
.swatch { display: inline-block; flex: none; width: 12px; height: 12px; border-radius: 2px; margin-right: 5px; vertical-align: -1px; }
.stream { position: relative; border: 1px solid #ddd; }
.stream canvas { display: block; width: 100%; cursor: grab; }
.tooltip { position: absolute; pointer-events: none; background: #fff; border: 1px solid #aaa; border-radius: 4px; padding: 4px 8px; font-size: 12px; white-space: pre; box-shadow: 0 2px 6px #0002; }
.drawing { overflow: auto; max-height: 80vh; border: 1px solid #ddd; margin-top: 6px; }
.drawing svg { max-width: 100%; height: auto; }
#graph-duration:checked ~ .by-status, #graph-status:checked ~ .by-duration { display: none; }
`
