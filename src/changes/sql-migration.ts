/**
 * Classifies SQL migrations by what their statements do to existing data.
 *
 * The detector reads the statements a change ADDS (for a new migration file: the
 * whole file) and sorts them into:
 *
 * - `migration-destructive`: statements that lose data, rewrite a column, rename
 *   something code depends on, or fail on a non-empty table: DROP TABLE/COLUMN,
 *   column type changes (ALTER COLUMN ... TYPE, MySQL MODIFY/CHANGE, SQL Server
 *   ALTER COLUMN <type>), renames (ALTER ... RENAME, RENAME TABLE, sp_rename),
 *   SET NOT NULL, ADD COLUMN ... NOT NULL without a DEFAULT, TRUNCATE,
 *   DELETE without WHERE, DROP CONSTRAINT / PRIMARY KEY / FOREIGN KEY, DROP of a
 *   schema, database, type, domain, view or sequence, any DROP ... CASCADE, and
 *   table rebuilds (Prisma's SQLite "RedefineTables": DROP TABLE "X" followed by
 *   ALTER TABLE "new_X" RENAME TO "X"). Editing or renaming a migration that
 *   already exists is reported too: databases that applied it never see the edit.
 * - `migration-index`: index and constraint work on existing tables: CREATE INDEX,
 *   DROP INDEX, index/constraint renames, ADD CONSTRAINT (UNIQUE, PRIMARY KEY,
 *   FOREIGN KEY, CHECK, EXCLUDE), MySQL ADD INDEX/KEY, and ADD COLUMN with
 *   REFERENCES/UNIQUE/PRIMARY KEY.
 *
 * Decisions worth knowing:
 * - DROP INDEX is `migration-index`, not destructive: no data is lost, but dropping
 *   or building an index changes query plans and locks, which is the DBA's call.
 * - DROP VIEW / MATERIALIZED VIEW and DROP TYPE / DOMAIN are destructive: no table
 *   rows are lost, but they remove objects queries and columns depend on.
 * - DELETE without WHERE is destructive (it is a TRUNCATE); DELETE with WHERE and
 *   UPDATE are treated as data fix-ups and not reported.
 * - ADD CONSTRAINT ... CHECK is `migration-index`: it validates every existing row
 *   under lock, the same operational concern as a unique constraint.
 * - Index, constraint and NOT NULL work on a table created in the same migration is
 *   not reported: an empty table makes all of it free. A plain CREATE TABLE,
 *   ADD COLUMN (nullable or with a default), INSERT, CREATE FUNCTION → nothing.
 * - `DO $$ ... $$` blocks run immediately, so their bodies are analysed like
 *   top-level statements; a function or procedure body is analysed where the
 *   migration that creates it also calls it, and otherwise not (it runs later,
 *   when something calls it).
 * - SQL the detector cannot read is assumed destructive (a conservative finding
 *   and a problem saying what to do): dynamic SQL (`EXECUTE 'ALTER TABLE …'`,
 *   `EXECUTE format(…)`, MySQL `PREPARE … FROM`, T-SQL `EXEC('…')`), a procedure
 *   it cannot see (`CALL p()`), a DO body in a language other than PL/pgSQL or
 *   SQL, psql's `\gexec`, `\i` and `:variables`, mysql's `DELIMITER`, and an
 *   unterminated string, comment or dollar quote.
 * - The dialect is unknown: text holding `\'`, `#` or `/*!` is also read the way
 *   MySQL reads it, and what either reading finds is reported.
 * - A SQL file renamed or copied into a migrations folder runs whole, so it is
 *   read whole (its content is loaded for that).
 *
 * Known limitations: a function created by an earlier migration and called by
 * this one (`SELECT purge()`) is not seen into; triggers a migration creates are
 * not followed into the statements that fire them; with only a patch (no head
 * content) each run of added lines is read on its own, so an edit inside a
 * function body may be read as a top-level statement (a false positive, never a
 * miss).
 */
import { diffLines, type DiffLine } from "./diff.js";
import type { ChangeKind, ChangedFile, DetectionProblem, DetectionResult, Detector, Finding } from "./types.js";
import { unreadChange } from "./unread.js";

const DETECTOR_ID = "sql-migration";

export const sqlMigrationDetector: Detector = {
  id: DETECTOR_ID,
  kinds: ["migration-destructive", "migration-index"],
  appliesTo: (path) => /\.sql$/i.test(path),
  needsContent: false,
  needsContentFor: becomesNewMigration,
  detect(file) {
    try {
      return detectSqlMigration(file);
    } catch (error) {
      // Detectors must never throw; an unexpected failure is reported like an unreadable file.
      return unreadable(file, `unexpected error: ${error instanceof Error ? error.message : String(error)}`);
    }
  },
};

// ---------------------------------------------------------------------------
// Orchestration
// ---------------------------------------------------------------------------

