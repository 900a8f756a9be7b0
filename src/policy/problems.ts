import { isMap, isSeq, isScalar, type Document, type LineCounter, type Node } from "yaml";

/**
 * A problem found in a policy, with the place to fix it. Loading never stops at
 * the first problem: every one is collected so a single lint run shows them all.
 */
export interface PolicyProblem {
  severity: "error" | "warning";
  file: string;
  line: number;
  col: number;
  /** YAML path of the offending node, e.g. `areas.http-api.paths[2]`. */
  path: string;
  message: string;
}

export function formatProblem(p: PolicyProblem): string {
  const where = p.path ? ` (at ${p.path})` : "";
  return `${p.file}:${p.line}:${p.col}: ${p.severity}: ${p.message}${where}`;
}

export type YamlPath = readonly (string | number)[];

export function formatPath(path: YamlPath): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else out += out === "" ? key : `.${key}`;
  }
  return out;
}

/** A parsed policy file, kept so any later check can point into it. */
export interface SourceFile {
  name: string;
  doc: Document;
  lines: LineCounter;
}

/**
 * Line and column of a YAML path in a file. With `onKey`, the position of the
 * mapping key itself (where an unknown key should be reported). Falls back to the
 * deepest existing ancestor, so a missing field is reported at its parent.
 */
export function locate(file: SourceFile, path: YamlPath, onKey = false): { line: number; col: number } {
  let node: unknown = file.doc.contents;
  let offset = (file.doc.contents as Node | null)?.range?.[0] ?? 0;
  for (let i = 0; i < path.length; i++) {
    const key = path[i]!;
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = node.items.find((item) => isScalar(item.key) && String(item.key.value) === String(key));
      if (!pair) break;
      const keyNode = pair.key as Node;
      if (last && onKey) {
        offset = keyNode.range?.[0] ?? offset;
        break;
      }
      node = pair.value;
      offset = (pair.value as Node | null)?.range?.[0] ?? keyNode.range?.[0] ?? offset;
    } else if (isSeq(node) && typeof key === "number") {
      const item = node.items[key] as Node | undefined;
      if (!item) break;
      node = item;
      offset = item.range?.[0] ?? offset;
    } else {
      break;
    }
  }
  return file.lines.linePos(offset);
}

/** Whether the file itself spells out this path (used to blame the right file in an `extends` chain). */
export function defines(file: SourceFile, path: YamlPath): boolean {
  return file.doc.hasIn(path as (string | number)[]);
}
