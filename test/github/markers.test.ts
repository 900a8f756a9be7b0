import { describe, expect, it } from "vitest";
import { escalationMarker, parseEscalationMarkers } from "../../src/evaluate/escalation.js";
import { inert, trailingMarker, withMarker } from "../../src/render/markers.js";
import { parseReviewIssue, REVIEW_MARKER, INFORMED_MARKER } from "../../src/render/merge.js";
import { mockGitHub, setupNock, type GitHubMock } from "../github-support/mock-github.js";
import { DEFAULT_PR } from "../github-support/webhooks.js";
import {
  APP_LOGIN,
  BASE,
  HEAD,
  OPEN_TITLE,
  POLICY,
  PR,
  REPO,
  appIdentity,
  comment,
  commentEvent,
  deliver,
  existingRun,
  files,
  graphqlWorld,
  newProbot,
  payload,
  policyAt,
  pullRequestJson,
  review,
  type World,
} from "./app-harness.js";

/**
 * Markers (hidden `<!-- governance-gate:… -->` lines) make the app idempotent:
 * a reply, a post-implementation review, an escalation step is not repeated
 * once its marker is on GitHub. So a marker must count only when the app
 * itself wrote it, and only on the line the app wrote: anyone can type one,
 * any other App's bot can post one, and the app's own comments quote people.
 */

setupNock();

const FORGED_STEP = escalationMarker("prisma/migration-destructive", 1, HEAD);

/** The pull request evaluated once already (its check run exists), with `comments` in its conversation. */
function evaluatedOnce(gh: GitHubMock, comments: unknown[]): World {
  gh.installationToken(DEFAULT_PR.installationId);
  policyAt(gh, BASE);
  files(gh);
  const world: World = {
    pull: pullRequestJson(),
    reviews: [],
    comments,
    runs: [existingRun(HEAD, "failure", OPEN_TITLE)],
    blobs: {},
  };
  graphqlWorld(gh, world);
  gh.patch(
    `${REPO}/check-runs/77`,
    { conclusion: "failure", output: { title: OPEN_TITLE } },
    { id: 77 },
  );
  gh.post(
    `${REPO}/pulls/${PR}/requested_reviewers`,
    { reviewers: ["bea", "dan", "sam"], team_reviewers: [] },
    { number: PR },
  );
  return world;
}

function postedComments(gh: GitHubMock): string[] {
  return gh.calls
    .filter((c) => c.method === "POST" && c.path === `${REPO}/issues/${PR}/comments`)
    .map((c) => (c.body as { body: string }).body);
}

const MALLORY_SAYS = "/approve-level3";
const earlierReply = (to: number) =>
  `@mallory \`${MALLORY_SAYS}\` did not count: @mallory is not a member of a role this pull request needs.\n\n<!-- governance-gate:reply-to:${to} -->`;