function detectSqlMigration(file: ChangedFile): DetectionResult {
  // Deleting an old migration (squashing, cleanup) changes no database by itself.
  if (file.status === "removed" || file.head === null) return { findings: [], problems: [] };

  if (becomesNewMigration(file)) {
    const how = file.status === "copied" ? `copied from ${file.previousPath ?? "another file"}` : `moved here from ${file.previousPath ?? "another path"}`;
    if (typeof file.head !== "string") {
      return unreadable(file, `${how} into a migrations folder, so all of it now runs as a new migration, and its content was not loaded`);
    }
    // Every statement in it is new to the databases, not only the edited ones.
    return detectSqlMigration({ path: file.path, status: "added", base: null, head: file.head });
  }
  const unread = unreadChange(file);
  if (unread !== undefined) return unreadable(file, unread);

  const lines = diffLines(file);
  const findings: Finding[] = [];
  const problems: DetectionProblem[] = [];

  const history = historyRewrite(file, lines.removed);
  if (history) findings.push(history);

  const analysis = analyseAddedStatements(file, lines.added);
  for (const hit of analysis.hits) {
    const finding: Finding = { kind: hit.kind, path: file.path, detail: hit.detail, line: hit.line };
    if (hit.unreadable !== undefined) {
      finding.conservative = true;
      problems.push({ path: file.path, detector: DETECTOR_ID, message: hit.unreadable });
    }
    findings.push(finding);
  }
  if (analysis.unterminated) {
    const { what, line } = analysis.unterminated;
    const message = `unterminated ${what} starting at line ${line}; the statements after it could not be read`;
    problems.push({ path: file.path, detector: DETECTOR_ID, message });
    findings.push({
      kind: "migration-destructive",
      path: file.path,
      detail: `could not read the migration (${message}); assuming it is destructive`,
      line,
      conservative: true,
    });
  }
  const messages = new Set(problems.map((p) => p.message));
  return { findings: dedupe(findings), problems: [...messages].map((message) => ({ path: file.path, detector: DETECTOR_ID, message })) };
}

/**
 * A SQL file renamed or copied into a migrations folder (or copied within one):
 * every statement in it runs as a new migration, not only the lines the patch shows.
 */
function becomesNewMigration(file: ChangedFile): boolean {
  if (!looksLikeMigration(file.path)) return false;
  if (file.status === "copied") return true;
  return file.status === "renamed" && (file.previousPath === undefined || !looksLikeMigration(file.previousPath));
}

/**
 * An edit to (or rename of) a migration that already exists on the base branch.
 * Migration tools record applied migrations by name and checksum: databases that
 * ran the old version never run the new one, so environments silently diverge.
 * Flyway's repeatable migrations (`R__*.sql`) are meant to be edited and re-run.
 */
function historyRewrite(file: ChangedFile, removed: DiffLine[]): Finding | undefined {
  if (!looksLikeMigration(file.path) || isRepeatableMigration(file.path)) return undefined;
  const changedLines = removed.filter((l) => l.text.trim() !== "");
  if (["modified", "changed", "renamed"].includes(file.status) && changedLines.length > 0) {
    const first = changedLines[0]!;
    const n = changedLines.length;
    return {
      kind: "migration-destructive",
      path: file.path,
      detail:
        `existing migration modified: ${n} line${n === 1 ? "" : "s"} removed or changed ` +
        `(databases that already applied it will not re-run it)`,
      line: first.line,
    };
  }
  if (file.status === "renamed" && file.previousPath !== undefined && looksLikeMigration(file.previousPath)) {
    return {
      kind: "migration-destructive",
      path: file.path,
      detail: `existing migration renamed from ${file.previousPath} (tools will see it as a new, unapplied migration)`,
    };
  }
  return undefined;
}

/** Paths of migration tools' files, as opposed to ad-hoc query or seed files. */
function looksLikeMigration(path: string): boolean {
  const name = path.slice(path.lastIndexOf("/") + 1);
  return (
    /(^|\/)(migrations?|migrate|changelogs?|flyway)(\/|$)/i.test(path) ||
    /^[VU]\d+(?:[._]\d+)*__.+\.sql$/i.test(name) || // Flyway versioned / undo
    /^\d{3,}[_.-]/.test(name) // 0001_init.sql, 20240101120000_add_x.up.sql
  );
}

function isRepeatableMigration(path: string): boolean {
  return /^R__.+\.sql$/i.test(path.slice(path.lastIndexOf("/") + 1));
}

export interface Analysis {
  hits: Hit[];
  unterminated?: Unterminated;
}

/**
 * Finds the statements the change adds and classifies them. With head content the
 * whole file is split (so quoting state is always right) and the statements that
 * contain an added line are kept; with only a patch each run of consecutive added
 * lines is split on its own.
 */
function analyseAddedStatements(file: ChangedFile, added: DiffLine[]): Analysis {
  if (added.length === 0) return { hits: [] };
  if (typeof file.head === "string") {
    const addedLines = new Set(added.map((l) => l.line));
    return analyseSql([{ text: file.head, firstLine: 1 }], (s) => touchesAny(s, addedLines));
  }
  return analyseSql(consecutiveRuns(added).map((run) => ({ text: run.map((l) => l.text).join("\n"), firstLine: run[0]!.line })));
}

/** A piece of SQL text and the line its first character is on. */
export interface SqlText {
  text: string;
  firstLine: number;
}

