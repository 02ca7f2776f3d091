/**
 * The report's own stylesheet, inlined into the page (the report is one file with no network
 * access). Colours of timeline categories match across rows so that a reset phase or a job
 * event is recognisable at a glance; red is reserved for violations.
 */
export const REPORT_CSS = `
:root { --fg: #1d232a; --muted: #5b6670; --line: #d5dbe1; --bad: #c62828; --bad-bg: #fdecea;
  --good: #2e7d32; --good-bg: #edf7ee; --na-bg: #f3f4f6; --accent: #1f5fa8; }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: #fff; }
header, main { max-width: 1400px; margin: 0 auto; padding: 0 20px; }
header { padding-top: 18px; border-bottom: 1px solid var(--line); }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 18px; margin: 28px 0 10px; }
h3 { font-size: 16px; margin: 0 0 6px; }
.sub { color: var(--muted); margin: 0 0 12px; }
.notes { color: var(--muted); margin: 0 0 14px; padding-left: 18px; }
code, pre { font: 12px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
table { border-collapse: collapse; }
th, td { border: 1px solid var(--line); padding: 4px 8px; text-align: center; }
th { background: #f8f9fa; font-weight: 600; }
.table-wrap { overflow-x: auto; }
#comparison thead th.inv { writing-mode: vertical-rl; transform: rotate(180deg); white-space: nowrap; padding: 8px 4px; font-weight: 500; }
#comparison tbody th { text-align: left; }
td.violated { background: var(--bad-bg); color: var(--bad); font-weight: 600; }
td.violated a { color: var(--bad); }
td.held { background: var(--good-bg); color: var(--good); }
#exhaustive td.bad { background: var(--bad-bg); color: var(--bad); font-weight: 600; }
#exhaustive td.good { background: var(--good-bg); color: var(--good); }
#exhaustive td.unknown { color: var(--muted); }
td.na { background: var(--na-bg); color: var(--muted); }
td.unclaimed { background: var(--na-bg); color: var(--muted); font-style: italic; }
#metrics td { text-align: right; }
#metrics td:first-child { text-align: left; }
.charts { display: flex; flex-wrap: wrap; gap: 16px; margin-top: 14px; }
.chart { min-width: 320px; flex: 1 1 320px; }
.failure { border: 1px solid var(--line); border-left: 4px solid var(--bad); border-radius: 4px; padding: 12px 14px; margin: 0 0 18px; }
.failure:target { box-shadow: 0 0 0 3px rgba(198, 40, 40, 0.25); }
.failure .message { white-space: pre-wrap; background: var(--bad-bg); padding: 6px 8px; border-radius: 3px; margin: 6px 0 10px; }
dl.facts { display: grid; grid-template-columns: max-content 1fr; gap: 3px 14px; margin: 0 0 10px; }
dl.facts dt { color: var(--muted); }
dl.facts dd { margin: 0; min-width: 0; }
code.schedule, code.replay { display: inline-block; max-width: 100%; max-height: 6.5em; overflow: auto; word-break: break-all; white-space: pre-wrap; background: #f5f6f8; padding: 2px 5px; border-radius: 3px; }
button { font: inherit; font-size: 12px; padding: 2px 8px; border: 1px solid var(--line); background: #fff; border-radius: 3px; cursor: pointer; }
button[aria-pressed="true"] { background: var(--accent); color: #fff; border-color: var(--accent); }
.timeline-controls { display: flex; gap: 6px; align-items: center; margin: 6px 0; flex-wrap: wrap; }
.timeline-controls .window { color: var(--muted); font-size: 12px; }
.timeline-scroll { overflow: auto; max-height: 560px; border: 1px solid var(--line); border-radius: 3px; }
.timeline-scroll .tl-inner { display: flex; width: max-content; }
svg.lane-labels { position: sticky; left: 0; z-index: 2; flex: none; background: #fff; border-right: 1px solid var(--line); font: 11px ui-monospace, Menlo, Consolas, monospace; }
svg.lane-labels .row-bg { fill: #fff; }
svg.lane-labels .row-bg.odd { fill: #f7f8fa; }
svg.lane-labels .row-label { fill: var(--fg); }
.legend { display: flex; flex-wrap: wrap; gap: 4px 14px; margin: 4px 0 8px; color: var(--muted); font-size: 12px; padding: 0; list-style: none; }
.legend li { display: flex; align-items: center; gap: 5px; }
.legend svg { flex: none; }
.no-trace { color: var(--muted); font-style: italic; }
svg.timeline { display: block; font: 11px ui-monospace, Menlo, Consolas, monospace; }
svg.timeline .row-bg { fill: #fff; }
svg.timeline .row-bg.odd { fill: #f7f8fa; }
svg.timeline .row-label { fill: var(--fg); }
svg.timeline .axis line { stroke: #aab3bc; }
svg.timeline .axis text { fill: var(--muted); font-size: 10px; }
svg.timeline .slice { fill: #8fa3b8; stroke: #fff; stroke-width: 0.5; }
svg.timeline .slice.cat-sched { fill: #7d9cc0; }
svg.timeline .slice.cat-reset { fill: #f0a04b; }
svg.timeline .slice.cat-job { fill: #6fbf73; }
svg.timeline .slice.cat-fence { fill: #a67dc4; }
svg.timeline .slice.cat-lock { fill: #9e9e9e; }
svg.timeline .slice.cat-lock-wait { fill: #fff; stroke: #757575; stroke-width: 1; stroke-dasharray: 3 2; }
svg.timeline .slice.note-unterminated, svg.timeline .slice.clip-r { stroke: #333; stroke-dasharray: 2 2; }
svg.timeline .slice.note-truncated, svg.timeline .slice.note-reopened { opacity: 0.75; }
svg.timeline .slice-label { fill: #10161c; font-size: 10px; pointer-events: none; }
svg.timeline .tick { fill: #55606b; }
svg.timeline .tick.cat-reset { fill: #d9730d; }
svg.timeline .tick.cat-job { fill: #2e7d32; }
svg.timeline .tick.cat-fence { fill: #7b3fa0; }
svg.timeline .tick.cat-lock { fill: #9e9e9e; }
svg.timeline .tick.cat-wq { fill: #00838f; }
svg.timeline .flow { fill: none; stroke: #d9730d; stroke-width: 1.2; }
svg.timeline .flow-head { fill: #d9730d; }
svg.timeline .violation-marker line { stroke: var(--bad); stroke-width: 2; }
svg.timeline .violation-marker text { fill: var(--bad); font-weight: 700; }
footer { max-width: 1400px; margin: 30px auto; padding: 0 20px; color: var(--muted); font-size: 12px; }
`;
