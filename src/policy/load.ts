import { LineCounter, isAlias, isCollection, parseDocument, visit } from "yaml";
import type { z } from "zod";
import type { PolicyFile } from "./schema.js";
import {
  defines,
  formatPath,
  locate,
  type PolicyProblem,
  type SourceFile,
  type YamlPath,
} from "./problems.js";
import { resolvePolicy } from "./resolve.js";
import { globProblem } from "./match.js";
import { expansionOf } from "./glob-expansion.js";
import { ticketPatternProblem } from "./ticket-pattern.js";
import type { Policy } from "./model.js";

/**
 * Loading a policy: parse YAML keeping positions, validate each file's shape,
 * follow `extends`, merge parent-first, then resolve and cross-check the result.
 *
 * I/O is injected (`PolicyReader`) so the CLI reads the file system and the app
 * reads the base branch through the GitHub API with the same code.
 */

export interface PolicyText {
  /** How problems name this file (a path, `preset:chat-backend`, `org/.github:governance.yml`). */
  name: string;
  text: string;
  /**
   * The file's path in the repository the policy governs; undefined for a
   * preset or another repository's file, which a pull request there cannot change.
   */
  path?: string;
  /**
   * A file the reader of a pull request's proposed policy found outside the
   * governed repository. Its problems (an "unknown key" names the key) would
   * show the pull request's author what it holds, so each is reported only as
   * "cannot read" at the `extends` that reached it, and no "did you mean" is
   * offered from names it might define.
   */
  opaque?: boolean;
  /**
   * What `text` parses and validates to, when that is known already: a preset
   * compiled at build time (src/policy/presets.ts), given only while its text is
   * the one compiled. Loading then skips YAML and the schema; the text is still
   * parsed, on demand, where a problem needs a line and column.
   */
  validated?: PolicyFile;
}

/** How a file that is not shown is reported, whether it is missing, refused or invalid. */
export function unreadable(name: string): string {
  return `cannot read ${name} (outside this repository: what it holds is not shown)`;
}

/**
 * Bounds on one policy. A proposed policy is the pull request author's and is
 * linted on every event; YAML parsing, validation and cross-checks all grow
 * with it (a 64 KB policy took 10 s, 30,000 areas 17 s, 1 MB of quotes 7 s).
 * The presets are under 10 KB with 15 areas.
 */
export const POLICY_LIMITS = {
  /** Bytes of one file. */
  bytes: 64 * 1024,
  areas: 1000,
  rules: 1000,
  roles: 1000,
  /** Globs in areas' `paths`, rules' `when.paths` and `ticket.exemptPaths`. */
  globs: 5000,
  /** Globs once braces are expanded (what minimatch compiles; each glob is bounded on its own too). */
  globRows: 20_000,
} as const;
/** YAML errors reported per file: the rest only make the list longer (a file of quotes has one per character). */
const MAX_YAML_ERRORS = 20;
/** Problems reported per load, so a hostile policy cannot make the check summary (or the work on it) huge. */
const MAX_PROBLEMS = 200;

export interface PolicyReader {
  /** Resolve an `extends` value met in file `from`. Throw an Error with a clear message when it cannot. */
  read(ref: string, from: string): Promise<PolicyText>;
}

export interface LoadResult {
  /** Undefined when there is any error: a broken policy never half-applies. */
  policy?: Policy;
  problems: PolicyProblem[];
}

const MAX_EXTENDS_DEPTH = 8;

/** The policy file's schema (zod), imported by the first load that validates a file: a compiled preset needs none. */
type PolicyFileSchema = (typeof import("./schema.js"))["policyFileSchema"];
let schema: PolicyFileSchema | undefined;

async function policyFileSchema(): Promise<PolicyFileSchema> {
  schema ??= (await import("./schema.js")).policyFileSchema;
  return schema;
}

