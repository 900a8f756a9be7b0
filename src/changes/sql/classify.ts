/**
 * What SQL statements do to existing data: the classification of the sql-migration
 * detector (its module comment lists the decisions), over the tokens and cursor of
 * lexer.ts.
 */
import type { ChangeKind } from "../types.js";
import {
  Cursor,
  hasWords,
  isNameToken,
  lexSql,
  q,
  render,
  splitStatements,
  splitTopLevel,
  tableKey,
  topLevelTokens,
  type Name,
  type Statement,
  type Token,
} from "./lexer.js";

export interface Hit {
  kind: ChangeKind;
  detail: string;
  line: number;
  /** Set when the statement runs SQL that cannot be read (dynamic SQL, a procedure call): why, and what to do. */
  unreadable?: string;
  /** Set on DROP TABLE hits, so a later rename onto the same name reads as a rebuild. */
  droppedTable?: Name;
  /** Set on table renames. */
  renamedTable?: { from: Name; to: Name };
}

interface Context {
  /** Tables created in the analysed statements (keys from tableKey): empty, so cheap to alter. */
  created: Set<string>;
  /** Those of them created TEMPORARY: gone with the session, so their constraints concern nobody. */
  temporary: Set<string>;
  /** Functions and procedures created in the analysed statements, by lower-cased unqualified name. */
  routines: Map<string, Routine>;
  /** Routines whose body was read (each is read once, also when it calls itself). */
  read: Set<string>;
  /** PostgreSQL statements prepared with `PREPARE name AS …` (read there), by lower-cased name. */
  prepared: Set<string>;
}

/** A function or procedure a migration creates: its body runs only where the migration calls it. */
interface Routine {
  name: string;
  body: Token | undefined;
  language: string | undefined;
}

const destructive = (detail: string, line: number, extra: Partial<Hit> = {}): Hit => ({
  kind: "migration-destructive",
  detail,
  line,
  ...extra,
});
const indexChange = (detail: string, line: number): Hit => ({
  kind: "migration-index",
  detail,
  line,
});
/** SQL the migration runs but does not show: assumed destructive, with what to do about it. */
const unreadableSql = (what: string, line: number): Hit => {
  const message = `line ${line}: ${what} cannot be read here; write the SQL it runs out as plain statements so that they can be classified`;
  return {
    kind: "migration-destructive",
    detail: `could not read the migration (${message}); assuming it is destructive`,
    line,
    unreadable: message,
  };
};

export function classifyStatements(statements: Statement[]): Hit[] {
  const { created, temporary } = createdTables(statements);
  const ctx: Context = {
    created,
    temporary,
    routines: createdRoutines(statements),
    read: new Set(),
    prepared: new Set(),
  };
  const hits = statements.flatMap((s) => [
    ...classifyStatement(s.tokens, ctx),
    ...calledRoutines(s.tokens, ctx),
    ...psqlVariables(s.tokens),
  ]);
  return mergeRebuilds(hits);
}

/**
 * Tables that are new in this migration, including those a rebuild renames into
 * place (`CREATE TABLE "new_User" ...; ALTER TABLE "new_User" RENAME TO "User"`).
 */
function createdTables(statements: Statement[]): { created: Set<string>; temporary: Set<string> } {
  const created = new Set<string>();
  const temporary = new Set<string>();
  for (const { tokens } of statements) {
    const c = new Cursor(tokens);
    if (c.accept("CREATE")) {
      c.accept("OR", "REPLACE");
      const scope = c.acceptOneOf("TEMP", "TEMPORARY", "UNLOGGED", "GLOBAL", "LOCAL");
      const temp =
        c.acceptOneOf("TEMP", "TEMPORARY") ??
        (scope === "TEMP" || scope === "TEMPORARY" ? scope : undefined);
      if (!c.accept("TABLE")) continue;
      c.accept("IF", "NOT", "EXISTS");
      const name = c.name();
      if (name) created.add(tableKey(name));
      if (name && temp) temporary.add(tableKey(name));
    } else if (c.accept("ALTER", "TABLE")) {
      c.accept("IF", "EXISTS");
      const from = c.name();
      if (!from || !created.has(tableKey(from)) || !c.accept("RENAME")) continue;
      c.acceptOneOf("TO", "AS");
      const to = c.name();
      if (to) created.add(tableKey(to));
    }
  }
  return { created, temporary };
}

/**
 * A DROP TABLE "X" followed by a rename of another table to "X" is a table rebuild
 * (Prisma's SQLite RedefineTables, or a hand-written copy-and-swap). One finding
 * says so instead of a separate drop and rename.
 */
function mergeRebuilds(hits: Hit[]): Hit[] {
  const drops = new Map<string, Hit>();
  const result: Hit[] = [];
  for (const hit of hits) {
    if (hit.droppedTable) drops.set(tableKey(hit.droppedTable), hit);
    const rename = hit.renamedTable;
    const drop = rename ? drops.get(tableKey(rename.to)) : undefined;
    if (rename && drop) {
      drop.detail =
        `table ${q(rename.to)} rebuilt: original dropped and ${q(rename.from)} renamed to ${q(rename.to)} ` +
        `(data not copied into ${q(rename.from)} is lost)`;
      drops.delete(tableKey(rename.to));
      continue;
    }
    result.push(hit);
  }
  return result;
}

