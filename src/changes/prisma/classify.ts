/**
 * What a Prisma schema change does to the database once migrated: both versions
 * compared model by model, or, without them, the patch's lines read on their own.
 * The prisma-schema detector's module comment lists the decisions.
 */
import { diffLines, type DiffLine } from "../diff.js";
import type { ChangeKind, ChangedFile, Finding } from "../types.js";
import {
  fieldList,
  namedArg,
  otherNamedArgs,
  parseAttributes,
  parseField,
  positionalArgs,
  splitArgs,
  stripComments,
  unquote,
  type Attribute,
  type Block,
  type BlockKeyword,
  type Field,
} from "./parser.js";

// ---------------------------------------------------------------------------
// Database meaning of declarations
// ---------------------------------------------------------------------------

const SCALAR_TYPES = new Set([
  "String",
  "Boolean",
  "Int",
  "BigInt",
  "Float",
  "Decimal",
  "DateTime",
  "Json",
  "Bytes",
]);

interface SchemaIndex {
  models: Map<string, Block>;
  enums: Map<string, Block>;
  composites: Map<string, Block>;
}

export function indexSchema(blocks: Block[]): SchemaIndex {
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
  return (
    !known && !schema.enums.has(field.type) && !schema.composites.has(field.type) && field.list
  );
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
  return cmp.after.enums.has(field.type)
    ? `enum ${cmp.enumOrigin.get(field.type) ?? field.type}`
    : field.type;
}

function displayType(field: Field): string {
  return `${field.type}${field.list ? "[]" : ""}${field.optional ? "?" : ""}`;
}

function nativeType(field: Field): Attribute | undefined {
  return field.attributes.find((a) => a.name.startsWith("db."));
}

/** VarChar(80) → VarChar(200) and the like rewrite nothing and lose nothing. */
function isWidening(before: Attribute, after: Attribute): boolean {
  if (before.name !== after.name || !/^db\.(N?VarChar|VarBinary|VarBit)$/i.test(before.name))
    return false;
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

const destructive = (detail: string, line: number): Change => ({
  kind: "migration-destructive",
  detail,
  line,
});
const indexChange = (detail: string, line: number): Change => ({
  kind: "migration-index",
  detail,
  line,
});

export function compareSchemas(before: SchemaIndex, after: SchemaIndex): Change[] {
  const changes: Change[] = [];
  const enums = pairByName([...before.enums.values()], [...after.enums.values()], dbName);
  const cmp: Comparison = {
    before,
    after,
    enumOrigin: new Map(enums.pairs.map(([b, h]) => [h.name, b.name])),
  };
  const models = pairByName([...before.models.values()], [...after.models.values()], dbName);
  for (const removed of models.removed) {
    changes.push(
      destructive(
        `model "${removed.name}" removed (table "${dbName(removed)}" dropped)`,
        removed.line,
      ),
    );
  }
  for (const [b, h] of models.pairs) changes.push(...compareModel(b, h, cmp));
  for (const added of models.added) changes.push(...newModelConstraints(added, after));

  const composites = pairByName(
    [...before.composites.values()],
    [...after.composites.values()],
    (b) => b.name,
  );
  for (const removed of composites.removed) {
    changes.push(destructive(`composite type "${removed.name}" removed`, removed.line));
  }
  for (const [b, h] of composites.pairs) changes.push(...compareFields(b, h, cmp));

  for (const removed of enums.removed)
    changes.push(destructive(`enum "${removed.name}" removed`, removed.line));
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
function pairByName<T extends { name: string }>(
  before: T[],
  after: T[],
  databaseName: (t: T) => string,
): Pairing<T> {
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
      destructive(
        `model "${h.name}": table renamed "${dbName(b)}" → "${dbName(h)}" (@@map/@@schema changed)`,
        h.line,
      ),
    );
  }
  changes.push(...compareFields(b, h, cmp));
  changes.push(...comparePrimaryKeys(b, h));
  changes.push(...compareIndexes(b, h));
  changes.push(...compareForeignKeys(b, h, cmp.before, cmp.after));
  return changes;
}

/** Columns (and composite-type fields): removed, retyped, tightened, renamed, added as required. */
/**
 * A new model's unique constraints and foreign keys: free to build on an empty
 * table, but they decide which rows it accepts, which the DBA is consulted on.
 */
