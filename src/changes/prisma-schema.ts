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
 *   table; `@updatedAt` has no database default either); an index (`@@index`,
 *   `@@unique`, `@@fulltext`, `@unique`) removed from a model that stays.
 * - `migration-index`: indexes and constraints added (seed 000, Prisma Schema &
 *   Migrations: "DBA Lead consult required for indexes/constraints"): `@@index`,
 *   `@@unique`, `@@fulltext`, `@unique`, a primary key or a foreign key added to an
 *   existing model; the unique constraints and foreign keys of a new model; a new
 *   implicit many-to-many relation (its join table has two foreign keys and a
 *   unique index).
 *
 * Decisions worth knowing:
 * - Models and fields are matched by Prisma name first, then by database name, so
 *   renaming a model or field while keeping its `@@map`/`@map` (a client-only
 *   rename) is not a finding, and a model renamed without `@@map` is removed+added.
 * - Of a new model, plain indexes, the primary key and required fields are not
 *   reported: the table is empty, so building them is free, and every table has a
 *   primary key. Its unique constraints and foreign keys are, as they decide which
 *   rows the table accepts. (The SQL detector reads tables created in a migration
 *   the same way.)
 * - A removed index is destructive, as DROP INDEX is for the SQL detector: a
 *   removed `@unique`/`@@unique` lets duplicates in and breaks upserts on it, and
 *   index optimization is the DBA Lead's with Backend Lead and SRE consulted.
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
import { sideContent } from "./diff.js";
import { compareSchemas, findingsFromPatch, indexSchema } from "./prisma/classify.js";
import { parseSchema } from "./prisma/parser.js";
import type { ChangedFile, DetectionResult, Detector, Finding } from "./types.js";
import { unreadChange } from "./unread.js";

export { findingsFromPatch } from "./prisma/classify.js";
export { parseSchema, type ParseResult } from "./prisma/parser.js";

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
      return unreadable(
        file,
        `unexpected error: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  },
};

function detectPrismaSchema(file: ChangedFile): DetectionResult {
  // An added file has no base and a removed one no head, whether or not the caller said so.
  const base = sideContent(file, "base");
  const head = sideContent(file, "head");
  if (base !== undefined && head !== undefined) return compareContents(file, base, head);
  if (file.patch !== undefined && file.patch !== "")
    return { findings: findingsFromPatch(file), problems: [] };
  const unread = unreadChange(file);
  // Without a patch or content only a pure rename is known to leave the schema as it was.
  return unread === undefined ? { findings: [], problems: [] } : unreadable(file, unread);
}

/** Compares both versions whole; exported for tests that feed it hostile input without the detector's catch-all. */
export function compareContents(
  file: ChangedFile,
  base: string | null,
  head: string | null,
): DetectionResult {
  const before = parseSchema(base ?? "");
  const after = parseSchema(head ?? "");
  if (!before.ok)
    return unreadable(
      file,
      `cannot parse the schema at base: line ${before.line}: ${before.message}`,
      before.line,
    );
  if (!after.ok)
    return unreadable(
      file,
      `cannot parse the schema at head: line ${after.line}: ${after.message}`,
      after.line,
    );
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
