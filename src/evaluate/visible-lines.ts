/**
 * Which lines of a GitHub comment a reader sees as text of the commenter's own,
 * starting a line: the only places a sign-off command may count.
 *
 * GitHub renders comments as CommonMark (GFM), so this follows CommonMark's
 * block structure rather than looking at lines one by one: a fence closes only
 * on a line with nothing but the fence (```` ```js ```` inside a fence is code);
 * an HTML comment or `<pre>` block hides everything up to its end, however many
 * lines; a line right after a `>` quote line continues the quote (a "lazy
 * continuation") unless a blank line or another block comes between; four
 * spaces start code only where they cannot continue a paragraph. Inside a
 * paragraph, a line start hidden in a code span, an HTML comment or tag, or a
 * link reference definition is not text a reader sees either.
 *
 * What it returns is deliberately narrow (only a paragraph line, or a line of an
 * HTML block, whose start is plain text): where the structure is unclear, a line
 * is left out, so a command never counts from text nobody could read.
 */

export interface VisibleLine {
  /** The line from its first non-blank character, as written. */
  text: string;
  /**
   * The line has no `>` but continues the quote above it: the reader sees it
   * inside the quote. Probably meant as the commenter's own text, so worth a word.
   */
  continuesQuote: boolean;
}

/** `hasContent`: an item that opened blank and meets a blank line has ended (CommonMark). */
type Container = { kind: "quote" } | { kind: "item"; indent: number; hasContent: boolean };

type Leaf =
  | { kind: "none" }
  | { kind: "paragraph"; inQuote: boolean; lines: ParagraphLine[] }
  | { kind: "fence"; char: string; length: number }
  | { kind: "indented" }
  | { kind: "html"; end: RegExp | "blank"; inQuote: boolean; lines: string[] };

interface ParagraphLine {
  text: string;
  /** False when a list marker opened on this line: the line starts with the bullet. */
  startsLine: boolean;
  continuesQuote: boolean;
}

/** Quotes and list items nested deeper than this end the reading: nothing past them counts. */
const MAX_NESTING = 32;

