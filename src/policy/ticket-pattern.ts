/**
 * Ticket keys in a pull request's title and body, found in linear time.
 *
 * The title and body are the author's, and JavaScript's backtracking RegExp is
 * not linear: the presets' own `[A-Z][A-Z0-9]+-\d+` over 64 KiB of capitals
 * tries every start and rescans the rest from each (2.2 s per event). So the
 * policy's pattern is compiled here into a program for a Pike VM (the
 * construction RE2 uses): every position of the text is visited once, carrying
 * at most one thread per instruction, so a search costs at most the program's
 * size per character. Threads keep the backtracking engine's priority order, so
 * a key found is the one RegExp would find.
 *
 * It understands what ticket patterns are written with — literals, classes,
 * `.`, `\d \w \s` and their negations, groups, alternation, greedy and lazy
 * quantifiers, `^ $ \b \B` — and refuses, as a lint error, what has no
 * linear-time meaning (backreferences, lookarounds).
 *
 * Bounds: only the first MAX_TICKET_TEXT characters of title and body are read
 * (a key is expected near the top; what lies beyond is not scanned), and a scan
 * stops after a budget of steps proportional to that text, keeping what it
 * found (a pull request whose key was not reached needs one nearer the top).
 */

/** How much of `title + "\n" + body` is scanned. */
export const MAX_TICKET_TEXT = 64 * 1024;
/** Longest pattern a policy may give. */
export const MAX_PATTERN_LENGTH = 256;
/** Largest compiled program (counted repetitions like `{2,10}` copy their body). */
const MAX_PROGRAM = 2000;
/** A scan's step budget, per instruction and character: one pass needs at most 2 (a thread step and a closure step). */
const STEP_FACTOR = 4;

export class UnsupportedPattern extends Error {}

type Predicate = (code: number) => boolean;
type Assertion = "start" | "end" | "boundary" | "not-boundary";

type Node =
  | { type: "char"; test: Predicate }
  | { type: "assert"; kind: Assertion }
  | { type: "seq"; items: Node[] }
  | { type: "alt"; alternatives: Node[] }
  | { type: "repeat"; body: Node; min: number; max: number; greedy: boolean };

type Instruction =
  | { op: "char"; test: Predicate }
  | { op: "assert"; kind: Assertion }
  | { op: "split"; first: number; second: number }
  | { op: "jump"; to: number }
  | { op: "match" };

export interface TicketScan {
  /** The keys found, in order, duplicates kept. */
  keys: string[];
  /** VM steps the scan took (thread steps plus closure steps). */
  steps: number;
  /** False when the step budget ran out before the end of the text. */
  complete: boolean;
}

/** A compiled ticket pattern. Counters are cumulative, for diagnostics and tests. */
export class TicketMatcher {
  /** How many texts were scanned. */
  scans = 0;
  /** Steps over all scans. */
  steps = 0;
  private readonly program: Instruction[];

  constructor(readonly pattern: string) {
    this.program = compile(parse(pattern));
  }

  /** Instructions in the compiled program (a scan costs at most about twice this per character). */
  get size(): number {
    return this.program.length;
  }

  /** Every non-overlapping, non-empty match, leftmost first, as `text.matchAll(new RegExp(pattern, "g"))` finds them. */
  scan(input: string): TicketScan {
    const text = input.length > MAX_TICKET_TEXT ? input.slice(0, MAX_TICKET_TEXT) : input;
    const vm = new PikeVm(
      this.program,
      text,
      STEP_FACTOR * this.program.length * (text.length + 1),
    );
    const keys: string[] = [];
    let complete = true;
    for (let from = 0; from <= text.length;) {
      const found = vm.search(from);
      if (found === "exhausted") {
        complete = false;
        break;
      }
      if (!found) break;
      const [start, end] = found;
      if (end > start) keys.push(text.slice(start, end));
      // An empty match moves on by one, as RegExp's lastIndex does.
      from = end > start ? end : end + 1;
    }
    this.scans++;
    this.steps += vm.steps;
    return { keys, steps: vm.steps, complete };
  }

