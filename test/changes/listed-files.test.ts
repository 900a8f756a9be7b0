import { ProbotOctokit } from "probot";
import { describe, expect, it } from "vitest";
import { classify } from "../../src/changes/registry.js";
import type { DetectorSettings } from "../../src/changes/types.js";
import { FactGatherer } from "../../src/github/facts.js";
import type { Blob } from "../../src/github/snapshot.js";
import type { GitHub, PullRequestData } from "../../src/github/types.js";
import { mockGitHub, setupNock } from "../github-support/mock-github.js";
import { DEFAULT_PR } from "../github-support/webhooks.js";

/**
 * Files as GitHub's `GET /repos/{owner}/{repo}/pulls/{n}/files` lists them, through
 * the app's own listing (src/github/facts.ts): GitHub leaves `patch` out of large
 * diffs and binary files and counts 0 changed lines for a binary file, so only
 * the loaded content tells a pure rename from an edited one. The mock
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

const ARCHIVE = "prisma/migrations/20240715093000_archive_sessions/migration.sql";
const FLYWAY = "db/migrations/V7__legacy_sessions.sql";
const DEPLOYMENT = "k8s/production/api-deployment.yaml";
const LEGACY_SESSIONS = `CREATE TABLE legacy_sessions_archive AS SELECT * FROM legacy_sessions;
`;

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
  // A migration re-timestamped and edited (a DROP TABLE added), with a NUL byte in it: GitHub
  // treats it as binary, counts 0 changed lines and sends no patch, as for a pure rename.
  entry(ARCHIVE, {
    status: "renamed",
    previous_filename: "prisma/migrations/20240601090000_archive_sessions/migration.sql",
    additions: 0,
    deletions: 0,
  }),
  // The same kind of change in a file `.gitattributes` marks `binary`: GitHub shows no diff
  // and counts 0, but its blobs are text that GraphQL returns.
  entry(FLYWAY, {
    status: "renamed",
    previous_filename: "db/migrations/V5__legacy_sessions.sql",
    additions: 0,
    deletions: 0,
  }),
  // A Deployment promoted from staging to production and scaled, saved with a NUL byte: the
  // detectors that read it whole get no text and must not take it for a pure rename.
  entry(DEPLOYMENT, {
    status: "renamed",
    previous_filename: "k8s/staging/api-deployment.yaml",
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

/** The files GitHub lists, with the blobs the snapshot query answered (`rev:path` → blob). */
async function listed(blobs: Record<string, Blob | null> = {}) {
  const gh = mockGitHub();
  gh.get(`/repos/acme/chat/pulls/${PR}/files?per_page=100`, LISTED);
  const gatherer = new FactGatherer();
  const prefetched = (await gatherer.prefetch(octokit(), REPO, PR, { base: BASE, head: HEAD }))!;
  const pr = { number: PR, base: { sha: BASE }, head: { sha: HEAD } } as PullRequestData;
  await gatherer.complete(octokit(), REPO, prefetched, pr, new Map(Object.entries(blobs)));
  return prefetched;
}

/** GraphQL's answer for a blob it treats as binary (a NUL byte): no text. */
const BINARY: Blob = { text: null, isBinary: true, isTruncated: false };
const text = (content: string): Blob => ({ text: content, isBinary: false, isTruncated: false });

