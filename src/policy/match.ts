import { GLOBSTAR, Minimatch, type ParseReturnFiltered } from "minimatch";
import { expansionProblem } from "./glob-expansion.js";

/**
 * Path → areas, compiled once per policy.
 *
 * Every glob is compiled into a Minimatch object once. Instead of testing each
 * file against every glob (files × globs), globs are bucketed by what a file must
 * literally have to match them. The buckets are read off minimatch's own parse of
 * the glob (its rows: one per brace alternative, each a list of portions that are
 * a literal string, `**`, or a pattern), never off the glob's text, so `**`
 * inside braces, escapes, classes and extglobs are classified as minimatch reads
 * them. A file is only tested against the globs of its buckets plus the globs no
 * bucket can hold (`**`, `?(a|b)/**`). The buckets only pre-select; the final
 * call is minimatch's, or, for a glob of a common shape (`dir/**`,
 * `dir/**\/*.ts`, `**\/secrets/**`) and a path without `.` or `..` portions,
 * string comparisons that answer as minimatch does (`plainMatch`; they were
 * most of a large pull request's evaluation). Either way the result is exactly
 * minimatch's.
 *
 * Why a bucket is sound: for a path without empty portions, a row's literal
 * portion only ever matches a path portion equal to it, `**` matches whole
 * portions, and every other portion matches exactly one path portion. So a
 * matching path starts with the row's leading literals, ends with its last
 * literal, contains each literal, and has as many portions as a row without `**`. (`.` and `..` in a path are portions like
 * any other at minimatch's default optimization level; `**` just never walks
 * them, which only matches less.)
 */

const MATCH_OPTIONS = { dot: true } as const;
const SLASH = 0x2f;
/** Up to this many `byPortion` keys, a path is searched for each rather than cut into portions. */
const PORTION_SEARCH_LIMIT = 8;
const DOT = 0x2e;

interface CompiledPattern {
  area: number;
  matcher: Minimatch;
  /** The glob's rows as `plainMatch` answers them, when every row has a shape it knows; else minimatch decides. */
  rows?: PlainRow[];
}

interface PrefixNode {
  children: Map<string, PrefixNode>;
  patterns: CompiledPattern[];
  /**
   * Areas with a glob that is exactly this node's literal portions then `**`
   * (`services/api/**`, the most common area glob), matched without minimatch:
   * see `subtreeRows`.
   */
  subtrees: number[];
}

export interface AreaPaths {
  id: string;
  paths: string[];
}

export class AreaIndex {
  /** Rows that are all literal: `package.json`, `apps/web/Dockerfile`. */
  private readonly exact = new Map<string, CompiledPattern[]>();
  /** Rows whose last portion is literal: `**\/Dockerfile`, `src/*\/index.ts`. */
  private readonly byBasename = new Map<string, CompiledPattern[]>();
  /** Rows whose last portion is `*.tf` (or `@(*.tf|*.tfvars)`, minimatch's merge of `*.{tf,tfvars}`). */
  private readonly byExtension = new Map<string, CompiledPattern[]>();
  /** Rows that start with literal portions: `src/api/**`, `k8s/*\/secrets/**`. */
  private readonly prefixRoot: PrefixNode = { children: new Map(), patterns: [], subtrees: [] };
  /** Rows with a literal portion somewhere else: `**\/secrets/**`, `*\/migrations/*.sql`. */
  private readonly byPortion = new Map<string, CompiledPattern[]>();
  /** Rows without `**` and without a literal portion (`.env.*`, `*\/*.ts`), by their number of portions: a path has as many. */
  private readonly byDepth = new Map<number, CompiledPattern[]>();
  /** Rows with `**` and no literal portion (`**`, `**\/?.ts`): tested against every path. */
  private readonly unindexed: CompiledPattern[] = [];
  /** Every glob, for the paths with an empty portion, which the buckets cannot key. */
  private readonly all: CompiledPattern[] = [];
  /** Per area, the `!glob` exclusions, checked only once the area matched. */
  private readonly exclusions: CompiledPattern[][];
  /** How many compiled globs (rows: brace alternatives, as minimatch keeps them) the index holds, for benchmarks and diagnostics. */
  readonly globCount: number;

