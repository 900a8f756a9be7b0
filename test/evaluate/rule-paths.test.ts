import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { evaluate } from "../../src/evaluate/evaluate.js";
import { PathMatches } from "../../src/evaluate/requirements.js";
import type { ChangedFile } from "../../src/changes/types.js";
import type { Policy } from "../../src/policy/model.js";
import { NOW, prFacts } from "../helpers/facts.js";
import { policyFrom, preset } from "../helpers/policy.js";

/**
 * A rule's `when.paths` are matched through an index of the rules' compiled
 * globs, once per path for all areas. It must hold for exactly the files its
 * globs match as minimatch reads them: a `!glob` there is a negated glob (every
 * path but those), and a renamed file is judged under its old path too.
 */
const POLICY = `version: 1
roles:
  owner: { users: [olga] }
  security: { users: [sam] }
  dba: { users: [dora] }
areas:
  repo:
    name: Repository
    paths: ["**"]
    accountable: owner
    level: 1
    escalation: [owner]
rules:
  not-docs:
    description: Anything but docs needs security
    when: { paths: ["!docs/**"] }
    level: 3
    approvers: [security]
  migrations:
    description: Migrations need the DBA
    when: { paths: ["db/migrations/**", "**/*.sql"] }
    level: 3
    approvers: [dba]
`;

const modified = (path: string, previousPath?: string): ChangedFile => ({
  path,
  status: previousPath ? "renamed" : "modified",
  ...(previousPath ? { previousPath } : {}),
  base: "a\n",
  head: "b\n",
});

async function rulesFor(files: ChangedFile[]): Promise<string[]> {
  const policy = await policyFrom(POLICY);
  const d = evaluate(policy, prFacts(files, { pathsOnly: true }), NOW);
  return d.requirements.map((r) => r.id).sort();
}

describe("rules' when.paths", () => {
  it("reads a `!glob` as every path but the glob's", async () => {
    expect(await rulesFor([modified("docs/adr/0001.md")])).toEqual([]);
    expect(await rulesFor([modified("src/app.ts")])).toEqual(["repo/not-docs"]);
  });

  it("holds for a file under any of the rule's globs, one keyed by its directory, one by its extension", async () => {
    expect(await rulesFor([modified("db/migrations/0001/up.txt")])).toEqual([
      "repo/migrations",
      "repo/not-docs",
    ]);
    expect(await rulesFor([modified("docs/schema.sql")])).toEqual(["repo/migrations"]);
    expect(await rulesFor([modified("docs/db/migrations.md")])).toEqual([]);
  });

  it("judges a renamed file under its old path too", async () => {
    // Moved from a migration into docs/: still the DBA's, and (its old path is not docs) security's.
    expect(await rulesFor([modified("docs/old-schema.txt", "db/migrations/0001/up.sql")])).toEqual([
      "repo/migrations",
      "repo/not-docs",
    ]);
  });
});

/**
 * One index holds the areas' globs and the rules' (`PathMatches`): each path is
 * matched once for both. Its two answers must be exactly what each would be
 * alone: the policy's own area index, and every rule glob as minimatch reads it.
 */
describe("PathMatches: areas and rules from one index", () => {
  const segment = fc.constantFrom(
    "src",
    "docs",
    "db",
    "migrations",
    "k8s",
    "production",
    ".github",
    "workflows",
    "prisma",
    "apps",
    "secrets",
  );
  const basename = fc.constantFrom(
    "up.sql",
    "schema.prisma",
    "api.yaml",
    "ci.yml",
    "README.md",
    "index.ts",
    ".env",
    "governance.yml",
  );
  const path = fc
    .tuple(fc.array(segment, { maxLength: 4 }), basename)
    .map(([dirs, base]) => [...dirs, base].join("/"));

  it("answers as the area index and the rules' globs answer alone, for every preset and the rule-heavy policy above", async () => {
    const policies: Policy[] = [
      await policyFrom(POLICY),
      await preset("chat-backend"),
      await preset("platform-engineering"),
      await preset("it-operations"),
    ];
    const matched = { areas: 0, rules: 0 };
    fc.assert(
      fc.property(path, (p) => {
        for (const policy of policies) {
          const matches = new PathMatches(policy);
          const areas = matches.areasOf(p);
          const rules = matches.rulesOf(p, undefined);
          expect(areas).toEqual(policy.index.match(p));
          const expected = policy.rules.flatMap((r, i) =>
            r.when.pathMatchers.some((m) => m.match(p)) ? [i] : [],
          );
          expect(rules).toEqual(expected);
          // Asked again (memoised), the same.
          expect(matches.areasOf(p)).toEqual(areas);
          expect(matches.rulesOf(p, [])).toEqual(rules);
          matched.areas += areas.length > 0 ? 1 : 0;
          matched.rules += rules.length > 0 ? 1 : 0;
        }
      }),
      { numRuns: 1500 },
    );
    // Both halves were exercised, or the property says little.
    expect(matched.areas).toBeGreaterThan(100);
    expect(matched.rules).toBeGreaterThan(100);
  });

  it("joins a renamed file's rules under both paths, without duplicates", async () => {
    const policy = await policyFrom(POLICY);
    const matches = new PathMatches(policy);
    const index = (id: string) => policy.rules.findIndex((r) => r.id === id);
    expect(matches.rulesOf("docs/old.txt", ["db/migrations/up.sql", "db/x.sql"])).toEqual([
      index("not-docs"),
      index("migrations"),
    ]);
    expect(matches.rulesOf("docs/old.txt", ["docs/x.md"])).toEqual([]);
  });
});