function classifyStatement(tokens: Token[], ctx: Context): Hit[] {
  const c = new Cursor(tokens);
  const line = tokens[0]?.line ?? 0;
  if (c.is("ALTER")) return classifyAlter(c, ctx);
  if (c.accept("DROP")) return classifyDrop(c, line);
  if (c.accept("CREATE")) return classifyCreate(c, ctx, line);
  if (c.accept("TRUNCATE")) return classifyTruncate(c, line);
  if (c.accept("DELETE")) return classifyDelete(c, line);
  if (c.accept("RENAME")) return classifyRenameTable(c, line);
  if (isSpRename(c)) return classifySpRename(c, line);
  if (c.is("DO")) return classifyDoBlock(c, ctx);
  if (c.is("EXEC") || c.is("EXECUTE")) return classifyExecute(c, ctx, line);
  if (c.accept("PREPARE")) return classifyPrepare(c, ctx, line);
  if (c.accept("CALL")) return classifyCall(c, ctx, line);
  if (c.accept("WITH")) return classifyWith(c, ctx);
  if (c.accept("EXPLAIN")) return classifyExplain(c, ctx);
  if (c.is("DELIMITER"))
    return [unreadableSql("DELIMITER (the mysql client then ends statements differently)", line)];
  if (tokens[0]?.type === "punct" && tokens[0].value === "\\")
    return classifyPsqlCommand(tokens, line);
  return [];
}

/** `ALTER TABLE`, and the ALTER forms that rename types, views and indexes. */
function classifyAlter(c: Cursor, ctx: Context): Hit[] {
  c.accept("ALTER");
  c.acceptOneOf("ONLINE", "OFFLINE");
  c.accept("IGNORE");
  if (c.accept("TABLE") || c.accept("FOREIGN", "TABLE")) return alterTable(c, ctx, "table");
  if (c.accept("VIEW") || c.accept("MATERIALIZED", "VIEW")) return alterTable(c, ctx, "view");
  if (c.accept("TYPE")) return alterType(c);
  if (c.accept("INDEX")) return alterIndex(c);
  return [];
}

function alterTable(c: Cursor, ctx: Context, label: "table" | "view"): Hit[] {
  c.accept("IF", "EXISTS");
  c.accept("ONLY");
  const table = c.name();
  if (!table) return [];
  if (c.peek()?.value === "*") c.pos++;
  return splitTopLevel(c.rest(), ",").flatMap((action) =>
    alterTableAction(table, label, action, ctx),
  );
}

function alterTableAction(
  table: Name,
  label: "table" | "view",
  action: Token[],
  ctx: Context,
): Hit[] {
  const c = new Cursor(action);
  const line = action[0]?.line ?? 0;
  const on = `on ${label} ${q(table)}`;
  if (c.accept("ADD")) return addAction(c, table, on, line, ctx);
  if (c.accept("DROP")) return dropAction(c, on, line);
  if (c.accept("ALTER")) return alterColumnAction(c, table, on, line, ctx);
  if (c.accept("MODIFY")) {
    c.accept("COLUMN");
    const column = c.name();
    return column ? [destructive(`MODIFY COLUMN ${q(column)} ${on} (column redefined)`, line)] : [];
  }
  if (c.accept("CHANGE")) {
    c.accept("COLUMN");
    const from = c.name();
    const to = c.name();
    if (!from) return [];
    const what =
      to && to.join(".") !== from.join(".")
        ? `renamed to ${q(to)} and redefined`
        : "column redefined";
    return [destructive(`CHANGE COLUMN ${q(from)} ${on} (${what})`, line)];
  }
  if (c.accept("RENAME")) return renameAction(c, table, label, on, line);
  if (c.accept("SET", "SCHEMA")) {
    const schema = c.name();
    return [
      destructive(`SET SCHEMA ${schema ? q(schema) : ""} ${on} (moved to another schema)`, line),
    ];
  }
  if (c.accept("TRUNCATE", "PARTITION")) return [destructive(`TRUNCATE PARTITION ${on}`, line)];
  return [];
}

const CONSTRAINT_KINDS = ["UNIQUE", "PRIMARY", "FOREIGN", "CHECK", "EXCLUDE"];
const MYSQL_INDEX_WORDS = ["INDEX", "KEY", "FULLTEXT", "SPATIAL"];