function newModelConstraints(model: Block, schema: SchemaIndex): Change[] {
  const label = `new model "${model.name}"`;
  return [
    ...indexesOf(model)
      .filter((i) => i.unique)
      .map((i) => indexChange(`${label}: ${i.display} added`, i.line)),
    ...foreignKeysOf(model, schema).map((k) =>
      indexChange(`${label}: foreign key ${k.display} added`, k.line),
    ),
  ];
}

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
    if (differences.length > 0)
      changes.push(destructive(`${label}: field "${hf.name}" ${differences.join("; ")}`, hf.line));
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
    differences.push(
      `native type changed ${nb?.source ?? "(default)"} → ${nh?.source ?? "(default)"}`,
    );
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
    return fieldList(namedArg(id, "fields") ?? positionalArgs(id)[0]).map((f) =>
      columnName(model, f.name),
    );
  }
  const field = model.fields.find((f) => attribute(f, "id"));
  return field ? [mappedName(field)] : [];
}

function comparePrimaryKeys(b: Block, h: Block): Change[] {
  const from = primaryKey(b);
  const to = primaryKey(h);
  if (from.join(",") === to.join(",")) return [];
  const line = (attribute(h, "id") ?? h.fields.find((f) => attribute(f, "id")) ?? h).line;
  if (from.length === 0)
    return [indexChange(`model "${h.name}": primary key (${to.join(", ")}) added`, line)];
  const target = to.length > 0 ? `(${to.join(", ")})` : "none";
  return [
    destructive(`model "${h.name}": primary key changed (${from.join(", ")}) → ${target}`, line),
  ];
}

interface IndexDefinition {
  /** Database-level identity: kind, mapped columns and their modifiers, other arguments. */
  signature: string;
  /** `@@unique` / `@unique`: a constraint on the data, not only an access path. */
  unique: boolean;
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
    indexes.push({ signature, unique: a.name === "unique", display: a.source, line: a.line });
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
    indexes.push({
      signature,
      unique: true,
      display: `${unique.source} on field "${field.name}"`,
      line: unique.line,
    });
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
    ...before
      .filter((i) => !has.has(i.signature))
      .map((i) => destructive(`${label}: ${i.display} removed ${indexDropped(i.unique)}`, i.line)),
    ...after
      .filter((i) => !had.has(i.signature))
      .map((i) => indexChange(`${label}: ${i.display} added`, i.line)),
  ];
}

/** Why a removed index is destructive, as its finding says. */
function indexDropped(unique: boolean): string {
  return unique
    ? "(uniqueness no longer enforced; upserts on it fail)"
    : "(index dropped: queries that used it scan instead)";
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
    const actions = ["onDelete", "onUpdate", "map"].map(
      (k) => `${k}:${namedArg(relation, k) ?? ""}`,
    );
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
    if (!previous)
      changes.push(indexChange(`${label}: foreign key ${key.display} added`, key.line));
    else if (previous.signature !== key.signature) {
      changes.push(
        destructive(
          `${label}: foreign key ${key.display} changed (constraint dropped and re-created)`,
          key.line,
        ),
      );
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
        (f) =>
          f !== field &&
          f.type === model.name &&
          isImplicitManySide(f, schema) &&
          relationName(f) === name,
      );
      if (!back) continue;
      const table = `_${name ?? [model.name, field.type].sort().join("To")}`;
      if (!tables.has(table)) tables.set(table, field.line);
    }
  }
  return tables;
}

function isImplicitManySide(field: Field, schema: SchemaIndex): boolean {
  return (
    field.list &&
    schema.models.has(field.type) &&
    fieldList(namedArg(attribute(field, "relation"), "fields")).length === 0
  );
}

function relationName(field: Field): string | undefined {
  const relation = attribute(field, "relation");
  return unquote(positionalArgs(relation)[0] ?? namedArg(relation, "name"));
}

function compareJoinTables(before: SchemaIndex, after: SchemaIndex): Change[] {
  const had = joinTables(before);
  const has = joinTables(after);
  const removed = [...had]
    .filter(([table]) => !has.has(table))
    .map(([table, line]) =>
      destructive(`implicit many-to-many relation removed (join table "${table}" dropped)`, line),
    );
  // A new join table is empty, but its foreign keys and unique index are constraints, as for a new model.
  const added = [...has]
    .filter(([table]) => !had.has(table))
    .map(([table, line]) =>
      indexChange(
        `implicit many-to-many relation added (join table "${table}" with two foreign keys and a unique index)`,
        line,
      ),
    );
  return [...removed, ...added];
}

