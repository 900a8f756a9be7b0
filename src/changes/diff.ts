import { parsePatch } from "diff";
import type { ChangedFile } from "./types.js";

export interface DiffLine {
  /** 1-based line number in the version the line belongs to (head for added, base for removed). */
  line: number;
  text: string;
}

export interface DiffLines {
  added: DiffLine[];
  removed: DiffLine[];
}

/**
 * The added and removed lines of a file's change.
 *
 * Uses the patch when there is one (GitHub's `patch` field, hunks only); otherwise
 * derives them from whole-file content, treating an added file as all-added and a
 * removed file as all-removed. Content-only changes without a patch fall back to a
 * line diff of base and head.
 */
export function diffLines(file: ChangedFile): DiffLines {
  if (file.patch !== undefined && file.patch !== "") return linesFromPatch(file.patch);
  const base = file.base ?? "";
  const head = file.head ?? "";
  if (base === "" && head === "") return { added: [], removed: [] };
  if (base === "") return { added: numbered(head), removed: [] };
  if (head === "") return { added: [], removed: numbered(base) };
  return linesFromContent(base, head);
}

function numbered(text: string): DiffLine[] {
  return splitLines(text).map((t, i) => ({ line: i + 1, text: t }));
}

export function splitLines(text: string): string[] {
  const lines = text.split(/\r?\n/);
  if (lines.length > 0 && lines[lines.length - 1] === "") lines.pop();
  return lines;
}

function linesFromPatch(patch: string): DiffLines {
  const added: DiffLine[] = [];
  const removed: DiffLine[] = [];
  walkPatch(patch, (marker, text, oldLine, newLine) => {
    if (marker === "+") added.push({ line: newLine, text });
    else if (marker === "-") removed.push({ line: oldLine, text });
  });
  return { added, removed };
}

/**
 * Visits every content line of a patch with its line number on each side
 * (`oldLine` for "-" and " ", `newLine` for "+" and " "). "\ No newline at end
 * of file" lines carry no content and are skipped.
 */
function walkPatch(
  patch: string,
  visit: (
    marker: "+" | "-" | " ",
    text: string,
    oldLine: number,
    newLine: number,
    hunk: number,
  ) => void,
): void {
  let hunkIndex = 0;
  for (const parsed of parsePatch(patch)) {
    for (const hunk of parsed.hunks) {
      let oldLine = hunk.oldStart;
      let newLine = hunk.newStart;
      for (const raw of hunk.lines) {
        const marker = raw[0];
        const text = raw.slice(1);
        if (marker === "+") visit("+", text, oldLine, newLine++, hunkIndex);
        else if (marker === "-") visit("-", text, oldLine++, newLine, hunkIndex);
        else if (marker === " ") visit(" ", text, oldLine++, newLine++, hunkIndex);
      }
      hunkIndex++;
    }
  }
}

function linesFromContent(base: string, head: string): DiffLines {
  // A multiset difference is enough for detectors: they ask "which statements
  // appeared / disappeared", not where hunks start.
  const baseLines = splitLines(base);
  const headLines = splitLines(head);
  const remaining = new Map<string, number>();
  for (const l of baseLines) remaining.set(l, (remaining.get(l) ?? 0) + 1);
  const added: DiffLine[] = [];
  headLines.forEach((text, i) => {
    const n = remaining.get(text) ?? 0;
    if (n > 0) remaining.set(text, n - 1);
    else added.push({ line: i + 1, text });
  });
  const stillInHead = new Map<string, number>();
  for (const l of headLines) stillInHead.set(l, (stillInHead.get(l) ?? 0) + 1);
  const removed: DiffLine[] = [];
  baseLines.forEach((text, i) => {
    const n = stillInHead.get(text) ?? 0;
    if (n > 0) stillInHead.set(text, n - 1);
    else removed.push({ line: i + 1, text });
  });
  return { added, removed };
}

export interface PatchSides {
  /** Per hunk: the lines the base had there (context + removed), base line numbers. */
  base: DiffLine[][];
  /** Per hunk: the lines the head has there (context + added), head line numbers. */
  head: DiffLine[][];
}

/**
 * Splits a GitHub-style patch into what each side saw in every hunk. Unlike
 * `diffLines`, context lines are kept: declarations often span a changed line and
 * unchanged neighbours (route declarations, OpenAPI path keys above a method).
 */
export function patchSides(patch: string): PatchSides {
  const sides: PatchSides = { base: [], head: [] };
  walkPatch(patch, (marker, text, oldLine, newLine, hunk) => {
    sides.base[hunk] ??= [];
    sides.head[hunk] ??= [];
    if (marker !== "+") sides.base[hunk].push({ line: oldLine, text });
    if (marker !== "-") sides.head[hunk].push({ line: newLine, text });
  });
  return sides;
}

/** One side of a changed file: `null` when that version does not exist, `undefined` when the caller did not load it. */
export function sideContent(file: ChangedFile, side: "base" | "head"): string | null | undefined {
  const content = file[side];
  if (content !== undefined) return content;
  if (side === "base" && file.status === "added") return null;
  if (side === "head" && file.status === "removed") return null;
  return undefined;
}