export async function loadPolicy(root: PolicyText, reader: PolicyReader): Promise<LoadResult> {
  const problems: PolicyProblem[] = [];
  // chain[0] is the file asked for; each next entry is what the previous extends.
  const chain: { source: SourceFile; data: PolicyFile }[] = [];
  let current: PolicyText | undefined = root;
  const seen: string[] = [];
  const files: string[] = [];
  // A chain that could not be followed to its end is not resolved: half a policy
  // would only add misleading problems ("no areas") to the one that matters.
  let complete = true;
  // Opaque files by name → the shown file whose `extends` reached them, the ref written there and the file it names.
  const opaque = new Map<string, OpaqueEntry>();

  while (current) {
    if (seen.includes(current.name)) {
      const last = chain[chain.length - 1]!;
      problems.push(
        problemAt(
          last.source,
          ["extends"],
          `extends cycle: ${[...seen, current.name].join(" → ")}`,
          "error",
        ),
      );
      complete = false;
      break;
    }
    seen.push(current.name);
    const before = problems.length;
    const parsed = parseFile(
      current,
      problems,
      current.validated === undefined ? await policyFileSchema() : undefined,
    );
    // An opaque file with errors is reported as unreadable: resolving the rest would describe it by what it lacks.
    if (!parsed || (current.opaque && problems.slice(before).some((p) => p.severity === "error"))) {
      complete = false;
      break;
    }
    chain.push(parsed);
    if (current.path !== undefined && !files.includes(current.path)) files.push(current.path);
    const ref = parsed.data.extends;
    if (ref === undefined) break;
    if (chain.length > MAX_EXTENDS_DEPTH) {
      problems.push(
        problemAt(
          parsed.source,
          ["extends"],
          `extends is nested more than ${MAX_EXTENDS_DEPTH} deep`,
          "error",
        ),
      );
      complete = false;
      break;
    }
    try {
      const behind = opaque.get(current.name);
      current = await reader.read(ref, current.name);
      if (current.opaque)
        opaque.set(current.name, behind ?? { declaring: parsed.source, ref, name: current.name });
    } catch (error) {
      problems.push(
        problemAt(
          parsed.source,
          ["extends"],
          `cannot extend "${ref}": ${(error as Error).message}`,
          "error",
        ),
      );
      complete = false;
      current = undefined;
    }
  }

  const finish = (policy?: Policy): LoadResult => {
    const shown = maskOpaque(problems, opaque);
    const hasErrors = shown.some((p) => p.severity === "error");
    return { policy: hasErrors ? undefined : policy, problems: capProblems(sortProblems(shown)) };
  };
  if (!complete || chain.length === 0) return finish();

  const merged = chain.reduceRight<PolicyFile>(
    (parent, { data }) => mergePolicyFiles(parent, data),
    {},
  );
  const sources = chain.map((c) => c.source);
  const blame = (
    path: YamlPath,
    message: string,
    severity: PolicyProblem["severity"] = "error",
  ): void => {
    const file = sources.find((s) => defines(s, path)) ?? sources[0]!;
    problems.push(problemAt(file, path, message, severity));
  };
  // The files may each be within bounds and the chain not: check what would be resolved.
  const tooLarge = overLimit(merged, true);
  if (tooLarge) {
    blame(tooLarge.path, tooLarge.message);
    return finish();
  }
  const policy = resolvePolicy(
    merged,
    sources.map((s) => s.name),
    blame,
    files,
    { suggestions: opaque.size === 0 },
  );
  const unnamed = unnamedTicketProjects(policy);
  // Said in the repository's own file, where the projects belong (a preset cannot know them).
  if (unnamed) problems.push(problemAt(sources[0]!, ["ticket"], unnamed, "warning"));
  return finish(policy);
}

/**
 * Tickets are required but any word shaped like a key counts as one ("LOL-1",
 * a version tag): a ticket rule that only the policy's own projects can satisfy
 * needs them named.
 */
function unnamedTicketProjects(policy: Policy): string | undefined {
  const ticketed = policy.areas.filter((a) => a.ticket).map((a) => a.id);
  // A pattern the app cannot use is an error already; the warning would only add to it.
  if (
    !policy.ticket ||
    policy.ticket.projects ||
    (ticketed.length === 0 && !policy.ticket.everyChange) ||
    ticketPatternProblem(policy.ticket.pattern)
  )
    return undefined;
  const who = policy.ticket.everyChange
    ? "every change requires a ticket (ticket.everyChange)"
    : `areas ${ticketed.join(", ")} require a ticket`;
  return `${who}, but ticket.projects names no project: any word shaped like a key counts as one; name the boards whose keys count, e.g. ticket: { projects: [LFXV2] }`;
}

interface OpaqueEntry {
  declaring: SourceFile;
  ref: string;
  name: string;
}

/**
 * Problems in opaque files are dropped; where one was an error, the shown file
 * whose `extends` reached it gets "cannot read" instead, worded as for a file
 * that does not exist.
 */
function maskOpaque(problems: PolicyProblem[], opaque: Map<string, OpaqueEntry>): PolicyProblem[] {
  if (opaque.size === 0) return problems;
  const shown = problems.filter((p) => !opaque.has(p.file));
  const failed = new Set<OpaqueEntry>();
  for (const p of problems)
    if (p.severity === "error" && opaque.has(p.file)) failed.add(opaque.get(p.file)!);
  for (const { declaring, ref, name } of failed)
    shown.push(
      problemAt(declaring, ["extends"], `cannot extend "${ref}": ${unreadable(name)}`, "error"),
    );
  return shown;
}