  /**
   * `compiled`, when given, holds per area its globs already compiled (a rule's
   * `when.pathMatchers`), or undefined for an area read from its `paths`; where
   * given they are used instead of its `paths`: the area then holds a path
   * exactly when one of them matches it, and a `!glob` among them is a negated
   * matcher (everything its glob does not match), not an exclusion.
   */
  constructor(
    readonly areas: readonly AreaPaths[],
    compiled?: readonly (readonly Minimatch[] | undefined)[],
  ) {
    let count = 0;
    this.exclusions = areas.map(() => []);
    areas.forEach((area, areaIndex) => {
      const matchers = compiled?.[areaIndex];
      if (matchers) {
        for (const matcher of matchers) count += this.add({ area: areaIndex, matcher }, true);
        return;
      }
      for (const glob of area.paths) {
        if (glob.startsWith("!")) {
          const matcher = new Minimatch(glob.slice(1), MATCH_OPTIONS);
          this.exclusions[areaIndex]!.push({ area: areaIndex, matcher, rows: plainRows(matcher) });
          count++;
          continue;
        }
        count += this.add({ area: areaIndex, matcher: new Minimatch(glob, MATCH_OPTIONS) });
      }
    });
    this.globCount = count;
  }

  /** Indices (into `areas`) of the areas owning `path`, ascending, without duplicates. */
  match(path: string): number[] {
    // A path is in a handful of areas at most: an array beats a Set here.
    const hits: number[] = [];
    // An empty portion (`a//b`, `/a`, `a/`, or the empty path) is not compared as
    // one: minimatch collapses repeated slashes and lets `a/*` match `a/b/`. No
    // bucket is keyed for that, and GitHub never sends such a path, so it is simply
    // tested against every glob, by minimatch.
    const odd =
      path === "" ||
      path.charCodeAt(0) === SLASH ||
      path.charCodeAt(path.length - 1) === SLASH ||
      path.includes("//");
    // Portions are cut out only where a bucket is looked up (splitting every
    // path into all its portions was the largest cost of a large pull request).
    const basename = odd ? path : path.slice(path.lastIndexOf("/") + 1);
    // `**` walks no `.` or `..` portion; a path with none is a "plain" path,
    // which globs of a known shape answer without minimatch (see `plainMatch`).
    const lastDots = odd ? 0 : lastDotsPortion(path);
    const plain = lastDots === -1;
    if (odd) {
      this.test(this.all, path, basename, false, hits);
    } else {
      this.test(this.exact.get(path), path, basename, plain, hits);
      this.test(this.byBasename.get(basename), path, basename, plain, hits);
      for (let dot = basename.indexOf("."); dot !== -1; dot = basename.indexOf(".", dot + 1)) {
        this.test(this.byExtension.get(basename.slice(dot)), path, basename, plain, hits);
      }
      // The basename is looked up too. With minimatch 11.0.9 a trailing `**` needs at
      // least one portion (`a/**` does not match `a`), but other versions let it match
      // none, and then a row's literals can end at the path's last portion.
      // A subtree glob holds a path whose portions after its literals are all
      // walkable by `**`, and at least one.
      let node: PrefixNode | undefined = this.prefixRoot;
      for (let start = 0; node.children.size > 0;) {
        const slash = path.indexOf("/", start);
        const end = slash === -1 ? path.length : slash;
        node = node.children.get(path.slice(start, end));
        if (!node) break;
        this.test(node.patterns, path, basename, plain, hits);
        if (node.subtrees.length > 0 && slash !== -1 && lastDots < start)
          for (const area of node.subtrees) if (!hits.includes(area)) hits.push(area);
        if (slash === -1) break;
        start = slash + 1;
      }
      if (this.byPortion.size > PORTION_SEARCH_LIMIT) {
        for (let start = 0; ;) {
          const slash = path.indexOf("/", start);
          const portion = path.slice(start, slash === -1 ? path.length : slash);
          this.test(this.byPortion.get(portion), path, basename, plain, hits);
          if (slash === -1) break;
          start = slash + 1;
        }
      } else {
        // A few keys (`secrets`, `iam`): searching the path for each is cheaper than cutting it up.
        for (const [portion, patterns] of this.byPortion)
          if (hasPortion(path, portion)) this.test(patterns, path, basename, plain, hits);
      }
      if (this.byDepth.size > 0) {
        let portions = 1;
        for (let at = path.indexOf("/"); at !== -1; at = path.indexOf("/", at + 1)) portions++;
        this.test(this.byDepth.get(portions), path, basename, plain, hits);
      }
      this.test(this.unindexed, path, basename, plain, hits);
    }
    let result = hits;
    for (const area of hits) {
      if (this.exclusions[area]!.length === 0) continue;
      result = hits.filter(
        (a) => !this.exclusions[a]!.some((p) => matches(p, path, basename, plain)),
      );
      break;
    }
    return result.length > 1 ? result.sort((a, b) => a - b) : result;
  }