function addAction(c: Cursor, table: Name, on: string, line: number, ctx: Context): Hit[] {
  const key = tableKey(table);
  if (ctx.temporary.has(key)) return [];
  const newTable = ctx.created.has(key) ? { on: `on new table ${q(table)}` } : undefined;
  if (c.accept("CONSTRAINT")) {
    const name = c.name();
    const constraint = readConstraint(c);
    if (newTable && !decidesData(constraint.kind)) return [];
    return [
      indexChange(
        `ADD CONSTRAINT ${name ? q(name) + " " : ""}${constraint.text} ${newTable?.on ?? on}`,
        line,
      ),
    ];
  }
  const next = c.peek();
  if (next?.type === "word" && [...CONSTRAINT_KINDS, ...MYSQL_INDEX_WORDS].includes(next.upper)) {
    const constraint = readConstraint(c);
    if (newTable && !decidesData(constraint.kind)) return [];
    return [indexChange(`ADD ${constraint.text} ${newTable?.on ?? on}`, line)];
  }
  c.accept("COLUMN");
  c.accept("IF", "NOT", "EXISTS");
  const column = c.name();
  if (!column) return [];
  return newTable
    ? newColumnConstraints(column, c.rest(), newTable.on, line)
    : addColumn(column, c.rest(), on, line);
}

/**
 * Constraints that decide which rows a table accepts. On a table created in this
 * migration these are still the DBA's to consult on; its primary key (every table
 * has one) and plain indexes (a performance matter, free on an empty table) are not.
 */
function decidesData(kind: string): boolean {
  return ["UNIQUE", "FOREIGN KEY", "CHECK", "EXCLUDE"].includes(kind);
}

/**
 * CREATE TABLE's table constraints and column constraints that decide data:
 * `CONSTRAINT "x_fkey" FOREIGN KEY (…) REFERENCES …`, `UNIQUE (…)`, `email text UNIQUE`,
 * `author_id int REFERENCES users`, `CHECK (price > 0)`.
 */
function createTableConstraints(table: Name, elements: Token[], line: number): Hit[] {
  const on = `on new table ${q(table)}`;
  return splitTopLevel(elements, ",").flatMap((element) => {
    const c = new Cursor(element);
    const at = element[0]?.line ?? line;
    if (c.accept("CONSTRAINT")) {
      const name = c.name();
      const constraint = readConstraint(c);
      return decidesData(constraint.kind)
        ? [indexChange(`CONSTRAINT ${name ? q(name) + " " : ""}${constraint.text} ${on}`, at)]
        : [];
    }
    const next = c.peek();
    if (
      next?.type === "word" &&
      [...CONSTRAINT_KINDS, ...MYSQL_INDEX_WORDS, "LIKE", "PERIOD"].includes(next.upper)
    ) {
      const constraint = readConstraint(c);
      return decidesData(constraint.kind) ? [indexChange(`${constraint.text} ${on}`, at)] : [];
    }
    const column = c.name();
    return column ? newColumnConstraints(column, c.rest(), on, at) : [];
  });
}

/** A column of a new table: its REFERENCES, UNIQUE and CHECK (not NOT NULL or PRIMARY KEY, free on an empty table). */
function newColumnConstraints(column: Name, definition: Token[], on: string, line: number): Hit[] {
  const top = topLevelTokens(definition);
  const hits: Hit[] = [];
  const references = foreignKeyTarget(definition);
  if (references !== undefined)
    hits.push(
      indexChange(`column ${q(column)} REFERENCES ${references} ${on} (foreign key)`, line),
    );
  if (hasWords(top, "UNIQUE")) hits.push(indexChange(`column ${q(column)} UNIQUE ${on}`, line));
  if (hasWords(top, "CHECK")) hits.push(indexChange(`column ${q(column)} CHECK ${on}`, line));
  return hits;
}

/** The table a column definition's REFERENCES names (`"User"`, `?` when unreadable), or undefined without one. */
function foreignKeyTarget(definition: Token[]): string | undefined {
  const at = definition.findIndex((t) => t.upper === "REFERENCES");
  if (at === -1) return undefined;
  const target = new Cursor(definition.slice(at + 1)).name();
  return target ? q(target) : "?";
}

/**
 * A table constraint or MySQL index definition: its kind and a short rendering,
 * `FOREIGN KEY ("channelId") REFERENCES "Channel" ("id")`, `UNIQUE ("email")`, `CHECK (price > 0)`.
 */
function readConstraint(c: Cursor): { kind: string; text: string } {
  const kind = constraintKind(c);
  if (kind === "EXCLUDE" && c.accept("USING")) c.name();
  // MySQL names the index before its columns: UNIQUE KEY `uq_email` (`email`).
  const indexName = c.peek()?.value === "(" ? undefined : c.name();
  const columns = c.group();
  let text = `${kind}${indexName ? " " + q(indexName) : ""}${columns ? ` (${render(columns)})` : ""}`;
  if (c.accept("REFERENCES")) {
    const target = c.name();
    const targetColumns = c.group();
    text += ` REFERENCES ${target ? q(target) : "?"}${targetColumns ? ` (${render(targetColumns)})` : ""}`;
  }
  return { kind, text };
}

function constraintKind(c: Cursor): string {
  if (c.accept("PRIMARY", "KEY")) return "PRIMARY KEY";
  if (c.accept("FOREIGN", "KEY")) return "FOREIGN KEY";
  const kind =
    c.acceptOneOf("UNIQUE", "CHECK", "EXCLUDE", "FULLTEXT", "SPATIAL", "INDEX", "KEY") ?? "";
  // MySQL spellings: UNIQUE KEY, UNIQUE INDEX, FULLTEXT INDEX.
  if (["UNIQUE", "FULLTEXT", "SPATIAL"].includes(kind)) c.acceptOneOf("KEY", "INDEX");
  return kind === "KEY" ? "INDEX" : kind;
}