/** The first MAX_PROBLEMS - 1 problems, errors before warnings, in file order, and a count of the rest. */
function capProblems(problems: PolicyProblem[]): PolicyProblem[] {
  if (problems.length <= MAX_PROBLEMS) return problems;
  const errorsFirst = [
    ...problems.filter((p) => p.severity === "error"),
    ...problems.filter((p) => p.severity !== "error"),
  ];
  const kept = new Set(errorsFirst.slice(0, MAX_PROBLEMS - 1));
  const shown = problems.filter((p) => kept.has(p));
  const rest = errorsFirst.slice(MAX_PROBLEMS - 1);
  const errors = rest.filter((p) => p.severity === "error").length;
  const last = shown[shown.length - 1]!;
  shown.push({
    ...last,
    severity: errors > 0 ? "error" : "warning",
    path: "",
    message: `${rest.length} more problems not shown (${errors} errors); fix these first`,
  });
  return shown;
}

/**
 * Where a policy (one file's raw data, or the merged chain) exceeds POLICY_LIMITS.
 * With `expanded`, globs are also counted as minimatch would compile them.
 */
function overLimit(
  data: unknown,
  expanded: boolean,
): { path: YamlPath; message: string } | undefined {
  const record = (value: unknown): Record<string, unknown> =>
    value !== null && typeof value === "object" && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : {};
  const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
  const root = record(data);
  for (const key of ["areas", "rules", "roles"] as const) {
    const count = Object.keys(record(root[key])).length;
    if (count > POLICY_LIMITS[key])
      return {
        path: [key],
        message: `the policy defines ${count} ${key}; the limit is ${POLICY_LIMITS[key]}`,
      };
  }
  const globs = [
    ...Object.values(record(root.areas)).flatMap((area) => list(record(area).paths)),
    ...Object.values(record(root.rules)).flatMap((rule) => list(record(record(rule).when).paths)),
    ...list(record(root.ticket).exemptPaths),
  ].filter((glob): glob is string => typeof glob === "string");
  if (globs.length > POLICY_LIMITS.globs)
    return {
      path: ["areas"],
      message: `the policy has ${globs.length} globs; the limit is ${POLICY_LIMITS.globs}`,
    };
  if (!expanded) return undefined;
  let rows = 0;
  // A glob with a problem of its own is reported at its place and never compiled.
  for (const glob of globs) if (!globProblem(glob)) rows += expansionOf(glob)?.rows ?? 0;
  if (rows > POLICY_LIMITS.globRows) {
    return {
      path: ["areas"],
      message: `the policy's globs expand to ${rows} patterns once their { } alternatives are written out; the limit is ${POLICY_LIMITS.globRows}`,
    };
  }
  return undefined;
}

