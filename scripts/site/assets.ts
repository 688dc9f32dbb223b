// The files the results pages load, written beside them into <out>/assets/ by the runner (through
// scripts/runner/index-page.ts, after each notebook), so that a page works offline and from file://:
//   vega.min.js, vega-lite.min.js   the project's own vega and vega-lite builds, as npm ships them
//   site.js                         scripts/site/page.ts bundled with the library code it runs
//   base.css                        the rules every page shares, the index too (scripts/site/styles.ts)
//   page.css                        the lab pages' own rules, after base.css (scripts/site/styles.ts)
//   katex/katex.min.css, katex/fonts/*.woff2   KaTeX's stylesheet and fonts for the math
// KaTeX's stylesheet lists each font as woff2, woff and ttf; every browser that runs the pages reads
// woff2, so only those are copied and the stylesheet names only them.
import fs from "node:fs";
import path from "node:path";
import { bundleSiteScript } from "./bundle";
import { BASE_CSS, PAGE_CSS } from "./styles";

export const ASSETS_DIR = "assets";

/** Paths relative to a page in the output folder, for the <script> and <link> tags. */
export const ASSET_URLS = {
  vega: `${ASSETS_DIR}/vega.min.js`,
  vegaLite: `${ASSETS_DIR}/vega-lite.min.js`,
  site: `${ASSETS_DIR}/site.js`,
  baseCss: `${ASSETS_DIR}/base.css`,
  pageCss: `${ASSETS_DIR}/page.css`,
  katexCss: `${ASSETS_DIR}/katex/katex.min.css`,
} as const;

function packageFile(spec: string): string {
  return require.resolve(spec);
}

function katexDist(): string {
  return path.dirname(packageFile("katex/dist/katex.min.css"));
}

/** KaTeX's stylesheet with only the woff2 source of each @font-face. */
export function katexStylesheet(): string {
  const css = fs.readFileSync(path.join(katexDist(), "katex.min.css"), "utf8");
  const trimmed = css.replace(/,url\(fonts\/[^)]+\.(?:woff|ttf)\) format\("(?:woff|truetype)"\)/g, "");
  if (/\.(?:woff|ttf)\)/.test(trimmed))
    throw new Error("katex.min.css lists its fonts in a form scripts/site/assets.ts does not know; update its pattern");
  return trimmed;
}

/** The woff2 fonts the stylesheet names. */
function katexFonts(css: string): string[] {
  return [...new Set([...css.matchAll(/url\(fonts\/([^)]+\.woff2)\)/g)].map((m) => m[1] as string))].sort();
}

let siteScript: string | undefined;

interface Asset {
  file: string;
  content: () => string | Buffer;
}

function assets(): Asset[] {
  const css = katexStylesheet();
  const fonts = katexDist();
  return [
    { file: ASSET_URLS.vega, content: () => fs.readFileSync(packageFile("vega/build/vega.min.js")) },
    { file: ASSET_URLS.vegaLite, content: () => fs.readFileSync(packageFile("vega-lite/build/vega-lite.min.js")) },
    // Bundled once per process: the runner writes the assets after every notebook.
    { file: ASSET_URLS.site, content: () => (siteScript ??= bundleSiteScript()) },
    { file: ASSET_URLS.baseCss, content: () => BASE_CSS.trimStart() },
    { file: ASSET_URLS.pageCss, content: () => PAGE_CSS.trimStart() },
    { file: ASSET_URLS.katexCss, content: () => css },
    ...katexFonts(css).map((font) => ({
      file: `${ASSETS_DIR}/katex/fonts/${font}`,
      content: () => fs.readFileSync(path.join(fonts, "fonts", font)),
    })),
  ];
}

/**
 * Writes (or refreshes) <outDir>/assets/. A file whose content is already there is left untouched,
 * so that a tracked results/ shows no change where none was made. Removes files of an older set.
 */
export function writeSiteAssets(outDir: string): void {
  const wanted = assets();
  const keep = new Set(wanted.map((a) => path.join(outDir, a.file)));
  for (const asset of wanted) {
    const file = path.join(outDir, asset.file);
    const content = asset.content();
    const bytes = typeof content === "string" ? Buffer.from(content) : content;
    if (fs.existsSync(file) && fs.readFileSync(file).equals(bytes)) continue;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const tmp = `${file}.tmp-${process.pid}`;
    fs.writeFileSync(tmp, bytes);
    fs.renameSync(tmp, file);
  }
  const walk = (dir: string): void => {
    if (!fs.existsSync(dir)) return;
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (!keep.has(full)) fs.rmSync(full, { force: true });
    }
  };
  walk(path.join(outDir, ASSETS_DIR));
}
