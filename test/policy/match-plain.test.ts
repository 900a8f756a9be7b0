import fc from "fast-check";
import { minimatch } from "minimatch";
import { describe, expect, it } from "vitest";
import { AreaIndex } from "../../src/policy/match.js";

/**
 * AreaIndex answers globs of the common shapes (`dir/**`, `dir/**\/*.ts`,
 * `**\/secrets/**`, `tsconfig*.json`) for plain paths by comparing strings, not
 * through minimatch (src/policy/match.ts, `plainMatch`). These globs are built
 * from exactly those shapes, with `*` patterns whose pieces overlap and repeat
 * (`*a*a*` against `aaa`), so that string comparison and minimatch are made to
 * disagree wherever they could.
 */

function naive(areas: readonly { paths: string[] }[], path: string): number[] {
  const out: number[] = [];
  areas.forEach((area, i) => {
    const positive = area.paths.filter((g) => !g.startsWith("!"));
    const negative = area.paths.filter((g) => g.startsWith("!")).map((g) => g.slice(1));
    if (
      positive.some((g) => minimatch(path, g, { dot: true })) &&
      !negative.some((g) => minimatch(path, g, { dot: true }))
    )
      out.push(i);
  });
  return out;
}

const literal = fc.constantFrom("a", "b", "ab", "src", ".hidden", "x.ts", "a.b");
const starPattern = fc.constantFrom(
  "*",
  "*.ts",
  "*.tf",
  "a*",
  "*a",
  "*a*",
  "a*b",
  "a*a",
  "*a*a*",
  "a*a*a",
  "*a*ab",
  "ab*ba",
  "*.t*",
  "x*.ts",
  ".*",
  "**.ts",
  "{*.ts,*.tf}",
  "{a*,*b}",
  "{a,b}*",
  "*.{ts,tsx}",
  "{x.ts,a}",
);
const portion = fc.oneof(literal, starPattern);
const literals = fc.array(literal, { minLength: 1, maxLength: 3 }).map((ls) => ls.join("/"));
const plainGlob = fc.oneof(
  literals.map((prefix) => `${prefix}/**`),
  fc.tuple(literals, portion).map(([prefix, last]) => `${prefix}/**/${last}`),
  portion.map((last) => `**/${last}`),
  literals.map((middle) => `**/${middle}/**`),
  fc.array(portion, { minLength: 1, maxLength: 3 }).map((ps) => ps.join("/")),
  fc.constant("**"),
);
/** Some exclusions too: an area's `!glob` is answered the same way. */
const areaGlob = fc.tuple(plainGlob, fc.boolean()).map(([g, not]) => (not ? `!${g}` : g));
const areas = fc
  .array(fc.array(areaGlob, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 4 })
  .map((lists) => lists.map((paths, i) => ({ id: `area${i}`, paths })));

const pathPortion = fc.constantFrom(
  "a",
  "b",
  "aa",
  "aaa",
  "ab",
  "aba",
  "abba",
  "ba",
  "src",
  "x.ts",
  "xx.ts",
  "a.ts",
  ".ts",
  "a.tsx",
  "b.tf",
  ".tf",
  ".hidden",
  "a.b",
  "ts",
);
/** Plain paths, and a few with a `.` or `..` portion (which minimatch still answers). */
const path = fc
  .oneof(
    { weight: 9, arbitrary: fc.array(pathPortion, { minLength: 1, maxLength: 5 }) },
    {
      weight: 1,
      arbitrary: fc
        .tuple(
          fc.array(pathPortion, { maxLength: 2 }),
          fc.constantFrom(".", ".."),
          fc.array(pathPortion, { minLength: 1, maxLength: 2 }),
        )
        .map(([before, dots, after]) => [...before, dots, ...after]),
    },
  )
  .map((portions) => portions.join("/"));

describe("AreaIndex on globs it answers without minimatch", () => {
  it("owns exactly the paths minimatch({dot: true}) matches, minus each area's own exclusions", () => {
    fc.assert(
      fc.property(areas, fc.array(path, { minLength: 1, maxLength: 10 }), (list, paths) => {
        const index = new AreaIndex(list);
        expect(paths.map((p) => index.match(p))).toEqual(paths.map((p) => naive(list, p)));
      }),
      { numRuns: 3000 },
    );
  });

  it("needs a portion after `**/dir/` and the whole last portion for `**/*.ts`", () => {
    const index = new AreaIndex([
      { id: "secrets", paths: ["**/secrets/**"] },
      { id: "typescript", paths: ["apps/web/**/*.{ts,tsx}"] },
      { id: "policies", paths: ["**/*networkpolicy*"] },
      { id: "configs", paths: ["tsconfig*.json"] },
    ]);
    expect(index.match("k8s/secrets")).toEqual([]);
    expect(index.match("k8s/secrets/db.yaml")).toEqual([0]);
    expect(index.match("secrets/db.yaml")).toEqual([0]);
    expect(index.match("k8s/my-secrets/db.yaml")).toEqual([]);
    expect(index.match("apps/web/App.tsx")).toEqual([1]);
    expect(index.match("apps/web/src/ui/Button.ts")).toEqual([1]);
    expect(index.match("apps/web.ts")).toEqual([]);
    expect(index.match("apps/web/src/App.tsx.snap")).toEqual([]);
    expect(index.match("deploy/templates/networkpolicy.yaml")).toEqual([2]);
    expect(index.match("networkpolicy")).toEqual([2]);
    expect(index.match("tsconfig.build.json")).toEqual([3]);
    expect(index.match("packages/tsconfig.json")).toEqual([]);
  });
});