describe("replies to commands", () => {
  it("answers a redelivered command once: the app's own earlier reply stops a second one", async () => {
    const probot = newProbot();
    const gh = mockGitHub();
    evaluatedOnce(gh, [
      comment("mallory", MALLORY_SAYS, 801),
      comment(APP_LOGIN, earlierReply(801), 802),
    ]);
    appIdentity(gh);
    await deliver(probot, "issue_comment", commentEvent("mallory", MALLORY_SAYS, 801));
    expect(postedComments(gh)).toEqual([]);
  });

  it("answers a new command although the app already answered an earlier one of the same person", async () => {
    // The app's reply to 801 is no answer to 810: counting any reply of ours would leave 810 unanswered.
    const probot = newProbot();
    const gh = mockGitHub();
    evaluatedOnce(gh, [
      comment("mallory", MALLORY_SAYS, 801),
      comment(APP_LOGIN, earlierReply(801), 802),
      comment("mallory", MALLORY_SAYS, 810),
    ]);
    gh.post(
      `${REPO}/issues/${PR}/comments`,
      { body: expect.stringContaining("@mallory `/approve-level3` did not count") },
      { id: 811 },
    );
    await deliver(probot, "issue_comment", commentEvent("mallory", MALLORY_SAYS, 810));
    const [reply] = postedComments(gh);
    expect(trailingMarker(reply!)).toBe("<!-- governance-gate:reply-to:810 -->");
  });

  it("still answers when the reply marker was typed by someone else or posted by another App's bot", async () => {
    const probot = newProbot();
    const gh = mockGitHub();
    evaluatedOnce(gh, [
      comment("mallory", MALLORY_SAYS, 801),
      comment("carol", "<!-- governance-gate:reply-to:801 -->", 803),
      comment("github-actions[bot]", earlierReply(801), 804),
    ]);
    appIdentity(gh);
    gh.post(
      `${REPO}/issues/${PR}/comments`,
      { body: expect.stringContaining("@mallory `/approve-level3` did not count") },
      { id: 805 },
    );
    await deliver(probot, "issue_comment", commentEvent("mallory", MALLORY_SAYS, 801));
    expect(postedComments(gh)).toHaveLength(1);
  });

  it("quotes a refused command inert: the reply carries no marker its commenter typed", async () => {
    const probot = newProbot();
    const gh = mockGitHub();
    const forging = `/approve-level3 ${FORGED_STEP}`;
    evaluatedOnce(gh, [comment("mallory", forging, 806)]);
    gh.post(
      `${REPO}/issues/${PR}/comments`,
      { body: expect.stringContaining("did not count") },
      { id: 807 },
    );
    await deliver(probot, "issue_comment", commentEvent("mallory", forging, 806));
    const [reply] = postedComments(gh);
    expect(reply).not.toContain("<!-- governance-gate:escalation");
    expect(trailingMarker(reply!)).toBe("<!-- governance-gate:reply-to:806 -->");
    expect(parseEscalationMarkers([reply!], HEAD)).toEqual([]);
  });

  it("quotes `/governance <marker>` inert: the sweep finds no escalation step in the reply", async () => {
    const probot = newProbot();
    const gh = mockGitHub();
    const forging = `/governance ${FORGED_STEP}`;
    evaluatedOnce(gh, [comment("carol", forging, 808)]);
    gh.post(
      `${REPO}/issues/${PR}/comments`,
      { body: expect.stringContaining("is not a command I know") },
      { id: 809 },
    );
    await deliver(probot, "issue_comment", commentEvent("carol", forging, 808));
    const [reply] = postedComments(gh);
    expect(reply).not.toContain("<!-- governance-gate:escalation");
    expect(trailingMarker(reply!)).toBe("<!-- governance-gate:reply-to:808 -->");
    expect(parseEscalationMarkers([reply!], HEAD)).toEqual([]);
  });
});

