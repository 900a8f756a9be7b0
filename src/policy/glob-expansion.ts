/**
 * How much brace expansion makes of a glob, computed from its text without
 * expanding anything.
 *
 * minimatch expands every `{a,b}` and `{1..9}` of a glob when it is compiled
 * (the Minimatch constructor), and keeps one compiled row per result. Groups
 * multiply: a 90-character glob of chained groups makes 100,000 rows and about
 * 190 MB, four of them exhaust a 512 MB heap. A proposed policy is the pull
 * request author's, so every glob is measured here first and one that would
 * expand past the bounds is a lint error, never compiled.
 *
 * The measure is an upper bound on what brace-expansion produces: groups pair
 * as they nest (a `\` escapes the next character), a group's members add up, a
 * sequence `{x..y..step}` counts its values, what stands side by side
 * multiplies, and a group is never counted as less than its own text (which is
 * what brace-expansion keeps of a group it leaves literal: `{a}`, `${a,b}`).
 * Where minimatch matches a long numeric range as one portion, the bound only
 * counts more than it makes.
 */

/** Longest glob accepted: a path glob longer than this is no path anybody writes. */
export const MAX_GLOB_LENGTH = 1024;
/** Most rows one glob may expand to (`**\/*.{ts,tsx,js,jsx}` is 4). */
export const MAX_GLOB_ROWS = 256;
/** Most characters one glob's rows may add up to. */
export const MAX_GLOB_EXPANDED_CHARS = 16 * 1024;

export interface Expansion {
  /** How many globs the braces expand to (at most). */
  rows: number;
  /** Their total length in characters (at most). */
  chars: number;
}

/** Past this, numbers only need to stay "too many" (and finite: 0 × Infinity is NaN). */
const SATURATED = 1e15;

/** The expansion's bound, or undefined when the braces do not pair up once escapes are read. */
export function expansionOf(glob: string): Expansion | undefined {
  const parser = new BraceParser(glob);
  const whole = parser.sequence(false);
  return whole && parser.done() ? whole : undefined;
}

/** A lint message for a glob that expands past the bounds, else undefined. */
export function expansionProblem(glob: string): string | undefined {
  if (glob.length > MAX_GLOB_LENGTH)
    return `is ${describe(glob.length)} characters long; the limit is ${describe(MAX_GLOB_LENGTH)}`;
  const expansion = expansionOf(glob);
  if (!expansion) return "has braces { } that do not pair up";
  if (expansion.rows > MAX_GLOB_ROWS) {
    return `expands to ${describe(expansion.rows)} patterns (its { } alternatives multiply); the limit is ${describe(MAX_GLOB_ROWS)}: use fewer alternatives, or * and **`;
  }
  if (expansion.chars > MAX_GLOB_EXPANDED_CHARS) {
    return `expands to ${describe(expansion.chars)} characters of patterns; the limit is ${describe(MAX_GLOB_EXPANDED_CHARS)}: use fewer alternatives, or * and **`;
  }
  return undefined;
}

function describe(n: number): string {
  return n >= SATURATED ? "more than 10^15" : n.toLocaleString("en-US");
}

const NUMERIC_SEQUENCE = /^(-?\d+)\.\.(-?\d+)(?:\.\.(-?\d+))?$/;
const ALPHA_SEQUENCE = /^([a-zA-Z])\.\.([a-zA-Z])(?:\.\.(-?\d+))?$/;

/** Recursive descent over `{`, `,` and `}`; nesting depth is bounded by MAX_GLOB_LENGTH / 2. */
class BraceParser {
  private at = 0;

  constructor(private readonly text: string) {}

  done(): boolean {
    return this.at === this.text.length;
  }

  /** What stands side by side up to the end, or (in a group) up to its `,` or `}`. */
  sequence(inGroup: boolean): Expansion | undefined {
    let result: Expansion = { rows: 1, chars: 0 };
    while (this.at < this.text.length) {
      const ch = this.text[this.at]!;
      if (inGroup && (ch === "," || ch === "}")) return result;
      if (ch === "}") return undefined;
      if (ch === "{") {
        this.at++;
        const group = this.group();
        if (!group) return undefined;
        result = product(result, group);
        continue;
      }
      const width = ch === "\\" && this.at + 1 < this.text.length ? 2 : 1;
      this.at += width;
      result = product(result, { rows: 1, chars: width });
    }
    return inGroup ? undefined : result;
  }

  /** A group, from after its `{` to after its `}`. */
  private group(): Expansion | undefined {
    const start = this.at;
    const members: Expansion[] = [];
    for (;;) {
      const member = this.sequence(true);
      if (!member) return undefined;
      members.push(member);
      const ch = this.text[this.at];
      this.at++;
      if (ch === "}") break;
    }
    const sequence = sequenceOf(this.text.slice(start, this.at - 1));
    let expanded: Expansion;
    if (sequence) expanded = sequence;
    else if (members.length > 1) {
      expanded = members.reduce(
        (sum, m) => ({ rows: saturate(sum.rows + m.rows), chars: saturate(sum.chars + m.chars) }),
        { rows: 0, chars: 0 },
      );
    } else {
      // `{{a,b}}` expands to `{a}` and `{b}`: the member's rows, braces kept.
      const only = members[0]!;
      expanded = { rows: only.rows, chars: saturate(only.chars + 2 * only.rows) };
    }
    // Or brace-expansion leaves the group as it is written (`{a}`, `${a,b}`): one row, its text.
    return {
      rows: Math.max(expanded.rows, 1),
      chars: Math.max(expanded.chars, this.at - start + 1),
    };
  }
}

/** `{1..100}`, `{a..z}`, `{01..10..2}`: how many values and how wide, or undefined for no sequence. */
function sequenceOf(body: string): Expansion | undefined {
  const numeric = NUMERIC_SEQUENCE.exec(body);
  const alpha = numeric ? undefined : ALPHA_SEQUENCE.exec(body);
  const match = numeric ?? alpha;
  if (!match) return undefined;
  const from = numeric ? Number(match[1]) : match[1]!.charCodeAt(0);
  const to = numeric ? Number(match[2]) : match[2]!.charCodeAt(0);
  const step = Math.max(Math.abs(Number(match[3] ?? 1)), 1);
  const rows = saturate(Math.floor(Math.abs(to - from) / step) + 1);
  // A value is never wider than the wider end (zero padding pads to it), plus a sign.
  const width = numeric ? Math.max(match[1]!.length, match[2]!.length) + 1 : 1;
  return { rows, chars: saturate(rows * width) };
}

function product(a: Expansion, b: Expansion): Expansion {
  return { rows: saturate(a.rows * b.rows), chars: saturate(a.chars * b.rows + b.chars * a.rows) };
}

function saturate(n: number): number {
  return Number.isFinite(n) ? Math.min(n, SATURATED) : SATURATED;
}
