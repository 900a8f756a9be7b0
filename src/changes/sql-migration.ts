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
 * - `migration-index`: indexes and constraints added (seed 000, Prisma Schema &
 *   Migrations: "DBA Lead consult required for indexes/constraints"). On existing
 *   tables: CREATE INDEX, index/constraint renames, ADD CONSTRAINT (UNIQUE, PRIMARY
 *   KEY, FOREIGN KEY, CHECK, EXCLUDE), MySQL ADD INDEX/KEY, and ADD COLUMN with
 *   REFERENCES/UNIQUE/PRIMARY KEY. On a table created in the same migration: its
 *   UNIQUE, FOREIGN KEY / REFERENCES, CHECK and EXCLUDE constraints (in the CREATE
 *   TABLE or added after it) and its unique indexes.
 *
 * Decisions worth knowing:
 * - DROP INDEX (and MySQL's ALTER TABLE … DROP INDEX/KEY) is destructive, not
 *   `migration-index`: nothing says whether the index was a unique one (Prisma's
 *   `@unique` is a unique index), whose loss lets duplicates in and breaks the
 *   upserts and ON CONFLICT clauses that relied on it, and the document makes
 *   index optimization the DBA Lead's with the Backend Lead and SRE consulted —
 *   the three people a breaking migration needs. Removing any other constraint
 *   (DROP CONSTRAINT / FOREIGN KEY / CHECK) is destructive for the same reason.
 * - DROP VIEW / MATERIALIZED VIEW and DROP TYPE / DOMAIN are destructive: no table
 *   rows are lost, but they remove objects queries and columns depend on.
 * - DELETE without WHERE is destructive (it is a TRUNCATE); DELETE with WHERE and
 *   UPDATE are treated as data fix-ups and not reported.
 * - ADD CONSTRAINT ... CHECK is `migration-index`: it validates every existing row
 *   under lock, the same operational concern as a unique constraint.
 * - On a table created in the same migration, plain (non-unique) indexes, its
 *   primary key and NOT NULL are not reported: an empty table makes building them
 *   free, and every table has a primary key. Its other constraints are: they decide
 *   what data the table accepts, which is what the DBA is consulted on. A plain
 *   CREATE TABLE, ADD COLUMN (nullable or with a default), INSERT, CREATE
 *   FUNCTION → nothing. TEMPORARY tables hold nothing durable and are skipped.
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
import { classifyStatements, type Hit } from "./sql/classify.js";
import {
  lexSql,
  splitStatements,
  type Dialect,
  type Statement,
  type Unterminated,
} from "./sql/lexer.js";
import type { ChangedFile, DetectionProblem, DetectionResult, Detector, Finding } from "./types.js";
import { unreadChange } from "./unread.js";

export {
  lexSql,
  splitStatements,
  type Lexed,
  type Statement,
  type Token,
  type Unterminated,
} from "./sql/lexer.js";
export type { Hit } from "./sql/classify.js";

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
      return unreadable(
        file,
        `unexpected error: ${error instanceof Error ? error.message : String(error)}`,
      );
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
    const how =
      file.status === "copied"
        ? `copied from ${file.previousPath ?? "another file"}`
        : `moved here from ${file.previousPath ?? "another path"}`;
    if (typeof file.head !== "string") {
      return unreadable(
        file,
        `${how} into a migrations folder, so all of it now runs as a new migration, and its content was not loaded`,
      );
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
    const finding: Finding = {
      kind: hit.kind,
      path: file.path,
      detail: hit.detail,
      line: hit.line,
    };
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
  return {
    findings: dedupe(findings),
    problems: [...messages].map((message) => ({ path: file.path, detector: DETECTOR_ID, message })),
  };
}

/**
 * A SQL file renamed or copied into a migrations folder (or copied within one):
 * every statement in it runs as a new migration, not only the lines the patch shows.
 */
function becomesNewMigration(file: ChangedFile): boolean {
  if (!looksLikeMigration(file.path)) return false;
  if (file.status === "copied") return true;
  return (
    file.status === "renamed" &&
    (file.previousPath === undefined || !looksLikeMigration(file.previousPath))
  );
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
  if (
    file.status === "renamed" &&
    file.previousPath !== undefined &&
    looksLikeMigration(file.previousPath)
  ) {
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
  return analyseSql(
    consecutiveRuns(added).map((run) => ({
      text: run.map((l) => l.text).join("\n"),
      firstLine: run[0]!.line,
    })),
  );
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
export function analyseSql(
  texts: readonly SqlText[],
  keep: (statement: Statement) => boolean = () => true,
): Analysis {
  const dialects: Dialect[] = texts.some((t) => /[\\#]|\/\*!/.test(t.text))
    ? ["standard", "mysql"]
    : ["standard"];
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