/** Words that give a NOT NULL column a value for existing rows. */
const VALUE_SOURCES = ["DEFAULT", "GENERATED", "IDENTITY", "AUTO_INCREMENT", "AUTOINCREMENT", "AS"];
const SERIAL_TYPES = ["SERIAL", "BIGSERIAL", "SMALLSERIAL", "SERIAL4", "SERIAL8", "SERIAL2"];

function addColumn(column: Name, definition: Token[], on: string, line: number): Hit[] {
  const top = topLevelTokens(definition);
  const hits: Hit[] = [];
  const references = foreignKeyTarget(definition);
  if (references !== undefined)
    hits.push(
      indexChange(`ADD COLUMN ${q(column)} REFERENCES ${references} ${on} (foreign key)`, line),
    );
  if (hasWords(top, "UNIQUE") || hasWords(top, "PRIMARY", "KEY")) {
    const what = hasWords(top, "UNIQUE") ? "UNIQUE" : "PRIMARY KEY";
    hits.push(indexChange(`ADD COLUMN ${q(column)} ${what} ${on}`, line));
  }
  const hasValue = top.some(
    (t) => VALUE_SOURCES.includes(t.upper) || SERIAL_TYPES.includes(t.upper),
  );
  if (hasWords(top, "NOT", "NULL") && !hasValue) {
    hits.push(
      destructive(
        `ADD COLUMN ${q(column)} NOT NULL without DEFAULT ${on} ` +
          `(fails on a non-empty table: requires a backfill or downtime)`,
        line,
      ),
    );
  }
  return hits;
}

function dropAction(c: Cursor, on: string, line: number): Hit[] {
  if (c.accept("CONSTRAINT")) {
    c.accept("IF", "EXISTS");
    const name = c.name();
    return [destructive(`DROP CONSTRAINT ${name ? q(name) : ""} ${on}`, line)];
  }
  if (c.acceptOneOf("INDEX", "KEY")) {
    const name = c.name();
    return [destructive(`DROP INDEX ${name ? q(name) : ""} ${on} ${INDEX_DROPPED}`, line)];
  }
  if (c.accept("PRIMARY", "KEY")) return [destructive(`DROP PRIMARY KEY ${on}`, line)];
  if (c.accept("FOREIGN", "KEY")) {
    const name = c.name();
    return [destructive(`DROP FOREIGN KEY ${name ? q(name) : ""} ${on}`, line)];
  }
  if (c.accept("CHECK")) return [destructive(`DROP CHECK ${q(c.name() ?? [])} ${on}`, line)];
  if (c.accept("PARTITION"))
    return [destructive(`DROP PARTITION ${render(c.rest())} ${on} (its rows are deleted)`, line)];
  // `DROP COLUMN x`, and MySQL/SQLite's `DROP x`.
  c.accept("COLUMN");
  c.accept("IF", "EXISTS");
  const column = c.name();
  return column ? [destructive(`DROP COLUMN ${q(column)} ${on}`, line)] : [];
}

/** Subcommands of ALTER COLUMN that neither retype nor tighten the column. */
const HARMLESS_COLUMN_CHANGES = ["DROP", "RESTART", "ADD", "RESET", "OPTIONS"];

function alterColumnAction(c: Cursor, table: Name, on: string, line: number, ctx: Context): Hit[] {
  if (c.accept("CONSTRAINT")) return [];
  if (c.accept("INDEX")) return [indexChange(`ALTER INDEX ${q(c.name() ?? [])} ${on}`, line)];
  c.accept("COLUMN");
  const column = c.name();
  if (!column) return [];
  const col = `ALTER COLUMN ${q(column)}`;
  if (c.accept("TYPE") || c.accept("SET", "DATA", "TYPE")) {
    return [
      destructive(`${col} TYPE ${render(typeTokens(c.rest()))} ${on} (column type change)`, line),
    ];
  }
  if (c.accept("SET", "NOT", "NULL")) {
    if (ctx.created.has(tableKey(table))) return [];
    return [destructive(`${col} SET NOT NULL ${on} (fails if any row holds NULL)`, line)];
  }
  const next = c.peek();
  if (!next || next.upper === "SET" || HARMLESS_COLUMN_CHANGES.includes(next.upper)) return [];
  // SQL Server: ALTER COLUMN name <type> [NULL | NOT NULL].
  return [destructive(`${col} ${render(c.rest())} ${on} (column redefined)`, line)];
}

/** The type part of `TYPE varchar(100) USING ...` / `COLLATE ...`. */
function typeTokens(tokens: Token[]): Token[] {
  const end = tokens.findIndex((t) => t.upper === "USING" || t.upper === "COLLATE");
  return end === -1 ? tokens : tokens.slice(0, end);
}

