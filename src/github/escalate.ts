import type { Logger } from "probot";
import { readDecisionRecord, withDecisionRecord } from "../audit/decision-record.js";
import {
  escalationMarker,
  mediationNotice,
  parseEscalationMarkers,
  planEscalations,
} from "../evaluate/escalation.js";
import { evaluate } from "../evaluate/evaluate.js";
import { trailingMarker, withMarker } from "../render/markers.js";
import { mentionsOf, OVERDUE_MARKER, parseReviewIssue, REVIEW_LABEL } from "../render/merge.js";
import { renderSummary, renderTitle } from "../render/summary.js";
import { writtenByApp } from "./app-identity.js";
import { requestReviewers } from "./apply.js";
import { readHeadState, withHeadState } from "./check-state.js";
import type { Decider } from "./decided.js";
import type { GitHub, RepoRef } from "./types.js";

/** Labels that put a pull request on the expedited SLA (seed 002: expedited review within 4 business hours). */
export const EXPEDITED_LABELS = ["expedited", "emergency", "hotfix"];

/**
 * Escalates the pull request's overdue sign-offs one step up their areas'
 * escalation paths: a comment mentioning the next role (carrying a marker the
 * next sweep reads back), a review request, and the check re-rendered to show
 * it. Returns how many steps were taken.
 */
export async function escalatePullRequest(
  gate: Decider,
  octokit: GitHub,
  log: Logger,
  repo: RepoRef,
  number: number,
): Promise<number> {
  // No run yet: the head has not been evaluated, so nothing is pending on our clock.
  const decided = await gate.decide(octokit, repo, number, { onlyIfChecked: true });
  if (!decided?.existing || decided.pr.state !== "open") return 0;
  const { pr, policy, facts, decision, existing } = decided;
  // The steps already taken: markers in the app's own comments only (anyone can type one).
  const marked = facts.comments.filter(
    (c) => parseEscalationMarkers([c.body], pr.head.sha).length > 0,
  );
  facts.escalations = parseEscalationMarkers(
    (await writtenByApp(octokit, marked, (c) => c.user)).map((c) => c.body),
    pr.head.sha,
  );
  const steps = planEscalations({
    decision,
    policy,
    // Pending since the head arrived on this pull request (a run on the commit may be older),
    // or since it was marked ready for review, if later; a draft is not pending review at all.
    pendingSince: new Date(decided.arrival.arrivedAt),
    readyForReviewAt: facts.readyForReviewAt ? new Date(facts.readyForReviewAt) : undefined,
    draft: facts.draft === true,
    // A requirement only a label brought is pending from when that label was first added.
    labels: facts.labels.map((name) => {
      const first = facts.labelsFirstAddedAt ?? {};
      const key = name.toLowerCase();
      return { name, firstAddedAt: Object.hasOwn(first, key) ? new Date(first[key]!) : undefined };
    }),
    now: gate.now(),
    expedited: facts.labels.some((l) => EXPEDITED_LABELS.includes(l.toLowerCase())),
    alreadyEscalated: facts.escalations,
  });
  let taken = 0;
  for (const step of steps) {
    const { mentions } = mentionsOf(policy, [step.toRole], repo.owner);
    const marker = escalationMarker(step.requirement, step.step, pr.head.sha);
    const { data: posted } = await octokit.rest.issues.createComment({
      ...repo,
      issue_number: pr.number,
      body: withMarker(
        step.mediation
          ? mediationNotice(step, mentions)
          : [
              `⏰ \`${step.requirement}\` has waited past its review SLA (due ${step.dueAt.toISOString()}); still missing: ${step.missing.join(", ")}.`,
              "",
              `Escalating to **${step.toRole}** (step ${step.step} of the ${step.area} escalation path): ${mentions.join(" ") || `nobody is bound to ${step.toRole}`} — please decide or unblock.`,
            ].join("\n"),
        marker,
      ),
    });
    if (await lostRace(octokit, repo, pr.number, marker, posted.id)) continue;
    const members = policy.roles.get(step.toRole);
    await requestReviewers(octokit, repo, pr, {
      users: members?.users ?? [],
      teams: members?.teams ?? [],
    });
    facts.escalations.push({ requirement: step.requirement, step: step.step });
    taken++;
    log.info({ pr: pr.number, requirement: step.requirement, to: step.toRole }, "escalated");
  }
  // Steps are only taken for requirements still unmet, so the re-rendered decision
  // fails: this write never passes a commit, whatever the run said meanwhile.
  const escalated = taken > 0 ? evaluate(policy, facts, gate.now()) : undefined;
  if (escalated?.conclusion === "failure") {
    const summary = renderSummary(escalated, policy);
    // The run's first line is what the app remembers about this head (src/github/check-state.ts),
    // other pull requests on the commit included: kept as it is when written, never as
    // `existing` showed it before the comments above (another evaluation may have written since).
    await gate.checks.change(octokit, repo, pr.head.sha, existing, async (current) => {
      const state = readHeadState(current?.summary);
      // Escalating changes no decision: the record of the evaluation that wrote the run
      // stays on its last line, where an audit reads it (src/audit/decision-record.ts).
      const reading = readDecisionRecord(current?.summary);
      const recorded =
        reading.status === "ok" ? withDecisionRecord(summary, reading.record) : summary;
      return {
        conclusion: "failure",
        title: renderTitle(escalated, policy),
        summary: state ? withHeadState(recorded, state) : recorded,
      };
    });
  }
  return taken;
}

