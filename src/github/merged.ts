import type { Logger } from "probot";
import {
  informedComment,
  INFORMED_MARKER,
  mentionsOf,
  postImplementationReview,
  REVIEW_LABEL,
  REVIEW_MARKER,
  type MergedPullRequest,
  type ReviewIssue,
} from "../render/merge.js";
import { trailingMarker, withMarker } from "../render/markers.js";
import { mediationLine, renderTitle } from "../render/summary.js";
import type { CheckOutput } from "./apply.js";
import { writtenByApp } from "./app-identity.js";
import { fitHeadState, readHeadState, withHeadState, type HeadState } from "./check-state.js";
import type { Decided, Decider } from "./decided.js";
import { mergedChatMessage } from "./notify.js";
import type { GitHub, PullRequestData, RepoRef } from "./types.js";

/** The comment that records a mediator's decisions on a merged pull request. */
export const DECISION_MARKER = "<!-- governance-gate:mediated-decision -->";

/**
 * A merged pull request: the informed roles are told once, and an emergency
 * override gets its post-implementation review issue. Markers in the app's own
 * comments on the pull request make a redelivered event a no-op; anyone else's
 * "marker" (a person's, another App's bot's) suppresses nothing.
 */
export async function onMerged(
  gate: Decider,
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
  const marked = facts.comments.filter((c) =>
    [REVIEW_MARKER, INFORMED_MARKER, DECISION_MARKER].includes(trailingMarker(c.body) ?? ""),
  );
  const done = new Set(
    (await writtenByApp(octokit, marked, (c) => c.user)).map((c) => trailingMarker(c.body)),
  );

  // An emergency, or an incident's conflict the Incident Commander decided ("retrospective review required"), gets its review.
  const incident = decision.emergency ? undefined : incidentDecision(decision);
  const review = postImplementationReview(
    incident ? { ...decision, emergency: incident } : decision,
    policy,
    merged,
  );
  if (review && !done.has(REVIEW_MARKER)) {
    const issue = await createIssue(octokit, repo, review);
    const how = incident
      ? "⚖️ Merged on a decision taken during an incident"
      : "🚨 Merged through the emergency path";
    await octokit.rest.issues.createComment({
      ...repo,
      issue_number: pr.number,
      body: withMarker(
        `${how}: post-implementation review #${issue} is due ${review.dueAt.toISOString()}.`,
        REVIEW_MARKER,
      ),
    });
  }

  // Decisions a mediator took, with their rationale, stay on the pull request for future reference.
  const mediated = decision.requirements.filter((r) => r.mediation?.decision);
  if (mediated.length > 0 && !done.has(DECISION_MARKER)) {
    const lines = [
      "⚖️ Merged with a mediator's decision on record:",
      "",
      ...mediated.map((r) => `- ${mediationLine(r.id, r.mediation!)}`),
    ];
    await octokit.rest.issues.createComment({
      ...repo,
      issue_number: pr.number,
      body: withMarker(lines.join("\n"), DECISION_MARKER),
    });
  }

  // An amendment is announced whoever is bound (seed 000: "Slack announcement ... + email to all stakeholders").
  const informed = decision.amends
    ? amendmentNotice(decision, policy, merged)
    : informedComment(decision, policy, merged);
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
 * The incident path's approvals (seed 000: "Incident Commander has final
 * authority during incidents (retrospective review required)") as the override
 * they are: who decided, why, and whose objection and sign-offs they replaced.
 */
function incidentDecision(decision: Decided["decision"]): Decided["decision"]["emergency"] {
  const decided = decision.requirements.filter(
    (r) => r.mediation?.kind === "incident" && r.mediation.decision?.verdict === "approve",
  );
  const first = decided[0]?.mediation?.decision;
  if (!first) return undefined;
  return {
    by: first.by,
    reason: `decided during an incident as ${first.role}: ${decided.map((r) => `${r.id}: ${r.mediation!.decision!.rationale}`).join("; ")}`,
    commentId: first.commentId,
    bypassed: decided.map((r) => ({
      id: r.id,
      missing: r.missing,
      roles: [...new Set(r.clauses.flatMap((c) => c.roles))].sort(),
    })),
    ticketBypassed: false,
  };
}

/**
 * The announcement of a merged amendment: what changed, that it takes effect
 * now, and the informed roles mentioned (or named, when nobody is bound). It
 * carries the informed marker: it is the informed parties' notice, posted once.
 */
function amendmentNotice(
  decision: Decided["decision"],
  policy: Decided["policy"],
  pr: MergedPullRequest,
): string {
  const { mentions } = mentionsOf(policy, decision.informed, pr.owner);
  const shown =
    decision
      .amends!.slice(0, 10)
      .map((f) => `\`${f}\``)
      .join(", ") +
    (decision.amends!.length > 10 ? ` and ${decision.amends!.length - 10} more` : "");
  const told =
    decision.informed.length === 0
      ? ""
      : mentions.length > 0
        ? ` Informed as the governance policy asks (${decision.informed.join(", ")}): ${mentions.join(" ")}`
        : ` Nobody is bound to the informed roles (${decision.informed.join(", ")}).`;
  return withMarker(
    `📜 Governance amended: ${shown}, a **level ${decision.level}** change, effective immediately upon merge.${told}`,
    INFORMED_MARKER,
  );
}

/**
 * A merge queue's commit gets a `governance` check that reflects the queued
 * pull request's own decision, exactly as strict as its own check (the
 * proposed policy is linted too) — never a blind success. GitHub names the
 * last queued pull request and the head it was queued at in the group's ref
 * (`gh-readonly-queue/<base>/pr-<number>-<sha>`); those ahead of it passed
 * their own group checks. Whatever cannot be decided fails the group. The
 * group's commit can also be a pull request's head (anyone who can push can
 * open one on it): the run is shared as on any commit (check-state.ts), so the
 * group records its verdict beside theirs and fails when any of them fails.
 */
export async function onMergeGroup(
  gate: Decider,
  octokit: GitHub,
  log: Logger,
  repo: RepoRef,
  group: { head_sha: string; head_ref: string },
): Promise<void> {
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
        lines.push(
          `- ❌ #${queued.number} was queued at ${queued.headSha.slice(0, 7)}, but its head is now ${decided.pr.head.sha.slice(0, 7)}: re-queue it`,
        );
      } else {
        const { decision, policy, pr } = decided;
        ok = decision.conclusion === "success";
        lines.push(
          `- ${ok ? "✅" : "❌"} #${queued.number} ${pr.title}: ${renderTitle(decision, policy)}`,
        );
      }
    } catch (error) {
      log.error({ err: error }, "merge group evaluation failed");
      lines.push(`- ❌ #${queued.number} could not be evaluated: ${(error as Error).message}`);
    }
  }
  // The run belongs to the commit, and a writer can open pull requests whose head is the group's
  // commit: their recorded conclusions are kept, and the group's verdict joins them (check-state.ts).
  const write = () =>
    gate.checks.change(octokit, repo, group.head_sha, undefined, async (current) => {
      const state: HeadState = readHeadState(current?.summary) ?? { prs: {} };
      state.group = {
        ...(queued ? { pr: queued.number } : {}),
        conclusion: ok ? "success" : "failure",
      };
      // A pull request's failure on this commit is never dropped (fitHeadState throws first).
      fitHeadState(state, "", () => true);
      const failing = Object.entries(state.prs).filter(([, pr]) => pr.conclusion === "failure");
      const output = groupOutput(group.head_ref, queued, ok, lines);
      if (failing.length === 0) return { ...output, summary: withHeadState(output.summary, state) };
      // Fail closed: the merge queue reads this same run, so another pull request's failure fails the group.
      const summary = [
        "**⛔ This commit is also the head of open pull requests, and a check run belongs to the commit:** the group passes only when each of them passes too.",
        "",
        ...failing.map(
          ([number, pr]) =>
            `- ❌ #${number}${pr.base ? ` (into \`${pr.base}\`)` : ""} fails its governance check`,
        ),
        "",
        "Fix: close those pull requests or get them their sign-offs, then re-queue; a merge group's commit belongs to the queue.",
        "",
        output.summary,
      ].join("\n");
      return {
        conclusion: "failure",
        title: ok
          ? `Merge queue: blocked by another pull request on this commit: #${failing[0]![0]}`
          : output.title,
        summary: withHeadState(summary, state),
      };
    });
  await write();
  // Replicas: a pull request's pass written on this commit by another replica that read the run
  // before this write carries the run back without the group. A failing group reads its run back
  // once, and writes again if its failure is gone (as `Gate.writeCheck` does for a pull request).
  if (gate.checks.replicated && !ok) {
    const after = await gate.checks.find(octokit, repo, group.head_sha);
    if (readHeadState(after?.summary)?.group?.conclusion !== "failure") await write();
  }
}

