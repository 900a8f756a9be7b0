import { ProbotOctokit } from "probot";
import { describe, expect, it } from "vitest";
import { classify } from "../../src/changes/registry.js";
import { contentUnchanged } from "../../src/changes/unread.js";
import type { ChangedFile, DetectorSettings } from "../../src/changes/types.js";
import { FactGatherer } from "../../src/github/facts.js";
import { readSnapshot } from "../../src/github/snapshot.js";
import type { GitHub } from "../../src/github/types.js";
import { answerGraphql } from "../github-support/graphql-world.js";
import { mockGitHub, setupNock, type RecordedCall } from "../github-support/mock-github.js";
import { DEFAULT_PR, prPayload } from "../github-support/webhooks.js";

/**
 * A file GitHub treats as binary (a NUL byte, or `binary` in .gitattributes)
 * has no patch, counts 0 changed lines whether or not it was edited, and gives
 * no text, so its two versions cannot be compared. Its blobs' Git ids can: the
 * file list gives the head's (`sha`), and the query that reads the base
 * version gives the base's (`oid`). The same id on both sides is the same
 * bytes, a pure rename; different ids stay unreadable, read as the worst kind.
 */

setupNock();

const REPO = { owner: "acme", repo: "chat" };
const { headSha: HEAD, baseSha: BASE, number: PR } = DEFAULT_PR;
const SETTINGS: DetectorSettings = {
  cost: { cpuMonth: 30, memoryGiBMonth: 4, threshold: 500, currency: "USD" },
};
/** A maintenance script: the SQL detector reads every .sql file, and a pure rename changes nothing it runs. */
const FROM = "db/scripts/archive_sessions.sql";
const TO = "db/scripts/archive-old-sessions.sql";
/** The renamed file's blob at head, as the file list names it. */
const HEAD_BLOB = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";
const OTHER_BLOB = "7e3c1f09a2b4d6e8f0a1c3e5b7d9f1a3c5e7b9d0";

function octokit(): GitHub {
  const Octokit = ProbotOctokit.defaults((options: Record<string, unknown>) => ({
    ...options,
    retry: { enabled: false },
    throttle: { enabled: false },
  }));
  return new Octokit({ auth: { token: "ghs_test" } }) as unknown as GitHub;
}

/** GitHub holding pull request #PR, which renames FROM to TO, both versions binary; the base blob's id is `baseBlob`. */
function serve(baseBlob: string) {
  const gh = mockGitHub();
  gh.get(`/repos/acme/chat/pulls/${PR}/files?per_page=100`, [
    {
      sha: HEAD_BLOB,
      filename: TO,
      previous_filename: FROM,
      status: "renamed",
      additions: 0,
      deletions: 0,
      changes: 0,
      blob_url: `https://github.com/acme/chat/blob/${HEAD}/${TO}`,
      raw_url: `https://github.com/acme/chat/raw/${HEAD}/${TO}`,
      contents_url: `https://api.github.com/repos/acme/chat/contents/${TO}?ref=${HEAD}`,
    },
  ]);
  const pull = {
    ...(prPayload("pull_request", "opened", { author: "octocat" }).pull_request as object),
    requested_reviewers: [],
    requested_teams: [],
    changed_files: 1,
  };
  const blobs: Record<string, string> = {
    [`${BASE}:${FROM}`]: baseBlob,
    [`${HEAD}:${TO}`]: HEAD_BLOB,
  };
  gh.graphql(
    () => true,
    (call: RecordedCall) =>
      answerGraphql(call.body as { query: string }, {
        pullRequest: (owner, repo, number) =>
          owner === REPO.owner && repo === REPO.repo && number === PR ? { pull } : undefined,
        blob: (owner, repo, expression) =>
          blobs[expression] ? { text: null, isBinary: true, oid: blobs[expression] } : undefined,
      }),
    { persist: true },
  );
  return gh;
}

/** The files as the app reads them when the snapshot query carries their blobs (a head not seen before). */
async function throughTheSnapshot(): Promise<ChangedFile[]> {
  const gatherer = new FactGatherer();
  const prefetched = (await gatherer.prefetch(octokit(), REPO, PR, { base: BASE, head: HEAD }))!;
  const snapshot = await readSnapshot(octokit(), REPO, PR, {
    blobs: prefetched.wanted.map((w) => w.expression),
  });
  await gatherer.complete(octokit(), REPO, prefetched, snapshot.pr, snapshot.blobs);
  return prefetched.files;
}

/** The files as the app reads them with a query of their own (the head's files were not prefetched). */
async function throughTheirOwnQuery(): Promise<ChangedFile[]> {
  const snapshot = await readSnapshot(octokit(), REPO, PR);
  return (await new FactGatherer().gather(octokit(), REPO, snapshot)).files;
}

describe.each([
  { path: "the snapshot query", read: throughTheSnapshot },
  { path: "a query of their own", read: throughTheirOwnQuery },
])("a binary SQL file renamed, its blobs read through $path", ({ read }) => {
  it("is a pure rename when the base blob is the head's", async () => {
    serve(HEAD_BLOB);
    const files = await read();
    expect(files.map((f) => [f.path, f.baseBlob, f.headBlob, f.base, f.head])).toEqual([
      [TO, HEAD_BLOB, HEAD_BLOB, undefined, undefined],
    ]);
    expect(classify(files, SETTINGS)).toEqual({ findings: [], problems: [] });
  });

  it("stays unreadable, read as destructive, when the blobs differ", async () => {
    serve(OTHER_BLOB);
    const files = await read();
    expect(files.map((f) => [f.baseBlob, f.headBlob])).toEqual([[OTHER_BLOB, HEAD_BLOB]]);
    const { findings, problems } = classify(files, SETTINGS);
    expect(findings.map((f) => [f.path, f.kind, f.conservative])).toEqual([
      [TO, "migration-destructive", true],
    ]);
    expect(problems.map((p) => p.message)).toEqual([
      `GitHub sent no diff for it (renamed from ${FROM}, no changed lines counted, as GitHub counts a binary file) and its content was not loaded; keep the file text (no NUL bytes) so that its diff can be read`,
    ]);
  });
});

describe("a rename with no blob ids and no content (as the CLI lists it from git)", () => {
  it("is not taken for a pure rename: two unknown ids are not one blob", () => {
    const file: ChangedFile = {
      path: TO,
      previousPath: FROM,
      status: "renamed",
      additions: 0,
      deletions: 0,
      changes: 0,
    };
    expect(contentUnchanged(file)).toBe(false);
    expect(contentUnchanged({ ...file, headBlob: HEAD_BLOB })).toBe(false);
  });
});
