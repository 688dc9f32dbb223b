// The results site's stylesheets, written as files into <out>/assets/ (scripts/site/assets.ts) so
// that each rule is shipped once: every page links base.css (BASE_CSS); the lab pages add page.css
// (PAGE_CSS), and the index page, a single page, keeps its own few rules inline
// (scripts/runner/index-page.ts).

export const BASE_CSS = `
:root { color-scheme: light; --fg: #1f2328; --muted: #656d76; --line: #d0d7de; --code-bg: #f6f8fa;
  --ok: #1a7f37; --bad: #cf222e; --warn: #9a6700; }
* { box-sizing: border-box; }
body { margin: 0; color: var(--fg); background: #fff;
  font: 16px/1.55 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 980px; margin: 0 auto; padding: 24px 20px 64px; }
a { color: #0969da; }
pre, code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; font-size: 13.5px; }
pre { margin: 0; padding: 10px 12px; overflow-x: auto; white-space: pre-wrap; word-break: break-word; }
table { border-collapse: collapse; }
th, td { border: 1px solid var(--line); padding: 6px 10px; text-align: left; vertical-align: top; }
img, svg { max-width: 100%; height: auto; }
.status-ok { color: var(--ok); } .status-failed { color: var(--bad); } .status-interrupted { color: var(--warn); }
`;

export const PAGE_CSS = `
.crumbs { font-size: 14px; color: var(--muted); margin: 0 0 12px; }
.run { border: 1px solid var(--line); border-radius: 6px; padding: 10px 14px; margin-bottom: 24px; font-size: 14px; }
.run.failed { border-color: var(--bad); background: #ffebe9; }
.run-keys { display: flex; flex-wrap: wrap; gap: 2px 18px; margin-top: 6px; padding-top: 6px; border-top: 1px solid var(--line); }
.run-keys strong { font-variant-numeric: tabular-nums; }
.run.interrupted { border-color: var(--warn); background: #fff8c5; }
.cell { margin: 18px 0; }
.cell-head { display: flex; gap: 10px; font-size: 12px; color: var(--muted); margin-bottom: 3px; }
.cell-head .dur { margin-left: auto; }
.source { background: var(--code-bg); border: 1px solid var(--line); border-radius: 6px; }
.outputs { border-left: 3px solid var(--line); margin: 6px 0 0; padding-left: 10px; }
.outputs > * { margin: 6px 0; }
/* Code and printed output wrap rather than hide text behind a scrollbar; a wrapped line hangs
   deeper than its own indentation (codeLines), so it cannot pass for a new line. */
pre .line { display: block; }
.outputs .image, .outputs .html { max-width: 100%; overflow-x: auto; }
.outputs .html table { border-collapse: collapse; font-size: 14px; }
table.summary { border-collapse: collapse; font-size: 14px; margin: 8px 0; }
table.summary caption { text-align: left; font-weight: 600; padding: 0 0 4px; }
table.summary th { font-weight: normal; color: var(--muted); }
table.summary td { font-variant-numeric: tabular-nums; font-weight: 600; }
.stream.stderr { background: #fff5f5; color: #8a1c1c; border-left: 3px solid #ff8182; }
.error { border: 1px solid var(--bad); background: #ffebe9; border-radius: 6px; overflow: hidden; }
.error .ename { font-weight: 600; color: var(--bad); padding: 8px 12px 0; }
.not-run .source { opacity: .6; }
.note { color: var(--muted); font-style: italic; }
.markdown img { display: block; margin: 8px 0; }
/* A display equation wider than the column scrolls inside its own box (never the page); the box
   is as tall as the formula, so no vertical scroll bar appears beside it. */
.katex-display { overflow-x: auto; overflow-y: hidden; margin: 0.5em 0; padding: 0.5em 0; }
.chart { margin: 6px 0; max-width: 100%; overflow-x: auto; }
.chart.live .chart-static { display: none; }
.chart-live:empty { display: none; }
.chart .vega-bindings { font-size: 14px; margin: 4px 0; display: flex; flex-wrap: wrap; gap: 4px 18px; }
.chart .vega-bind-name { margin-right: 6px; }
.chart.explorable .chart-live svg { cursor: crosshair; }
.explorable-status { font-size: 14px; margin: 4px 0; max-width: 80ch; }
.explorable-status .swatch { display: inline-block; width: 18px; height: 4px; margin: 0 4px 3px 0; vertical-align: middle; }
.explorable-status .swatch.rprop { background: #fff; outline: 1px solid #555; }
.explorable-status .swatch.gd { background: #ff7f0e; }
`;