  /** Whether the pattern matches the empty string (then every pull request would "reference a ticket"). */
  matchesEmpty(): boolean {
    const found = new PikeVm(this.program, "", Infinity).search(0);
    return Array.isArray(found);
  }
}

const compiled = new Map<string, TicketMatcher>();
const CACHE_SIZE = 32;

/** The compiled matcher for a pattern, shared while it is in use. Throws UnsupportedPattern. */
export function ticketMatcher(pattern: string): TicketMatcher {
  let matcher = compiled.get(pattern);
  if (!matcher) {
    matcher = new TicketMatcher(pattern);
    if (compiled.size >= CACHE_SIZE) compiled.delete(compiled.keys().next().value!);
    compiled.set(pattern, matcher);
  }
  return matcher;
}

/**
 * Names of standards that are written the way Jira keys are (`PROJECT-123`) and
 * turn up in the titles of the very changes that need a ticket ("Build with
 * UTF-8 locale", "Pin images by SHA-256", "Patch CVE-2024-3094"). A key whose
 * project part is one of these is never taken for a ticket, whatever the
 * pattern or `ticket.projects` say. That errs the safe way: a Jira project
 * named like a standard cannot serve as the reference (the check says a ticket
 * is missing), where the other way every such title would pass as ticketed.
 */
export const NOT_TICKET_PROJECTS: ReadonlySet<string> = new Set([
  // Character encodings and their standards bodies.
  "UTF",
  "UCS",
  "ISO",
  "IEC",
  "ANSI",
  "ECMA",
  "IEEE",
  // Hashes, ciphers and curves.
  "SHA",
  "MD",
  "AES",
  "RSA",
  "CRC",
  "HMAC",
  // Vulnerability and weakness identifiers.
  "CVE",
  "CWE",
  "CVSS",
  "GHSA",
  // Protocol and language versions.
  "RFC",
  "TLS",
  "SSL",
  "HTTP",
  "IPV",
  "ES",
  "PEP",
  "JSR",
  // Architectures and licences.
  "X86",
  "ARM",
  "AMD",
  "GPL",
  "LGPL",
  "AGPL",
  "BSD",
  "MPL",
  "COVID",
]);

/** Whether a key the pattern found names a standard rather than a ticket (`UTF-8`, `SHA-256`, `CVE-2024`). */
export function isStandardName(key: string): boolean {
  const dash = key.indexOf("-");
  return dash > 0 && NOT_TICKET_PROJECTS.has(key.slice(0, dash).toUpperCase());
}

/**
 * The ticket keys `pattern` finds in a pull request's title and body (their
 * first MAX_TICKET_TEXT characters), without standards' names. A pattern the
 * matcher cannot run finds none: the policy's lint already refused it, and no
 * key means a required ticket is missing, never that one is there.
 */
export function ticketKeysIn(pattern: string, title: string, body: string): string[] {
  let matcher: TicketMatcher;
  try {
    matcher = ticketMatcher(pattern);
  } catch (error) {
    if (error instanceof UnsupportedPattern) return [];
    throw error;
  }
  return matcher.scan(`${title}\n${body}`).keys.filter((key) => !isStandardName(key));
}

/** A lint message for a policy's ticket pattern, or undefined when the app can use it. */
export function ticketPatternProblem(pattern: string): string | undefined {
  if (pattern.length > MAX_PATTERN_LENGTH)
    return `ticket pattern is ${pattern.length} characters long; the limit is ${MAX_PATTERN_LENGTH}`;
  try {
    new RegExp(pattern);
  } catch (error) {
    return `ticket pattern is not a valid regular expression: ${(error as Error).message}`;
  }
  let matcher: TicketMatcher;
  try {
    matcher = ticketMatcher(pattern);
  } catch (error) {
    if (error instanceof UnsupportedPattern)
      return `ticket pattern ${error.message}; ticket keys are matched in linear time, without backtracking`;
    throw error;
  }
  if (matcher.matchesEmpty())
    return "ticket pattern matches an empty string, so every pull request would reference a ticket";
  return undefined;
}