/** `schema` is needed unless the file comes `validated`. */
function parseFile(
  file: PolicyText,
  problems: PolicyProblem[],
  schema: PolicyFileSchema | undefined,
): { source: SourceFile; data: PolicyFile } | undefined {
  // Measured before parsing: YAML's work grows with the text (64 KB of `[` takes seconds).
  const bytes = file.text.length > POLICY_LIMITS.bytes ? Buffer.byteLength(file.text, "utf8") : 0;
  if (bytes > POLICY_LIMITS.bytes) {
    const message = `the file is ${bytes} bytes; the limit is ${POLICY_LIMITS.bytes} (the presets are under 10 KB: extend one, or split the policy)`;
    problems.push({ severity: "error", file: file.name, line: 1, col: 1, path: "", message });
    return undefined;
  }
  if (file.validated !== undefined) return { source: lazySource(file), data: file.validated };
  if (!schema) throw new Error(`${file.name}: no schema to validate it with`);
  const lines = new LineCounter();
  const doc = parseWithoutStacks(file.text, lines);
  const source: SourceFile = { name: file.name, doc, lines };
  for (const error of doc.errors.slice(0, MAX_YAML_ERRORS)) {
    const pos = lines.linePos(error.pos[0]);
    problems.push({
      severity: "error",
      file: file.name,
      line: pos.line,
      col: pos.col,
      path: "",
      message: `invalid YAML: ${firstLine(error.message)}`,
    });
  }
  if (doc.errors.length > MAX_YAML_ERRORS) {
    const pos = lines.linePos(doc.errors[MAX_YAML_ERRORS]!.pos[0]);
    const message = `invalid YAML: ${doc.errors.length - MAX_YAML_ERRORS} more errors not shown, the first here`;
    problems.push({
      severity: "error",
      file: file.name,
      line: pos.line,
      col: pos.col,
      path: "",
      message,
    });
  }
  if (doc.errors.length > 0) return undefined;
  // A list or mapping as a key is never a policy's, and turning it into a JavaScript key
  // stringifies it at every level: 500 bytes of nested `? - ` keys took seconds.
  const collectionKey = firstCollectionKey(doc);
  if (collectionKey !== undefined) {
    const pos = lines.linePos(collectionKey);
    problems.push({
      severity: "error",
      file: file.name,
      line: pos.line,
      col: pos.col,
      path: "",
      message: "invalid YAML: a key must be a plain name, not a list, mapping or alias",
    });
    return undefined;
  }
  let raw: unknown;
  try {
    // The alias limit stops "billion laughs" documents; an alias without its anchor throws here.
    raw = doc.toJS({ maxAliasCount: 1000 }) ?? {};
  } catch (error) {
    const alias = firstAlias(doc);
    const pos = lines.linePos(alias ?? 0);
    problems.push({
      severity: "error",
      file: file.name,
      line: pos.line,
      col: pos.col,
      path: "",
      message: `invalid YAML: ${firstLine((error as Error).message)}`,
    });
    return undefined;
  }
  const tooLarge = overLimit(raw, false);
  if (tooLarge) {
    problems.push(problemAt(source, tooLarge.path, tooLarge.message, "error"));
    return undefined;
  }
  const result = schema.safeParse(raw, { reportInput: true });
  if (result.success) return { source, data: result.data };
  for (const issue of result.error.issues) problems.push(...issueProblems(source, issue));
  // Carry on without the broken parts so cross-reference checks (undefined
  // roles, unknown kinds, bad globs) are reported in the same run; the problems
  // above already make the load fail.
  const salvaged = salvage(raw, result.error.issues, schema);
  return salvaged ? { source, data: salvaged } : undefined;
}

const SALVAGE_ROUNDS = 5;

function salvage(
  raw: unknown,
  issues: z.core.$ZodIssue[],
  schema: PolicyFileSchema,
): PolicyFile | undefined {
  if (typeof raw !== "object" || raw === null) return undefined;
  const copy = structuredClone(raw) as Record<string, unknown>;
  for (let round = 0; round < SALVAGE_ROUNDS; round++) {
    for (const issue of issues) {
      const path = issue.path.filter((k): k is string | number => typeof k !== "symbol");
      if (issue.code === "unrecognized_keys") {
        const parent = getIn(copy, path);
        if (parent && typeof parent === "object")
          for (const key of issue.keys) delete (parent as Record<string, unknown>)[key];
        continue;
      }
      // Remove the bad value; when it is missing altogether, remove what needed it.
      let target = path;
      while (target.length > 0 && getIn(copy, target) === undefined) target = target.slice(0, -1);
      if (target.length === 0) return undefined;
      const parent = getIn(copy, target.slice(0, -1)) as Record<string | number, unknown>;
      delete parent[target[target.length - 1]!];
    }
    const again = schema.safeParse(copy);
    if (again.success) return again.data;
    issues = again.error.issues;
  }
  return undefined;
}

function getIn(value: unknown, path: readonly (string | number)[]): unknown {
  let node = value;
  for (const key of path) {
    if (node === null || typeof node !== "object") return undefined;
    node = (node as Record<string | number, unknown>)[key];
  }
  return node;
}

/**
 * YAML reports each error as an Error, and capturing a stack trace is most of
 * what one costs: a file of 64 KB of `"` makes 32,000 of them. Nothing is lost:
 * only the message and position are read. Parsing is synchronous, so nothing
 * else runs while the limit is lowered.
 */
/**
 * A file's YAML and its problems, as loading reads it alone (no `extends`
 * followed, nothing resolved): what src/policy/presets.ts compiles at build time.
 */
export async function parsePolicyFile(file: PolicyText): Promise<{
  data?: PolicyFile;
  problems: PolicyProblem[];
}> {
  const problems: PolicyProblem[] = [];
  const parsed = parseFile({ ...file, validated: undefined }, problems, await policyFileSchema());
  return { data: parsed?.data, problems };
}

