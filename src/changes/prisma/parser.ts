/**
 * The Prisma schema language, read by a small purpose-built parser (there is no
 * maintained npm parser to use): blocks (model, enum, type, view, datasource,
 * generator), their fields, enum values and attributes with their arguments.
 * Pure; the prisma-schema detector's classifier (classify.ts) gives them meaning.
 */
// ---------------------------------------------------------------------------
// The Prisma schema language: a small parser
// ---------------------------------------------------------------------------

const BLOCK_KEYWORDS = ["model", "enum", "type", "view", "datasource", "generator"] as const;
export type BlockKeyword = (typeof BLOCK_KEYWORDS)[number];

export interface Attribute {
  /** Without the @ / @@: "unique", "relation", "db.VarChar", "index", "map". */
  name: string;
  /** Whether written @@name (a block attribute). */
  block: boolean;
  /** The argument text with whitespace outside strings removed; "" without parentheses. */
  args: string;
  /** As written, whitespace collapsed, for details: `@@index([channelId, createdAt])`. */
  source: string;
  line: number;
}

export interface Field {
  name: string;
  /** The base type: `String`, `Role`, `Unsupported("circle")`. */
  type: string;
  optional: boolean;
  list: boolean;
  attributes: Attribute[];
  line: number;
}

export interface EnumValue {
  name: string;
  attributes: Attribute[];
  line: number;
}

export interface Block {
  keyword: BlockKeyword;
  name: string;
  line: number;
  fields: Field[];
  values: EnumValue[];
  attributes: Attribute[];
}

export type ParseResult =
  { ok: true; schema: Block[] } | { ok: false; message: string; line: number };

class SchemaSyntaxError extends Error {
  constructor(
    message: string,
    readonly line: number,
  ) {
    super(message);
  }
}

export function parseSchema(text: string): ParseResult {
  try {
    return { ok: true, schema: parseBlocks(stripComments(text)) };
  } catch (error) {
    if (error instanceof SchemaSyntaxError)
      return { ok: false, message: error.message, line: error.line };
    throw error;
  }
}

/**
 * Blanks `//` and `///` comments (keeping line breaks, so line numbers hold) while
 * leaving strings alone: `@default("https://example.com")` is not a comment.
 */
export function stripComments(text: string): string {
  let out = "";
  let line = 1;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === "\n") {
      if (inString) throw new SchemaSyntaxError("unterminated string", line);
      line++;
      out += c;
    } else if (inString) {
      out += c;
      if (c === "\\" && i + 1 < text.length && text[i + 1] !== "\n") out += text[++i];
      else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
      out += c;
    } else if (c === "/" && text[i + 1] === "/") {
      while (i + 1 < text.length && text[i + 1] !== "\n") i++;
    } else {
      out += c;
    }
  }
  if (inString) throw new SchemaSyntaxError("unterminated string", line);
  return out;
}

const BLOCK_HEADER = /([A-Za-z_][A-Za-z0-9_]*)[ \t]+([A-Za-z_][A-Za-z0-9_]*)\s*\{/y;

/** Top level: a sequence of `keyword Name { ... }` blocks and nothing else. */
function parseBlocks(text: string): Block[] {
  const blocks: Block[] = [];
  let i = 0;
  let line = 1;
  for (;;) {
    while (i < text.length && /\s/.test(text[i]!)) if (text[i++] === "\n") line++;
    if (i >= text.length) return blocks;
    BLOCK_HEADER.lastIndex = i;
    const header = BLOCK_HEADER.exec(text);
    if (!header) {
      const what = text.slice(i).split("\n", 1)[0]!.trim().slice(0, 40);
      throw new SchemaSyntaxError(
        what === "}" ? "unbalanced braces: unexpected }" : `unexpected "${what}" outside a block`,
        line,
      );
    }
    const keyword = header[1]!;
    if (!(BLOCK_KEYWORDS as readonly string[]).includes(keyword)) {
      throw new SchemaSyntaxError(`unknown block type "${keyword}"`, line);
    }
    const headerLine = line;
    const bodyStart = i + header[0].length;
    line += countNewlines(header[0]);
    const bodyEnd = findBlockEnd(text, bodyStart, header[2]!, headerLine);
    const block: Block = {
      keyword: keyword as BlockKeyword,
      name: header[2]!,
      line: headerLine,
      fields: [],
      values: [],
      attributes: [],
    };
    fillBlock(block, logicalLines(text.slice(bodyStart, bodyEnd), line));
    blocks.push(block);
    line += countNewlines(text.slice(bodyStart, bodyEnd + 1));
    i = bodyEnd + 1;
  }
}

function countNewlines(text: string): number {
  let n = 0;
  for (const c of text) if (c === "\n") n++;
  return n;
}

/** Index of the `}` closing a block. Prisma bodies hold no braces, so a `{` means one is missing. */
function findBlockEnd(text: string, start: number, name: string, headerLine: number): number {
  let line = headerLine;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i]!;
    if (c === "\n") line++;
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
    } else if (c === "{") {
      throw new SchemaSyntaxError(
        `unbalanced braces: block "${name}" (line ${headerLine}) is not closed before this line`,
        line,
      );
    } else if (c === "}") {
      return i;
    }
  }
  throw new SchemaSyntaxError(`unbalanced braces: block "${name}" is never closed`, headerLine);
}

