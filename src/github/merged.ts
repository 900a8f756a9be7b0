import type { Logger } from "probot";
import {
  informedComment,
  INFORMED_MARKER,
  postImplementationReview,
  REVIEW_LABEL,
  REVIEW_MARKER,
  type MergedPullRequest,
  type ReviewIssue,
} from "../render/merge.js";
import { trailingMarker, withMarker } from "../render/markers.js";
import { renderTitle } from "../render/summary.js";
import { writtenByApp } from "./app-identity.js";
import type { Gate } from "./gate.js";
import { mergedChatMessage } from "./notify.js";
import type { GitHub, PullRequestData, RepoRef } from "./types.js";

/**
 * A merged pull request: the informed roles are told once, and an emergency
 * override gets its post-implementation review issue. Markers in the app's own
 * comments on the pull request make a redelivered event a no-op; anyone else's
 * "marker" (a person's, another App's bot's) suppresses nothing.
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
  const marked = facts.comments.filter((c) => [REVIEW_MARKER, INFORMED_MARKER].includes(trailingMarker(c.body) ?? ""));
  const done = new Set((await writtenByApp(octokit, marked, (c) => c.user)).map((c) => trailingMarker(c.body)));

  const review = postImplementationReview(decision, policy, merged);
  if (review && !done.has(REVIEW_MARKER)) {
    const issue = await createIssue(octokit, repo, review);
    await octokit.rest.issues.createComment({
      ...repo,
      issue_number: pr.number,
      body: withMarker(`🚨 Merged through the emergency path: post-implementation review #${issue} is due ${review.dueAt.toISOString()}.`, REVIEW_MARKER),
    });
  }

  const informed = informedComment(decision, policy, merged);
  if (informed && !done.has(INFORMED_MARKER)) {
    await octokit.rest.issues.createComment({ ...repo, issue_number: pr.number, body: informed });
    if (gate.chat) {
      try {
        await gate.chat(mergedChatMessage(decision, merged));
      } catch (error) {
        log.error({ err: error, pr: pr.number }, "chat notification failed after retries");
      }
    }
  }
}

/**
 * A merge queue's commit gets a `governance` check that reflects the queued
 * pull request's own decision, exactly as strict as its own check (the
 * proposed policy is linted too) — never a blind success. GitHub names the
 * last queued pull request and the head it was queued at in the group's ref
 * (`gh-readonly-queue/<base>/pr-<number>-<sha>`); those ahead of it passed
 * their own group checks. Whatever cannot be decided fails the group.
 */
export async function onMergeGroup(gate: Gate, octokit: GitHub, log: Logger, repo: RepoRef, group: { head_sha: string; head_ref: string }): Promise<void> {
  const queued = queuedPullRequest(group.head_ref);
  const lines: string[] = [];
  let ok = false;
  if (queued) {
    try {
      const decided = await gate.decide(octokit, repo, queued.number, { lintProposal: true });
      if (!decided) {
        lines.push(`- ❌ #${queued.number}: no valid governance policy on its base branch`);
      } else if (decided.pr.head.sha.toLowerCase() !== queued.headSha) {
        // The decision is about another commit than the one in the queue.
        lines.push(`- ❌ #${queued.number} was queued at ${queued.headSha.slice(0, 7)}, but its head is now ${decided.pr.head.sha.slice(0, 7)}: re-queue it`);
      } else {
        const { decision, policy, pr } = decided;
        ok = decision.conclusion === "success";
        lines.push(`- ${ok ? "✅" : "❌"} #${queued.number} ${pr.title}: ${renderTitle(decision, policy)}`);
      }
    } catch (error) {
      log.error({ err: error }, "merge group evaluation failed");
      lines.push(`- ❌ #${queued.number} could not be evaluated: ${(error as Error).message}`);
    }
  }
  await gate.checks.write(octokit, repo, group.head_sha, {
    conclusion: ok ? "success" : "failure",
    title: !queued ? "Merge queue: no pull request found in the group" : `Merge queue: ${ok ? 1 : 0} of 1 pull request pass governance`,
    summary: [
      ok ? "**✅ Every queued pull request meets its governance requirements.**" : "**❌ Not every queued pull request meets its governance requirements.**",
      "",
      ...(queued ? lines : [`The merge group's ref \`${group.head_ref}\` names no pull request.`]),
    ].join("\n"),
  });
}

/** The pull request (and the head it was queued at) a merge group's ref names, from its last segment only. */
export function queuedPullRequest(headRef: string): { number: number; headSha: string } | undefined {
  // A SHA-1 or SHA-256 object name; anything else names no head we could match.
  const match = /\/pr-(\d+)-([0-9a-f]{40}|[0-9a-f]{64})$/i.exec(headRef);
  return match ? { number: Number(match[1]), headSha: match[2]!.toLowerCase() } : undefined;
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
