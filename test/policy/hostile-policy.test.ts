import fc from "fast-check";
import { braceExpand } from "minimatch";
import { LineCounter, parseDocument } from "yaml";
import { describe, expect, it } from "vitest";
import { expansionOf } from "../../src/policy/glob-expansion.js";
import { loadPolicy, POLICY_LIMITS } from "../../src/policy/load.js";
import { globProblem } from "../../src/policy/match.js";
import { formatProblem, locate, positionsOf, type SourceFile } from "../../src/policy/problems.js";
import { MAX_SUGGESTED_LENGTH, SUGGESTION_BUDGET, Suggester } from "../../src/policy/suggest.js";
import { memoryReader } from "../helpers/policy.js";

/**
 * Issue 10 items 9 and 10: a proposed policy is the pull request author's and
 * is linted on every event, so what lint does with it is bounded — brace
 * expansion before minimatch compiles a glob, the policy's size before YAML
 * reads it, and the work of "did you mean" and of locating problems. Bounds are
 * asserted as errors and work counters, never as time.
 */

const BINDINGS = "extends: chat-backend\nroles:\n  backend-lead: { users: [bea] }\n";

async function lint(yaml: string) {
  const result = await loadPolicy({ name: ".github/governance.yml", text: yaml }, memoryReader({}));
  return {
    policy: result.policy,
    problems: result.problems,
    lines: result.problems.map(formatProblem),
  };
}

describe("10.9: brace expansion is bounded before a glob is compiled", () => {
  // minimatch expands this to its limit of 100,000 rows (about 190 MB); four of them exhaust a 512 MB heap.
  const BOMB = "src/{a..j}{a..j}{a..j}{a..j}{a..j}/{a,b,c,d,e,f,g,h,i,j}{a,b,c,d,e,f,g,h,i,j}/**";

  it("a proposed policy with four bombs is four lint errors, each at its glob", async () => {
    const yaml = `${BINDINGS}areas:
  web:
    paths: ["web/**"]
    accountable: backend-lead
  bombs:
    paths:
      - "${BOMB}"
      - "${BOMB.replace("src", "lib")}"
      - "${BOMB.replace("src", "app")}"
    accountable: backend-lead
rules:
  bomb-rule:
    when: { paths: ["${BOMB.replace("src", "api")}"] }
    level: 2
`;
    const { policy, lines } = await lint(yaml);
    expect(policy).toBeUndefined();
    const rows =
      "expands to 10,000,000 patterns (its { } alternatives multiply); the limit is 256: use fewer alternatives, or * and **";
    expect(lines).toEqual([
      `.github/governance.yml:10:9: error: glob "${BOMB}" ${rows} (at areas.bombs.paths[0])`,
      `.github/governance.yml:11:9: error: glob "${BOMB.replace("src", "lib")}" ${rows} (at areas.bombs.paths[1])`,
      `.github/governance.yml:12:9: error: glob "${BOMB.replace("src", "app")}" ${rows} (at areas.bombs.paths[2])`,
      `.github/governance.yml:16:21: error: glob "${BOMB.replace("src", "api")}" ${rows} (at rules.bomb-rule.when.paths[0])`,
    ]);
  });

  it("ordinary alternatives and ranges still compile", () => {
    for (const glob of [
      "**/*.{ts,tsx,js,jsx}",
      "services/{api,worker}/{src,test}/**",
      "db/migrations/{0..9}*.sql",
      "logs/{1..150}.txt",
    ]) {
      expect(globProblem(glob), glob).toBeUndefined();
    }
    expect(globProblem("logs/{1..1000}/**")).toBe(
      "expands to 1,000 patterns (its { } alternatives multiply); the limit is 256: use fewer alternatives, or * and **",
    );
    // 256 rows of 217 characters (55,552; the bound counts each group as at least its own text).
    expect(globProblem(`docs/${"{a,b}".repeat(8)}-${"x".repeat(200)}.md`)).toBe(
      "expands to 58,624 characters of patterns; the limit is 16,384: use fewer alternatives, or * and **",
    );
  });

  it("the bound never counts fewer rows or characters than minimatch's expansion makes", () => {
    const part = fc.constantFrom(
      "a",
      "bc",
      "{",
      "}",
      ",",
      "1..3",
      "{a,b}",
      "{x,{y,z}}",
      "{1..12}",
      "{a..e}",
      "{01..3..2}",
      "/",
      "*",
      "{}",
      "{a}",
      "$",
    );
    fc.assert(
      fc.property(
        fc.array(part, { maxLength: 12 }).map((p) => p.join("")),
        (glob) => {
          const bound = expansionOf(glob);
          if (bound === undefined) return; // braces that do not pair up: globProblem refuses the glob before this is asked.
          const rows = braceExpand(glob);
          expect(bound.rows, glob).toBeGreaterThanOrEqual(rows.length);
          expect(bound.chars, glob).toBeGreaterThanOrEqual(rows.reduce((n, r) => n + r.length, 0));
        },
      ),
      { numRuns: 3000, seed: 10_9 },
    );
  });

  it("globs that are each within bounds still may not add up past the policy's", async () => {
    // 100 globs of 250 rows each: 25,000 rows.
    const glob = (i: number) => `"g${i}/{a,b,c,d,e,f,g,h,i,j}{a,b,c,d,e}{a,b,c,d,e}/**"`;
    const areas = Array.from(
      { length: 100 },
      (_, i) => `  a${i}:\n    paths: [${glob(i)}]\n    accountable: backend-lead\n`,
    ).join("");
    const { policy, lines } = await lint(
      `roles:\n  backend-lead: { users: [bea] }\nareas:\n${areas}`,
    );
    expect(policy).toBeUndefined();
    expect(lines).toEqual([
      `.github/governance.yml:4:3: error: the policy's globs expand to 25000 patterns once their { } alternatives are written out; the limit is ${POLICY_LIMITS.globRows} (at areas)`,
    ]);
  });
});