  /** Adds to `hits` the area of each of `patterns` matching `path` (one not there yet). */
  private test(
    patterns: CompiledPattern[] | undefined,
    path: string,
    basename: string,
    plain: boolean,
    hits: number[],
  ): void {
    if (patterns === undefined) return;
    for (const p of patterns)
      if (!hits.includes(p.area) && matches(p, path, basename, plain)) hits.push(p.area);
  }

  /** Files the glob under every bucket one of its rows needs; returns how many rows it has. */
  private add(pattern: CompiledPattern, compiledElsewhere = false): number {
    const { matcher } = pattern;
    this.all.push(pattern);
    // Compiled elsewhere: a negated glob holds the paths its glob does not, and
    // options other than ours compare literals differently; no bucket fits them.
    if (compiledElsewhere && (matcher.negate || !sameOptions(matcher))) {
      this.unindexed.push(pattern);
      return matcher.set.length;
    }
    // Never negated: a glob with a leading `!` is an exclusion and does not get here.
    // A comment (`#…`) has no rows and matches nothing; the empty glob matches only
    // the empty path, which has an empty portion and so is tested against `all`.
    const buckets = new Set<CompiledPattern[]>();
    const subtrees = subtreeRows(matcher);
    if (subtrees) {
      for (const literals of subtrees) {
        const node = this.prefixNode(literals);
        if (!node.subtrees.includes(pattern.area)) node.subtrees.push(pattern.area);
      }
      return matcher.set.length;
    }
    // The rows' source text is read (for extensions, and for `plainRows`' `*`
    // patterns) only where it lines up with the rows. Subtree globs need neither:
    // the prefix tree answers them without a test.
    pattern.rows = plainRows(matcher);
    const sources = matcher.globParts.length === matcher.set.length ? matcher.globParts : undefined;
    matcher.set.forEach((row, r) => {
      for (const bucket of this.bucketsFor(row, sources?.[r])) buckets.add(bucket);
    });
    for (const bucket of buckets) bucket.push(pattern);
    return matcher.set.length;
  }

  /** The prefix tree's node for these leading literal portions, made if missing. */
  private prefixNode(literals: readonly string[]): PrefixNode {
    let node = this.prefixRoot;
    for (const portion of literals) {
      let child = node.children.get(portion);
      if (!child) {
        child = { children: new Map(), patterns: [], subtrees: [] };
        node.children.set(portion, child);
      }
      node = child;
    }
    return node;
  }

  /** The buckets (one, or one per extension) a path matching `row` is certain to look in. */
  private bucketsFor(
    row: ParseReturnFiltered[],
    source: string[] | undefined,
  ): CompiledPattern[][] {
    if (row.every((portion) => typeof portion === "string"))
      return [listIn(this.exact, row.join("/"))];
    const last = row[row.length - 1]!;
    if (typeof last === "string") return [listIn(this.byBasename, last)];
    if (typeof row[0] === "string") {
      const literals: string[] = [];
      for (const portion of row) {
        if (typeof portion !== "string") break;
        literals.push(portion);
      }
      return [this.prefixNode(literals).patterns];
    }
    const lastSource = source?.[row.length - 1];
    const extensions =
      last !== GLOBSTAR && lastSource !== undefined ? extensionsOf(lastSource) : undefined;
    if (extensions) return extensions.map((extension) => listIn(this.byExtension, extension));
    const literal = row.find((portion): portion is string => typeof portion === "string");
    if (literal !== undefined) return [listIn(this.byPortion, literal)];
    if (!row.includes(GLOBSTAR)) return [listIn(this.byDepth, row.length)];
    return [this.unindexed];
  }
}