interface LogicalLine {
  text: string;
  line: number;
}

/**
 * A block body split into declarations: a line break ends one unless it is inside
 * parentheses or brackets (attribute arguments may span lines).
 */
function logicalLines(body: string, firstLine: number): LogicalLine[] {
  const lines: LogicalLine[] = [];
  let current = "";
  let start = firstLine;
  let line = firstLine;
  let depth = 0;
  let inString = false;
  const flush = (): void => {
    if (current.trim() !== "") lines.push({ text: current.trim(), line: start });
    current = "";
  };
  for (let i = 0; i < body.length; i++) {
    const c = body[i]!;
    if (current.trim() === "" && !/\s/.test(c)) start = line;
    if (c === "\n") line++;
    if (inString) {
      if (c === "\\") {
        current += c + (body[i + 1] ?? ""); // an escaped character, possibly a quote
        i++;
        continue;
      }
      if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
    } else if (c === "(" || c === "[") {
      depth++;
    } else if (c === ")" || c === "]") {
      if (--depth < 0) throw new SchemaSyntaxError(`unbalanced "${c}"`, line);
    } else if (c === "\n" && depth === 0) {
      flush();
      continue;
    }
    current += c;
  }
  if (depth !== 0) throw new SchemaSyntaxError("unbalanced parentheses or brackets", start);
  flush();
  return lines;
}

function fillBlock(block: Block, lines: LogicalLine[]): void {
  // datasource / generator hold `key = value` settings, irrelevant to the data model.
  if (block.keyword === "datasource" || block.keyword === "generator") return;
  for (const { text, line } of lines) {
    if (text.startsWith("@@")) block.attributes.push(...parseAttributes(text, line));
    else if (block.keyword === "enum") block.values.push(parseEnumValue(text, line));
    else block.fields.push(parseField(text, line));
  }
}