describe("10.10: a policy's size is capped before it is read", () => {
  it("a file over 64 KB is one error, not parsed (1 MB of quotes)", async () => {
    const { policy, lines } = await lint('"'.repeat(1024 * 1024));
    expect(policy).toBeUndefined();
    expect(lines).toEqual([
      `.github/governance.yml:1:1: error: the file is 1048576 bytes; the limit is ${POLICY_LIMITS.bytes} (the presets are under 10 KB: extend one, or split the policy)`,
    ]);
  });

  it("YAML errors are reported up to 20 per file, then counted", async () => {
    const { lines } = await lint('"'.repeat(60 * 1024));
    expect(lines).toHaveLength(21);
    expect(lines[20]).toMatch(
      /^\.github\/governance\.yml:1:\d+: error: invalid YAML: \d+ more errors not shown, the first here$/,
    );
  });

  it("nested collection keys are refused before they are turned into JavaScript keys", async () => {
    // 400 bytes of `? - ` nest 100 keys; turning each into a string re-stringifies everything inside it.
    const { policy, lines } = await lint(`${BINDINGS}areas:\n  ${"? - ".repeat(100)}x\n`);
    expect(policy).toBeUndefined();
    expect(lines).toEqual([
      ".github/governance.yml:5:5: error: invalid YAML: a key must be a plain name, not a list, mapping or alias",
    ]);
  });

  it.each([
    [
      "areas",
      (n: number) =>
        `areas:\n${Array.from({ length: n }, (_, i) => `  a${i}: { paths: ["a${i}/**"], accountable: backend-lead }\n`).join("")}`,
    ],
    [
      "rules",
      (n: number) =>
        `rules:\n${Array.from({ length: n }, (_, i) => `  r${i}: { level: 2 }\n`).join("")}`,
    ],
    [
      "roles",
      (n: number) => `roles:\n${Array.from({ length: n }, (_, i) => `  r${i}: {}\n`).join("")}`,
    ],
  ] as const)("more than the limit of %s is one clear error at the key", async (key, make) => {
    const limit = POLICY_LIMITS[key];
    const { policy, lines } = await lint(make(limit + 1));
    expect(policy).toBeUndefined();
    expect(lines).toEqual([
      `.github/governance.yml:2:3: error: the policy defines ${limit + 1} ${key}; the limit is ${limit} (at ${key})`,
    ]);
  });

  it("a file over a limit is not validated entry by entry: one error, not one per broken area", async () => {
    const n = POLICY_LIMITS.areas + 1;
    const { lines } = await lint(
      `areas:\n${Array.from({ length: n }, (_, i) => `  a${i}: { owner: x }\n`).join("")}`,
    );
    expect(lines).toEqual([
      `.github/governance.yml:2:3: error: the policy defines ${n} areas; the limit is ${POLICY_LIMITS.areas} (at areas)`,
    ]);
  });

  it("more globs than the limit is one clear error", async () => {
    const paths = Array.from({ length: POLICY_LIMITS.globs + 1 }, (_, i) => `p${i}/*`).join(", ");
    const { lines } = await lint(
      `areas:\n  all: { paths: [${paths}], accountable: backend-lead }\n`,
    );
    expect(lines).toEqual([
      `.github/governance.yml:2:3: error: the policy has ${POLICY_LIMITS.globs + 1} globs; the limit is ${POLICY_LIMITS.globs} (at areas)`,
    ]);
  });

  it("a policy with hundreds of problems reports the first 200 and how many more", async () => {
    const areas = Array.from(
      { length: 300 },
      (_, i) => `  a${i}: { paths: ["a${i}/**"], accountable: backend-lead, owner: x }\n`,
    ).join("");
    const { lines } = await lint(`${BINDINGS}areas:\n${areas}`);
    expect(lines).toHaveLength(200);
    expect(lines[0]).toBe(
      '.github/governance.yml:5:54: error: unknown key "owner" (did you mean "accountable"?) (at areas.a0.owner)',
    );
    expect(lines[198]).toBe(
      '.github/governance.yml:203:58: error: unknown key "owner" (did you mean "accountable"?) (at areas.a198.owner)',
    );
    expect(lines[199]).toBe(
      ".github/governance.yml:203:58: error: 101 more problems not shown (101 errors); fix these first",
    );
  });
});