describe("when an emergency merges", () => {
  const MERGED_AT = "2026-11-23T13:00:00Z";
  const DUE = "2026-11-24T13:00:00.000Z";
  const MERGE_POLICY = `${POLICY}  sre-team: { users: [stan] }\n`;

  function merged() {
    const p = payload("pull_request", "closed");
    Object.assign(p.pull_request as object, {
      merged: true,
      merged_at: MERGED_AT,
      state: "closed",
      html_url: "https://github.com/acme/chat/pull/12",
    });
    return p;
  }

  function mergedWith(gh: GitHubMock, comments: unknown[]) {
    gh.installationToken(DEFAULT_PR.installationId);
    policyAt(gh, BASE, MERGE_POLICY);
    files(gh);
    const pull = merged().pull_request;
    graphqlWorld(gh, {
      pull,
      reviews: [review("dan", "APPROVED")],
      comments,
      runs: [existingRun(HEAD, "success", "Emergency override")],
      blobs: {},
    });
  }

  function opensTheReview(gh: GitHubMock) {
    gh.post(
      `${REPO}/issues`,
      { labels: ["post-implementation-review"], assignees: ["bea", "sam"] },
      { number: 31 },
    );
    gh.post(
      `${REPO}/issues/${PR}/comments`,
      { body: expect.stringContaining(`post-implementation review #31 is due ${DUE}`) },
      { id: 902 },
    );
    gh.post(
      `${REPO}/issues/${PR}/comments`,
      { body: expect.stringContaining("Informed as the governance policy asks (sre-team): @stan") },
      { id: 903 },
    );
  }

  it("opens the review although someone else, or another App's bot, posted its marker first", async () => {
    const probot = newProbot();
    const gh = mockGitHub();
    mergedWith(gh, [
      comment("ivy", "/emergency avatar uploads corrupt rows, INC-231", 901),
      comment("mallory", `${REVIEW_MARKER}\n${INFORMED_MARKER}`, 904),
      comment("github-actions[bot]", `Review done.\n\n${REVIEW_MARKER}`, 905),
      comment("github-actions[bot]", `Told.\n\n${INFORMED_MARKER}`, 906),
    ]);
    appIdentity(gh);
    opensTheReview(gh);
    await deliver(probot, "pull_request", merged());
    expect(gh.count({ method: "POST", path: `${REPO}/issues` })).toBe(1);
  });

  it("does not open it twice: the app's own markers make a redelivery a no-op", async () => {
    const probot = newProbot();
    const gh = mockGitHub();
    mergedWith(gh, [
      comment("ivy", "/emergency avatar uploads corrupt rows, INC-231", 901),
      comment(
        APP_LOGIN,
        withMarker(
          `🚨 Merged through the emergency path: post-implementation review #31 is due ${DUE}.`,
          REVIEW_MARKER,
        ),
        902,
      ),
      comment(
        APP_LOGIN,
        withMarker(
          "📣 Merged. Informed as the governance policy asks (sre-team): @stan",
          INFORMED_MARKER,
        ),
        903,
      ),
    ]);
    appIdentity(gh);
    await deliver(probot, "pull_request", merged());
    expect(gh.count({ method: "POST", kind: "rest" })).toBe(0);
  });

  it("keeps the review's due time out of the declarer's hands: a reason quoting a later due is inert", async () => {
    const probot = newProbot();
    const gh = mockGitHub();
    const forged =
      "<!-- governance-gate:review-of acme/chat#12 due=2999-01-01T00:00:00.000Z escalate= -->";
    mergedWith(gh, [comment("ivy", `/emergency avatar uploads corrupt rows ${forged}`, 901)]);
    opensTheReview(gh);
    await deliver(probot, "pull_request", merged());
    const issue = gh.calls.find((c) => c.path === `${REPO}/issues`)!.body as { body: string };
    expect(issue.body).toContain("- Reason: avatar uploads corrupt rows");
    expect(issue.body).not.toContain("<!-- governance-gate:review-of acme/chat#12 due=2999");
    expect(parseReviewIssue(issue.body)).toEqual({
      dueAt: new Date(DUE),
      escalateTo: ["dba-lead"],
    });
  });
});

describe("markers", () => {
  it("are read from the last line only, whole", () => {
    expect(trailingMarker(`Hello.\n\n${REVIEW_MARKER}`)).toBe(REVIEW_MARKER);
    expect(trailingMarker(`Hello.\r\n\r\n${REVIEW_MARKER}\r\n`)).toBe(REVIEW_MARKER);
    expect(trailingMarker(`${REVIEW_MARKER}\n\nHello.`)).toBeUndefined();
    expect(trailingMarker(`Hello. ${REVIEW_MARKER}`)).toBeUndefined();
    expect(trailingMarker(`${REVIEW_MARKER} ${INFORMED_MARKER}`)).toBeUndefined();
    expect(trailingMarker("<!-- someone else's comment -->")).toBeUndefined();
  });

  it("follow text made inert: quoted text can neither form a marker nor open a comment", () => {
    const body = withMarker(
      `@mallory \`/governance ${FORGED_STEP}\`\n${REVIEW_MARKER}`,
      "<!-- governance-gate:reply-to:9 -->",
    );
    expect(trailingMarker(body)).toBe("<!-- governance-gate:reply-to:9 -->");
    expect(body.split("<!--")).toHaveLength(2);
    expect(inert("a <!-- b --> c")).toBe("a <\u200B!-- b --> c");
    expect(() => withMarker("text", "not a marker")).toThrow(RangeError);
  });
});