export function visibleLines(body: string): VisibleLine[] {
  const out: VisibleLine[] = [];
  let containers: Container[] = [];
  let leaf: Leaf = { kind: "none" };
  const close = () => {
    if (leaf.kind === "paragraph") out.push(...paragraphLines(leaf));
    if (leaf.kind === "html" && leaf.end === "blank" && !leaf.inQuote)
      out.push(...htmlBlockLines(leaf.lines));
    leaf = { kind: "none" };
  };

  for (const raw of body.split(/\r\n?|\n/)) {
    const { line, toRaw } = expandTabs(raw);
    const rawFrom = (col: number) => raw.slice(toRaw[Math.min(col, line.length)]);

    // 1. Which open containers this line continues.
    let pos = 0;
    let matched = 0;
    for (const container of containers) {
      const { indent, next } = indentAt(line, pos);
      if (container.kind === "quote") {
        if (indent > 3 || line[next] !== ">") break;
        pos = line[next + 1] === " " ? next + 2 : next + 1;
      } else if (next < line.length) {
        if (indent < container.indent) break;
        pos += container.indent;
      } else if (!container.hasContent) {
        break;
      }
      matched++;
    }
    const allMatched = matched === containers.length;

    // 2. A fence, HTML block or indented code continues only inside all its containers.
    if (allMatched && leaf.kind === "fence") {
      const closing = /^ {0,3}(`{3,}|~{3,})[ \t]*$/.exec(line.slice(pos));
      if (closing && closing[1]![0] === leaf.char && closing[1]!.length >= leaf.length)
        leaf = { kind: "none" };
      continue;
    }
    if (allMatched && leaf.kind === "html") {
      if (leaf.end === "blank") {
        if (isBlank(line.slice(pos))) close();
        else leaf.lines.push(rawFrom(pos));
      } else if (leaf.end.test(line.slice(pos))) close();
      continue;
    }
    if (allMatched && leaf.kind === "indented") {
      const { indent, next } = indentAt(line, pos);
      if (next >= line.length || indent >= 4) continue;
      close();
    }
    if (!allMatched && leaf.kind !== "paragraph") close();

    // 3. New containers and block starts on this line.
    const paragraphOpen = leaf.kind === "paragraph";
    const opened: Container[] = [];
    // Only a line inside all of the paragraph's containers can be a setext underline or be barred from starting a list.
    const continuesParagraph = () => allMatched && paragraphOpen && opened.length === 0;
    let openedItem = false;
    let start: Leaf | "heading" | "break" | "setext" | undefined;
    for (;;) {
      if (matched + opened.length > MAX_NESTING) {
        // Nobody writes a sign-off this deep; reading on would only cost time. Fail closed.
        close();
        return out;
      }
      const { indent, next } = indentAt(line, pos);
      if (indent >= 4) break;
      const rest = line.slice(next);
      if (rest.startsWith(">")) {
        opened.push({ kind: "quote" });
        pos = rest[1] === " " ? next + 2 : next + 1;
        continue;
      }
      if (/^#{1,6}(?:[ \t]|$)/.test(rest)) {
        start = "heading";
        break;
      }
      const fence = /^(`{3,}|~{3,})(.*)$/.exec(rest);
      if (fence && !(fence[1]![0] === "`" && fence[2]!.includes("`"))) {
        start = { kind: "fence", char: fence[1]![0]!, length: fence[1]!.length };
        break;
      }
      const html = htmlBlockStart(rest, paragraphOpen && opened.length === 0);
      if (html) {
        start = { kind: "html", end: html, inQuote: false, lines: [rawFrom(next)] };
        break;
      }
      // Under a paragraph that is only link reference definitions, an underline is not one.
      if (continuesParagraph() && /^(?:=+|-+)[ \t]*$/.test(rest) && !onlyDefinitions(leaf)) {
        start = "setext";
        break;
      }
      if (/^(?:(?:\*[ \t]*){3,}|(?:-[ \t]*){3,}|(?:_[ \t]*){3,})$/.test(rest)) {
        start = "break";
        break;
      }
      const item = listItemStart(rest, continuesParagraph());
      if (item) {
        opened.push({ kind: "item", indent: indent + item.padding, hasContent: false });
        pos = Math.min(next + item.padding, line.length);
        openedItem = true;
        continue;
      }
      break;
    }

    const { indent, next } = indentAt(line, pos);
    const blank = next >= line.length;
    // A lazy line continues a paragraph whose containers (a quote) it did not repeat.
    const lazy =
      !allMatched && paragraphOpen && opened.length === 0 && start === undefined && !blank;
    const continuesQuote =
      lazy &&
      !containers.slice(0, matched).some((c) => c.kind === "quote") &&
      containers.slice(matched).some((c) => c.kind === "quote");
    if (!lazy) {
      if (!allMatched || opened.length > 0 || start !== undefined) close();
      containers = [...containers.slice(0, matched), ...opened];
    }
    const inQuote = containers.some((c) => c.kind === "quote");
    containers.forEach((c, k) => {
      if (c.kind === "item" && (k < containers.length - 1 || !blank)) c.hasContent = true;
    });

    // A setext underline turned the paragraph above into a heading, as readable as it was.
    if (start === "heading" || start === "break" || start === "setext") continue;
    if (start !== undefined) {
      if (start.kind === "html") {
        start.inQuote = inQuote;
        if (start.end !== "blank" && start.end.test(line.slice(next))) continue;
      }
      leaf = start;
      continue;
    }
    if (blank) {
      if (leaf.kind === "paragraph") close();
      continue;
    }
    if (indent >= 4 && leaf.kind !== "paragraph") {
      leaf = { kind: "indented" };
      continue;
    }
    const paragraphLine: ParagraphLine = {
      text: rawFrom(next),
      startsLine: !openedItem,
      continuesQuote,
    };
    if (leaf.kind === "paragraph") leaf.lines.push(paragraphLine);
    else leaf = { kind: "paragraph", inQuote, lines: [paragraphLine] };
  }
  close();
  return out;
}

function onlyDefinitions(leaf: Leaf): boolean {
  if (leaf.kind !== "paragraph") return false;
  const text = leaf.lines.map((l) => l.text).join("\n");
  let at = 0;
  for (
    let end = matchAt(LINK_DEFINITION, text, at);
    end !== undefined && end > at;
    end = matchAt(LINK_DEFINITION, text, at)
  )
    at = end;
  return at >= text.length;
}

/** A paragraph's lines whose start is plain text: outside quotes, code spans, HTML and link definitions. */
function paragraphLines(paragraph: Extract<Leaf, { kind: "paragraph" }>): VisibleLine[] {
  const hidden = hiddenLineStarts(
    paragraph.lines.map((l) => l.text),
    "markdown",
  );
  return paragraph.lines
    .filter((l, i) => l.startsLine && !hidden.has(i) && (!paragraph.inQuote || l.continuesQuote))
    .map((l) => ({ text: l.text, continuesQuote: l.continuesQuote }));
}

/** Raw HTML shows its text, except inside comments, tags and script-like elements. */
function htmlBlockLines(lines: string[]): VisibleLine[] {
  const hidden = hiddenLineStarts(lines, "html");
  return lines
    .map((text) => ({ text: text.replace(/^[ \t]+/, ""), continuesQuote: false }))
    .filter((_, i) => i > 0 && !hidden.has(i));
}