/**
 * Post-implementation reviews still open after their due time: the next step
 * of the bypassed areas' escalation paths is told, once (a marker comment).
 */
export async function escalateOverdueReviews(
  gate: Decider,
  octokit: GitHub,
  log: Logger,
  repo: RepoRef,
): Promise<number> {
  const labelled = await octokit.paginate(octokit.rest.issues.listForRepo, {
    ...repo,
    state: "open",
    labels: REVIEW_LABEL,
    per_page: 100,
  });
  // Only reviews the app opened: anyone could label an issue with a due time of their choosing.
  const issues = await writtenByApp(
    octokit,
    labelled.filter((i) => parseReviewIssue(i.body ?? "")),
    (i) => i.user?.login,
  );
  let escalated = 0;
  for (const issue of issues) {
    const review = parseReviewIssue(issue.body ?? "")!;
    if (review.dueAt.getTime() > gate.now().getTime()) continue;
    const comments = await octokit.paginate(octokit.rest.issues.listComments, {
      ...repo,
      issue_number: issue.number,
      per_page: 100,
    });
    const told = comments.filter((c) => trailingMarker(c.body ?? "") === OVERDUE_MARKER);
    if ((await writtenByApp(octokit, told, (c) => c.user?.login)).length > 0) continue;
    const { result } = await gate.policies.load(octokit, repo, undefined);
    const mentions = result?.policy
      ? mentionsOf(result.policy, review.escalateTo, repo.owner).mentions
      : [];
    await octokit.rest.issues.createComment({
      ...repo,
      issue_number: issue.number,
      body: withMarker(
        `⏰ This post-implementation review was due ${review.dueAt.toISOString()} and is still open. Escalating to ${review.escalateTo.join(", ") || "the escalation path"}: ${mentions.join(" ") || "(nobody bound)"}.`,
        OVERDUE_MARKER,
      ),
    });
    escalated++;
    log.info({ issue: issue.number }, "overdue post-implementation review escalated");
  }
  return escalated;
}

/**
 * Two sweeps racing (two replicas) may both post the same step. The earliest
 * comment wins; a later duplicate deletes itself, so the step happens once.
 */
async function lostRace(
  octokit: GitHub,
  repo: RepoRef,
  number: number,
  marker: string,
  ownId: number,
): Promise<boolean> {
  const comments = await octokit.paginate(octokit.rest.issues.listComments, {
    ...repo,
    issue_number: number,
    per_page: 100,
  });
  const same = comments.filter((c) => trailingMarker(c.body ?? "") === marker);
  const first = (await writtenByApp(octokit, same, (c) => c.user?.login)).sort(
    (a, b) => a.id - b.id,
  )[0];
  if (!first || first.id === ownId) return false;
  await octokit.rest.issues.deleteComment({ ...repo, comment_id: ownId });
  return true;
}