/**
 * Whether `portion` (or several, `a/b`) is one of the path's portions, not the
 * last one if `notLast` (for a path without empty portions).
 */
function hasPortion(path: string, portion: string, notLast = false): boolean {
  for (let at = path.indexOf(portion); at !== -1; at = path.indexOf(portion, at + 1)) {
    const end = at + portion.length;
    if (
      (at === 0 || path.charCodeAt(at - 1) === SLASH) &&
      ((end === path.length && !notLast) || path.charCodeAt(end) === SLASH)
    )
      return true;
  }
  return false;
}

/** Where the path's last `.` or `..` portion starts, or -1 (for a path without empty portions). */
function lastDotsPortion(path: string): number {
  if (path.charCodeAt(0) !== DOT && !path.includes("/.")) return -1;
  let last = -1;
  for (let start = 0; ;) {
    const slash = path.indexOf("/", start);
    const end = slash === -1 ? path.length : slash;
    const length = end - start;
    if (
      (length === 1 || length === 2) &&
      path.charCodeAt(start) === DOT &&
      path.charCodeAt(end - 1) === DOT
    )
      last = start;
    if (slash === -1) return last;
    start = slash + 1;
  }
}

/**
 * The literal portions of each row when every row of the glob is literal
 * portions then one trailing `**` (`services/api/**`, `deploy/{a,b}/**`), else
 * undefined. minimatch matches such a row against a path without empty portions
 * (the only paths the index keys) exactly when the path starts with those
 * portions, has at least one more, and none of the others is `.` or `..`, which
 * `**` never walks (with `dot`, it walks every other portion). Rows are read off
 * minimatch's parse, and only for the options the index compiles with, on a
 * platform where `/` is the only separator; anything else is left to minimatch.
 */
function subtreeRows(matcher: Minimatch): string[][] | undefined {
  if (matcher.negate || matcher.comment || matcher.empty || !sameOptions(matcher)) return undefined;
  if (matcher.options.dot !== true || matcher.set.length === 0) return undefined;
  const rows: string[][] = [];
  for (const row of matcher.set) {
    const literals = row.slice(0, -1);
    const literal = (p: ParseReturnFiltered): p is string =>
      typeof p === "string" && p !== "" && p !== "." && p !== "..";
    if (row.length < 2 || row[row.length - 1] !== GLOBSTAR || !literals.every(literal))
      return undefined;
    rows.push(literals as string[]);
  }
  return rows;
}

/**
 * Whether a glob compiled elsewhere reads paths as the index's own do: `/`
 * alone separates portions, repeated ones collapse, literals compare exactly.
 * (`dot` only ever makes a glob match less, which no bucket depends on.)
 */
function sameOptions(matcher: Minimatch): boolean {
  const { options } = matcher;
  return (
    !matcher.isWindows &&
    !matcher.preserveMultipleSlashes &&
    !matcher.partial &&
    !options.nocase &&
    !options.matchBase &&
    !options.noglobstar &&
    !options.noext &&
    !options.nobrace &&
    !options.flipNegate &&
    options.optimizationLevel === undefined &&
    options.windowsPathsNoEscape === undefined &&
    options.platform === undefined
  );
}

/**
 * A glob row of a shape common in policies, answered for a plain path (no
 * empty portion, no `.` or `..` portion) by comparing strings instead of
 * running minimatch's matcher. With such a path `**` walks any run of portions
 * (none included, except that a trailing `**` needs one, see `match`), so:
 *
 * - `subtree`, `a/b/**` (and `**`): the path starts with `a/b/` (`prefix`, "" for `**`);
 * - `tail`, `a/b/**\/T` (and `**\/T`): it starts with the prefix and its last portion matches `T`;
 * - `inner`, `**\/a/b/**`: `a/b/` starts a portion of it;
 * - `fixed`, no `**`: as many portions as the row, each matching its own.
 *
 * where a portion pattern is a literal, a `*` pattern (`*.tf`, `tsconfig*.json`)
 * or minimatch's `@(…|…)` merge of braces over those. Anything else (`?`,
 * classes, extglobs, escapes, `**` elsewhere) is left to minimatch.
 */