// ---- parsing (RegExp syntax without flags, Annex B's lenient literals included) ----

const isWordChar: Predicate = (c) =>
  (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
const isDigit: Predicate = (c) => c >= 48 && c <= 57;
const isSpace: Predicate = (c) =>
  (c >= 9 && c <= 13) ||
  c === 32 ||
  c === 0xa0 ||
  c === 0x1680 ||
  (c >= 0x2000 && c <= 0x200a) ||
  c === 0x2028 ||
  c === 0x2029 ||
  c === 0x202f ||
  c === 0x205f ||
  c === 0x3000 ||
  c === 0xfeff;
const isLineTerminator: Predicate = (c) => c === 10 || c === 13 || c === 0x2028 || c === 0x2029;
const not =
  (p: Predicate): Predicate =>
  (c) =>
    !p(c);

const CLASS_ESCAPES: Record<string, Predicate> = {
  d: isDigit,
  D: not(isDigit),
  w: isWordChar,
  W: not(isWordChar),
  s: isSpace,
  S: not(isSpace),
};
const CONTROL_ESCAPES: Record<string, number> = { t: 9, n: 10, v: 11, f: 12, r: 13 };

function parse(pattern: string): Node {
  let at = 0;
  const peek = () => pattern[at];
  const fail = (what: string): never => {
    throw new UnsupportedPattern(what);
  };

  const alternation = (): Node => {
    const alternatives = [sequence()];
    while (peek() === "|") {
      at++;
      alternatives.push(sequence());
    }
    return alternatives.length === 1 ? alternatives[0]! : { type: "alt", alternatives };
  };

  const sequence = (): Node => {
    const items: Node[] = [];
    while (at < pattern.length && peek() !== "|" && peek() !== ")") items.push(quantified(atom()));
    return { type: "seq", items };
  };

  const quantified = (node: Node): Node => {
    let min: number;
    let max: number;
    const ch = peek();
    if (ch === "*") [min, max] = [0, Infinity];
    else if (ch === "+") [min, max] = [1, Infinity];
    else if (ch === "?") [min, max] = [0, 1];
    else if (ch === "{") {
      const counted = /^\{(\d+)(,(\d*))?\}/.exec(pattern.slice(at));
      if (!counted) return node;
      min = Number(counted[1]);
      max = counted[2] === undefined ? min : counted[3] === "" ? Infinity : Number(counted[3]);
      at += counted[0].length - 1;
    } else return node;
    at++;
    const greedy = peek() !== "?";
    if (!greedy) at++;
    if (node.type === "assert") fail("quantifies an assertion");
    return quantified({ type: "repeat", body: node, min, max, greedy });
  };

  const atom = (): Node => {
    const ch = pattern[at++]!;
    switch (ch) {
      case "(": {
        if (pattern.startsWith("?:", at)) at += 2;
        else if (/^\?<[A-Za-z_$][\w$]*>/.test(pattern.slice(at))) at = pattern.indexOf(">", at) + 1;
        else if (peek() === "?") fail("uses a lookaround ((?= (?! (?<= (?<!)");
        const inner = alternation();
        if (pattern[at++] !== ")") fail("has an unclosed group");
        return inner;
      }
      case "[":
        return characterClass();
      case ".":
        return { type: "char", test: not(isLineTerminator) };
      case "^":
        return { type: "assert", kind: "start" };
      case "$":
        return { type: "assert", kind: "end" };
      case "\\":
        return escape();
      default: {
        const code = ch.charCodeAt(0);
        return { type: "char", test: (c) => c === code };
      }
    }
  };

  const escape = (): Node => {
    const ch = pattern[at++];
    if (ch === undefined) return fail("ends with a lone \\");
    if (ch === "b") return { type: "assert", kind: "boundary" };
    if (ch === "B") return { type: "assert", kind: "not-boundary" };
    if (CLASS_ESCAPES[ch]) return { type: "char", test: CLASS_ESCAPES[ch] };
    const code = escapedCode(ch);
    return { type: "char", test: (c) => c === code };
  };

  /** The character an escape (after its `\`) stands for, in a class or out of one. */
  const escapedCode = (ch: string): number => {
    if (ch in CONTROL_ESCAPES) return CONTROL_ESCAPES[ch]!;
    if (ch === "0" && !isDigit(pattern.charCodeAt(at))) return 0;
    if (/[1-9]/.test(ch)) fail(`uses a backreference (\\${ch})`);
    if (ch === "k") fail("uses a named backreference (\\k)");
    const hex =
      ch === "x"
        ? /^[0-9A-Fa-f]{2}/.exec(pattern.slice(at))
        : ch === "u"
          ? /^[0-9A-Fa-f]{4}/.exec(pattern.slice(at))
          : null;
    if (hex) {
      at += hex[0].length;
      return parseInt(hex[0], 16);
    }
    if (/[A-Za-z0-9]/.test(ch)) fail(`uses the escape \\${ch}`);
    return ch.charCodeAt(0);
  };

  const characterClass = (): Node => {
    const negated = peek() === "^";
    if (negated) at++;
    const ranges: [number, number][] = [];
    const sets: Predicate[] = [];
    // One class member: a character code, or a set (`\d`).
    const member = (): number | Predicate => {
      const ch = pattern[at++];
      if (ch === undefined) return fail("has an unclosed character class");
      if (ch !== "\\") return ch.charCodeAt(0);
      const escaped = pattern[at++];
      if (escaped === undefined) return fail("ends with a lone \\");
      if (CLASS_ESCAPES[escaped]) return CLASS_ESCAPES[escaped];
      if (escaped === "b") return 8;
      if (escaped === "-") return 45;
      return escapedCode(escaped);
    };
    while (peek() !== "]") {
      const low = member();
      if (peek() === "-" && pattern[at + 1] !== "]" && at + 1 < pattern.length) {
        at++;
        const high = member();
        if (typeof low !== "number" || typeof high !== "number")
          fail("uses a class escape in a range");
        ranges.push([low as number, high as number]);
      } else if (typeof low === "number") ranges.push([low, low]);
      else sets.push(low);
    }
    at++;
    const inClass: Predicate = (c) =>
      ranges.some(([lo, hi]) => c >= lo && c <= hi) || sets.some((s) => s(c));
    return { type: "char", test: negated ? not(inClass) : inClass };
  };

  const node = alternation();
  if (at < pattern.length) fail("has an unmatched )");
  return node;
}

// ---- compiling to a Pike VM program ----

function compile(root: Node): Instruction[] {
  const program: Instruction[] = [];
  const emit = (instruction: Instruction): number => {
    if (program.length >= MAX_PROGRAM)
      throw new UnsupportedPattern(
        `is too large once its counted repetitions are written out (over ${MAX_PROGRAM} steps)`,
      );
    program.push(instruction);
    return program.length - 1;
  };
  const patch = (at: number, instruction: Instruction) => {
    program[at] = instruction;
  };

  const gen = (node: Node): void => {
    switch (node.type) {
      case "char":
        emit({ op: "char", test: node.test });
        return;
      case "assert":
        emit({ op: "assert", kind: node.kind });
        return;
      case "seq":
        node.items.forEach(gen);
        return;
      case "alt": {
        // split L1, next; L1: a; jump end; next: split L2, … — earlier alternatives first, as RegExp tries them.
        const jumps: number[] = [];
        node.alternatives.forEach((alternative, i) => {
          if (i === node.alternatives.length - 1) {
            gen(alternative);
            return;
          }
          const split = emit({ op: "jump", to: -1 });
          gen(alternative);
          jumps.push(emit({ op: "jump", to: -1 }));
          patch(split, { op: "split", first: split + 1, second: program.length });
        });
        for (const j of jumps) patch(j, { op: "jump", to: program.length });
        return;
      }
      case "repeat": {
        for (let i = 0; i < node.min; i++) gen(node.body);
        if (node.max === Infinity) {
          const loop = emit({ op: "jump", to: -1 });
          gen(node.body);
          emit({ op: "jump", to: loop });
          const out = program.length;
          patch(
            loop,
            node.greedy
              ? { op: "split", first: loop + 1, second: out }
              : { op: "split", first: out, second: loop + 1 },
          );
          return;
        }
        const splits: number[] = [];
        for (let i = node.min; i < node.max; i++) {
          splits.push(emit({ op: "jump", to: -1 }));
          gen(node.body);
        }
        const out = program.length;
        for (const s of splits)
          patch(
            s,
            node.greedy
              ? { op: "split", first: s + 1, second: out }
              : { op: "split", first: out, second: s + 1 },
          );
        return;
      }
    }
  };
  gen(root);
  emit({ op: "match" });
  return program;
}

// ---- running it ----

/**
 * A Pike VM over one text. A thread is an instruction and the position its
 * match started at; the list of threads at a position is in priority order and
 * holds each instruction once (the first, highest-priority thread to reach it
 * wins, as backtracking would try it first).
 */
class PikeVm {
  steps = 0;
  private readonly marks: Int32Array;
  private generation = 0;

  constructor(
    private readonly program: Instruction[],
    private readonly text: string,
    private readonly budget: number,
  ) {
    this.marks = new Int32Array(program.length).fill(-1);
  }

  /** The leftmost match starting at or after `from`, as [start, end]; "exhausted" when the budget ran out. */
  search(from: number): [number, number] | undefined | "exhausted" {
    const { text, program } = this;
    let current = this.threads();
    let matched: [number, number] | undefined;
    this.add(current, 0, from, from);
    for (let at = from; ; at++) {
      if (this.steps > this.budget) return "exhausted";
      const next = this.threads();
      const code = at < text.length ? text.charCodeAt(at) : -1;
      for (let t = 0; t < current.pcs.length; t++) {
        this.steps++;
        const instruction = program[current.pcs[t]!]!;
        if (instruction.op === "match") {
          matched = [current.starts[t]!, at];
          // Lower-priority threads lose to this match; higher ones (already in `next`) may still find a preferred one.
          break;
        }
        if (instruction.op === "char" && code !== -1 && instruction.test(code))
          this.add(next, current.pcs[t]! + 1, current.starts[t]!, at + 1);
      }
      if (at >= text.length) return matched;
      // A new match may start at the next position only while none has been found (leftmost wins).
      if (!matched) this.add(next, 0, at + 1, at + 1);
      else if (next.pcs.length === 0) return matched;
      current = next;
    }
  }

  private threads(): { pcs: number[]; starts: number[]; generation: number } {
    return { pcs: [], starts: [], generation: ++this.generation };
  }

  /** Adds the thread at `pc` and everything it reaches without reading a character, depth first in priority order. */
  private add(
    list: { pcs: number[]; starts: number[]; generation: number },
    pc: number,
    start: number,
    at: number,
  ): void {
    const stack = [pc];
    while (stack.length > 0) {
      const p = stack.pop()!;
      if (this.marks[p] === list.generation) continue;
      this.marks[p] = list.generation;
      this.steps++;
      const instruction = this.program[p]!;
      switch (instruction.op) {
        case "jump":
          stack.push(instruction.to);
          break;
        case "split":
          // The second is pushed first so the first is explored (entirely) before it.
          stack.push(instruction.second, instruction.first);
          break;
        case "assert":
          if (this.holds(instruction.kind, at)) stack.push(p + 1);
          break;
        default:
          list.pcs.push(p);
          list.starts.push(start);
      }
    }
  }

  private holds(kind: Assertion, at: number): boolean {
    const { text } = this;
    if (kind === "start") return at === 0;
    if (kind === "end") return at === text.length;
    const before = at > 0 && isWordChar(text.charCodeAt(at - 1));
    const after = at < text.length && isWordChar(text.charCodeAt(at));
    return (before !== after) === (kind === "boundary");
  }
}