const FIELD =
  /^([A-Za-z_][A-Za-z0-9_]*)\s+([A-Za-z_][A-Za-z0-9_]*(?:\((?:[^()"]|"(?:[^"\\]|\\.)*")*\))?)(\[\])?(\?)?(?=\s|@|$)/;

/** `name Type[]? @attr(...) @attr` */
export function parseField(text: string, line: number): Field {
  const m = FIELD.exec(text);
  if (!m)
    throw new SchemaSyntaxError(`cannot read the field declaration "${text.slice(0, 60)}"`, line);
  return {
    name: m[1]!,
    type: m[2]!,
    list: m[3] !== undefined,
    optional: m[4] !== undefined,
    attributes: parseAttributes(text.slice(m[0].length), line),
    line,
  };
}

function parseEnumValue(text: string, line: number): EnumValue {
  const m = /^([A-Za-z_][A-Za-z0-9_]*)(?=\s|@|$)/.exec(text);
  if (!m) throw new SchemaSyntaxError(`cannot read the enum value "${text.slice(0, 60)}"`, line);
  return { name: m[1]!, attributes: parseAttributes(text.slice(m[0].length), line), line };
}

const ATTRIBUTE_NAME = /(@@?)([A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)/y;

/** A run of attributes: `@id @default(cuid()) @db.VarChar(80)`. */
export function parseAttributes(text: string, line: number): Attribute[] {
  const attributes: Attribute[] = [];
  let i = 0;
  for (;;) {
    while (i < text.length && /\s/.test(text[i]!)) i++;
    if (i >= text.length) return attributes;
    ATTRIBUTE_NAME.lastIndex = i;
    const m = ATTRIBUTE_NAME.exec(text);
    if (!m) throw new SchemaSyntaxError(`unexpected "${text.slice(i, i + 40).trim()}"`, line);
    const start = i;
    i += m[0].length;
    let args = "";
    if (text[i] === "(") {
      const end = closingParen(text, i);
      if (end === -1) throw new SchemaSyntaxError(`unbalanced parentheses in ${m[0]}`, line);
      args = withoutSpaces(text.slice(i + 1, end));
      i = end + 1;
    }
    const source = text
      .slice(start, i)
      .replace(/\s+/g, " ")
      .replace(/\( /g, "(")
      .replace(/ \)/g, ")");
    attributes.push({ name: m[2]!, block: m[1] === "@@", args, source, line });
  }
}

/** Index of the parenthesis closing the one at `open`, skipping strings; -1 if none. */
function closingParen(text: string, open: number): number {
  let depth = 0;
  for (let i = open; i < text.length; i++) {
    const c = text[i]!;
    if (c === '"') {
      for (i++; i < text.length && text[i] !== '"'; i++) if (text[i] === "\\") i++;
    } else if (c === "(") depth++;
    else if (c === ")" && --depth === 0) return i;
  }
  return -1;
}

/** Removes whitespace outside string literals, so argument texts compare reliably. */
function withoutSpaces(text: string): string {
  return text.replace(/"(?:[^"\\]|\\.)*"|\s+/g, (m) => (m.startsWith('"') ? m : ""));
}

// ---------------------------------------------------------------------------
// Attribute arguments
// ---------------------------------------------------------------------------

/** Splits normalised arguments on commas outside brackets, parentheses and strings. */
export function splitArgs(args: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = "";
  for (let i = 0; i < args.length; i++) {
    const c = args[i]!;
    if (c === '"') {
      let j = i + 1;
      while (j < args.length && args[j] !== '"') j += args[j] === "\\" ? 2 : 1;
      current += args.slice(i, j + 1);
      i = j;
      continue;
    }
    if ("([{".includes(c)) depth++;
    if (")]}".includes(c)) depth--;
    if (c === "," && depth === 0) {
      parts.push(current);
      current = "";
    } else current += c;
  }
  if (current !== "") parts.push(current);
  return parts;
}

const NAMED_ARG = /^([A-Za-z_][A-Za-z0-9_]*):(.*)$/s;

export function namedArg(attribute: Attribute | undefined, key: string): string | undefined {
  if (!attribute) return undefined;
  for (const part of splitArgs(attribute.args)) {
    const m = NAMED_ARG.exec(part);
    if (m && m[1] === key) return m[2];
  }
  return undefined;
}

export function positionalArgs(attribute: Attribute | undefined): string[] {
  if (!attribute) return [];
  return splitArgs(attribute.args).filter((part) => !NAMED_ARG.test(part));
}

/** Named arguments other than `except`, canonically ordered: `map:"x",type:Hash`. */
export function otherNamedArgs(attribute: Attribute, except: string[]): string[] {
  return splitArgs(attribute.args)
    .filter((part) => {
      const m = NAMED_ARG.exec(part);
      return m !== null && !except.includes(m[1]!);
    })
    .sort();
}

export function unquote(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  return value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
}

export interface ListedField {
  name: string;
  /** Per-field arguments, canonically ordered: `length:10,sort:Desc`. */
  modifiers: string;
}

/** `[channelId,createdAt(sort:Desc)]` → channelId, createdAt with its modifiers. */
export function fieldList(value: string | undefined): ListedField[] {
  if (value === undefined) return [];
  const inner = value.startsWith("[") && value.endsWith("]") ? value.slice(1, -1) : value;
  return splitArgs(inner).map((item) => {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:\((.*)\))?$/s.exec(item);
    if (!m) return { name: item, modifiers: "" };
    return { name: m[1]!, modifiers: m[2] ? splitArgs(m[2]).sort().join(",") : "" };
  });
}