/** A source whose YAML is parsed only when a position in it is asked for. */
function lazySource(file: PolicyText): SourceFile {
  let parsed: { doc: ReturnType<typeof parseDocument>; lines: LineCounter } | undefined;
  const parse = () => {
    if (!parsed) {
      const lines = new LineCounter();
      parsed = { doc: parseWithoutStacks(file.text, lines), lines };
    }
    return parsed;
  };
  return {
    name: file.name,
    get doc() {
      return parse().doc;
    },
    get lines() {
      return parse().lines;
    },
  };
}

function parseWithoutStacks(text: string, lines: LineCounter): ReturnType<typeof parseDocument> {
  const limit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return parseDocument(text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  } finally {
    Error.stackTraceLimit = limit;
  }
}

/** Where the first key that is a collection or an alias is, if any. */
function firstCollectionKey(doc: ReturnType<typeof parseDocument>): number | undefined {
  let offset: number | undefined;
  visit(doc, {
    Pair(_key, pair) {
      if (isCollection(pair.key) || isAlias(pair.key)) {
        offset = (pair.key as { range?: [number, number, number] }).range?.[0] ?? 0;
        return visit.BREAK;
      }
      return undefined;
    },
  });
  return offset;
}

/** Where the first alias is, to place an alias error (YAML reports it without a position). */
function firstAlias(doc: ReturnType<typeof parseDocument>): number | undefined {
  let offset: number | undefined;
  visit(doc, {
    Alias(_key, node) {
      offset = node.range?.[0];
      return visit.BREAK;
    },
  });
  return offset;
}

function issueProblems(source: SourceFile, issue: z.core.$ZodIssue): PolicyProblem[] {
  const path = issue.path.filter((k): k is string | number => typeof k !== "symbol");
  if (issue.code === "unrecognized_keys") {
    return issue.keys.map((key) =>
      problemAt(
        source,
        [...path, key],
        `unknown key "${key}"${suggestion(key, path)}`,
        "error",
        true,
      ),
    );
  }
  const message =
    issue.code === "invalid_type" && issue.input === undefined ? `is required` : issue.message;
  return [problemAt(source, path, message, "error")];
}

function suggestion(key: string, parent: YamlPath): string {
  const hints: Record<string, string> = {
    owner: "accountable",
    owners: "accountable",
    dri: "accountable",
    approver: "approvers",
    globs: "paths",
    files: "paths",
    escalate: "escalation",
    kind: "kinds",
    label: "labels",
  };
  const hint = hints[key];
  return hint ? ` (did you mean "${hint}"?)` : parent.length === 0 ? "" : "";
}

function firstLine(text: string): string {
  return text.split("\n")[0] ?? text;
}

export function problemAt(
  file: SourceFile,
  path: YamlPath,
  message: string,
  severity: PolicyProblem["severity"],
  onKey = false,
): PolicyProblem {
  const { line, col } = locate(file, path, onKey);
  return { severity, file: file.name, line, col, path: formatPath(path), message };
}

/**
 * Parent-first merge: roles and areas are merged by id field by field (a child
 * binding people to a preset role keeps the role's description; a child area
 * overriding `paths` keeps the preset's `accountable`); rules are replaced whole
 * by id, since half of one rule and half of another is never what anybody meant;
 * settings objects are merged key by key.
 */
export function mergePolicyFiles(parent: PolicyFile, child: PolicyFile): PolicyFile {
  const merged: PolicyFile = { ...parent, ...child };
  merged.extends = undefined;
  merged.roles = mergeRecords(parent.roles, child.roles, (a, b) =>
    a && b ? { ...a, ...b } : (b ?? a),
  );
  merged.areas = mergeRecords(parent.areas, child.areas, (a, b) => ({ ...a, ...b }));
  merged.rules = mergeRecords(parent.rules, child.rules, (_a, b) => b);
  for (const key of [
    "levels",
    "signoff",
    "unowned",
    "emergency",
    "mediation",
    "matrixReview",
    "sla",
    "ticket",
    "cost",
  ] as const) {
    if (parent[key] && child[key])
      (merged as Record<string, unknown>)[key] = { ...parent[key], ...child[key] };
  }
  return merged;
}

function mergeRecords<T>(
  parent: Record<string, T> | undefined,
  child: Record<string, T> | undefined,
  combine: (parent: T, child: T) => T,
): Record<string, T> | undefined {
  if (!parent) return child;
  if (!child) return parent;
  const out: Record<string, T> = { ...parent };
  for (const [key, value] of Object.entries(child))
    out[key] = key in parent ? combine(parent[key] as T, value) : value;
  return out;
}

function sortProblems(problems: PolicyProblem[]): PolicyProblem[] {
  return [...problems].sort((a, b) => (a.file === b.file ? a.line - b.line || a.col - b.col : 0));
}