/** The group's own check: the queued pull request's decision, without the pull requests recorded on its commit. */
function groupOutput(
  headRef: string,
  queued: { number: number } | undefined,
  ok: boolean,
  lines: string[],
): CheckOutput {
  return {
    conclusion: ok ? "success" : "failure",
    title: !queued
      ? "Merge queue: no pull request found in the group"
      : `Merge queue: ${ok ? 1 : 0} of 1 pull request pass governance`,
    summary: [
      ok
        ? "**✅ Every queued pull request meets its governance requirements.**"
        : "**❌ Not every queued pull request meets its governance requirements.**",
      "",
      ...(queued ? lines : [`The merge group's ref \`${headRef}\` names no pull request.`]),
    ].join("\n"),
  };
}

/** The pull request (and the head it was queued at) a merge group's ref names, from its last segment only. */
export function queuedPullRequest(
  headRef: string,
): { number: number; headSha: string } | undefined {
  // A SHA-1 or SHA-256 object name; anything else names no head we could match.
  const match = /\/pr-(\d+)-([0-9a-f]{40}|[0-9a-f]{64})$/i.exec(headRef);
  return match ? { number: Number(match[1]), headSha: match[2]!.toLowerCase() } : undefined;
}

/** The review issue's number; people GitHub cannot assign are mentioned instead of failing the issue. */
async function createIssue(octokit: GitHub, repo: RepoRef, review: ReviewIssue): Promise<number> {
  try {
    const { data } = await octokit.rest.issues.create({
      ...repo,
      title: review.title,
      body: review.body,
      assignees: review.assignees,
      labels: [REVIEW_LABEL],
    });
    return data.number;
  } catch (error) {
    if ((error as { status?: number }).status !== 422 || review.assignees.length === 0) throw error;
    const { data } = await octokit.rest.issues.create({
      ...repo,
      title: review.title,
      body: review.body,
      labels: [REVIEW_LABEL],
    });
    return data.number;
  }
}