function renameAction(
  c: Cursor,
  table: Name,
  label: "table" | "view",
  on: string,
  line: number,
): Hit[] {
  if (c.accept("CONSTRAINT")) {
    const [from, to] = renamePair(c);
    return [indexChange(`RENAME CONSTRAINT ${from} TO ${to} ${on}`, line)];
  }
  if (c.acceptOneOf("INDEX", "KEY")) {
    const [from, to] = renamePair(c);
    return [indexChange(`RENAME INDEX ${from} TO ${to} ${on}`, line)];
  }
  // `RENAME TO x` (PostgreSQL, SQLite) and `RENAME AS x` / `RENAME x` (MySQL) rename the table;
  // `RENAME [COLUMN] a TO b` renames a column.
  const renamesTable =
    c.acceptOneOf("TO", "AS") !== undefined || (!c.is("COLUMN") && c.peek(1)?.upper !== "TO");
  if (renamesTable) {
    const to = c.name();
    if (!to) return [];
    const detail = `RENAME ${label.toUpperCase()} ${q(table)} TO ${q(to)}`;
    return [
      destructive(detail, line, label === "table" ? { renamedTable: { from: table, to } } : {}),
    ];
  }
  c.accept("COLUMN");
  const [from, to] = renamePair(c);
  return [destructive(`RENAME COLUMN ${from} TO ${to} ${on}`, line)];
}

/** `a TO b` → ['"a"', '"b"']. */
function renamePair(c: Cursor): [string, string] {
  const from = c.name();
  c.accept("TO");
  const to = c.name();
  return [from ? q(from) : "?", to ? q(to) : "?"];
}

/** ALTER TYPE: renames and attribute drops/retypes are destructive; ADD VALUE is additive. */
function alterType(c: Cursor): Hit[] {
  const line = c.peek()?.line ?? 0;
  const type = c.name();
  if (!type) return [];
  if (c.accept("RENAME", "TO"))
    return [destructive(`RENAME TYPE ${q(type)} TO ${q(c.name() ?? [])}`, line)];
  if (c.accept("RENAME", "VALUE")) {
    const from = c.peek()?.value ?? "?";
    const to = c.peek(2)?.value ?? "?";
    return [destructive(`RENAME VALUE '${from}' TO '${to}' of type ${q(type)}`, line)];
  }
  if (c.accept("RENAME", "ATTRIBUTE")) {
    const [from, to] = renamePair(c);
    return [destructive(`RENAME ATTRIBUTE ${from} TO ${to} of type ${q(type)}`, line)];
  }
  const actions = splitTopLevel(c.rest(), ",");
  return actions.flatMap((action) => {
    const a = new Cursor(action);
    const at = action[0]?.line ?? line;
    if (a.accept("DROP", "ATTRIBUTE")) {
      a.accept("IF", "EXISTS");
      return [destructive(`DROP ATTRIBUTE ${q(a.name() ?? [])} of type ${q(type)}`, at)];
    }
    if (a.accept("ALTER", "ATTRIBUTE")) {
      return [destructive(`ALTER ATTRIBUTE ${q(a.name() ?? [])} of type ${q(type)} (retyped)`, at)];
    }
    return [];
  });
}

function alterIndex(c: Cursor): Hit[] {
  const line = c.peek()?.line ?? 0;
  c.accept("IF", "EXISTS");
  const index = c.name();
  if (!index || !c.accept("RENAME", "TO")) return [];
  return [indexChange(`RENAME INDEX ${q(index)} TO ${q(c.name() ?? [])}`, line)];
}

/** Why a dropped index is destructive (see the module comment), as its finding says. */
const INDEX_DROPPED =
  "(if it was unique, uniqueness is no longer enforced; queries that used it scan instead)";

/** Objects whose DROP is destructive. Anything else is only reported when CASCADE may take dependants with it. */
const DROPPED_OBJECTS: Array<{ words: string[]; label: string }> = [
  { words: ["TABLE"], label: "TABLE" },
  { words: ["FOREIGN", "TABLE"], label: "FOREIGN TABLE" },
  { words: ["MATERIALIZED", "VIEW"], label: "MATERIALIZED VIEW" },
  { words: ["VIEW"], label: "VIEW" },
  { words: ["SCHEMA"], label: "SCHEMA" },
  { words: ["DATABASE"], label: "DATABASE" },
  { words: ["TYPE"], label: "TYPE" },
  { words: ["DOMAIN"], label: "DOMAIN" },
  { words: ["SEQUENCE"], label: "SEQUENCE" },
  { words: ["INDEX"], label: "INDEX" },
];

function classifyDrop(c: Cursor, line: number): Hit[] {
  // MySQL's session-scoped temporary tables hold nothing durable.
  if (c.is("TEMPORARY", "TABLE")) return [];
  const object = DROPPED_OBJECTS.find((o) => c.accept(...o.words));
  if (!object) return dropWithCascade(c, line);
  c.accept("CONCURRENTLY");
  c.accept("IF", "EXISTS");
  const rest = c.rest();
  const cascade = hasWords(rest, "CASCADE") ? " CASCADE" : "";
  // `DROP INDEX i ON t` (MySQL, SQL Server) names its table.
  const onAt = rest.findIndex((t) => t.upper === "ON");
  const table = onAt === -1 ? undefined : new Cursor(rest.slice(onAt + 1)).name();
  const names = splitTopLevel(onAt === -1 ? rest : rest.slice(0, onAt), ",")
    .map((part) => new Cursor(part).name())
    .filter((n): n is Name => n !== undefined);
  return names.map((name) => {
    const why = object.label === "INDEX" ? ` ${INDEX_DROPPED}` : "";
    const detail = `DROP ${object.label} ${q(name)}${table ? ` on table ${q(table)}` : ""}${cascade}${why}`;
    return destructive(detail, line, object.label === "TABLE" ? { droppedTable: name } : {});
  });
}