type PlainRow =
  | { kind: "subtree"; prefix: string }
  | { kind: "tail"; prefix: string; last: PortionPattern }
  | { kind: "inner"; middle: string }
  | { kind: "fixed"; portions: PortionPattern[] };

/** Alternatives, each the pieces of a portion pattern between its `*`s (one piece: a literal). */
type PortionPattern = string[][];

/** Whether the compiled pattern matches the path (its last portion `basename`); `plain`: see `match`. */
function matches(
  pattern: CompiledPattern,
  path: string,
  basename: string,
  plain: boolean,
): boolean {
  const { rows } = pattern;
  if (!plain || rows === undefined) return pattern.matcher.match(path);
  for (const row of rows) if (plainMatch(row, path, basename)) return true;
  return false;
}

function plainMatch(row: PlainRow, path: string, basename: string): boolean {
  switch (row.kind) {
    case "subtree":
      return path.startsWith(row.prefix);
    case "tail":
      return path.startsWith(row.prefix) && portionMatches(row.last, basename);
    case "inner":
      return hasPortion(path, row.middle, true);
    case "fixed": {
      let start = 0;
      for (let i = 0; i < row.portions.length; i++) {
        const slash = path.indexOf("/", start);
        const last = i === row.portions.length - 1;
        // The row's last portion must be the path's last, and no earlier one may be.
        if ((slash === -1) !== last) return false;
        const portion = path.slice(start, last ? path.length : slash);
        if (!portionMatches(row.portions[i]!, portion)) return false;
        start = slash + 1;
      }
      return true;
    }
  }
}

function portionMatches(pattern: PortionPattern, portion: string): boolean {
  for (const pieces of pattern) if (starMatch(pieces, portion)) return true;
  return false;
}

/** `*` patterns: the first piece starts the text, the last ends it, the others follow in order between. */
function starMatch(pieces: readonly string[], text: string): boolean {
  const first = pieces[0]!;
  if (pieces.length === 1) return text === first;
  const last = pieces[pieces.length - 1]!;
  if (text.length < first.length + last.length || !text.startsWith(first) || !text.endsWith(last))
    return false;
  const end = text.length - last.length;
  let at = first.length;
  for (let i = 1; i < pieces.length - 1; i++) {
    const found = text.indexOf(pieces[i]!, at);
    if (found === -1 || found + pieces[i]!.length > end) return false;
    at = found + pieces[i]!.length;
  }
  return true;
}

/** Characters a portion pattern's pieces may hold: no magic but `*` (see `EXTENSION`). */
const STAR_PATTERN = /^[^?[\]{}()|!+@\\/\uE000-\uF8FF]*$/;

/**
 * The glob's rows as `PlainRow`s, or undefined when one of them is of no known
 * shape. Rows are read off minimatch's parse; a portion it parsed into a
 * pattern is read off its source text, only where text and rows line up.
 */
function plainRows(matcher: Minimatch): PlainRow[] | undefined {
  if (matcher.negate || matcher.comment || matcher.empty || !sameOptions(matcher)) return undefined;
  if (matcher.options.dot !== true || matcher.set.length === 0) return undefined;
  if (matcher.globParts.length !== matcher.set.length) return undefined;
  const rows: PlainRow[] = [];
  for (let r = 0; r < matcher.set.length; r++) {
    const row = matcher.set[r]!;
    const source = matcher.globParts[r]!;
    if (source.length !== row.length) return undefined;
    const portions: (PortionPattern | typeof GLOBSTAR)[] = [];
    for (let i = 0; i < row.length; i++) {
      const portion = row[i]!;
      const parsed =
        portion === GLOBSTAR
          ? GLOBSTAR
          : typeof portion === "string"
            ? literalPortion(portion)
            : portionPattern(source[i]!);
      if (parsed === undefined) return undefined;
      portions.push(parsed);
    }
    const shaped = plainRow(portions);
    if (shaped === undefined) return undefined;
    rows.push(shaped);
  }
  return rows;
}

function literalPortion(portion: string): PortionPattern | undefined {
  return portion === "" || portion === "." || portion === ".." ? undefined : [[portion]];
}

