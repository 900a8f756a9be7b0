/**
 * Classifies changes to a Prisma schema (`schema.prisma`, or one file of a
 * multi-file schema) by what they will do to the database once migrated.
 *
 * Base and head are parsed with a small purpose-built parser of the Prisma schema
 * language (there is no maintained npm parser to use) and compared model by model:
 *
 * - `migration-destructive`: a model, composite type or enum removed; a field
 *   removed; a field retyped (`Int` → `String`, list ↔ scalar, `String?` →
 *   `String` i.e. becomes required, native type `@db.VarChar(255)` →
 *   `@db.VarChar(100)`); an enum value removed; `@map`/`@@map`/`@@schema` changed
 *   (a rename at the database level); a primary key changed; a foreign key
 *   (`@relation(fields: ...)`) removed or changed; an implicit many-to-many relation
 *   removed (its join table is dropped); a required field added to an existing
 *   model without `@default` (NOT NULL without a default fails on a non-empty
 *   table; `@updatedAt` has no database default either).
 * - `migration-index`: `@@index`, `@@unique`, `@@fulltext`, `@unique` added to or
 *   removed from an existing model, a primary key added, a foreign key added.
 *
 * Decisions worth knowing:
 * - Models and fields are matched by Prisma name first, then by database name, so
 *   renaming a model or field while keeping its `@@map`/`@map` (a client-only
 *   rename) is not a finding, and a model renamed without `@@map` is removed+added.
 * - A new model is not reported at all, not even its indexes or foreign keys: the
 *   table is empty, so building them is free. (The SQL detector applies the same
 *   rule to tables created in the migration.)
 * - Moving a unique constraint between `@unique` and `@@unique([x])` is not a change.
 * - Widening a variable-length native type (`@db.VarChar(80)` → `@db.VarChar(200)`)
 *   is not destructive; every other native type change is.
 * - Views are skipped: Prisma Migrate does not manage them.
 * - With only a patch (no base/head content) the detector falls back to line
 *   heuristics on the added and removed lines; their details say so.
 * - A schema that cannot be parsed (unbalanced braces, unterminated string, a line
 *   that is not a field) yields a DetectionProblem and a conservative
 *   `migration-destructive` finding. The detector never throws.
 *
 * Known limitations: in a multi-file schema (`prisma/schema/*.prisma`) moving a
 * model between files reads as a removal from one file; relation targets defined
 * in another file are assumed to keep their model name as table name.
 */
import { diffLines, type DiffLine } from "./diff.js";
import type { ChangeKind, ChangedFile, DetectionResult, Detector, Finding } from "./types.js";
import { unreadChange } from "./unread.js";

const DETECTOR_ID = "prisma-schema";

export const prismaSchemaDetector: Detector = {
  id: DETECTOR_ID,
  kinds: ["migration-destructive", "migration-index"],
  appliesTo: (path) => /\.prisma$/i.test(path),
  needsContent: true,
  detect(file) {
    try {
      return detectPrismaSchema(file);
    } catch (error) {
      // Detectors must never throw; an unexpected failure is reported like an unreadable file.
      return unreadable(file, `unexpected error: ${error instanceof Error ? error.message : String(error)}`);
    }
  },
};

function detectPrismaSchema(file: ChangedFile): DetectionResult {
  // An added file has no base and a removed one no head, whether or not the caller said so.
  const base = file.base === undefined && file.status === "added" ? null : file.base;
  const head = file.head === undefined && file.status === "removed" ? null : file.head;
  if (base !== undefined && head !== undefined) return compareContents(file, base, head);
  if (file.patch !== undefined && file.patch !== "") return { findings: findingsFromPatch(file), problems: [] };
  const unread = unreadChange(file);
  // Without a patch or content only a pure rename is known to leave the schema as it was.
  return unread === undefined ? { findings: [], problems: [] } : unreadable(file, unread);
}