function dropWithCascade(c: Cursor, line: number): Hit[] {
  const rest = c.rest();
  if (!hasWords(rest, "CASCADE")) return [];
  return [destructive(`DROP ${render(rest)} (CASCADE also drops dependent objects)`, line)];
}

function classifyCreate(c: Cursor, ctx: Context, line: number): Hit[] {
  c.accept("OR", "REPLACE");
  if (
    c.is("TABLE") ||
    c.is("TEMP") ||
    c.is("TEMPORARY") ||
    c.is("UNLOGGED") ||
    c.is("GLOBAL") ||
    c.is("LOCAL")
  )
    return classifyCreateTable(c, line);
  const unique = c.accept("UNIQUE") ? "UNIQUE " : "";
  c.acceptOneOf("CLUSTERED", "NONCLUSTERED");
  const flavour = c.acceptOneOf("FULLTEXT", "SPATIAL", "BITMAP");
  if (!c.accept("INDEX")) return [];
  const concurrently = c.accept("CONCURRENTLY") ? " CONCURRENTLY" : "";
  c.accept("IF", "NOT", "EXISTS");
  const name = c.is("ON") ? undefined : c.name();
  if (!c.accept("ON")) return [];
  c.accept("ONLY");
  const table = c.name();
  if (!table || ctx.temporary.has(tableKey(table))) return [];
  // A plain index on an empty table is free; a unique one still decides which rows the table accepts.
  const newTable = ctx.created.has(tableKey(table));
  if (newTable && unique === "") return [];
  if (c.accept("USING")) c.name();
  const columns = c.group();
  const label = `CREATE ${unique}${flavour ? flavour + " " : ""}INDEX${concurrently}`;
  const on = `on ${newTable ? "new " : ""}table ${q(table)}`;
  const detail = `${label}${name ? " " + q(name) : ""} ${on}${columns ? ` (${render(columns)})` : ""}`;
  return [indexChange(detail, line)];
}

/** `CREATE [TEMP] TABLE t (…)`: the constraints it declares (see createTableConstraints). */
function classifyCreateTable(c: Cursor, line: number): Hit[] {
  const scope = c.acceptOneOf("TEMP", "TEMPORARY", "UNLOGGED", "GLOBAL", "LOCAL");
  const temp =
    c.acceptOneOf("TEMP", "TEMPORARY") ??
    (scope === "TEMP" || scope === "TEMPORARY" ? scope : undefined);
  if (!c.accept("TABLE") || temp !== undefined) return [];
  c.accept("IF", "NOT", "EXISTS");
  const table = c.name();
  const elements = c.group();
  return table && elements ? createTableConstraints(table, elements, line) : [];
}

function classifyTruncate(c: Cursor, line: number): Hit[] {
  c.accept("TABLE");
  c.accept("ONLY");
  return splitTopLevel(c.rest(), ",")
    .map((part) => new Cursor(part).name())
    .filter((n): n is Name => n !== undefined)
    .map((name) => destructive(`TRUNCATE ${q(name)}`, line));
}

function classifyDelete(c: Cursor, line: number): Hit[] {
  c.accept("FROM");
  c.accept("ONLY");
  const table = c.name();
  if (!table || hasWords(topLevelTokens(c.rest()), "WHERE")) return [];
  return [destructive(`DELETE FROM ${q(table)} without WHERE (deletes every row)`, line)];
}

/** MySQL: RENAME TABLE a TO b [, c TO d]. */
function classifyRenameTable(c: Cursor, line: number): Hit[] {
  if (!c.accept("TABLE")) return [];
  return splitTopLevel(c.rest(), ",").flatMap((pair) => {
    const p = new Cursor(pair);
    const from = p.name();
    p.accept("TO");
    const to = p.name();
    if (!from || !to) return [];
    return [
      destructive(`RENAME TABLE ${q(from)} TO ${q(to)}`, line, { renamedTable: { from, to } }),
    ];
  });
}

/** SQL Server: [EXEC[UTE]] [sys.]sp_rename 'old', 'new' [, 'COLUMN' | 'INDEX' | 'OBJECT']. */
function isSpRename(c: Cursor): boolean {
  const start = c.is("EXEC") || c.is("EXECUTE") ? 1 : 0;
  const probe = new Cursor(c.tokens.slice(start));
  const name = probe.name();
  return name !== undefined && name[name.length - 1]?.toLowerCase() === "sp_rename";
}

