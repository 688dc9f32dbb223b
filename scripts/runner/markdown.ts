// Markdown with TeX math for the notebook pages of scripts/run-notebooks.ts (html.ts, index-page.ts):
// marked for the markdown, katex for `$...$` / `$$...$$`. KaTeX's HTML output, laid out with its own
// stylesheet and fonts (copied beside the pages: scripts/site/assets.ts), looks the same in every
// browser, where Chromium's MathML put a scroll bar beside each display equation; the MathML copy
// KaTeX adds (visually hidden) is what screen readers read.
import fs from "node:fs";
import path from "node:path";
import { Marked, type Token, type TokenizerAndRendererExtension, type Tokens } from "marked";
import katex from "katex";

function renderTex(tex: string, displayMode: boolean): string {
  return katex.renderToString(tex, { displayMode, output: "htmlAndMathml", throwOnError: false });
}

interface MathToken extends Tokens.Generic {
  text: string;
  displayMode: boolean;
}

const blockMath: TokenizerAndRendererExtension = {
  name: "blockMath",
  level: "block",
  start: (src) => src.match(/^ {0,3}\$\$/m)?.index,
  tokenizer(src) {
    const match = /^ {0,3}\$\$([\s\S]+?)\$\$[ \t]*(?:\n+|$)/.exec(src);
    if (!match) return undefined;
    return { type: "blockMath", raw: match[0], text: (match[1] ?? "").trim(), displayMode: true };
  },
  renderer: (token) => renderTex((token as MathToken).text, true) + "\n",
};

const inlineMath: TokenizerAndRendererExtension = {
  name: "inlineMath",
  level: "inline",
  start: (src) => {
    const i = src.indexOf("$");
    return i < 0 ? undefined : i;
  },
  tokenizer(src) {
    const display = /^\$\$((?:\\[\s\S]|[^\\$])+?)\$\$/.exec(src);
    if (display) return { type: "inlineMath", raw: display[0], text: (display[1] ?? "").trim(), displayMode: true };
    // Pandoc's rule, so that prices like "$5 and $6" stay text: no space inside the
    // delimiters and no digit right after the closing one. The last unit before the closing
    // "$" may be an escaped character, as in $\{0.33, 0.66, 1\}$.
    const inline = /^\$(?=\S)((?:\\.|[^\\$\n])*?(?:\\.|[^\\\s$]))\$(?!\d)/.exec(src);
    if (inline) return { type: "inlineMath", raw: inline[0], text: inline[1] ?? "", displayMode: false };
    return undefined;
  },
  renderer: (token) => renderTex((token as MathToken).text, (token as MathToken).displayMode),
};

const marked = new Marked({ gfm: true, extensions: [blockMath, inlineMath] });

const IMAGE_TYPES: { [ext: string]: string } = {
  ".png": "image/png",
  ".gif": "image/gif",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".svg": "image/svg+xml",
  ".webp": "image/webp",
};

export interface MarkdownContext {
  /** Cell attachments referenced as `attachment:name`. */
  attachments?: { [name: string]: { [mime: string]: string } };
  /** Folder that relative image paths are read from, to embed them in the page. */
  baseDir?: string;
}

/** Embeds the images a markdown cell refers to, since the page must not depend on other files. */
function embedImage(href: string, context: MarkdownContext): string | undefined {
  if (href.startsWith("attachment:")) {
    const bundle = context.attachments?.[decodeURIComponent(href.slice("attachment:".length))];
    const mime = bundle && Object.keys(bundle)[0];
    return mime && bundle ? `data:${mime};base64,${String(bundle[mime]).replace(/\s/g, "")}` : undefined;
  }
  if (!context.baseDir || /^[a-z][a-z0-9+.-]*:/i.test(href) || href.startsWith("/")) return undefined;
  const file = path.resolve(context.baseDir, decodeURIComponent(href.split(/[?#]/)[0] ?? ""));
  const mime = IMAGE_TYPES[path.extname(file).toLowerCase()];
  if (!mime || !fs.existsSync(file)) return undefined;
  return `data:${mime};base64,${fs.readFileSync(file).toString("base64")}`;
}

export function renderMarkdown(source: string, context: MarkdownContext = {}): string {
  const tokens = marked.lexer(source);
  marked.walkTokens(tokens, (token: Token) => {
    if (token.type === "image") {
      const embedded = embedImage(token.href, context);
      if (embedded) token.href = embedded;
    }
  });
  return marked.parser(tokens);
}

/** The text of the first heading, for page titles and the index. */
export function firstHeading(markdownSources: string[]): string | undefined {
  for (const source of markdownSources) {
    const heading = marked.lexer(source).find((t): t is Tokens.Heading => t.type === "heading");
    if (heading) {
      const text = heading.text
        .replace(/\[([^\]]*)\]\([^)]*\)/g, "$1")
        .replace(/[`*_$\\]/g, "")
        .trim();
      if (text) return text;
    }
  }
  return undefined;
}
