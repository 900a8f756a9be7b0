import { Minimatch, braceExpand } from "minimatch";

/**
 * Path → areas, compiled once per policy.
 *
 * Every glob is compiled into a Minimatch object once. Instead of testing each
 * file against every glob (files × globs), globs are bucketed by what a file must
 * literally have to match them: an exact path, a directory prefix (`src/api/**`),
 * a basename (`**\/Dockerfile`) or an extension (`**\/*.tf`). A file is only tested
 * against the globs of its buckets plus the few globs no bucket can hold. The
 * buckets only pre-select; the compiled glob always makes the final call, so the
 * result is exactly minimatch's.
 */

const MATCH_OPTIONS = { dot: true } as const;
const MAGIC = /[*?[\]{}()!+@\\]/;

interface CompiledPattern {
  area: number;
  matcher: Minimatch;
}

interface PrefixNode {
  children: Map<string, PrefixNode>;
  patterns: CompiledPattern[];
}

export interface AreaPaths {
  id: string;
  paths: string[];
}

export class AreaIndex {
  private readonly exact = new Map<string, CompiledPattern[]>();
  private readonly byBasename = new Map<string, CompiledPattern[]>();
  private readonly byExtension = new Map<string, CompiledPattern[]>();
  private readonly prefixRoot: PrefixNode = { children: new Map(), patterns: [] };
  /** `**\/secrets/**`: globs that need a directory of that name somewhere in the path. */
  private readonly byDirectory = new Map<string, CompiledPattern[]>();
  /** Globs without a slash match root-level files only (minimatch has no matchBase here). */
  private readonly rootOnly: CompiledPattern[] = [];
  private readonly unindexed: CompiledPattern[] = [];
  /** Per area, the `!glob` exclusions, checked only once the area matched. */
  private readonly exclusions: Minimatch[][];
  /** How many compiled globs the index holds (for benchmarks and diagnostics). */
  readonly globCount: number;

  constructor(readonly areas: readonly AreaPaths[]) {
    let count = 0;
    this.exclusions = areas.map(() => []);
    areas.forEach((area, areaIndex) => {
      for (const glob of area.paths) {
        if (glob.startsWith("!")) {
          this.exclusions[areaIndex]!.push(new Minimatch(glob.slice(1), MATCH_OPTIONS));
          count++;
          continue;
        }
        // Brace alternatives are indexed separately: `**/openapi.{yaml,json}` is
        // two basename lookups rather than one unindexable glob.
        for (const expanded of braceExpand(glob)) {
          this.add({ area: areaIndex, matcher: new Minimatch(expanded, MATCH_OPTIONS) }, expanded);
          count++;
        }
      }
    });
    this.globCount = count;
  }

  /** Indices (into `areas`) of the areas owning `path`, ascending, without duplicates. */
  match(path: string): number[] {
    const hits = new Set<number>();
    const test = (patterns: CompiledPattern[] | undefined) => {
      if (!patterns) return;
      for (const p of patterns) if (!hits.has(p.area) && p.matcher.match(path)) hits.add(p.area);
    };
    test(this.exact.get(path));
    const slash = path.lastIndexOf("/");
    const basename = path.slice(slash + 1);
    test(this.byBasename.get(basename));
    for (let dot = basename.indexOf("."); dot !== -1; dot = basename.indexOf(".", dot + 1)) {
      test(this.byExtension.get(basename.slice(dot)));
    }
    let node: PrefixNode | undefined = this.prefixRoot;
    let start = 0;
    while (start <= slash) {
      const end = path.indexOf("/", start);
      const segment = path.slice(start, end);
      if (node) {
        node = node.children.get(segment);
        if (node) test(node.patterns);
      }
      if (this.byDirectory.size > 0) test(this.byDirectory.get(segment));
      start = end + 1;
    }
    if (slash === -1) test(this.rootOnly);
    test(this.unindexed);
    const result = [...hits].filter((area) => !this.exclusions[area]!.some((m) => m.match(path)));
    return result.sort((a, b) => a - b);
  }

  private add(pattern: CompiledPattern, glob: string): void {
    const segments = glob.split("/");
    const literalPrefix: string[] = [];
    for (const segment of segments) {
      if (MAGIC.test(segment) || segment === "") break;
      literalPrefix.push(segment);
    }
    if (literalPrefix.length === segments.length) return push(this.exact, glob, pattern);
    const last = segments[segments.length - 1]!;
    if (literalPrefix.length === 0 && segments.length === 2 && segments[0] === "**") {
      if (!MAGIC.test(last)) return push(this.byBasename, last, pattern);
      const extension = /^\*(\.[^*?[\]{}()!+@\\/]+)$/.exec(last);
      if (extension) return push(this.byExtension, extension[1]!, pattern);
    }
    if (literalPrefix.length === 0 && segments.length === 1) {
      this.rootOnly.push(pattern);
      return;
    }
    if (literalPrefix.length === 0 && segments.length >= 3 && segments[0] === "**" && !MAGIC.test(segments[1]!) && segments[1] !== "") {
      return push(this.byDirectory, segments[1]!, pattern);
    }
    if (literalPrefix.length === 0) {
      this.unindexed.push(pattern);
      return;
    }
    let node = this.prefixRoot;
    for (const segment of literalPrefix) {
      let child = node.children.get(segment);
      if (!child) {
        child = { children: new Map(), patterns: [] };
        node.children.set(segment, child);
      }
      node = child;
    }
    node.patterns.push(pattern);
  }
}

function push<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

/**
 * Problems with a glob that minimatch would silently accept but that cannot mean
 * what the author wanted. Returns a message, or undefined when the glob is fine.
 */
export function globProblem(glob: string): string | undefined {
  const body = glob.startsWith("!") ? glob.slice(1) : glob;
  if (body.trim() === "") return "is empty";
  if (body !== body.trim()) return "has leading or trailing spaces";
  if (body.startsWith("/")) return "starts with '/': paths are relative to the repository root, write it without the leading '/'";
  if (body.startsWith("./")) return "starts with './': write it without './'";
  if (body.includes("\\")) return "contains '\\': use '/' as the path separator";
  if (body.split("/").includes("..")) return "contains '..': a pull request's paths never leave the repository";
  if (body.endsWith("/")) return "ends with '/': to match everything below a directory write 'dir/**'";
  if (!balanced(body, "{", "}")) return "has unbalanced braces { }";
  if (!balanced(body, "[", "]")) return "has an unclosed character class [ ]";
  if (!balanced(body, "(", ")")) return "has unbalanced parentheses ( )";
  return undefined;
}

function balanced(text: string, open: string, close: string): boolean {
  let depth = 0;
  for (const ch of text) {
    if (ch === open) depth++;
    else if (ch === close && --depth < 0) return false;
  }
  return depth === 0;
}
