// The page script of test/jupyterlab-renderer.test.ts, bundled for Chromium with esbuild
// (scripts/site/bundle.ts): JupyterLab's own output rendering, the RenderMimeRegistry of
// @jupyterlab/rendermime with its standard renderers and @jupyterlab/vega5-extension's renderer, as a
// notebook's output area uses them. window.renderOutput(data, metadata) renders one output bundle
// and reports what JupyterLab chose and drew.
import { RenderMimeRegistry, standardRendererFactories } from "@jupyterlab/rendermime";
import vegaExtension from "@jupyterlab/vega5-extension";
import { Widget } from "@lumino/widgets";

export interface RenderReport {
  /** The MIME type JupyterLab picked for the bundle (an untrusted notebook's choice). */
  mimeType: string | undefined;
  error?: string;
  /** Size of the drawn view, in CSS pixels. */
  width: number;
  height: number;
  /** Scenegraph items of every mark that is not a group: 0 for an empty view. */
  items: number;
  /** Pixels of the rendered canvas that are not background (white or transparent). */
  inkPixels: number;
}

const registry = new RenderMimeRegistry({ initialFactories: standardRendererFactories });
// As JupyterLab registers a mime extension: with the extension's rank (57), which puts Vega-Lite
// before the static images (PNG 90, SVG 80) of the same output.
registry.addFactory(vegaExtension.rendererFactory, vegaExtension.rank);

interface SceneNode {
  marktype?: string;
  items?: SceneNode[];
}

function countItems(node: SceneNode | undefined): number {
  if (!node) return 0;
  let n = 0;
  for (const item of node.items ?? []) {
    if (node.marktype && node.marktype !== "group") n += 1;
    const children = (item as { items?: SceneNode[] }).items;
    for (const child of children ?? []) n += countItems(child);
  }
  return n;
}

function inkPixels(canvas: HTMLCanvasElement | null): number {
  const context = canvas?.getContext("2d");
  if (!canvas || !context || canvas.width === 0 || canvas.height === 0) return 0;
  const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
  let ink = 0;
  for (let i = 0; i < data.length; i += 4) {
    const transparent = data[i + 3] === 0;
    const white = data[i] === 255 && data[i + 1] === 255 && data[i + 2] === 255;
    if (!transparent && !white) ink += 1;
  }
  return ink;
}

async function renderOutput(data: Record<string, unknown>, metadata: Record<string, unknown>): Promise<RenderReport> {
  // An executed notebook opened in JupyterLab is untrusted: only "safe" renderers may draw it.
  const mimeType = registry.preferredMimeType(data as never, "ensure");
  const report: RenderReport = { mimeType, width: 0, height: 0, items: 0, inkPixels: 0 };
  if (!mimeType) return { ...report, error: "no renderer for this bundle" };
  const host = document.createElement("div");
  host.className = "output";
  document.body.appendChild(host);
  const renderer = registry.createRenderer(mimeType);
  Widget.attach(renderer, host);
  try {
    await renderer.renderModel(
      registry.createModel({ data: data as never, metadata: metadata as never, trusted: false }),
    );
    const view = (
      renderer as unknown as {
        _result?: { view?: { width(): number; height(): number; scenegraph(): { root: SceneNode } } };
      }
    )._result?.view;
    const box = renderer.node.getBoundingClientRect();
    report.width = box.width;
    report.height = box.height;
    report.items = view ? countItems(view.scenegraph().root) : 0;
    report.inkPixels = inkPixels(renderer.node.querySelector("canvas"));
  } catch (error) {
    report.error = String((error as Error)?.stack ?? error);
  } finally {
    Widget.detach(renderer);
    renderer.dispose();
    host.remove();
  }
  return report;
}

(window as unknown as { renderOutput: typeof renderOutput }).renderOutput = renderOutput;
(window as unknown as { rendererReady: boolean }).rendererReady = true;
