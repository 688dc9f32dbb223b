// The rule for figures in executed notebooks, checked by test/jupyter.test.ts (notebooks executed by
// Jupyter), test/browser.test.ts and test/executed-notebooks.test.ts (executed by the runner):
// every chart is one output that JupyterLab draws natively (Vega-Lite v5 JSON), with a PNG beside
// it, which Jupyter shows when the notebook is not trusted (it withholds SVG then), optionally an
// SVG (trusted notebooks, nbconvert's HTML export, GitHub), and a text line; every animation (GIF)
// is stored once, as an HTML <img> with a data URL (shown untrusted too, and by nbconvert, which
// drops image/gif), with a text line. What src/notebook/display.ts sends.

export const VEGA_LITE_MIME = "application/vnd.vegalite.v5+json";

interface Output {
  output_type: string;
  data?: { [mime: string]: unknown };
}
interface Cell {
  cell_type: string;
  outputs?: Output[];
}
export interface ExecutedNotebook {
  cells: Cell[];
}

export interface RichOutputReport {
  charts: number;
  animations: number;
  /** One line per output that breaks the rule, naming its cell (1-based) and output. */
  problems: string[];
}

const text = (value: unknown): string | undefined =>
  typeof value === "string"
    ? value
    : Array.isArray(value) && value.every((v) => typeof v === "string")
      ? value.join("")
      : undefined;
const nonEmpty = (value: unknown) => (text(value) ?? "").trim().length > 0;

export function checkRichOutputs(nb: ExecutedNotebook): RichOutputReport {
  const report: RichOutputReport = { charts: 0, animations: 0, problems: [] };
  nb.cells.forEach((cell, c) => {
    (cell.outputs ?? []).forEach((output, k) => {
      if (output.output_type !== "display_data" && output.output_type !== "execute_result") return;
      const data = output.data ?? {};
      const where = `cell ${c + 1}, output ${k + 1}`;
      const mimes = Object.keys(data).join(", ");
      const hasStatic = nonEmpty(data["image/svg+xml"]) || nonEmpty(data["image/png"]);
      const html = text(data["text/html"]) ?? "";
      const gifImg = /<img[^>]+src="data:image\/gif;base64,/.test(html);
      if (VEGA_LITE_MIME in data) {
        report.charts += 1;
        const spec = data[VEGA_LITE_MIME];
        if (spec === null || typeof spec !== "object" || Array.isArray(spec)) {
          // JupyterLab takes a string under this MIME type for a URL to load.
          report.problems.push(`${where}: the Vega-Lite spec is ${typeof spec}, not a JSON object`);
        } else {
          const schema = (spec as { $schema?: unknown }).$schema;
          if (typeof schema === "string" && !/vega-lite\/v5/.test(schema)) {
            report.problems.push(`${where}: the spec's $schema is ${schema}; JupyterLab 4 renders Vega-Lite v5`);
          }
        }
        if (!nonEmpty(data["image/png"])) {
          report.problems.push(
            `${where}: a chart without a PNG beside its Vega-Lite spec, so an untrusted notebook shows no figure (has ${mimes})`,
          );
        }
        if (!nonEmpty(data["text/plain"]))
          report.problems.push(`${where}: a chart without a text/plain description (has ${mimes})`);
      } else if ("image/gif" in data || gifImg) {
        report.animations += 1;
        if (!gifImg)
          report.problems.push(`${where}: a GIF without its HTML <img> (nbconvert drops image/gif; has ${mimes})`);
        if ("image/gif" in data && gifImg)
          report.problems.push(`${where}: a GIF stored twice, as image/gif and as an <img> (has ${mimes})`);
        if (!nonEmpty(data["text/plain"]))
          report.problems.push(`${where}: a GIF without a text/plain description (has ${mimes})`);
      } else if (hasStatic || "image/jpeg" in data) {
        report.problems.push(
          `${where}: a bare image (${mimes}); show charts with lab.show(spec), animations with lab.showGif`,
        );
      }
    });
  });
  return report;
}