function classifySpRename(c: Cursor, line: number): Hit[] {
  const strings = c.tokens.filter((t) => t.type === "string").map((t) => t.value);
  const [from = "?", to = "?", objectType = ""] = strings;
  const what = objectType.toUpperCase();
  const detail = `sp_rename '${from}' TO '${to}'${what ? ` (${what})` : ""}`;
  if (what === "INDEX" || what === "STATISTICS") return [indexChange(detail, line)];
  return [destructive(detail, line)];
}

/** `DO [LANGUAGE l] $$ … $$` runs its body immediately, so its statements count. */
function classifyDoBlock(c: Cursor, ctx: Context): Hit[] {
  const body = c.tokens.find((t) => t.type === "dollar" || t.type === "string");
  return classifyProcedural(body, languageOf(c.tokens), "the DO block", ctx);
}

/**
 * A PL/pgSQL or SQL body that runs during the migration (a DO block, or a routine
 * the migration creates and calls), read statement by statement. Inside it a
 * statement may be prefixed by control flow (`BEGIN`, `IF ... THEN`), so each is
 * read from its first DDL keyword. What cannot be read is assumed destructive:
 * dynamic SQL (`EXECUTE …`, `EXECUTE format(…)`), a body in another language, an
 * unterminated string in the body.
 */
function classifyProcedural(
  body: Token | undefined,
  language: string | undefined,
  what: string,
  ctx: Context,
): Hit[] {
  if (body === undefined) return [];
  const bodyLine = body.bodyLine ?? body.line;
  if (language !== undefined && language !== "plpgsql" && language !== "sql") {
    return [unreadableSql(`${what} in LANGUAGE ${language}`, bodyLine)];
  }
  const lexed = lexSql(body.value, bodyLine);
  if (lexed.unterminated)
    return [
      unreadableSql(`${what}: an unterminated ${lexed.unterminated.what}`, lexed.unterminated.line),
    ];
  return splitStatements(lexed.tokens).flatMap((statement) => {
    const tokens = statement.tokens;
    const dynamic = tokens.find(
      (t, k) =>
        (t.upper === "EXECUTE" || t.upper === "EXEC") &&
        !ROUTINE_WORDS.includes(tokens[k + 1]?.upper ?? ""),
    );
    if (dynamic !== undefined)
      return [unreadableSql(`dynamic SQL (EXECUTE) in ${what}`, dynamic.line)];
    const start = tokens.findIndex(
      (t, k) => DDL_STARTS.includes(t.upper) || isDoBlockAt(tokens, k),
    );
    return [
      ...(start === -1 ? [] : classifyStatement(tokens.slice(start), ctx)),
      ...calledRoutines(tokens, ctx),
    ];
  });
}

/** `DO` opening a block (not `ON CONFLICT DO UPDATE`). */
function isDoBlockAt(tokens: Token[], k: number): boolean {
  const next = tokens[k + 1];
  return (
    tokens[k]?.upper === "DO" &&
    (next?.type === "dollar" || next?.type === "string" || next?.upper === "LANGUAGE")
  );
}

const ROUTINE_WORDS = ["FUNCTION", "PROCEDURE"];

/** The lower-cased language a DO block or routine names (`LANGUAGE plpgsql`, `LANGUAGE 'sql'`), if any. */
function languageOf(tokens: readonly Token[]): string | undefined {
  const at = tokens.findIndex((t) => t.upper === "LANGUAGE");
  const name = at === -1 ? undefined : tokens[at + 1];
  return name !== undefined && name.type !== "punct" ? name.value.toLowerCase() : undefined;
}

/**
 * Functions and procedures the statements create with a body: `CREATE FUNCTION f()
 * … AS $$ … $$`. Their bodies only run when called, so they are read where the
 * migration calls them.
 */
function createdRoutines(statements: Statement[]): Map<string, Routine> {
  const routines = new Map<string, Routine>();
  for (const { tokens } of statements) {
    const c = new Cursor(tokens);
    if (!c.accept("CREATE")) continue;
    c.accept("OR", "REPLACE");
    if (!c.acceptOneOf(...ROUTINE_WORDS)) continue;
    const name = c.name();
    if (!name) continue;
    const asAt = tokens.findIndex(
      (t, k) =>
        k >= c.pos && t.upper === "AS" && ["dollar", "string"].includes(tokens[k + 1]?.type ?? ""),
    );
    routines.set(tableKey(name), {
      name: q(name),
      body: asAt === -1 ? undefined : tokens[asAt + 1],
      language: languageOf(tokens),
    });
  }
  return routines;
}

/** Statements that name a routine without running it. */
function managesRoutines(tokens: Token[]): boolean {
  const first = tokens[0]?.upper ?? "";
  if (["COMMENT", "GRANT", "REVOKE", "DROP", "SECURITY"].includes(first)) return true;
  return (
    (first === "CREATE" || first === "ALTER") &&
    tokens
      .slice(1, 6)
      .some((t) => [...ROUTINE_WORDS, "TRIGGER", "ROUTINE", "AGGREGATE"].includes(t.upper))
  );
}

