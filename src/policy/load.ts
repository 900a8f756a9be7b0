import { LineCounter, parseDocument, visit } from "yaml";
import type { z } from "zod";
import { policyFileSchema, type PolicyFile } from "./schema.js";
import { defines, formatPath, locate, type PolicyProblem, type SourceFile, type YamlPath } from "./problems.js";
import { resolvePolicy } from "./resolve.js";
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
}

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

  while (current) {
    if (seen.includes(current.name)) {
      const last = chain[chain.length - 1]!;
      problems.push(problemAt(last.source, ["extends"], `extends cycle: ${[...seen, current.name].join(" → ")}`, "error"));
      complete = false;
      break;
    }
    seen.push(current.name);
    const parsed = parseFile(current, problems);
    if (!parsed) {
      complete = false;
      break;
    }
    chain.push(parsed);
    if (current.path !== undefined && !files.includes(current.path)) files.push(current.path);
    const ref = parsed.data.extends;
    if (ref === undefined) break;
    if (chain.length > MAX_EXTENDS_DEPTH) {
      problems.push(problemAt(parsed.source, ["extends"], `extends is nested more than ${MAX_EXTENDS_DEPTH} deep`, "error"));
      complete = false;
      break;
    }
    try {
      current = await reader.read(ref, current.name);
    } catch (error) {
      problems.push(problemAt(parsed.source, ["extends"], `cannot extend "${ref}": ${(error as Error).message}`, "error"));
      complete = false;
      current = undefined;
    }
  }

  if (!complete || chain.length === 0) return { problems: sortProblems(problems) };

  const merged = chain.reduceRight<PolicyFile>((parent, { data }) => mergePolicyFiles(parent, data), {});
  const sources = chain.map((c) => c.source);
  const blame = (path: YamlPath, message: string, severity: PolicyProblem["severity"] = "error"): void => {
    const file = sources.find((s) => defines(s, path)) ?? sources[0]!;
    problems.push(problemAt(file, path, message, severity));
  };
  const policy = resolvePolicy(merged, sources.map((s) => s.name), blame, files);
  const hasErrors = problems.some((p) => p.severity === "error");
  return { policy: hasErrors ? undefined : policy, problems: sortProblems(problems) };
}

function parseFile(file: PolicyText, problems: PolicyProblem[]): { source: SourceFile; data: PolicyFile } | undefined {
  const lines = new LineCounter();
  const doc = parseDocument(file.text, { lineCounter: lines, prettyErrors: false, uniqueKeys: true });
  const source: SourceFile = { name: file.name, doc, lines };
  for (const error of doc.errors) {
    const pos = lines.linePos(error.pos[0]);
    problems.push({ severity: "error", file: file.name, line: pos.line, col: pos.col, path: "", message: `invalid YAML: ${firstLine(error.message)}` });
  }
  if (doc.errors.length > 0) return undefined;
  let raw: unknown;
  try {
    // The alias limit stops "billion laughs" documents; an alias without its anchor throws here.
    raw = doc.toJS({ maxAliasCount: 1000 }) ?? {};
  } catch (error) {
    const alias = firstAlias(doc);
    const pos = lines.linePos(alias ?? 0);
    problems.push({ severity: "error", file: file.name, line: pos.line, col: pos.col, path: "", message: `invalid YAML: ${firstLine((error as Error).message)}` });
    return undefined;
  }
  const result = policyFileSchema.safeParse(raw, { reportInput: true });
  if (result.success) return { source, data: result.data };
  for (const issue of result.error.issues) problems.push(...issueProblems(source, issue));
  // Carry on without the broken parts so cross-reference checks (undefined
  // roles, unknown kinds, bad globs) are reported in the same run; the problems
  // above already make the load fail.
  const salvaged = salvage(raw, result.error.issues);
  return salvaged ? { source, data: salvaged } : undefined;
}

const SALVAGE_ROUNDS = 5;

function salvage(raw: unknown, issues: z.core.$ZodIssue[]): PolicyFile | undefined {
  if (typeof raw !== "object" || raw === null) return undefined;
  const copy = structuredClone(raw) as Record<string, unknown>;
  for (let round = 0; round < SALVAGE_ROUNDS; round++) {
    for (const issue of issues) {
      const path = issue.path.filter((k): k is string | number => typeof k !== "symbol");
      if (issue.code === "unrecognized_keys") {
        const parent = getIn(copy, path);
        if (parent && typeof parent === "object") for (const key of issue.keys) delete (parent as Record<string, unknown>)[key];
        continue;
      }
      // Remove the bad value; when it is missing altogether, remove what needed it.
      let target = path;
      while (target.length > 0 && getIn(copy, target) === undefined) target = target.slice(0, -1);
      if (target.length === 0) return undefined;
      const parent = getIn(copy, target.slice(0, -1)) as Record<string | number, unknown>;
      delete parent[target[target.length - 1]!];
    }
    const again = policyFileSchema.safeParse(copy);
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
      problemAt(source, [...path, key], `unknown key "${key}"${suggestion(key, path)}`, "error", true),
    );
  }
  const message = issue.code === "invalid_type" && issue.input === undefined ? `is required` : issue.message;
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
  merged.roles = mergeRecords(parent.roles, child.roles, (a, b) => (a && b ? { ...a, ...b } : (b ?? a)));
  merged.areas = mergeRecords(parent.areas, child.areas, (a, b) => ({ ...a, ...b }));
  merged.rules = mergeRecords(parent.rules, child.rules, (_a, b) => b);
  for (const key of ["levels", "signoff", "unowned", "emergency", "sla", "ticket", "cost"] as const) {
    if (parent[key] && child[key]) (merged as Record<string, unknown>)[key] = { ...parent[key], ...child[key] };
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
  for (const [key, value] of Object.entries(child)) out[key] = key in parent ? combine(parent[key] as T, value) : value;
  return out;
}

function sortProblems(problems: PolicyProblem[]): PolicyProblem[] {
  return [...problems].sort((a, b) => (a.file === b.file ? a.line - b.line || a.col - b.col : 0));
}