/** `*.tf`, `a*b`, `@(*.ts|*.tsx)`: alternatives of literal pieces between `*`s. */
function portionPattern(source: string): PortionPattern | undefined {
  const alternatives = /^@\(([^()]*)\)$/.exec(source)?.[1]?.split("|") ?? [source];
  if (!alternatives.every((a) => STAR_PATTERN.test(a) && a !== "." && a !== "..")) return undefined;
  return alternatives.map((a) => a.split("*"));
}

/** The row's shape, from its portions (literals are one-piece patterns), or undefined. */
function plainRow(portions: (PortionPattern | typeof GLOBSTAR)[]): PlainRow | undefined {
  const globstars = portions.filter((p) => p === GLOBSTAR).length;
  const literal = (p: PortionPattern | typeof GLOBSTAR): p is [[string]] =>
    p !== GLOBSTAR && p.length === 1 && p[0]!.length === 1;
  const joined = (ps: (PortionPattern | typeof GLOBSTAR)[]) =>
    ps.map((p) => `${(p as [[string]])[0][0]}/`).join("");
  const n = portions.length;
  if (globstars === 0) return { kind: "fixed", portions: portions as PortionPattern[] };
  if (globstars === 1 && portions[n - 1] === GLOBSTAR && portions.slice(0, -1).every(literal))
    return { kind: "subtree", prefix: joined(portions.slice(0, -1)) };
  if (
    globstars === 1 &&
    n >= 2 &&
    portions[n - 2] === GLOBSTAR &&
    portions.slice(0, -2).every(literal)
  )
    return {
      kind: "tail",
      prefix: joined(portions.slice(0, -2)),
      last: portions[n - 1] as PortionPattern,
    };
  if (
    globstars === 2 &&
    n >= 3 &&
    portions[0] === GLOBSTAR &&
    portions[n - 1] === GLOBSTAR &&
    portions.slice(1, -1).every(literal)
  )
    return { kind: "inner", middle: joined(portions.slice(1, -1)).slice(0, -1) };
  return undefined;
}

/**
 * `*.ext` with a plain literal extension, alone or as alternatives of one `@(…)`.
 * Anything with magic in it (a class, `?`, an escape, or the private-use marks
 * minimatch puts around a numeric range like `{1..150}`) is not an extension.
 */
const EXTENSION = /^\*(\.[^*?[\]{}()|!+@\\/\uE000-\uF8FF]+)$/;

function extensionsOf(source: string): string[] | undefined {
  const alternatives = /^@\(([^()]*)\)$/.exec(source)?.[1]?.split("|") ?? [source];
  const extensions = alternatives.map((alternative) => EXTENSION.exec(alternative)?.[1]);
  return extensions.every((extension) => extension !== undefined)
    ? (extensions as string[])
    : undefined;
}

function listIn<K, V>(map: Map<K, V[]>, key: K): V[] {
  let list = map.get(key);
  if (!list) map.set(key, (list = []));
  return list;
}

/**
 * Problems with a glob that minimatch would silently accept but that cannot mean
 * what the author wanted. Returns a message, or undefined when the glob is fine.
 */
export function globProblem(glob: string): string | undefined {
  const body = glob.startsWith("!") ? glob.slice(1) : glob;
  if (body.trim() === "") return "is empty";
  if (body !== body.trim()) return "has leading or trailing spaces";
  if (body.startsWith("/"))
    return "starts with '/': paths are relative to the repository root, write it without the leading '/'";
  if (body.startsWith("./")) return "starts with './': write it without './'";
  if (body.includes("\\")) return "contains '\\': use '/' as the path separator";
  if (body.split("/").includes(".."))
    return "contains '..': a pull request's paths never leave the repository";
  if (body.endsWith("/"))
    return "ends with '/': to match everything below a directory write 'dir/**'";
  if (!balanced(body, "{", "}")) return "has unbalanced braces { }";
  if (!balanced(body, "[", "]")) return "has an unclosed character class [ ]";
  if (!balanced(body, "(", ")")) return "has unbalanced parentheses ( )";
  // Measured before any Minimatch is built from it: compiling expands the braces.
  return expansionProblem(body);
}

function balanced(text: string, open: string, close: string): boolean {
  let depth = 0;
  for (const ch of text) {
    if (ch === open) depth++;
    else if (ch === close && --depth < 0) return false;
  }
  return depth === 0;
}