/**
 * A link reference definition, read no more widely than the reference
 * implementation does: a line taken for a definition hides its backticks and
 * `<`, so one that is really paragraph text (a destination with an unbalanced
 * parenthesis, a tab where commonmark.js allows only spaces) could hide the
 * opening of a code span and show a line inside it. A definition missed is
 * read as text, which can only hide more. A backslash escapes one character or
 * stands alone before a space: never both, so no input backtracks.
 */
const LINK_DEFINITION =
  /\[(?=[^\]]*\S)(?:[^\\[\]]|\\.){1,999}\]: *\n? *(?:<[^<>\n]*>|(?!<)(?:[^\s()\\]|\\\S|\\(?=\s|$)|\((?:[^\s()\\]|\\\S)*\))+)(?:(?: +| *\n *)(?:"[^"]*"|'[^']*'|\([^()]*\)))? *(?:\n|$)/y;
const OPEN_TAG_SOURCE = String.raw`<[A-Za-z][A-Za-z0-9-]*(?:\s+[A-Za-z_:][A-Za-z0-9_.:-]*(?:\s*=\s*(?:[^"'=<>\x60\x00-\x20]+|'[^']*'|"[^"]*"))?)*\s*\/?>`;
const CLOSE_TAG_SOURCE = String.raw`<\/[A-Za-z][A-Za-z0-9-]*\s*>`;
/**
 * Inline raw HTML and autolinks. Those that run to a terminator carry the prefix
 * that opens them: once no terminator follows one, none follows a later one
 * either, which keeps a comment full of unclosed `<!--` linear.
 */
const INLINE_HTML: { opens?: RegExp; pattern: RegExp }[] = [
  { opens: /<!--/y, pattern: /<!--[\s\S]*?-->/y },
  { opens: /<\?/y, pattern: /<\?[\s\S]*?\?>/y },
  { opens: /<!\[CDATA\[/y, pattern: /<!\[CDATA\[[\s\S]*?\]\]>/y },
  { opens: /<![A-Za-z]/y, pattern: /<![A-Za-z][^>]*>/y },
  { pattern: new RegExp(CLOSE_TAG_SOURCE, "y") },
  { pattern: new RegExp(OPEN_TAG_SOURCE, "y") },
  {
    // CommonMark's autolink excludes control characters (NUL included) from the URI.
    pattern:
      // eslint-disable-next-line no-control-regex
      /<(?:[A-Za-z][A-Za-z0-9+.-]{1,31}:[^<>\x00-\x20]*|[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*)>/y,
  },
];
/** Elements of raw HTML whose content is not read as text (scripts, styles) or is code (`pre`). */
const OPAQUE_ELEMENT = /<(script|style|textarea|pre)(?=[\s/>])/iy;

/**
 * Indices of the lines whose start falls inside something a reader does not see
 * as text: a code span or raw HTML that began on an earlier line, or a link
 * reference definition (markdown); a comment, tag or script-like element (html).
 */
function hiddenLineStarts(lines: string[], mode: "markdown" | "html"): Set<number> {
  const text = lines.join("\n");
  const spans: [number, number][] = [];
  const unterminated = new Set<unknown>();
  let i = 0;
  if (mode === "markdown") {
    // Link reference definitions only open a paragraph; they render as nothing.
    for (
      let end = matchAt(LINK_DEFINITION, text, i);
      end !== undefined;
      end = matchAt(LINK_DEFINITION, text, i)
    ) {
      spans.push([i, end]);
      i = end;
    }
  }
  while (i < text.length) {
    const c = text[i];
    let end: number | undefined;
    if (mode === "markdown" && c === "\\") {
      i += 2;
      continue;
    }
    if (mode === "markdown" && c === "`") {
      const opening = /`+/y;
      opening.lastIndex = i;
      const length = opening.exec(text)![0].length;
      end = unterminated.has(length) ? undefined : codeSpanEnd(text, i + length, length);
      if (end === undefined) {
        unterminated.add(length);
        i += length;
        continue;
      }
    } else if (c === "<") {
      end = mode === "html" ? rawHtmlEnd(text, i) : undefined;
      for (const { opens, pattern } of INLINE_HTML) {
        if (end !== undefined) break;
        if (
          opens !== undefined &&
          (matchAt(opens, text, i) === undefined || unterminated.has(opens))
        )
          continue;
        end = matchAt(pattern, text, i);
        if (end === undefined && opens !== undefined) unterminated.add(opens);
      }
    }
    if (end === undefined) {
      i++;
      continue;
    }
    spans.push([i, end]);
    i = end;
  }
  // Spans come in order and do not overlap: one pass over lines and spans.
  const hidden = new Set<number>();
  let offset = 0;
  let s = 0;
  lines.forEach((line, index) => {
    while (s < spans.length && spans[s]![1] <= offset) s++;
    const span = spans[s];
    if (span && span[0] < offset && offset < span[1]) hidden.add(index);
    offset += line.length + 1;
  });
  return hidden;
}

/** In raw HTML, where a comment (to the end if unclosed) or a script-like element ends. */
function rawHtmlEnd(text: string, at: number): number | undefined {
  if (text.startsWith("<!--", at)) {
    const close = text.indexOf("-->", at + 4);
    return close < 0 ? text.length : close + 3;
  }
  OPAQUE_ELEMENT.lastIndex = at;
  const opaque = OPAQUE_ELEMENT.exec(text);
  if (!opaque) return undefined;
  const closing = new RegExp(`</${opaque[1]}\\s*>`, "ig");
  closing.lastIndex = at;
  return closing.exec(text) ? closing.lastIndex : text.length;
}

function matchAt(pattern: RegExp, text: string, at: number): number | undefined {
  pattern.lastIndex = at;
  return pattern.exec(text) ? pattern.lastIndex : undefined;
}

/** The end of a code span opened by `length` backticks, if a run of exactly that many closes it. */
function codeSpanEnd(text: string, from: number, length: number): number | undefined {
  const run = /`+/g;
  run.lastIndex = from;
  for (let m = run.exec(text); m; m = run.exec(text)) {
    if (m[0].length === length) return run.lastIndex;
  }
  return undefined;
}

const BLOCK_TAGS =
  "address|article|aside|base|basefont|blockquote|body|caption|center|col|colgroup|dd|details|dialog|dir|div|dl|dt|fieldset|figcaption|figure|footer|form|frame|frameset|h[1-6]|head|header|hr|html|iframe|legend|li|link|main|menu|menuitem|nav|noframes|ol|optgroup|option|p|param|search|section|summary|table|tbody|td|tfoot|th|thead|title|tr|track|ul";

const BLOCK_TAG_LINE = new RegExp(`^</?(?:${BLOCK_TAGS})(?:[ \\t>]|/>|$)`, "i");
const LONE_TAG_LINE = new RegExp(`^(?:${OPEN_TAG_SOURCE}|${CLOSE_TAG_SOURCE})[ \\t]*$`);

/**
 * CommonMark's seven kinds of HTML block: what starts one, and what ends it.
 * The seventh (a lone tag) cannot interrupt a paragraph.
 */
function htmlBlockStart(rest: string, interruptsParagraph: boolean): RegExp | "blank" | undefined {
  if (/^<(?:script|pre|style|textarea)(?:[ \t>]|$)/i.test(rest))
    return /<\/(?:script|pre|style|textarea)>/i;
  if (rest.startsWith("<!--")) return /-->/;
  if (rest.startsWith("<?")) return /\?>/;
  if (/^<![A-Za-z]/.test(rest)) return />/;
  if (rest.startsWith("<![CDATA[")) return /\]\]>/;
  if (BLOCK_TAG_LINE.test(rest)) return "blank";
  if (!interruptsParagraph && LONE_TAG_LINE.test(rest)) return "blank";
  return undefined;
}

/** A bullet or ordered list marker, and how far the item's content is indented past it. */
function listItemStart(
  rest: string,
  interruptsParagraph: boolean,
): { padding: number } | undefined {
  const marker = /^(?:[*+-]|(\d{1,9})[.)])(?=[ \t]|$)/.exec(rest);
  if (!marker) return undefined;
  const after = rest.slice(marker[0].length);
  if (interruptsParagraph && (isBlank(after) || (marker[1] !== undefined && marker[1] !== "1")))
    return undefined;
  const spaces = /^ */.exec(after)![0].length;
  const width = marker[0].length;
  // Blank after the marker, or five spaces or more (content that is indented code): one space counts.
  return { padding: isBlank(after) || spaces >= 5 ? width + 1 : width + spaces };
}

function indentAt(line: string, from: number): { indent: number; next: number } {
  let next = from;
  while (line[next] === " ") next++;
  return { indent: next - from, next };
}

function isBlank(text: string): boolean {
  return /^[ \t]*$/.test(text);
}

/**
 * Tabs as CommonMark counts them (to the next multiple of four columns), with
 * where each column came from in the line as written.
 */
function expandTabs(raw: string): { line: string; toRaw: number[] } {
  let line = "";
  const toRaw: number[] = [];
  for (let i = 0; i < raw.length; i++) {
    if (raw[i] === "\t") {
      const width = 4 - (line.length % 4);
      for (let k = 0; k < width; k++) toRaw.push(i);
      line += " ".repeat(width);
    } else {
      toRaw.push(i);
      line += raw[i];
    }
  }
  toRaw.push(raw.length);
  return { line, toRaw };
}
