import { describe, expect, it } from "vitest";
import { mockGitHub, setupNock } from "../github-support/mock-github.js";
import { MIGRATION_PATH, migrationFile } from "../github-support/pull-files.js";
import { DEFAULT_PR } from "../github-support/webhooks.js";
import {
  BASE,
  CHECK_STARTED,
  HEAD,
  OPEN_TITLE,
  PR,
  REPO,
  commentEvent,
  deliver,
  files,
  graphqlWorld,
  newProbot,
  payload,
  policyAt,
  pullRequestJson,
} from "./app-harness.js";

/**
 * The app asks GitHub for a file's content only on the sides the file list says
 * exist (an added file's base and a removed file's head are known absent
 * without asking). So when GitHub answers `null` for a side it was asked for
 * (its data out of step with the list, a commit that lacks the file), that
 * contradicts the list: the side was not read, and must not be taken as "no
 * such file", which would let the migration detector compare an edit against
 * nothing and place the pull request below the level the change deserves.
 */

setupNock();

/** An existing migration edited on a scale GitHub sends no patch for: its detector must read both versions. */
function largeEditedMigration() {
  const { patch: _omitted, ...listed } = migrationFile();
  return { ...listed, status: "modified", additions: 4000, deletions: 2000, changes: 6000 };
}

const UNREAD =
  "could not read the migration (GitHub sent no diff for it (6,000 changed lines) and its content was not loaded";

/**
 * Evaluates the pull request with `blobs` as the only contents GitHub returns; expects the conservative
 * level-3 check. Opening it lists its files ahead of the snapshot, whose query carries the blobs; a comment
 * carries no head, so the blobs come in a query of their own after the snapshot.
 */
async function judgedWithBlobs(
  blobs: Record<string, string>,
  via: "opened" | "comment" = "opened",
) {
  const probot = newProbot();
  const gh = mockGitHub();
  gh.installationToken(DEFAULT_PR.installationId);
  policyAt(gh, BASE);
  files(gh, [largeEditedMigration()]);
  graphqlWorld(
    gh,
    { pull: pullRequestJson(), reviews: [], comments: [], runs: [], blobs },
    via === "opened" ? ["query PullRequestSnapshot"] : ["query PullRequestSnapshot", "query Blobs"],
  );
  gh.post(
    `${REPO}/pulls/${PR}/requested_reviewers`,
    { reviewers: ["bea", "dan", "sam"], team_reviewers: [] },
    { number: PR },
  );
  gh.post(
    `${REPO}/check-runs`,
    {
      name: "governance",
      head_sha: HEAD,
      conclusion: "failure",
      output: { title: OPEN_TITLE, summary: expect.stringContaining(UNREAD) },
    },
    { id: 83, started_at: CHECK_STARTED },
  );
  if (via === "opened") await deliver(probot, "pull_request", payload("pull_request", "opened"));
  else await deliver(probot, "issue_comment", commentEvent("bob", "Looks fine to me.", 501));
  // Both sides were asked for, so the `null` below is GitHub's answer, not a side left out.
  const asked = gh.calls
    .filter((c) => c.path === "/graphql")
    .flatMap((c) => Object.values((c.body as { variables: Record<string, string> }).variables));
  expect(asked).toEqual(
    expect.arrayContaining([`${BASE}:${MIGRATION_PATH}`, `${HEAD}:${MIGRATION_PATH}`]),
  );
}

describe("a blob GitHub answers null for a side the file list says exists", () => {
  it("leaves the head unread: an edited migration is not taken for a deleted one", async () => {
    // Without the fix the head reads as "no such file", the detector sees a deleted migration (no finding), and
    // only the prisma area's own level 2 is left.
    await judgedWithBlobs({
      [`${BASE}:${MIGRATION_PATH}`]: 'ALTER TABLE "User" DROP COLUMN "avatarUrl";\n',
    });
  });

  it("leaves the base unread: an edited migration is not taken for a new, additive one", async () => {
    // Without the fix the base reads as "no such file": the rewrite of an applied migration goes unseen, only an
    // additive CREATE TABLE is left, and the pull request lands at level 2.
    await judgedWithBlobs({
      [`${HEAD}:${MIGRATION_PATH}`]: 'CREATE TABLE "Audit" ("id" TEXT NOT NULL);\n',
    });
  });

  it("leaves the head unread when the blobs come in their own query after the snapshot", async () => {
    await judgedWithBlobs(
      { [`${BASE}:${MIGRATION_PATH}`]: 'ALTER TABLE "User" DROP COLUMN "avatarUrl";\n' },
      "comment",
    );
  });
});