/** Compares both versions whole; exported for tests that feed it hostile input without the detector's catch-all. */
export function compareContents(file: ChangedFile, base: string | null, head: string | null): DetectionResult {
  const before = parseSchema(base ?? "");
  const after = parseSchema(head ?? "");
  if (!before.ok) return unreadable(file, `cannot parse the schema at base: line ${before.line}: ${before.message}`, before.line);
  if (!after.ok) return unreadable(file, `cannot parse the schema at head: line ${after.line}: ${after.message}`, after.line);
  const findings = compareSchemas(indexSchema(before.schema), indexSchema(after.schema)).map(
    (f): Finding => ({ kind: f.kind, path: file.path, detail: f.detail, line: f.line }),
  );
  return { findings, problems: [] };
}

function unreadable(file: ChangedFile, message: string, line?: number): DetectionResult {
  const finding: Finding = {
    kind: "migration-destructive",
    path: file.path,
    detail: `could not read the Prisma schema (${message}); assuming a destructive change`,
    conservative: true,
  };
  if (line !== undefined) finding.line = line;
  return { findings: [finding], problems: [{ path: file.path, detector: DETECTOR_ID, message }] };
}

// ---------------------------------------------------------------------------
// The Prisma schema language: a small parser
// ---------------------------------------------------------------------------

const BLOCK_KEYWORDS = ["model", "enum", "type", "view", "datasource", "generator"] as const;
type BlockKeyword = (typeof BLOCK_KEYWORDS)[number];

interface Attribute {
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

interface Field {
  name: string;
  /** The base type: `String`, `Role`, `Unsupported("circle")`. */
  type: string;
  optional: boolean;
  list: boolean;
  attributes: Attribute[];
  line: number;
}

interface EnumValue {
  name: string;
  attributes: Attribute[];
  line: number;
}

interface Block {
  keyword: BlockKeyword;
  name: string;
  line: number;
  fields: Field[];
  values: EnumValue[];
  attributes: Attribute[];
}

export type ParseResult = { ok: true; schema: Block[] } | { ok: false; message: string; line: number };

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
    if (error instanceof SchemaSyntaxError) return { ok: false, message: error.message, line: error.line };
    throw error;
  }
}

/**
 * Blanks `//` and `///` comments (keeping line breaks, so line numbers hold) while
 * leaving strings alone: `@default("https://example.com")` is not a comment.
 */
function stripComments(text: string): string {
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
      throw new SchemaSyntaxError(what === "}" ? "unbalanced braces: unexpected }" : `unexpected "${what}" outside a block`, line);
    }
    const keyword = header[1]!;
    if (!(BLOCK_KEYWORDS as readonly string[]).includes(keyword)) {
      throw new SchemaSyntaxError(`unknown block type "${keyword}"`, line);
    }
    const headerLine = line;
    const bodyStart = i + header[0].length;
    line += countNewlines(header[0]);
    const bodyEnd = findBlockEnd(text, bodyStart, header[2]!, headerLine);
    const block: Block = { keyword: keyword as BlockKeyword, name: header[2]!, line: headerLine, fields: [], values: [], attributes: [] };
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
      throw new SchemaSyntaxError(`unbalanced braces: block "${name}" (line ${headerLine}) is not closed before this line`, line);
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

