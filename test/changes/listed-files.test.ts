import { ProbotOctokit } from "probot";
import { describe, expect, it } from "vitest";
import { classify } from "../../src/changes/registry.js";
import type { DetectorSettings } from "../../src/changes/types.js";
import { FactGatherer } from "../../src/github/facts.js";
import type { GitHub } from "../../src/github/types.js";
import { mockGitHub, setupNock } from "../github-support/mock-github.js";
import { DEFAULT_PR } from "../github-support/webhooks.js";

/**
 * Files as GitHub's `GET /repos/{owner}/{repo}/pulls/{n}/files` lists them, through
 * the app's own listing (src/github/facts.ts): GitHub leaves `patch` out of large
 * diffs, and only the counts tell a pure rename from an edited one. The mock
 * validates every request and response against GitHub's OpenAPI description.
 */

setupNock();

const REPO = { owner: "acme", repo: "chat" };
const { headSha: HEAD, baseSha: BASE, number: PR } = DEFAULT_PR;
const SETTINGS: DetectorSettings = {
  cost: { cpuMonth: 30, memoryGiBMonth: 4, threshold: 500, currency: "USD" },
};

function octokit(): GitHub {
  const Octokit = ProbotOctokit.defaults((options: Record<string, unknown>) => ({
    ...options,
    retry: { enabled: false },
    throttle: { enabled: false },
  }));
  return new Octokit({ auth: { token: "ghs_test" } }) as unknown as GitHub;
}

/** A list-files entry as GitHub sends it; `patch` only when given. */
function entry(
  filename: string,
  fields: {
    status: string;
    additions: number;
    deletions: number;
    previous_filename?: string;
    patch?: string;
  },
) {
  return {
    sha: "9b2d4f6a8c0e2a4c6e8a0b2d4f6a8c0e2a4c6e8a",
    filename,
    ...fields,
    changes: fields.additions + fields.deletions,
    blob_url: `https://github.com/acme/chat/blob/${HEAD}/${filename}`,
    raw_url: `https://github.com/acme/chat/raw/${HEAD}/${filename}`,
    contents_url: `https://api.github.com/repos/acme/chat/contents/${filename}?ref=${HEAD}`,
  };
}

const LISTED = [
  // A controller renamed and rewritten: 5,500 changed lines, too large for GitHub to diff.
  entry("src/api/users.controller.ts", {
    status: "renamed",
    previous_filename: "src/api/users.ts",
    additions: 3100,
    deletions: 2400,
  }),
  // A pure rename: nothing counted, no patch.
  entry("src/api/health.controller.ts", {
    status: "renamed",
    previous_filename: "src/api/health.ts",
    additions: 0,
    deletions: 0,
  }),
  // A cleanup script moved into the migrations folder unchanged: now it runs.
  entry("prisma/migrations/20240601090000_cleanup/migration.sql", {
    status: "renamed",
    previous_filename: "scripts/cleanup.sql",
    additions: 0,
    deletions: 0,
  }),
  // An ordinary edit with its patch.
  entry("src/api/channels.ts", {
    status: "modified",
    additions: 1,
    deletions: 1,
    patch: "@@ -3 +3 @@\n-const LIMIT = 50;\n+const LIMIT = 100;",
  }),
];

describe("listing a pull request's files", () => {
  it("keeps GitHub's changed-line counts, and asks for the content of what has no readable patch", async () => {
    const gh = mockGitHub();
    gh.get(`/repos/acme/chat/pulls/${PR}/files?per_page=100`, LISTED);
    const prefetched = await new FactGatherer().prefetch(octokit(), REPO, PR, {
      base: BASE,
      head: HEAD,
    });

    expect(
      prefetched!.files.map((f) => [
        f.path,
        f.previousPath,
        f.status,
        f.additions,
        f.deletions,
        f.changes,
        f.patch !== undefined,
      ]),
    ).toEqual([
      ["src/api/users.controller.ts", "src/api/users.ts", "renamed", 3100, 2400, 5500, false],
      ["src/api/health.controller.ts", "src/api/health.ts", "renamed", 0, 0, 0, false],
      [
        "prisma/migrations/20240601090000_cleanup/migration.sql",
        "scripts/cleanup.sql",
        "renamed",
        0,
        0,
        0,
        false,
      ],
      ["src/api/channels.ts", undefined, "modified", 1, 1, 2, true],
    ]);
    // Both sides of the unreadable rename and the moved migration, and nothing else.
    expect(prefetched!.wanted.map((w) => w.expression)).toEqual([
      `${BASE}:src/api/users.ts`,
      `${HEAD}:src/api/users.controller.ts`,
      `${BASE}:scripts/cleanup.sql`,
      `${HEAD}:prisma/migrations/20240601090000_cleanup/migration.sql`,
    ]);
  });

  it("classifies what stays unread as its most severe kind, and a pure rename as nothing", async () => {
    const gh = mockGitHub();
    gh.get(`/repos/acme/chat/pulls/${PR}/files?per_page=100`, LISTED);
    const prefetched = await new FactGatherer().prefetch(octokit(), REPO, PR, {
      base: BASE,
      head: HEAD,
    });
    // As when GitHub returns the blobs as binary or truncated: the content stays unloaded.
    const { findings } = classify(prefetched!.files, SETTINGS);
    expect(findings.map((f) => [f.path, f.kind, f.conservative])).toEqual([
      ["src/api/users.controller.ts", "api-breaking", true],
      ["prisma/migrations/20240601090000_cleanup/migration.sql", "migration-destructive", true],
    ]);
  });
});
