import { describe, expect, it } from "vitest";
import { evaluate } from "../../src/evaluate/evaluate.js";
import type { ChangedFile } from "../../src/changes/types.js";
import { NOW, prFacts } from "../helpers/facts.js";
import { policyFrom } from "../helpers/policy.js";

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
