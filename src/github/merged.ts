import type { Logger } from "probot";
import {
  chatMessage,
  informedComment,
  INFORMED_MARKER,
  postImplementationReview,
  REVIEW_LABEL,
  REVIEW_MARKER,
  type MergedPullRequest,
  type ReviewIssue,
} from "../render/merge.js";
import { renderTitle } from "../render/summary.js";
import type { Gate } from "./gate.js";
import type { GitHub, PullRequestData, RepoRef } from "./types.js";

/**
 * A merged pull request: the informed roles are told once, and an emergency
 * override gets its post-implementation review issue. Markers in the pull
 * request's comments make a redelivered event a no-op.
 */
export async function onMerged(
  gate: Gate,
  octokit: GitHub,
  log: Logger,
  repo: RepoRef,
  pr: PullRequestData & { merged_at?: string | null; html_url?: string },
): Promise<void> {
  const decided = await gate.decide(octokit, repo, pr.number);
  if (!decided) return;
  const { policy, facts, decision } = decided;
  const merged: MergedPullRequest = {
    owner: repo.owner,
    repo: repo.repo,
    number: pr.number,
    title: pr.title,
    url: pr.html_url ?? `https://github.com/${repo.owner}/${repo.repo}/pull/${pr.number}`,
    author: pr.user?.login ?? "",
    mergedAt: new Date(pr.merged_at ?? gate.now().toISOString()),
  };
  const posted = facts.comments.map((c) => c.body);

  const review = postImplementationReview(decision, policy, merged);
  if (review && !posted.some((b) => b.includes(REVIEW_MARKER))) {
    const issue = await createIssue(octokit, repo, review);
    await octokit.rest.issues.createComment({
      ...repo,
      issue_number: pr.number,
      body: `🚨 Merged through the emergency path: post-implementation review #${issue} is due ${review.dueAt.toISOString()}.\n\n${REVIEW_MARKER}`,
    });
  }

  const informed = informedComment(decision, policy, merged);
  if (informed && !posted.some((b) => b.includes(INFORMED_MARKER))) {
    await octokit.rest.issues.createComment({ ...repo, issue_number: pr.number, body: informed });
    if (gate.chat) {
      try {
        await gate.chat(chatMessage(decision, merged));
      } catch (error) {
        log.error({ err: error, pr: pr.number }, "chat notification failed after retries");
      }
    }
  }
}

/**
 * A merge queue's commit gets a `governance` check that reflects the queued
 * pull requests' own decisions (GitHub names the last queued one in the ref;
 * those ahead of it passed their own group checks) — never a blind success.
 */
export async function onMergeGroup(gate: Gate, octokit: GitHub, log: Logger, repo: RepoRef, group: { head_sha: string; head_ref: string }): Promise<void> {
  const numbers = [...group.head_ref.matchAll(/\/pr-(\d+)-/g)].map((m) => Number(m[1]));
  const lines: string[] = [];
  let passed = 0;
  try {
    for (const number of numbers) {
      const decided = await gate.decide(octokit, repo, number);
      if (!decided) {
        lines.push(`- ❌ #${number}: no valid governance policy on its base branch`);
        continue;
      }
      const { decision, policy, pr } = decided;
      if (decision.conclusion === "success") passed++;
      lines.push(`- ${decision.conclusion === "success" ? "✅" : "❌"} #${number} ${pr.title}: ${renderTitle(decision, policy)}`);
    }
  } catch (error) {
    log.error({ err: error }, "merge group evaluation failed");
    lines.push(`- ❌ could not evaluate: ${(error as Error).message}`);
  }
  const ok = numbers.length > 0 && passed === numbers.length;
  await gate.checks.write(octokit, repo, group.head_sha, {
    conclusion: ok ? "success" : "failure",
    title: numbers.length === 0 ? "Merge queue: no pull request found in the group" : `Merge queue: ${passed} of ${numbers.length} pull request${numbers.length === 1 ? "" : "s"} pass governance`,
    summary: [
      ok ? "**✅ Every queued pull request meets its governance requirements.**" : "**❌ Not every queued pull request meets its governance requirements.**",
      "",
      ...(lines.length > 0 ? lines : [`The merge group's ref \`${group.head_ref}\` names no pull request.`]),
    ].join("\n"),
  });
}

/** The review issue's number; people GitHub cannot assign are mentioned instead of failing the issue. */
async function createIssue(octokit: GitHub, repo: RepoRef, review: ReviewIssue): Promise<number> {
  try {
    const { data } = await octokit.rest.issues.create({ ...repo, title: review.title, body: review.body, assignees: review.assignees, labels: [REVIEW_LABEL] });
    return data.number;
  } catch (error) {
    if ((error as { status?: number }).status !== 422 || review.assignees.length === 0) throw error;
    const { data } = await octokit.rest.issues.create({ ...repo, title: review.title, body: review.body, labels: [REVIEW_LABEL] });
    return data.number;
  }
}
