/**
 * Detects new configuration variables in committed environment templates
 * (`.env.example` and friends): a new key means every environment must now be
 * given a value before the change can be deployed.
 *
 * With base and head content we compare the two key sets, which is exact. With
 * only a patch we compare the keys on added lines with the keys on removed lines,
 * so a changed value (the line is removed and re-added) is not a new key.
 */
import { diffLines, sideContent, splitLines, type DiffLine } from "./diff.js";
import type { ChangedFile, DetectionResult, Detector, Finding } from "./types.js";
import { unreadChange } from "./unread.js";

const DETECTOR_ID = "env-file";

/**
 * `.env.example`, `.env.production.example`, `api.env.example`, `.env.sample`,
 * `.env.template`, and combinations (`.env.local.template`). The real files
 * (`.env`, `.env.production`) are deliberately excluded: they hold values, not the
 * contract of which variables exist, and should not be committed at all.
 */
const ENV_TEMPLATE = /^(?:.*\.)?env(?:\.[^.]+)*\.(?:example|sample|template)$/i;

export const envFileDetector: Detector = {
  id: DETECTOR_ID,
  kinds: ["env-var-added"],
  appliesTo: (path) => ENV_TEMPLATE.test(path.slice(path.lastIndexOf("/") + 1)),
  needsContent: false,
  detect(file) {
    try {
      return detectEnvFile(file);
    } catch (error) {
      // Detectors must never throw; an unexpected failure is reported like an unreadable file.
      return unreadable(
        file,
        `unexpected error: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  },
};

function detectEnvFile(file: ChangedFile): DetectionResult {
  // Removing a template (or keys from it) asks nothing new of any environment.
  if (file.status === "removed" || file.head === null) return { findings: [], problems: [] };

  const base = sideContent(file, "base");
  const hasPatch = file.patch !== undefined && file.patch !== "";
  let added: EnvKey[];
  if (typeof file.head === "string" && base !== undefined) {
    added = newKeys(parseEnvKeys(numbered(base ?? "")), parseEnvKeys(numbered(file.head)));
  } else if (hasPatch) {
    const lines = diffLines(file);
    added = newKeys(parseEnvKeys(lines.removed), parseEnvKeys(lines.added));
  } else {
    const unread = unreadChange(file);
    if (unread !== undefined) return unreadable(file, unread);
    added = []; // a pure rename: the keys moved with the file
  }

  const findings = added.map((key): Finding => ({
    kind: "env-var-added",
    path: file.path,
    detail: `new variable ${key.name}`,
    line: key.line,
  }));
  return { findings, problems: [] };
}

/** Keys of `after` whose name does not occur in `before`, each once, in order. */
function newKeys(before: EnvKey[], after: EnvKey[]): EnvKey[] {
  const known = new Set(before.map((k) => k.name));
  const result: EnvKey[] = [];
  for (const key of after) {
    if (known.has(key.name)) continue;
    known.add(key.name); // a key declared twice is reported once, at its first line
    result.push(key);
  }
  return result;
}

function numbered(text: string): DiffLine[] {
  return splitLines(text).map((text, i) => ({ line: i + 1, text }));
}

function unreadable(file: ChangedFile, message: string): DetectionResult {
  return {
    findings: [
      {
        kind: "env-var-added",
        path: file.path,
        detail: `environment template could not be read (${message}); assuming new variables`,
        conservative: true,
      },
    ],
    problems: [{ path: file.path, detector: DETECTOR_ID, message }],
  };
}

// ---------------------------------------------------------------------------
// dotenv parsing
// ---------------------------------------------------------------------------

export interface EnvKey {
  name: string;
  /** 1-based line of the assignment. */
  line: number;
}

/**
 * `KEY=value` or `export KEY=value`; the key charset is dotenv's (`\w`, `.`, `-`).
 * Comment lines (`# FOO=bar`) never match because a key cannot start with `#`.
 */
const ASSIGNMENT = /^\s*(?:export\s+)?([A-Za-z_][\w.-]*)\s*=(.*)$/;
const QUOTES = new Set(['"', "'", "`"]);

/**
 * The keys assigned in a dotenv document, given as numbered lines. The lines may be
 * a fragment (a patch's added lines): a quoted value only spans lines that are
 * consecutive, so it cannot swallow lines from another hunk.
 */
export function parseEnvKeys(lines: readonly DiffLine[]): EnvKey[] {
  const keys: EnvKey[] = [];
  for (let i = 0; i < lines.length; i++) {
    const current = lines[i];
    const match = current === undefined ? null : ASSIGNMENT.exec(current.text);
    if (current === undefined || match === null) continue;
    keys.push({ name: match[1] ?? "", line: current.line });
    // Skip the continuation lines of a multi-line quoted value: a PEM key or JSON
    // blob may contain lines that look like assignments ("dGhpcw==").
    i = lastLineOfValue(lines, i, match[2] ?? "");
  }
  return keys;
}

/** Index of the line where the value starting on `lines[start]` ends. */
function lastLineOfValue(lines: readonly DiffLine[], start: number, value: string): number {
  const trimmed = value.trimStart();
  const quote = trimmed[0];
  if (quote === undefined || !QUOTES.has(quote)) return start;
  if (hasClosingQuote(trimmed.slice(1), quote)) return start;
  for (let i = start + 1; i < lines.length; i++) {
    const line = lines[i];
    const previous = lines[i - 1];
    if (line === undefined || previous === undefined || line.line !== previous.line + 1) break;
    if (hasClosingQuote(line.text, quote)) return i;
  }
  // Never closed (or closed outside this fragment): read it as a one-line value rather
  // than let it hide every key after it.
  return start;
}

function hasClosingQuote(text: string, quote: string): boolean {
  for (let i = 0; i < text.length; i++) {
    if (text[i] === "\\")
      i++; // an escaped quote (\") does not close the value
    else if (text[i] === quote) return true;
  }
  return false;
}