/**
 * Classifies the statements of SQL texts (read together, in order). The dialect
 * is not known, and MySQL reads `\'` inside a string, `#` and `/*! … *\/`
 * differently from standard SQL: where the text holds any of them it is read both
 * ways and every statement either reading finds is reported, so that a statement
 * cannot hide from one reading behind the other's quoting. An unterminated string
 * or comment is reported from the standard reading.
 */
export function analyseSql(texts: readonly SqlText[], keep: (statement: Statement) => boolean = () => true): Analysis {
  const dialects: Dialect[] = texts.some((t) => /[\\#]|\/\*!/.test(t.text)) ? ["standard", "mysql"] : ["standard"];
  const hits: Hit[] = [];
  let unterminated: Unterminated | undefined;
  for (const dialect of dialects) {
    const statements: Statement[] = [];
    for (const { text, firstLine } of texts) {
      const lexed = lexSql(text, firstLine, dialect);
      // The first unterminated run hides everything after it; a later clean run must not clear it.
      if (dialect === "standard") unterminated ??= lexed.unterminated;
      statements.push(...splitStatements(lexed.tokens).filter(keep));
    }
    hits.push(...classifyStatements(statements));
  }
  return unterminated ? { hits, unterminated } : { hits };
}

function touchesAny(statement: Statement, lines: Set<number>): boolean {
  for (let l = statement.line; l <= statement.endLine; l++) if (lines.has(l)) return true;
  return false;
}

function consecutiveRuns(lines: DiffLine[]): DiffLine[][] {
  const runs: DiffLine[][] = [];
  for (const l of lines) {
    const run = runs[runs.length - 1];
    const last = run?.[run.length - 1];
    if (run && last && l.line === last.line + 1) run.push(l);
    else runs.push([l]);
  }
  return runs;
}

function dedupe(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  return findings.filter((f) => {
    const key = `${f.kind}\u0000${f.line ?? ""}\u0000${f.detail}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

function unreadable(file: ChangedFile, message: string): DetectionResult {
  return {
    findings: [
      {
        kind: "migration-destructive",
        path: file.path,
        detail: `could not read the migration (${message}); assuming it is destructive`,
        conservative: true,
      },
    ],
    problems: [{ path: file.path, detector: DETECTOR_ID, message }],
  };
}

// ---------------------------------------------------------------------------
// Lexer: comments, strings, quoted identifiers and dollar-quoted bodies
// ---------------------------------------------------------------------------

/** Standard SQL (PostgreSQL, SQLite, SQL Server) or MySQL's reading of quotes and comments. */
type Dialect = "standard" | "mysql";

type TokenType = "word" | "ident" | "string" | "number" | "dollar" | "punct";

export interface Token {
  type: TokenType;
  /** word: as written; ident: the name without quotes; string/dollar: the content; punct: the character. */
  value: string;
  /** Uppercased value of a word, for keyword matching; "" for other tokens. */
  upper: string;
  line: number;
  /** Dollar-quoted bodies: the line the body starts on. */
  bodyLine?: number;
}

export interface Unterminated {
  what: string;
  line: number;
}

export interface Lexed {
  tokens: Token[];
  unterminated?: Unterminated;
}

const WORD_START = /[A-Za-z_\u0080-\uffff]/;
const WORD_CHAR = /[A-Za-z0-9_$\u0080-\uffff]/;
const DOLLAR_TAG = /\$(?:[A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/y;
const BRACKET_IDENT = /\[([A-Za-z_][^\]\n'"]*)\]/y;
const OPERATOR_CHARS = "+-*/<>=~!@#%^&|?:";
/** Prefixes that turn '...' into a special string literal: E'' escapes, N'' (SQL Server), B'', X'', U&''. */
const STRING_PREFIX = /^(?:E|N|B|X|U&)$/i;

/**
 * Splits SQL text into tokens, dropping `--` and (nested) `/* *\/` comments.
 * Never fails: an unterminated string/comment runs to the end and is reported.
 * In the MySQL reading, a backslash escapes the next character in '…' and "…",
 * `#` starts a comment, and `/*!…*\/` is not a comment: MySQL runs its content.
 */
export function lexSql(text: string, firstLine: number, dialect: Dialect = "standard"): Lexed {
  const mysql = dialect === "mysql";
  let inExecutableComment = false;
  const tokens: Token[] = [];
  let unterminated: Unterminated | undefined;
  let i = 0;
  let line = firstLine;
  const push = (type: TokenType, value: string, at: number, bodyLine?: number): void => {
    const token: Token = { type, value, upper: type === "word" ? value.toUpperCase() : "", line: at };
    if (bodyLine !== undefined) token.bodyLine = bodyLine;
    tokens.push(token);
  };
  /** Moves to `end`, counting the newlines passed over. */
  const advanceTo = (end: number): void => {
    for (; i < end; i++) if (text[i] === "\n") line++;
  };
  const quoted = (start: number, quote: string, backslashes: boolean, what: string, type: TokenType): void => {
    const at = line;
    const read = readQuoted(text, start, quote, backslashes);
    if (!read.closed) unterminated ??= { what, line: at };
    advanceTo(read.end);
    push(type, read.value, at);
  };

  while (i < text.length) {
    const c = text[i]!;
    const next = text[i + 1];
    if (c === "\n") {
      line++;
      i++;
    } else if (/\s/.test(c)) {
      i++;
    } else if ((c === "-" && next === "-") || (mysql && c === "#")) {
      const end = text.indexOf("\n", i);
      i = end === -1 ? text.length : end;
    } else if (mysql && c === "/" && next === "*" && text[i + 2] === "!") {
      // `/*!50100 … */`: MySQL runs the content when its version is at least the number.
      inExecutableComment = true;
      i += 3;
      while (i < text.length && /[0-9]/.test(text[i]!)) i++;
    } else if (inExecutableComment && c === "*" && next === "/") {
      inExecutableComment = false;
      i += 2;
    } else if (c === "/" && next === "*") {
      const at = line;
      const end = blockCommentEnd(text, i);
      if (end === -1) unterminated ??= { what: "block comment", line: at };
      advanceTo(end === -1 ? text.length : end);
    } else if (c === "'") {
      quoted(i, "'", mysql, "string", "string");
    } else if (c === '"') {
      // MySQL reads "…" as a string (with backslash escapes) unless ANSI_QUOTES is set.
      quoted(i, '"', mysql, "quoted identifier", "ident");
    } else if (c === "`") {
      quoted(i, "`", false, "quoted identifier", "ident");
    } else if (c === "$" && matchAt(DOLLAR_TAG, text, i) !== undefined) {
      const tag = matchAt(DOLLAR_TAG, text, i)![0];
      const at = line;
      const close = text.indexOf(tag, i + tag.length);
      if (close === -1) unterminated ??= { what: `dollar-quoted body ${tag}`, line: at };
      const bodyEnd = close === -1 ? text.length : close;
      const body = text.slice(i + tag.length, bodyEnd);
      advanceTo(i + tag.length);
      const bodyLine = line;
      advanceTo(close === -1 ? text.length : close + tag.length);
      push("dollar", body, at, bodyLine);
    } else if (c === "[" && matchAt(BRACKET_IDENT, text, i) !== undefined) {
      const m = matchAt(BRACKET_IDENT, text, i)!;
      push("ident", m[1]!, line);
      i += m[0].length;
    } else if (WORD_START.test(c)) {
      let end = i + 1;
      while (end < text.length && WORD_CHAR.test(text[end]!)) end++;
      if (text[end] === "&" && text[end + 1] === "'") end++; // U&'...'
      const word = text.slice(i, end);
      if (text[end] === "'" && STRING_PREFIX.test(word)) {
        quoted(end, "'", word.toUpperCase() === "E", "string", "string");
      } else {
        push("word", word, line);
        i = end;
      }
    } else if (/[0-9]/.test(c)) {
      let end = i + 1;
      while (end < text.length && /[0-9.eE]/.test(text[end]!)) end++;
      push("number", text.slice(i, end), line);
      i = end;
    } else if (OPERATOR_CHARS.includes(c)) {
      // Operators are one token (`<=`, `::`), stopping before a comment opener.
      let end = i + 1;
      while (end < text.length && OPERATOR_CHARS.includes(text[end]!) && !/^(--|\/\*)/.test(text.slice(end, end + 2))) end++;
      push("punct", text.slice(i, end), line);
      i = end;
    } else {
      push("punct", c, line);
      i++;
    }
  }
  return unterminated ? { tokens, unterminated } : { tokens };
}

function matchAt(pattern: RegExp, text: string, index: number): RegExpExecArray | undefined {
  pattern.lastIndex = index;
  return pattern.exec(text) ?? undefined;
}

/** Reads a quoted run starting at `start` (the opening quote); a doubled quote is an escaped quote. */
function readQuoted(
  text: string,
  start: number,
  quote: string,
  backslashes: boolean,
): { value: string; end: number; closed: boolean } {
  let value = "";
  let i = start + 1;
  while (i < text.length) {
    const c = text[i]!;
    if (backslashes && c === "\\" && i + 1 < text.length) {
      value += text[i + 1];
      i += 2;
    } else if (c === quote && text[i + 1] === quote) {
      value += quote;
      i += 2;
    } else if (c === quote) {
      return { value, end: i + 1, closed: true };
    } else {
      value += c;
      i++;
    }
  }
  return { value, end: text.length, closed: false };
}

/** Index just past the `*\/` closing the comment opened at `start` (PostgreSQL nests them), or -1. */
function blockCommentEnd(text: string, start: number): number {
  let depth = 0;
  let i = start;
  while (i < text.length) {
    if (text.startsWith("/*", i)) {
      depth++;
      i += 2;
    } else if (text.startsWith("*/", i)) {
      depth--;
      i += 2;
      if (depth === 0) return i;
    } else {
      i++;
    }
  }
  return -1;
}

// ---------------------------------------------------------------------------
// Statements
// ---------------------------------------------------------------------------

export interface Statement {
  tokens: Token[];
  /** Line of the first token. */
  line: number;
  /** Line of the terminating `;` (or of the last token). */
  endLine: number;
}

/**
 * Splits on `;` and on SQL Server's `GO` batch separator (a line holding only GO).
 * A psql meta-command (`\set`, `\i file`, `\gexec`) is a statement of its own that
 * ends with its line, so it cannot swallow the statement after it.
 */
export function splitStatements(tokens: Token[]): Statement[] {
  const statements: Statement[] = [];
  let current: Token[] = [];
  let metaLine: number | undefined;
  const flush = (endLine: number): void => {
    if (current.length > 0) statements.push({ tokens: current, line: current[0]!.line, endLine });
    current = [];
    metaLine = undefined;
  };
  tokens.forEach((token, k) => {
    if (metaLine !== undefined && token.line !== metaLine) flush(metaLine);
    if (token.type === "punct" && token.value === "\\") {
      flush(token.line);
      metaLine = token.line;
    }
    if ((token.type === "punct" && token.value === ";") || isBatchSeparator(tokens, k)) flush(token.line);
    else current.push(token);
  });
  const last = tokens[tokens.length - 1];
  if (last) flush(last.line);
  return statements;
}

function isBatchSeparator(tokens: Token[], k: number): boolean {
  const token = tokens[k]!;
  if (token.type !== "word" || token.upper !== "GO") return false;
  const before = tokens[k - 1];
  const after = tokens[k + 1];
  return (before === undefined || before.line < token.line) && (after === undefined || after.line > token.line);
}

/** Splits tokens on a punctuation character outside parentheses (ALTER TABLE actions, column lists). */
function splitTopLevel(tokens: Token[], separator: string): Token[][] {
  const parts: Token[][] = [[]];
  let depth = 0;
  for (const t of tokens) {
    if (t.type === "punct" && t.value === "(") depth++;
    if (t.type === "punct" && t.value === ")") depth = Math.max(0, depth - 1);
    if (depth === 0 && t.type === "punct" && t.value === separator) parts.push([]);
    else parts[parts.length - 1]!.push(t);
  }
  return parts.filter((p) => p.length > 0);
}

/** The tokens outside any parentheses (so CHECK (x IS NOT NULL) is not a NOT NULL column). */
function topLevelTokens(tokens: Token[]): Token[] {
  const out: Token[] = [];
  let depth = 0;
  for (const t of tokens) {
    if (t.type === "punct" && t.value === "(") depth++;
    else if (t.type === "punct" && t.value === ")") depth = Math.max(0, depth - 1);
    else if (depth === 0) out.push(t);
  }
  return out;
}

function hasWords(tokens: Token[], ...words: string[]): boolean {
  return tokens.some((_, k) => words.every((w, j) => tokens[k + j]?.upper === w));
}

/** A readable rendering of tokens for details: `VARCHAR(100)`, `"a", "b"`. */
function render(tokens: Token[]): string {
  let out = "";
  let previous: Token | undefined;
  for (const t of tokens) {
    const text = t.type === "ident" ? `"${t.value}"` : t.type === "string" ? `'${t.value}'` : t.value;
    const tight =
      previous === undefined ||
      (t.type === "punct" && [")", ",", ".", "(", "::"].includes(t.value)) ||
      (previous.type === "punct" && ["(", ".", "::"].includes(previous.value));
    out += (tight ? "" : " ") + text;
    if (t.type === "punct" && t.value === ",") out += " ";
    previous = t;
  }
  return out.replace(/ {2,}/g, " ").trim();
}

// ---------------------------------------------------------------------------
// A cursor over one statement's tokens
// ---------------------------------------------------------------------------

type Name = string[];

class Cursor {
  pos = 0;
  constructor(readonly tokens: readonly Token[]) {}

  peek(offset = 0): Token | undefined {
    return this.tokens[this.pos + offset];
  }

  /** Whether the next tokens are exactly these keywords (not consumed). */
  is(...words: string[]): boolean {
    return words.every((w, k) => this.peek(k)?.upper === w);
  }

  /** Consumes the keywords if the next tokens are exactly these. */
  accept(...words: string[]): boolean {
    if (!this.is(...words)) return false;
    this.pos += words.length;
    return true;
  }

  acceptOneOf(...words: string[]): string | undefined {
    const t = this.peek();
    if (t?.type === "word" && words.includes(t.upper)) {
      this.pos++;
      return t.upper;
    }
    return undefined;
  }

  /** A possibly schema-qualified name: `"public"."User"`, `dbo.[User]`, `users`. */
  name(): Name | undefined {
    const parts: string[] = [];
    for (;;) {
      const t = this.peek();
      if (!t || (t.type !== "word" && t.type !== "ident")) break;
      parts.push(t.value);
      this.pos++;
      if (!(this.peek()?.type === "punct" && this.peek()?.value === "." && isNameToken(this.peek(1)))) break;
      this.pos++;
    }
    return parts.length > 0 ? parts : undefined;
  }

  /** The tokens of a parenthesised group at the cursor (without the parentheses), consumed. */
  group(): Token[] | undefined {
    if (!(this.peek()?.type === "punct" && this.peek()?.value === "(")) return undefined;
    let depth = 0;
    const start = this.pos;
    for (; this.pos < this.tokens.length; this.pos++) {
      const t = this.tokens[this.pos]!;
      if (t.type === "punct" && t.value === "(") depth++;
      if (t.type === "punct" && t.value === ")" && --depth === 0) {
        this.pos++;
        return this.tokens.slice(start + 1, this.pos - 1);
      }
    }
    return this.tokens.slice(start + 1);
  }

  rest(): Token[] {
    const rest = this.tokens.slice(this.pos);
    this.pos = this.tokens.length;
    return rest;
  }
}

function isNameToken(t: Token | undefined): boolean {
  return t !== undefined && (t.type === "word" || t.type === "ident");
}

function q(name: Name): string {
  return name.map((part) => `"${part}"`).join(".");
}

/** Tables are matched on their unqualified name, case-insensitively (as unquoted SQL folds them). */
function tableKey(name: Name): string {
  return (name[name.length - 1] ?? "").toLowerCase();
}

// ---------------------------------------------------------------------------
// Classification
// ---------------------------------------------------------------------------

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
const indexChange = (detail: string, line: number): Hit => ({ kind: "migration-index", detail, line });
/** SQL the migration runs but does not show: assumed destructive, with what to do about it. */
const unreadableSql = (what: string, line: number): Hit => {
  const message = `line ${line}: ${what} cannot be read here; write the SQL it runs out as plain statements so that they can be classified`;
  return { kind: "migration-destructive", detail: `could not read the migration (${message}); assuming it is destructive`, line, unreadable: message };
};

function classifyStatements(statements: Statement[]): Hit[] {
  const ctx: Context = { created: createdTables(statements), routines: createdRoutines(statements), read: new Set(), prepared: new Set() };
  const hits = statements.flatMap((s) => [...classifyStatement(s.tokens, ctx), ...calledRoutines(s.tokens, ctx), ...psqlVariables(s.tokens)]);
  return mergeRebuilds(hits);
}

/**
 * Tables that are new in this migration, including those a rebuild renames into
 * place (`CREATE TABLE "new_User" ...; ALTER TABLE "new_User" RENAME TO "User"`).
 */
function createdTables(statements: Statement[]): Set<string> {
  const created = new Set<string>();
  for (const { tokens } of statements) {
    const c = new Cursor(tokens);
    if (c.accept("CREATE")) {
      c.accept("OR", "REPLACE");
      c.acceptOneOf("TEMP", "TEMPORARY", "UNLOGGED", "GLOBAL", "LOCAL");
      c.acceptOneOf("TEMP", "TEMPORARY");
      if (!c.accept("TABLE")) continue;
      c.accept("IF", "NOT", "EXISTS");
      const name = c.name();
      if (name) created.add(tableKey(name));
    } else if (c.accept("ALTER", "TABLE")) {
      c.accept("IF", "EXISTS");
      const from = c.name();
      if (!from || !created.has(tableKey(from)) || !c.accept("RENAME")) continue;
      c.acceptOneOf("TO", "AS");
      const to = c.name();
      if (to) created.add(tableKey(to));
    }
  }
  return created;
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
  if (c.is("DELIMITER")) return [unreadableSql("DELIMITER (the mysql client then ends statements differently)", line)];
  if (tokens[0]?.type === "punct" && tokens[0].value === "\\") return classifyPsqlCommand(tokens, line);
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
  return splitTopLevel(c.rest(), ",").flatMap((action) => alterTableAction(table, label, action, ctx));
}

function alterTableAction(table: Name, label: "table" | "view", action: Token[], ctx: Context): Hit[] {
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
    const what = to && to.join(".") !== from.join(".") ? `renamed to ${q(to)} and redefined` : "column redefined";
    return [destructive(`CHANGE COLUMN ${q(from)} ${on} (${what})`, line)];
  }
  if (c.accept("RENAME")) return renameAction(c, table, label, on, line);
  if (c.accept("SET", "SCHEMA")) {
    const schema = c.name();
    return [destructive(`SET SCHEMA ${schema ? q(schema) : ""} ${on} (moved to another schema)`, line)];
  }
  if (c.accept("TRUNCATE", "PARTITION")) return [destructive(`TRUNCATE PARTITION ${on}`, line)];
  return [];
}

const CONSTRAINT_KINDS = ["UNIQUE", "PRIMARY", "FOREIGN", "CHECK", "EXCLUDE"];
const MYSQL_INDEX_WORDS = ["INDEX", "KEY", "FULLTEXT", "SPATIAL"];

function addAction(c: Cursor, table: Name, on: string, line: number, ctx: Context): Hit[] {
  // Constraints and indexes on a table created in this migration cost nothing.
  const isNewTable = ctx.created.has(tableKey(table));
  if (c.accept("CONSTRAINT")) {
    const name = c.name();
    const what = describeConstraint(c);
    return isNewTable ? [] : [indexChange(`ADD CONSTRAINT ${name ? q(name) + " " : ""}${what} ${on}`, line)];
  }
  const next = c.peek();
  if (next?.type === "word" && [...CONSTRAINT_KINDS, ...MYSQL_INDEX_WORDS].includes(next.upper)) {
    return isNewTable ? [] : [indexChange(`ADD ${describeConstraint(c)} ${on}`, line)];
  }
  c.accept("COLUMN");
  c.accept("IF", "NOT", "EXISTS");
  const column = c.name();
  if (!column) return [];
  return addColumn(column, c.rest(), on, line, isNewTable);
}

/**
 * A short rendering of a table constraint or MySQL index definition:
 * `FOREIGN KEY ("channelId") REFERENCES "Channel" ("id")`, `UNIQUE ("email")`, `CHECK (price > 0)`.
 */
function describeConstraint(c: Cursor): string {
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
  return text;
}

function constraintKind(c: Cursor): string {
  if (c.accept("PRIMARY", "KEY")) return "PRIMARY KEY";
  if (c.accept("FOREIGN", "KEY")) return "FOREIGN KEY";
  const kind = c.acceptOneOf("UNIQUE", "CHECK", "EXCLUDE", "FULLTEXT", "SPATIAL", "INDEX", "KEY") ?? "";
  // MySQL spellings: UNIQUE KEY, UNIQUE INDEX, FULLTEXT INDEX.
  if (["UNIQUE", "FULLTEXT", "SPATIAL"].includes(kind)) c.acceptOneOf("KEY", "INDEX");
  return kind === "KEY" ? "INDEX" : kind;
}

/** Words that give a NOT NULL column a value for existing rows. */
const VALUE_SOURCES = ["DEFAULT", "GENERATED", "IDENTITY", "AUTO_INCREMENT", "AUTOINCREMENT", "AS"];
const SERIAL_TYPES = ["SERIAL", "BIGSERIAL", "SMALLSERIAL", "SERIAL4", "SERIAL8", "SERIAL2"];

function addColumn(column: Name, definition: Token[], on: string, line: number, isNewTable: boolean): Hit[] {
  if (isNewTable) return [];
  const top = topLevelTokens(definition);
  const hits: Hit[] = [];
  if (hasWords(definition, "REFERENCES")) {
    const at = definition.findIndex((t) => t.upper === "REFERENCES");
    const target = new Cursor(definition.slice(at + 1)).name();
    hits.push(indexChange(`ADD COLUMN ${q(column)} REFERENCES ${target ? q(target) : "?"} ${on} (foreign key)`, line));
  }
  if (hasWords(top, "UNIQUE") || hasWords(top, "PRIMARY", "KEY")) {
    const what = hasWords(top, "UNIQUE") ? "UNIQUE" : "PRIMARY KEY";
    hits.push(indexChange(`ADD COLUMN ${q(column)} ${what} ${on}`, line));
  }
  const hasValue = top.some((t) => VALUE_SOURCES.includes(t.upper) || SERIAL_TYPES.includes(t.upper));
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
    return [indexChange(`DROP INDEX ${name ? q(name) : ""} ${on}`, line)];
  }
  if (c.accept("PRIMARY", "KEY")) return [destructive(`DROP PRIMARY KEY ${on}`, line)];
  if (c.accept("FOREIGN", "KEY")) {
    const name = c.name();
    return [destructive(`DROP FOREIGN KEY ${name ? q(name) : ""} ${on}`, line)];
  }
  if (c.accept("CHECK")) return [destructive(`DROP CHECK ${q(c.name() ?? [])} ${on}`, line)];
  if (c.accept("PARTITION")) return [destructive(`DROP PARTITION ${render(c.rest())} ${on} (its rows are deleted)`, line)];
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
    return [destructive(`${col} TYPE ${render(typeTokens(c.rest()))} ${on} (column type change)`, line)];
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

function renameAction(c: Cursor, table: Name, label: "table" | "view", on: string, line: number): Hit[] {
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
  const renamesTable = c.acceptOneOf("TO", "AS") !== undefined || (!c.is("COLUMN") && c.peek(1)?.upper !== "TO");
  if (renamesTable) {
    const to = c.name();
    if (!to) return [];
    const detail = `RENAME ${label.toUpperCase()} ${q(table)} TO ${q(to)}`;
    return [destructive(detail, line, label === "table" ? { renamedTable: { from: table, to } } : {})];
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
  if (c.accept("RENAME", "TO")) return [destructive(`RENAME TYPE ${q(type)} TO ${q(c.name() ?? [])}`, line)];
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

/** What DROP <object> means. Anything else is only reported when CASCADE may take dependants with it. */
const DROPPED_OBJECTS: Array<{ words: string[]; label: string; kind: ChangeKind }> = [
  { words: ["TABLE"], label: "TABLE", kind: "migration-destructive" },
  { words: ["FOREIGN", "TABLE"], label: "FOREIGN TABLE", kind: "migration-destructive" },
  { words: ["MATERIALIZED", "VIEW"], label: "MATERIALIZED VIEW", kind: "migration-destructive" },
  { words: ["VIEW"], label: "VIEW", kind: "migration-destructive" },
  { words: ["SCHEMA"], label: "SCHEMA", kind: "migration-destructive" },
  { words: ["DATABASE"], label: "DATABASE", kind: "migration-destructive" },
  { words: ["TYPE"], label: "TYPE", kind: "migration-destructive" },
  { words: ["DOMAIN"], label: "DOMAIN", kind: "migration-destructive" },
  { words: ["SEQUENCE"], label: "SEQUENCE", kind: "migration-destructive" },
  { words: ["INDEX"], label: "INDEX", kind: "migration-index" },
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
    const detail = `DROP ${object.label} ${q(name)}${table ? ` on table ${q(table)}` : ""}${cascade}`;
    if (object.kind === "migration-index") return indexChange(detail, line);
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
  if (!table || ctx.created.has(tableKey(table))) return [];
  if (c.accept("USING")) c.name();
  const columns = c.group();
  const label = `CREATE ${unique}${flavour ? flavour + " " : ""}INDEX${concurrently}`;
  const detail = `${label}${name ? " " + q(name) : ""} on table ${q(table)}${columns ? ` (${render(columns)})` : ""}`;
  return [indexChange(detail, line)];
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
    return [destructive(`RENAME TABLE ${q(from)} TO ${q(to)}`, line, { renamedTable: { from, to } })];
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
function classifyProcedural(body: Token | undefined, language: string | undefined, what: string, ctx: Context): Hit[] {
  if (body === undefined) return [];
  const bodyLine = body.bodyLine ?? body.line;
  if (language !== undefined && language !== "plpgsql" && language !== "sql") {
    return [unreadableSql(`${what} in LANGUAGE ${language}`, bodyLine)];
  }
  const lexed = lexSql(body.value, bodyLine);
  if (lexed.unterminated) return [unreadableSql(`${what}: an unterminated ${lexed.unterminated.what}`, lexed.unterminated.line)];
  return splitStatements(lexed.tokens).flatMap((statement) => {
    const tokens = statement.tokens;
    const dynamic = tokens.find((t, k) => (t.upper === "EXECUTE" || t.upper === "EXEC") && !ROUTINE_WORDS.includes(tokens[k + 1]?.upper ?? ""));
    if (dynamic !== undefined) return [unreadableSql(`dynamic SQL (EXECUTE) in ${what}`, dynamic.line)];
    const start = tokens.findIndex((t, k) => DDL_STARTS.includes(t.upper) || isDoBlockAt(tokens, k));
    return [...(start === -1 ? [] : classifyStatement(tokens.slice(start), ctx)), ...calledRoutines(tokens, ctx)];
  });
}

/** `DO` opening a block (not `ON CONFLICT DO UPDATE`). */
function isDoBlockAt(tokens: Token[], k: number): boolean {
  const next = tokens[k + 1];
  return tokens[k]?.upper === "DO" && (next?.type === "dollar" || next?.type === "string" || next?.upper === "LANGUAGE");
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
    const asAt = tokens.findIndex((t, k) => k >= c.pos && t.upper === "AS" && ["dollar", "string"].includes(tokens[k + 1]?.type ?? ""));
    routines.set(tableKey(name), { name: q(name), body: asAt === -1 ? undefined : tokens[asAt + 1], language: languageOf(tokens) });
  }
  return routines;
}

/** Statements that name a routine without running it. */
function managesRoutines(tokens: Token[]): boolean {
  const first = tokens[0]?.upper ?? "";
  if (["COMMENT", "GRANT", "REVOKE", "DROP", "SECURITY"].includes(first)) return true;
  return (first === "CREATE" || first === "ALTER") && tokens.slice(1, 6).some((t) => [...ROUTINE_WORDS, "TRIGGER", "ROUTINE", "AGGREGATE"].includes(t.upper));
}

/** The bodies of routines this migration creates and a statement calls (`SELECT f()`, `CALL p()`, `PERFORM f()`). */
function calledRoutines(tokens: Token[], ctx: Context): Hit[] {
  if (ctx.routines.size === 0 || managesRoutines(tokens)) return [];
  const hits: Hit[] = [];
  tokens.forEach((t, k) => {
    if (!isNameToken(t)) return;
    const key = t.value.toLowerCase();
    const routine = ctx.routines.get(key);
    const called = (tokens[k + 1]?.type === "punct" && tokens[k + 1]?.value === "(") || ["CALL", "EXEC", "EXECUTE", "PERFORM"].includes(tokens[k - 1]?.upper ?? "");
    if (routine === undefined || !called || ctx.read.has(key)) return;
    ctx.read.add(key);
    hits.push(...classifyProcedural(routine.body, routine.language, `the body of ${routine.name}`, ctx));
  });
  return hits;
}

/** SQL Server procedures that only write metadata. */
const METADATA_PROCEDURES = new Set(["sp_addextendedproperty", "sp_updateextendedproperty", "sp_dropextendedproperty"]);

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
  if (command.type === "punct" && command.value.startsWith("!")) return [unreadableSql("psql \\! (a shell command)", line)];
  if (command.type === "word" && PSQL_RUNNERS.has(command.value.toLowerCase())) return [unreadableSql(`psql \\${command.value}`, line)];
  return [];
}

/** psql substitutes `:name`, `:'name'` and `:"name"` before the server reads the statement. */
function psqlVariables(tokens: Token[]): Hit[] {
  const at = tokens.findIndex((t, k) => t.type === "punct" && t.value === ":" && ["word", "ident", "string"].includes(tokens[k + 1]?.type ?? ""));
  return at === -1 ? [] : [unreadableSql(`psql variable :${tokens[at + 1]!.value}`, tokens[at]!.line)];
}

const DDL_STARTS = ["ALTER", "DROP", "CREATE", "TRUNCATE", "DELETE", "RENAME"];