function compareEnum(b: Block, h: Block): Change[] {
  const changes: Change[] = [];
  const label = `enum "${h.name}"`;
  if (dbName(b) !== dbName(h)) {
    changes.push(
      destructive(
        `${label}: database type renamed "${dbName(b)}" → "${dbName(h)}" (@@map changed)`,
        h.line,
      ),
    );
  }
  const values = pairByName(b.values, h.values, mappedName);
  for (const removed of values.removed)
    changes.push(destructive(`${label}: value "${removed.name}" removed`, removed.line));
  for (const [bv, hv] of values.pairs) {
    if (mappedName(bv) !== mappedName(hv)) {
      changes.push(
        destructive(
          `${label}: value "${hv.name}" renamed in the database "${mappedName(bv)}" → "${mappedName(hv)}"`,
          hv.line,
        ),
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
  return changes.map((c): Finding => ({
    kind: c.kind,
    path: file.path,
    detail: c.detail,
    line: c.line,
  }));
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

function readPatchLine(
  text: string,
  line: number,
): Omit<PatchLine, "line" | "text" | "inNewBlock"> {
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
      const back = added.some(
        (a) => a.header?.keyword === r.header?.keyword && a.header?.name === r.header?.name,
      );
      if (!back)
        changes.push(
          destructive(`${r.header.keyword} "${r.header.name}" removed ${PATCH_NOTE}`, r.line),
        );
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
  const differences = fieldDifferences(field, replacement, {
    before: unknown,
    after: unknown,
    enumOrigin: new Map(),
  });
  const relationBefore = relation?.args ?? "";
  const relationAfter = attribute(replacement, "relation")?.args ?? "";
  if (relationBefore.includes("fields:") && relationBefore !== relationAfter) {
    differences.push("foreign key changed (constraint dropped and re-created)");
  }
  if (attribute(field, "unique") && !attribute(replacement, "unique"))
    differences.push(`@unique removed ${indexDropped(true)}`);
  if (differences.length === 0) return [];
  return [
    destructive(`field "${field.name}" ${differences.join("; ")} ${PATCH_NOTE}`, replacement.line),
  ];
}

function removedBlockAttributeInPatch(a: Attribute, line: number): Change[] {
  if (a.name === "map" || a.name === "schema")
    return [destructive(`${a.source} removed or changed: table renamed ${PATCH_NOTE}`, line)];
  if (a.name === "id")
    return [destructive(`${a.source} removed or changed: primary key changed ${PATCH_NOTE}`, line)];
  if (["index", "unique", "fulltext"].includes(a.name))
    return [
      destructive(`${a.source} removed ${indexDropped(a.name === "unique")} ${PATCH_NOTE}`, line),
    ];
  return [];
}

function addedInPatch(added: PatchLine[], removed: PatchLine[]): Change[] {
  const removedTexts = new Set(removed.map((l) => l.text));
  const changes: Change[] = [];
  for (const a of added) {
    if (removedTexts.has(a.text)) continue;
    // New blocks (a whole model added) are new, empty tables: only their constraints are reported.
    if (a.inNewBlock) {
      changes.push(...newBlockConstraintsInPatch(a));
      continue;
    }
    for (const attr of a.blockAttributes ?? []) {
      if (["index", "unique", "fulltext"].includes(attr.name))
        changes.push(indexChange(`${attr.source} added ${PATCH_NOTE}`, a.line));
    }
    if (a.field) changes.push(...addedFieldInPatch(a.field, removed, a.line));
  }
  return changes;
}

/** Unique constraints and foreign keys on a line of a block the patch adds whole. */
function newBlockConstraintsInPatch(a: PatchLine): Change[] {
  const changes: Change[] = [];
  for (const attr of a.blockAttributes ?? []) {
    if (attr.name === "unique")
      changes.push(indexChange(`${attr.source} added in a new model ${PATCH_NOTE}`, a.line));
  }
  const unique = a.field && attribute(a.field, "unique");
  if (a.field && unique)
    changes.push(
      indexChange(
        `${unique.source} added on field "${a.field.name}" in a new model ${PATCH_NOTE}`,
        a.line,
      ),
    );
  if (a.field && attribute(a.field, "relation")?.args.includes("fields:")) {
    changes.push(
      indexChange(
        `foreign key added: relation field "${a.field.name}" → ${a.field.type} in a new model ${PATCH_NOTE}`,
        a.line,
      ),
    );
  }
  return changes;
}

function addedFieldInPatch(field: Field, removed: PatchLine[], line: number): Change[] {
  const previous = removed.find((r) => r.field?.name === field.name)?.field;
  const changes: Change[] = [];
  const unique = attribute(field, "unique");
  if (unique && !(previous && attribute(previous, "unique"))) {
    changes.push(
      indexChange(`${unique.source} added on field "${field.name}" ${PATCH_NOTE}`, line),
    );
  }
  const relation = attribute(field, "relation");
  if (relation?.args.includes("fields:") && !previous) {
    changes.push(
      indexChange(
        `foreign key added: relation field "${field.name}" → ${field.type} ${PATCH_NOTE}`,
        line,
      ),
    );
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
