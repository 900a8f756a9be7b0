import {
  isMap,
  isSeq,
  isScalar,
  type Document,
  type LineCounter,
  type Node,
  type Pair,
  type YAMLMap,
} from "yaml";

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
  /** Built on the first lookup; see `positionsOf`. */
  positions?: PositionIndex;
}

/**
 * Map keys → entries, per mapping of one file, each mapping indexed once when
 * first looked into. Without it every problem searched its mappings entry by
 * entry: a policy of 30,000 areas, each with a problem, took 17 s to report.
 */
export class PositionIndex {
  /** Mapping entries indexed so far: at most the file's, however many problems are located. */
  indexed = 0;
  private readonly maps = new Map<YAMLMap, Map<string, Pair>>();

  /** The entry of `map` whose key reads as `key` (the first, as YAML keeps duplicates apart), if any. */
  pair(map: YAMLMap, key: string | number): Pair | undefined {
    let entries = this.maps.get(map);
    if (!entries) {
      entries = new Map();
      for (const item of map.items) {
        if (isScalar(item.key) && !entries.has(String(item.key.value)))
          entries.set(String(item.key.value), item);
      }
      this.indexed += map.items.length;
      this.maps.set(map, entries);
    }
    return entries.get(String(key));
  }
}

export function positionsOf(file: SourceFile): PositionIndex {
  return (file.positions ??= new PositionIndex());
}

/**
 * Line and column of a YAML path in a file. With `onKey`, the position of the
 * mapping key itself (where an unknown key should be reported). Falls back to the
 * deepest existing ancestor, so a missing field is reported at its parent.
 */
export function locate(
  file: SourceFile,
  path: YamlPath,
  onKey = false,
): { line: number; col: number } {
  const index = positionsOf(file);
  let node: unknown = file.doc.contents;
  let offset = (file.doc.contents as Node | null)?.range?.[0] ?? 0;
  for (let i = 0; i < path.length; i++) {
    const key = path[i]!;
    const last = i === path.length - 1;
    if (isMap(node)) {
      const pair = index.pair(node, key);
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
  const index = positionsOf(file);
  let node: unknown = file.doc.contents;
  for (const key of path) {
    if (isMap(node)) {
      const pair = index.pair(node, key);
      if (!pair) return false;
      node = pair.value;
    } else if (isSeq(node) && typeof key === "number") {
      if (key < 0 || key >= node.items.length) return false;
      node = node.items[key];
    } else {
      return false;
    }
  }
  return true;
}