describe("10.10: lint's work grows linearly with the policy", () => {
  it("locating problems indexes each mapping once, however many problems point into it", () => {
    const n = 1000;
    const text = `areas:\n${Array.from({ length: n }, (_, i) => `  a${i}:\n    paths: ["a${i}/**"]\n    accountable: lead\n`).join("")}`;
    const lines = new LineCounter();
    const file: SourceFile = {
      name: "p.yml",
      doc: parseDocument(text, { lineCounter: lines }),
      lines,
    };
    for (let i = 0; i < n; i++)
      expect(locate(file, ["areas", `a${i}`, "accountable"])).toEqual({ line: 4 + 3 * i, col: 18 });
    // The root (1 entry), `areas` (n) and each area (2): 3n + 1 entries, each indexed once.
    expect(positionsOf(file).indexed).toBe(3 * n + 1);
  });

  it("'did you mean' spends a bounded budget, nothing on long ids, and still finds near misses", () => {
    const ids = Array.from(
      { length: 1000 },
      (_, i) => `platform-engineering-team-${i}-on-call-rotation-primary`,
    );
    const suggester = new Suggester();
    expect(suggester.closest("backend-laed", ["backend-lead", "dba-lead"])).toBe(
      ' (did you mean "backend-lead"?)',
    );
    // 1,000 misspelt references × 1,000 roles of ~50 characters: 2.5 × 10^9 cells the plain way.
    for (let i = 0; i < 1000; i++)
      suggester.closest(`platform-engineering-team-${i}-on-call-rotation-primar`, ids);
    expect(suggester.cells).toBeLessThanOrEqual(SUGGESTION_BUDGET + 65 * 65);

    const long = new Suggester();
    expect(
      long.closest("x".repeat(MAX_SUGGESTED_LENGTH + 1), ["x".repeat(MAX_SUGGESTED_LENGTH)]),
    ).toBe("");
    expect(long.cells).toBe(0);
  });

  it("the bounded 'did you mean' suggests exactly what a plain edit distance over every id would", () => {
    const plain = (a: string, b: string): number => {
      let row = Array.from({ length: b.length + 1 }, (_, j) => j);
      for (let i = 1; i <= a.length; i++) {
        const next = [i];
        for (let j = 1; j <= b.length; j++)
          next[j] = Math.min(
            row[j]! + 1,
            next[j - 1]! + 1,
            row[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1),
          );
        row = next;
      }
      return row[b.length]!;
    };
    const unbounded = (word: string, ids: string[]): string => {
      const [best, distance] = ids.reduce<[string | undefined, number]>(
        (acc, id) => (plain(word, id) < acc[1] ? [id, plain(word, id)] : acc),
        [undefined, Infinity],
      );
      return best !== undefined && distance <= Math.max(2, Math.floor(word.length / 4))
        ? ` (did you mean "${best}"?)`
        : "";
    };
    const id = fc
      .array(fc.constantFrom("a", "b", "c", "-"), { maxLength: 14 })
      .map((chars) => chars.join(""));
    fc.assert(
      fc.property(id, fc.array(id, { maxLength: 6 }), (word, ids) => {
        expect(new Suggester().closest(word, ids)).toBe(unbounded(word, ids));
      }),
      { numRuns: 5000, seed: 10_10 },
    );
  });

  it("a maximal policy of undefined references loads with its problems", async () => {
    const roles = Array.from(
      { length: 200 },
      (_, i) => `  role-${"r".repeat(40)}-${i}: { users: [u${i}] }\n`,
    ).join("");
    const areas = Array.from(
      { length: 200 },
      (_, i) =>
        `  a${i}: { paths: ["a${i}/**"], accountable: role-${"r".repeat(40)}-${i}x, responsible: [role-${"r".repeat(40)}-${i}y] }\n`,
    ).join("");
    const { policy, problems } = await lint(`roles:\n${roles}areas:\n${areas}`);
    expect(policy).toBeUndefined();
    expect(problems.find((p) => p.path === "areas.a0.accountable")?.message).toBe(
      `role "role-${"r".repeat(40)}-0x" is not defined; declare it under roles: (did you mean "role-${"r".repeat(40)}-0"?)`,
    );
    // 400 errors and 200 warnings: the errors are shown first.
    expect(problems).toHaveLength(200);
    expect(problems.every((p) => p.severity === "error")).toBe(true);
    expect(problems[199]!.message).toBe(
      "401 more problems not shown (201 errors); fix these first",
    );
  });
});