describe("listing a pull request's files", () => {
  it("keeps GitHub's changed-line counts, and asks for the content of what has no readable patch", async () => {
    const prefetched = await listed();

    expect(
      prefetched.files.map((f) => [
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
      [
        ARCHIVE,
        "prisma/migrations/20240601090000_archive_sessions/migration.sql",
        "renamed",
        0,
        0,
        0,
        false,
      ],
      [FLYWAY, "db/migrations/V5__legacy_sessions.sql", "renamed", 0, 0, 0, false],
      [DEPLOYMENT, "k8s/staging/api-deployment.yaml", "renamed", 0, 0, 0, false],
      ["src/api/channels.ts", undefined, "modified", 1, 1, 2, true],
    ]);
    // Both sides of every rename without a patch (0 counted lines prove nothing), and nothing else.
    expect(prefetched.wanted.map((w) => w.expression)).toEqual([
      `${BASE}:src/api/users.ts`,
      `${HEAD}:src/api/users.controller.ts`,
      `${BASE}:src/api/health.ts`,
      `${HEAD}:src/api/health.controller.ts`,
      `${BASE}:scripts/cleanup.sql`,
      `${HEAD}:prisma/migrations/20240601090000_cleanup/migration.sql`,
      `${BASE}:prisma/migrations/20240601090000_archive_sessions/migration.sql`,
      `${HEAD}:${ARCHIVE}`,
      `${BASE}:db/migrations/V5__legacy_sessions.sql`,
      `${HEAD}:${FLYWAY}`,
      `${BASE}:k8s/staging/api-deployment.yaml`,
      `${HEAD}:${DEPLOYMENT}`,
    ]);
  });

  it("classifies what stays unread as its most severe kind, and a rename loaded equal as nothing", async () => {
    const health = `import { Controller, Get } from "@nestjs/common";

@Controller("health")
export class HealthController {
  @Get()
  check() {
    return { status: "ok" };
  }
}
`;
    const prefetched = await listed({
      // Too large for GitHub to return whole: the content stays unloaded.
      [`${BASE}:src/api/users.ts`]: { text: "export", isBinary: false, isTruncated: true },
      [`${HEAD}:src/api/users.controller.ts`]: {
        text: "import",
        isBinary: false,
        isTruncated: true,
      },
      // A pure rename: the same text on both sides.
      [`${BASE}:src/api/health.ts`]: text(health),
      [`${HEAD}:src/api/health.controller.ts`]: text(health),
      [`${BASE}:scripts/cleanup.sql`]: BINARY,
      [`${HEAD}:prisma/migrations/20240601090000_cleanup/migration.sql`]: BINARY,
      [`${BASE}:prisma/migrations/20240601090000_archive_sessions/migration.sql`]: BINARY,
      [`${HEAD}:${ARCHIVE}`]: BINARY,
      [`${BASE}:db/migrations/V5__legacy_sessions.sql`]: text(LEGACY_SESSIONS),
      [`${HEAD}:${FLYWAY}`]: text(`${LEGACY_SESSIONS}DROP TABLE legacy_sessions;\n`),
      [`${BASE}:k8s/staging/api-deployment.yaml`]: BINARY,
      [`${HEAD}:${DEPLOYMENT}`]: BINARY,
    });

    const { findings, problems } = classify(prefetched.files, SETTINGS);
    expect(findings.map((f) => [f.path, f.kind, f.line, f.conservative ?? false])).toEqual([
      ["src/api/users.controller.ts", "api-breaking", undefined, true],
      [
        "prisma/migrations/20240601090000_cleanup/migration.sql",
        "migration-destructive",
        undefined,
        true,
      ],
      [ARCHIVE, "migration-destructive", undefined, true],
      // Read from its text: the statement added, and the history rewrite of renaming V5 to V7.
      [FLYWAY, "migration-destructive", undefined, false],
      [FLYWAY, "migration-destructive", 2, false],
      [DEPLOYMENT, "scaling-change", undefined, true],
      [DEPLOYMENT, "cost-increase", undefined, true],
      [DEPLOYMENT, "security-policy", undefined, true],
    ]);
    // The binary renames say why they were not read as pure renames.
    expect(problems.find((p) => p.path === ARCHIVE)?.message).toBe(
      "GitHub sent no diff for it (renamed from prisma/migrations/20240601090000_archive_sessions/migration.sql, " +
        "no changed lines counted, as GitHub counts a binary file) and its content was not loaded; " +
        "keep the file text (no NUL bytes) so that its diff can be read",
    );
    expect(problems.find((p) => p.path === DEPLOYMENT)?.message).toMatch(
      /^its content at base and head could not be loaded \(GitHub gives no text for binary/,
    );
  });
});