/** The bodies of routines this migration creates and a statement calls (`SELECT f()`, `CALL p()`, `PERFORM f()`). */
function calledRoutines(tokens: Token[], ctx: Context): Hit[] {
  if (ctx.routines.size === 0 || managesRoutines(tokens)) return [];
  const hits: Hit[] = [];
  tokens.forEach((t, k) => {
    if (!isNameToken(t)) return;
    const key = t.value.toLowerCase();
    const routine = ctx.routines.get(key);
    const called =
      (tokens[k + 1]?.type === "punct" && tokens[k + 1]?.value === "(") ||
      ["CALL", "EXEC", "EXECUTE", "PERFORM"].includes(tokens[k - 1]?.upper ?? "");
    if (routine === undefined || !called || ctx.read.has(key)) return;
    ctx.read.add(key);
    hits.push(
      ...classifyProcedural(routine.body, routine.language, `the body of ${routine.name}`, ctx),
    );
  });
  return hits;
}

/** SQL Server procedures that only write metadata. */
const METADATA_PROCEDURES = new Set([
  "sp_addextendedproperty",
  "sp_updateextendedproperty",
  "sp_dropextendedproperty",
]);

/**
 * Top-level EXEC / EXECUTE runs a prepared statement, a procedure or a string of
 * SQL. Only a statement prepared `AS …` in this migration (read there), a routine
 * it creates (read where called) and metadata procedures can be read.
 */
function classifyExecute(c: Cursor, ctx: Context, line: number): Hit[] {
  const word = c.peek()!.upper;
  c.pos++;
  const name = c.name();
  const key = name === undefined ? "" : tableKey(name);
  if (ctx.prepared.has(key) || ctx.routines.has(key) || METADATA_PROCEDURES.has(key)) return [];
  return [unreadableSql(`${word} ${name ? q(name) : "of a string"}`, line)];
}

/** PostgreSQL's `PREPARE p [(types)] AS statement` is read as its statement; MySQL's `PREPARE p FROM …` builds SQL at run time. */
function classifyPrepare(c: Cursor, ctx: Context, line: number): Hit[] {
  const name = c.name();
  c.group();
  if (!c.accept("AS")) return [unreadableSql(`PREPARE ${name ? q(name) : ""} FROM`, line)];
  if (name) ctx.prepared.add(tableKey(name));
  return classifyStatement(c.rest(), ctx);
}

/** `CALL p()`: a procedure this migration creates is read where it is called; any other is not shown. */
function classifyCall(c: Cursor, ctx: Context, line: number): Hit[] {
  const name = c.name();
  if (name !== undefined && ctx.routines.has(tableKey(name))) return [];
  return [unreadableSql(`CALL ${name ? q(name) : ""}`, line)];
}

/** `WITH gone AS (DELETE FROM t RETURNING *) …` and `WITH … DELETE FROM t`: a DELETE anywhere in a WITH runs. */
function classifyWith(c: Cursor, ctx: Context): Hit[] {
  const tokens = c.rest();
  const hits: Hit[] = [];
  tokens.forEach((t, k) => {
    if (t.upper !== "DELETE") return;
    // The DELETE ends where the parentheses it stands in close.
    let depth = 0;
    let end = k;
    for (; end < tokens.length; end++) {
      const u = tokens[end]!;
      if (u.type === "punct" && u.value === "(") depth++;
      if (u.type === "punct" && u.value === ")" && --depth < 0) break;
    }
    hits.push(...classifyStatement(tokens.slice(k, end), ctx));
  });
  return hits;
}

/** `EXPLAIN ANALYZE` runs the statement it explains. */
function classifyExplain(c: Cursor, ctx: Context): Hit[] {
  c.group();
  while (c.acceptOneOf("ANALYZE", "ANALYSE", "VERBOSE") !== undefined);
  return classifyStatement(c.rest(), ctx);
}

/** psql meta-commands that run SQL from elsewhere: query results (`\gexec`), other files (`\i`), the shell (`\!`). */
const PSQL_RUNNERS = new Set(["gexec", "i", "ir", "include", "include_relative"]);

function classifyPsqlCommand(tokens: Token[], line: number): Hit[] {
  const command = tokens[1];
  if (command === undefined) return [];
  if (command.type === "punct" && command.value.startsWith("!"))
    return [unreadableSql("psql \\! (a shell command)", line)];
  if (command.type === "word" && PSQL_RUNNERS.has(command.value.toLowerCase()))
    return [unreadableSql(`psql \\${command.value}`, line)];
  return [];
}

/** psql substitutes `:name`, `:'name'` and `:"name"` before the server reads the statement. */
function psqlVariables(tokens: Token[]): Hit[] {
  const at = tokens.findIndex(
    (t, k) =>
      t.type === "punct" &&
      t.value === ":" &&
      ["word", "ident", "string"].includes(tokens[k + 1]?.type ?? ""),
  );
  return at === -1
    ? []
    : [unreadableSql(`psql variable :${tokens[at + 1]!.value}`, tokens[at]!.line)];
}

const DDL_STARTS = ["ALTER", "DROP", "CREATE", "TRUNCATE", "DELETE", "RENAME"];