const FIELD = /^([A-Za-z_][A-Za-z0-9_]*)\s+([A-Za-z_][A-Za-z0-9_]*(?:\((?:[^()"]|"(?:[^"\\]|\\.)*")*\))?)(\[\])?(\?)?(?=\s|@|$)/;

/** `name Type[]? @attr(...) @attr` */
function parseField(text: string, line: number): Field {
  const m = FIELD.exec(text);
  if (!m) throw new SchemaSyntaxError(`cannot read the field declaration "${text.slice(0, 60)}"`, line);
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
function parseAttributes(text: string, line: number): Attribute[] {
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
    const source = text.slice(start, i).replace(/\s+/g, " ").replace(/\( /g, "(").replace(/ \)/g, ")");
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
function splitArgs(args: string): string[] {
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

function namedArg(attribute: Attribute | undefined, key: string): string | undefined {
  if (!attribute) return undefined;
  for (const part of splitArgs(attribute.args)) {
    const m = NAMED_ARG.exec(part);
    if (m && m[1] === key) return m[2];
  }
  return undefined;
}

function positionalArgs(attribute: Attribute | undefined): string[] {
  if (!attribute) return [];
  return splitArgs(attribute.args).filter((part) => !NAMED_ARG.test(part));
}

/** Named arguments other than `except`, canonically ordered: `map:"x",type:Hash`. */
function otherNamedArgs(attribute: Attribute, except: string[]): string[] {
  return splitArgs(attribute.args)
    .filter((part) => {
      const m = NAMED_ARG.exec(part);
      return m !== null && !except.includes(m[1]!);
    })
    .sort();
}

function unquote(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  return value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
}

interface ListedField {
  name: string;
  /** Per-field arguments, canonically ordered: `length:10,sort:Desc`. */
  modifiers: string;
}

/** `[channelId,createdAt(sort:Desc)]` → channelId, createdAt with its modifiers. */
function fieldList(value: string | undefined): ListedField[] {
  if (value === undefined) return [];
  const inner = value.startsWith("[") && value.endsWith("]") ? value.slice(1, -1) : value;
  return splitArgs(inner).map((item) => {
    const m = /^([A-Za-z_][A-Za-z0-9_]*)(?:\((.*)\))?$/s.exec(item);
    if (!m) return { name: item, modifiers: "" };
    return { name: m[1]!, modifiers: m[2] ? splitArgs(m[2]).sort().join(",") : "" };
  });
}

// ---------------------------------------------------------------------------
// Database meaning of declarations
// ---------------------------------------------------------------------------

const SCALAR_TYPES = new Set(["String", "Boolean", "Int", "BigInt", "Float", "Decimal", "DateTime", "Json", "Bytes"]);

interface SchemaIndex {
  models: Map<string, Block>;
  enums: Map<string, Block>;
  composites: Map<string, Block>;
}

function indexSchema(blocks: Block[]): SchemaIndex {
  const byKeyword = (keyword: BlockKeyword): Map<string, Block> =>
    new Map(blocks.filter((b) => b.keyword === keyword).map((b) => [b.name, b]));
  return { models: byKeyword("model"), enums: byKeyword("enum"), composites: byKeyword("type") };
}

function attribute(owner: { attributes: Attribute[] }, name: string): Attribute | undefined {
  return owner.attributes.find((a) => a.name === name);
}

/** `@map("x")` / `@@map("x")` / `@map(name: "x")`, or the declared name. */
function mappedName(owner: { name: string; attributes: Attribute[] }): string {
  const map = attribute(owner, "map");
  return unquote(positionalArgs(map)[0] ?? namedArg(map, "name")) ?? owner.name;
}

/** The table (or enum type) a block maps to, including its `@@schema`. */
function dbName(block: Block): string {
  const schema = unquote(positionalArgs(attribute(block, "schema"))[0]);
  return schema ? `${schema}.${mappedName(block)}` : mappedName(block);
}

function columnName(model: Block | undefined, fieldName: string): string {
  const field = model?.fields.find((f) => f.name === fieldName);
  return field ? mappedName(field) : fieldName;
}

/**
 * Whether a field is a relation (no column of its own). Types from another file of
 * a multi-file schema are unknown here: a list of them, or one with @relation, is a
 * relation; a single one is more likely an enum column.
 */
function isRelation(field: Field, schema: SchemaIndex): boolean {
  if (schema.models.has(field.type) || attribute(field, "relation")) return true;
  const known = SCALAR_TYPES.has(field.type) || field.type.startsWith("Unsupported(");
  return !known && !schema.enums.has(field.type) && !schema.composites.has(field.type) && field.list;
}

/**
 * Base and head together, with the enum pairing: a field keeps its type when its
 * enum was renamed (that rename is reported once, on the enum).
 */
interface Comparison {
  before: SchemaIndex;
  after: SchemaIndex;
  /** Head enum name → the name of the base enum it was paired with. */
  enumOrigin: Map<string, string>;
}

function typeBefore(field: Field, cmp: Comparison): string {
  return cmp.before.enums.has(field.type) ? `enum ${field.type}` : field.type;
}

function typeAfter(field: Field, cmp: Comparison): string {
  return cmp.after.enums.has(field.type) ? `enum ${cmp.enumOrigin.get(field.type) ?? field.type}` : field.type;
}

function displayType(field: Field): string {
  return `${field.type}${field.list ? "[]" : ""}${field.optional ? "?" : ""}`;
}

function nativeType(field: Field): Attribute | undefined {
  return field.attributes.find((a) => a.name.startsWith("db."));
}

/** VarChar(80) → VarChar(200) and the like rewrite nothing and lose nothing. */
function isWidening(before: Attribute, after: Attribute): boolean {
  if (before.name !== after.name || !/^db\.(N?VarChar|VarBinary|VarBit)$/i.test(before.name)) return false;
  const from = Number(before.args);
  const to = Number(after.args);
  return Number.isFinite(from) && Number.isFinite(to) && to >= from;
}

function hasDefault(field: Field): boolean {
  return attribute(field, "default") !== undefined;
}

// ---------------------------------------------------------------------------
// Comparing two schemas
// ---------------------------------------------------------------------------

interface Change {
  kind: ChangeKind;
  detail: string;
  line: number;
}

const destructive = (detail: string, line: number): Change => ({ kind: "migration-destructive", detail, line });
const indexChange = (detail: string, line: number): Change => ({ kind: "migration-index", detail, line });

function compareSchemas(before: SchemaIndex, after: SchemaIndex): Change[] {
  const changes: Change[] = [];
  const enums = pairByName([...before.enums.values()], [...after.enums.values()], dbName);
  const cmp: Comparison = { before, after, enumOrigin: new Map(enums.pairs.map(([b, h]) => [h.name, b.name])) };
  const models = pairByName([...before.models.values()], [...after.models.values()], dbName);
  for (const removed of models.removed) {
    changes.push(destructive(`model "${removed.name}" removed (table "${dbName(removed)}" dropped)`, removed.line));
  }
  for (const [b, h] of models.pairs) changes.push(...compareModel(b, h, cmp));

  const composites = pairByName([...before.composites.values()], [...after.composites.values()], (b) => b.name);
  for (const removed of composites.removed) {
    changes.push(destructive(`composite type "${removed.name}" removed`, removed.line));
  }
  for (const [b, h] of composites.pairs) changes.push(...compareFields(b, h, cmp));

  for (const removed of enums.removed) changes.push(destructive(`enum "${removed.name}" removed`, removed.line));
  for (const [b, h] of enums.pairs) changes.push(...compareEnum(b, h));

  changes.push(...compareJoinTables(before, after));
  return changes;
}

interface Pairing<T> {
  pairs: Array<[T, T]>;
  removed: T[];
  added: T[];
}

/**
 * Pairs declarations by name, then the rest by database name: a Prisma-level
 * rename that keeps its @map/@@map is the same table or column.
 */
function pairByName<T extends { name: string }>(before: T[], after: T[], databaseName: (t: T) => string): Pairing<T> {
  const pairs: Array<[T, T]> = [];
  const unmatched = new Set(after);
  const leftover: T[] = [];
  for (const b of before) {
    const h = after.find((a) => a.name === b.name);
    if (h && unmatched.has(h)) {
      pairs.push([b, h]);
      unmatched.delete(h);
    } else leftover.push(b);
  }
  const removed: T[] = [];
  for (const b of leftover) {
    const h = [...unmatched].find((a) => databaseName(a) === databaseName(b));
    if (h) {
      pairs.push([b, h]);
      unmatched.delete(h);
    } else removed.push(b);
  }
  return { pairs, removed, added: [...unmatched] };
}

function compareModel(b: Block, h: Block, cmp: Comparison): Change[] {
  const changes: Change[] = [];
  if (dbName(b) !== dbName(h)) {
    changes.push(
      destructive(`model "${h.name}": table renamed "${dbName(b)}" → "${dbName(h)}" (@@map/@@schema changed)`, h.line),
    );
  }
  changes.push(...compareFields(b, h, cmp));
  changes.push(...comparePrimaryKeys(b, h));
  changes.push(...compareIndexes(b, h));
  changes.push(...compareForeignKeys(b, h, cmp.before, cmp.after));
  return changes;
}

/** Columns (and composite-type fields): removed, retyped, tightened, renamed, added as required. */
function compareFields(b: Block, h: Block, cmp: Comparison): Change[] {
  const changes: Change[] = [];
  const label = `${h.keyword === "type" ? "type" : "model"} "${h.name}"`;
  const fields = pairByName(
    b.fields.filter((f) => !isRelation(f, cmp.before)),
    h.fields.filter((f) => !isRelation(f, cmp.after)),
    mappedName,
  );
  for (const removed of fields.removed) {
    const column = h.keyword === "model" ? ` (column "${mappedName(removed)}" dropped)` : "";
    changes.push(destructive(`${label}: field "${removed.name}" removed${column}`, removed.line));
  }
  for (const [bf, hf] of fields.pairs) {
    const differences = fieldDifferences(bf, hf, cmp);
    if (differences.length > 0) changes.push(destructive(`${label}: field "${hf.name}" ${differences.join("; ")}`, hf.line));
  }
  for (const added of fields.added) {
    // A required column without a database default cannot be added to a table with rows.
    if (h.keyword !== "model" || added.optional || added.list || hasDefault(added)) continue;
    changes.push(
      destructive(
        `${label}: required field "${added.name}" added without @default ` +
          `(NOT NULL column fails on a non-empty table: requires a backfill or downtime)`,
        added.line,
      ),
    );
  }
  return changes;
}

function fieldDifferences(bf: Field, hf: Field, cmp: Comparison): string[] {
  const differences: string[] = [];
  if (typeBefore(bf, cmp) !== typeAfter(hf, cmp) || bf.list !== hf.list) {
    differences.push(`type changed ${displayType(bf)} → ${displayType(hf)}`);
  } else if (bf.optional && !hf.optional) {
    differences.push(`becomes required (${displayType(bf)} → ${displayType(hf)})`);
  }
  const nb = nativeType(bf);
  const nh = nativeType(hf);
  if (nb?.source !== nh?.source && !(nb && nh && isWidening(nb, nh))) {
    differences.push(`native type changed ${nb?.source ?? "(default)"} → ${nh?.source ?? "(default)"}`);
  }
  if (mappedName(bf) !== mappedName(hf)) {
    differences.push(`column renamed "${mappedName(bf)}" → "${mappedName(hf)}" (@map changed)`);
  }
  return differences;
}

/** Primary key columns: `@@id([a, b])` or the field marked `@id`. */
function primaryKey(model: Block): string[] {
  const id = attribute(model, "id");
  if (id) {
    return fieldList(namedArg(id, "fields") ?? positionalArgs(id)[0]).map((f) => columnName(model, f.name));
  }
  const field = model.fields.find((f) => attribute(f, "id"));
  return field ? [mappedName(field)] : [];
}

function comparePrimaryKeys(b: Block, h: Block): Change[] {
  const from = primaryKey(b);
  const to = primaryKey(h);
  if (from.join(",") === to.join(",")) return [];
  const line = (attribute(h, "id") ?? h.fields.find((f) => attribute(f, "id")) ?? h).line;
  if (from.length === 0) return [indexChange(`model "${h.name}": primary key (${to.join(", ")}) added`, line)];
  const target = to.length > 0 ? `(${to.join(", ")})` : "none";
  return [destructive(`model "${h.name}": primary key changed (${from.join(", ")}) → ${target}`, line)];
}

interface IndexDefinition {
  /** Database-level identity: kind, mapped columns and their modifiers, other arguments. */
  signature: string;
  display: string;
  line: number;
}

/** @@index / @@unique / @@fulltext and field-level @unique, in one comparable form. */
function indexesOf(model: Block): IndexDefinition[] {
  const indexes: IndexDefinition[] = [];
  for (const a of model.attributes) {
    if (!["index", "unique", "fulltext"].includes(a.name)) continue;
    const columns = fieldList(namedArg(a, "fields") ?? positionalArgs(a)[0]).map((f) =>
      canonicalColumn(columnName(model, f.name), f.modifiers),
    );
    // `name:` on @@unique only names the client's compound-unique input, not the index.
    const signature = `${a.name}(${columns.join(",")})|${otherNamedArgs(a, ["fields", "name"]).join(",")}`;
    indexes.push({ signature, display: a.source, line: a.line });
  }
  for (const field of model.fields) {
    const unique = attribute(field, "unique");
    if (!unique) continue;
    const modifiers = splitArgs(unique.args)
      .filter((p) => /^(sort|length):/.test(p))
      .sort()
      .join(",");
    const column = canonicalColumn(mappedName(field), modifiers);
    const signature = `unique(${column})|${otherNamedArgs(unique, ["sort", "length"]).join(",")}`;
    indexes.push({ signature, display: `${unique.source} on field "${field.name}"`, line: unique.line });
  }
  return indexes;
}

function canonicalColumn(column: string, modifiers: string): string {
  return modifiers ? `${column}(${modifiers})` : column;
}

function compareIndexes(b: Block, h: Block): Change[] {
  const before = indexesOf(b);
  const after = indexesOf(h);
  const had = new Set(before.map((i) => i.signature));
  const has = new Set(after.map((i) => i.signature));
  const label = `model "${h.name}"`;
  return [
    ...before.filter((i) => !has.has(i.signature)).map((i) => indexChange(`${label}: ${i.display} removed`, i.line)),
    ...after.filter((i) => !had.has(i.signature)).map((i) => indexChange(`${label}: ${i.display} added`, i.line)),
  ];
}

interface ForeignKey {
  /** The local columns: a foreign key's identity within its table. */
  key: string;
  /** Everything the database constraint is made of. */
  signature: string;
  display: string;
  line: number;
}

function foreignKeysOf(model: Block, schema: SchemaIndex): ForeignKey[] {
  const keys: ForeignKey[] = [];
  for (const field of model.fields) {
    const relation = attribute(field, "relation");
    const fields = fieldList(namedArg(relation, "fields"));
    if (!relation || fields.length === 0) continue;
    const target = schema.models.get(field.type);
    const references = fieldList(namedArg(relation, "references"));
    const local = fields.map((f) => columnName(model, f.name));
    const remote = references.map((f) => columnName(target, f.name));
    const actions = ["onDelete", "onUpdate", "map"].map((k) => `${k}:${namedArg(relation, k) ?? ""}`);
    keys.push({
      key: local.join(","),
      signature: `${local.join(",")}->${target ? dbName(target) : field.type}(${remote.join(",")})|${actions.join("|")}`,
      display:
        `"${field.name}" (${fields.map((f) => f.name).join(", ")}) → ` +
        `${field.type}(${references.map((f) => f.name).join(", ")})`,
      line: relation.line,
    });
  }
  return keys;
}

function compareForeignKeys(b: Block, h: Block, before: SchemaIndex, after: SchemaIndex): Change[] {
  const old = new Map(foreignKeysOf(b, before).map((k) => [k.key, k]));
  const changes: Change[] = [];
  const label = `model "${h.name}"`;
  for (const key of foreignKeysOf(h, after)) {
    const previous = old.get(key.key);
    old.delete(key.key);
    if (!previous) changes.push(indexChange(`${label}: foreign key ${key.display} added`, key.line));
    else if (previous.signature !== key.signature) {
      changes.push(destructive(`${label}: foreign key ${key.display} changed (constraint dropped and re-created)`, key.line));
    }
  }
  for (const removed of old.values()) {
    changes.push(destructive(`${label}: foreign key ${removed.display} removed`, removed.line));
  }
  return changes;
}

/**
 * Implicit many-to-many relations (a list relation field on both sides, neither
 * with `fields:`) are stored in a join table Prisma names `_<RelationName>`.
 */
function joinTables(schema: SchemaIndex): Map<string, number> {
  const tables = new Map<string, number>();
  for (const model of schema.models.values()) {
    for (const field of model.fields) {
      if (!isImplicitManySide(field, schema)) continue;
      const name = relationName(field);
      const other = schema.models.get(field.type);
      const back = other?.fields.find(
        (f) => f !== field && f.type === model.name && isImplicitManySide(f, schema) && relationName(f) === name,
      );
      if (!back) continue;
      const table = `_${name ?? [model.name, field.type].sort().join("To")}`;
      if (!tables.has(table)) tables.set(table, field.line);
    }
  }
  return tables;
}

function isImplicitManySide(field: Field, schema: SchemaIndex): boolean {
  return field.list && schema.models.has(field.type) && fieldList(namedArg(attribute(field, "relation"), "fields")).length === 0;
}

function relationName(field: Field): string | undefined {
  const relation = attribute(field, "relation");
  return unquote(positionalArgs(relation)[0] ?? namedArg(relation, "name"));
}

function compareJoinTables(before: SchemaIndex, after: SchemaIndex): Change[] {
  const had = joinTables(before);
  const has = joinTables(after);
  // A new join table is a new, empty table: nothing to report (as for new models).
  return [...had]
    .filter(([table]) => !has.has(table))
    .map(([table, line]) =>
      destructive(`implicit many-to-many relation removed (join table "${table}" dropped)`, line),
    );
}

function compareEnum(b: Block, h: Block): Change[] {
  const changes: Change[] = [];
  const label = `enum "${h.name}"`;
  if (dbName(b) !== dbName(h)) {
    changes.push(destructive(`${label}: database type renamed "${dbName(b)}" → "${dbName(h)}" (@@map changed)`, h.line));
  }
  const values = pairByName(b.values, h.values, mappedName);
  for (const removed of values.removed) changes.push(destructive(`${label}: value "${removed.name}" removed`, removed.line));
  for (const [bv, hv] of values.pairs) {
    if (mappedName(bv) !== mappedName(hv)) {
      changes.push(
        destructive(`${label}: value "${hv.name}" renamed in the database "${mappedName(bv)}" → "${mappedName(hv)}"`, hv.line),
      );
    }
  }
  return changes;
}

// ---------------------------------------------------------------------------
// Patch-only fallback
// ---------------------------------------------------------------------------

/** One line of the patch, read as whatever schema declaration it looks like. */
interface PatchLine {
  line: number;
  /** Comment-free, whitespace-collapsed text. */
  text: string;
  header?: { keyword: string; name: string };
  field?: Field;
  blockAttributes?: Attribute[];
  /** A lone identifier: an enum value (fields always have a type). */
  enumValue?: string;
  /** Added lines only: whether an added block header precedes it in the same run (a new block). */
  inNewBlock: boolean;
}

const PATCH_NOTE = "(seen in the patch only; the enclosing block is not known)";

/**
 * Without base and head we can only read the changed lines themselves. A line
 * removed and re-added verbatim moved; a field removed and re-added with the same
 * name changed; anything else removed is gone.
 */
export function findingsFromPatch(file: ChangedFile): Finding[] {
  const lines = diffLines(file);
  const removed = readPatchLines(lines.removed);
  const added = readPatchLines(lines.added);
  const changes = [...removedInPatch(removed, added), ...addedInPatch(added, removed)];
  return changes.map((c): Finding => ({ kind: c.kind, path: file.path, detail: c.detail, line: c.line }));
}

function readPatchLines(lines: DiffLine[]): PatchLine[] {
  const out: PatchLine[] = [];
  let inNewBlock = false;
  let previousLine = Number.NaN;
  for (const { line, text: raw } of lines) {
    const text = safeStripComments(raw).trim().replace(/\s+/g, " ");
    if (line !== previousLine + 1 || text === "}") inNewBlock = false;
    previousLine = line;
    const read = readPatchLine(text, line);
    if (read.header) inNewBlock = true;
    out.push({ ...read, line, text, inNewBlock: inNewBlock && !read.header });
  }
  return out.filter((l) => l.text !== "" && l.text !== "{" && l.text !== "}");
}

function safeStripComments(text: string): string {
  try {
    return stripComments(text);
  } catch {
    return text;
  }
}

function readPatchLine(text: string, line: number): Omit<PatchLine, "line" | "text" | "inNewBlock"> {
  const header = /^(model|enum|type|view)\s+([A-Za-z_][A-Za-z0-9_]*)\s*\{$/.exec(text);
  if (header) return { header: { keyword: header[1]!, name: header[2]! } };
  try {
    if (text.startsWith("@@")) return { blockAttributes: parseAttributes(text, line) };
    if (/^[A-Za-z_][A-Za-z0-9_]*(\s+@.*)?$/.test(text)) return { enumValue: text.split(" ")[0]! };
    return { field: parseField(text, line) };
  } catch {
    return {}; // datasource settings, stray text: nothing a migration derives from
  }
}

function removedInPatch(removed: PatchLine[], added: PatchLine[]): Change[] {
  const addedTexts = new Set(added.map((l) => l.text));
  const changes: Change[] = [];
  for (const r of removed) {
    if (addedTexts.has(r.text)) continue; // moved, not changed
    if (r.header && r.header.keyword !== "view") {
      const back = added.some((a) => a.header?.keyword === r.header?.keyword && a.header?.name === r.header?.name);
      if (!back) changes.push(destructive(`${r.header.keyword} "${r.header.name}" removed ${PATCH_NOTE}`, r.line));
    } else if (r.field) {
      changes.push(...removedFieldInPatch(r.field, added, r.line));
    } else if (r.enumValue !== undefined) {
      if (!added.some((a) => a.enumValue === r.enumValue)) {
        changes.push(destructive(`enum value "${r.enumValue}" removed ${PATCH_NOTE}`, r.line));
      }
    } else if (r.blockAttributes) {
      for (const a of r.blockAttributes) changes.push(...removedBlockAttributeInPatch(a, r.line));
    }
  }
  return changes;
}

function removedFieldInPatch(field: Field, added: PatchLine[], line: number): Change[] {
  const replacement = added.find((a) => a.field?.name === field.name)?.field;
  const scalar = SCALAR_TYPES.has(field.type) || field.type.startsWith("Unsupported(");
  const relation = attribute(field, "relation");
  if (!replacement) {
    // A back-relation list (`messages Message[]`) has no column.
    if (!scalar && field.list && !relation) return [];
    const what = relation ? "relation field" : "field";
    return [destructive(`${what} "${field.name}" removed ${PATCH_NOTE}`, line)];
  }
  // Without the schema, types compare by name.
  const unknown: SchemaIndex = { models: new Map(), enums: new Map(), composites: new Map() };
  const differences = fieldDifferences(field, replacement, { before: unknown, after: unknown, enumOrigin: new Map() });
  const relationBefore = relation?.args ?? "";
  const relationAfter = attribute(replacement, "relation")?.args ?? "";
  if (relationBefore.includes("fields:") && relationBefore !== relationAfter) {
    differences.push("foreign key changed (constraint dropped and re-created)");
  }
  if (differences.length === 0) return [];
  return [destructive(`field "${field.name}" ${differences.join("; ")} ${PATCH_NOTE}`, replacement.line)];
}

function removedBlockAttributeInPatch(a: Attribute, line: number): Change[] {
  if (a.name === "map" || a.name === "schema") return [destructive(`${a.source} removed or changed: table renamed ${PATCH_NOTE}`, line)];
  if (a.name === "id") return [destructive(`${a.source} removed or changed: primary key changed ${PATCH_NOTE}`, line)];
  if (["index", "unique", "fulltext"].includes(a.name)) return [indexChange(`${a.source} removed ${PATCH_NOTE}`, line)];
  return [];
}

function addedInPatch(added: PatchLine[], removed: PatchLine[]): Change[] {
  const removedTexts = new Set(removed.map((l) => l.text));
  const changes: Change[] = [];
  for (const a of added) {
    // New blocks (a whole model added) are new, empty tables: nothing to report.
    if (removedTexts.has(a.text) || a.inNewBlock) continue;
    for (const attr of a.blockAttributes ?? []) {
      if (["index", "unique", "fulltext"].includes(attr.name)) changes.push(indexChange(`${attr.source} added ${PATCH_NOTE}`, a.line));
    }
    if (a.field) changes.push(...addedFieldInPatch(a.field, removed, a.line));
  }
  return changes;
}

function addedFieldInPatch(field: Field, removed: PatchLine[], line: number): Change[] {
  const previous = removed.find((r) => r.field?.name === field.name)?.field;
  const changes: Change[] = [];
  const unique = attribute(field, "unique");
  if (unique && !(previous && attribute(previous, "unique"))) {
    changes.push(indexChange(`${unique.source} added on field "${field.name}" ${PATCH_NOTE}`, line));
  }
  const relation = attribute(field, "relation");
  if (relation?.args.includes("fields:") && !previous) {
    changes.push(indexChange(`foreign key added: relation field "${field.name}" → ${field.type} ${PATCH_NOTE}`, line));
  }
  const scalar = SCALAR_TYPES.has(field.type) || field.type.startsWith("Unsupported(");
  if (!previous && scalar && !field.optional && !field.list && !hasDefault(field)) {
    changes.push(
      destructive(
        `required field "${field.name}" added without @default ` +
          `(NOT NULL column fails on a non-empty table: requires a backfill or downtime) ${PATCH_NOTE}`,
        line,
      ),
    );
  }
  return changes;
}
