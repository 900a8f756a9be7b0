import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join, relative } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { loadPolicyArgument } from "../../src/cli/policy.js";
import { formatProblem } from "../../src/policy/problems.js";
import { makeRepo, runCli, type Repo } from "../helpers/git-repo.js";

/**
 * `lint` prints what a policy's `extends` reads (its keys, as "unknown key"
 * problems), and the policy may be a pull request's checked out in CI: a local
 * `extends` reads only inside the repository holding the policy.
 */

// A file outside any repository that must never reach the output: CI secrets, say.
const outside = mkdtempSync(join(tmpdir(), "gg-outside-"));
const SECRET = join(outside, "secret.yml");
beforeAll(() => writeFileSync(SECRET, "stripe_live_key: sk_live_51Hx0000000000000000000000\n"));
afterAll(() => rmSync(outside, { recursive: true, force: true }));

let repo: Repo | undefined;
afterEach(() => repo?.cleanup());

/** A git repository whose `.github/governance.yml` extends `ref`; the policy's path. */
function repositoryExtending(ref: string, files: Record<string, string> = {}): string {
  repo = makeRepo({ ".github/governance.yml": `extends: ${ref}\n`, ...files }, {});
  return join(repo.dir, ".github/governance.yml");
}

const refused = (path: string) =>
  `cannot read ${path}: outside the repository (pass --allow-outside-repo to allow)`;

describe("lint's extends stays inside the repository", () => {
  it("refuses an absolute path outside it, printing nothing of the file", async () => {
    const policy = repositoryExtending(SECRET);
    const run = await runCli(["lint", "--policy", policy]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(refused(SECRET));
    expect(`${run.stdout}\n${run.stderr}`).not.toContain("stripe_live_key");
    expect(`${run.stdout}\n${run.stderr}`).not.toContain("sk_live");
  });

  it("refuses a relative path climbing out of it", async () => {
    repo = makeRepo({ ".github/governance.yml": "" }, {});
    const policy = join(repo.dir, ".github/governance.yml");
    writeFileSync(policy, `extends: ${relative(dirname(policy), SECRET)}\n`);
    const run = await runCli(["lint", "--policy", policy]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(refused(SECRET));
    expect(run.stdout).not.toContain("stripe_live_key");
  });

  it("refuses a symlink in the repository that points out of it", async () => {
    const policy = repositoryExtending("./base.yml");
    symlinkSync(SECRET, join(repo!.dir, ".github/base.yml"));
    const run = await runCli(["lint", "--policy", policy]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain(refused(join(repo!.dir, ".github/base.yml")));
    expect(run.stdout).not.toContain("stripe_live_key");
  });

  it("still reads a file in the repository, relative to the policy that extends it", async () => {
    const policy = repositoryExtending("./governance-base.yml", {
      ".github/governance-base.yml":
        "extends: chat-backend\nroles:\n  backend-lead: { users: [bea] }\n",
    });
    const run = await runCli(["lint", "--policy", policy]);
    expect(run.stdout).toMatch(/21 areas, 15 rules, 22 roles; 0 errors/);
    expect(run.code).toBe(0);
  });

  it("reads outside only when allowed (--allow-outside-repo)", async () => {
    const policy = repositoryExtending(SECRET);
    const allowed = await loadPolicyArgument(policy, { allowOutsideRepo: true });
    expect(allowed.problems.map(formatProblem)).toContain(
      `${SECRET}:1:1: error: unknown key "stripe_live_key" (at stripe_live_key)`,
    );
    const confined = await loadPolicyArgument(policy);
    expect(confined.problems.map((p) => p.message)).toEqual([
      `cannot extend "${SECRET}": ${refused(SECRET)}`,
    ]);
  });
});
