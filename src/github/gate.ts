import { LRUCache } from "lru-cache";
import type { Logger } from "probot";
import { evaluate } from "../evaluate/evaluate.js";
import { formatProblem } from "../policy/problems.js";
import { renderSummary, renderTitle } from "../render/summary.js";
import {
  chatMessage,
  informedComment,
  INFORMED_MARKER,
  OVERDUE_MARKER,
  parseReviewIssue,
  postImplementationReview,
  REVIEW_LABEL,
  REVIEW_MARKER,
  type MergedPullRequest,
  type ReviewIssue,
} from "../render/merge.js";
import { parseCommands } from "../evaluate/commands.js";
import { escalationMarker, parseEscalationMarkers, planEscalations } from "../evaluate/escalation.js";
import { isBot } from "../evaluate/signoffs.js";
import { mentionsOf } from "../render/merge.js";
import { answerCommand, answerGovernanceCommand, CheckRuns, requestReviewers, type CheckOutput } from "./apply.js";
import { chatWebhook, type ChatNotifier } from "./notify.js";
import { FactGatherer } from "./facts.js";
import { POLICY_PATH, PolicySource } from "./policy-source.js";
import type { GitHub, PullRequestData, RepoRef } from "./types.js";

/** Labels that put a pull request on the expedited SLA (seed 002: expedited review within 4 business hours). */
export const EXPEDITED_LABELS = ["expedited", "emergency", "hotfix"];

export interface Trigger {
  /** `new-head`: the head commit just arrived (opened/synchronize), so no sign-off can exist for it yet. */
  kind: "opened" | "new-head" | "update";
  /** The comment whose command should be answered. */
  commentId?: number;
}

export interface GateOptions {
  appId?: number;
  /** Where merge notices go besides the pull request (default: CHAT_WEBHOOK_URL, if set). */
  chat?: ChatNotifier;
  /** The clock; tests inject one. */
  now?: () => Date;
}

/**
 * The imperative shell around `evaluate`: gather facts, decide, apply. Every
 * pull request is handled one event at a time, so two deliveries racing each
 * other cannot leave an older decision on the check.
 */
export class Gate {
  readonly policies = new PolicySource();
  private readonly facts = new FactGatherer();
  private readonly checks: CheckRuns;
  private readonly now: () => Date;
  private readonly queues = new Map<string, Promise<void>>();
  /**
   * Who this process already asked per pull request and head commit: a
   * redelivered event carries a stale `requested_reviewers`. A new push asks
   * again, since it cleared the approvals.
   */
  private readonly requested = new LRUCache<string, Set<string>>({ max: 5000 });

  private readonly chat?: ChatNotifier;

  constructor(options: GateOptions = {}) {
    this.checks = new CheckRuns(options.appId);
    this.now = options.now ?? (() => new Date());
    this.chat = options.chat ?? chatWebhook(process.env.CHAT_WEBHOOK_URL);
  }

  /**
   * A merged pull request: the informed roles are told once, and an emergency
   * override gets its post-implementation review issue. Markers in the pull
   * request's comments make a redelivered event a no-op.
   */
  async merged(octokit: GitHub, log: Logger, repo: RepoRef, pr: PullRequestData & { merged_at?: string | null; html_url?: string }): Promise<void> {
    const { result } = await this.policies.load(octokit, repo, pr.base.sha);
    if (!result?.policy) return;
    const policy = result.policy;
    const existing = await this.checks.find(octokit, repo, pr.head.sha);
    const facts = await this.facts.gather(octokit, repo, pr, policy, { headPushedAt: existing?.startedAt ?? this.now().toISOString() });
    const decision = evaluate(policy, facts, this.now());
    const merged: MergedPullRequest = {
      owner: repo.owner,
      repo: repo.repo,
      number: pr.number,
      title: pr.title,
      url: pr.html_url ?? `https://github.com/${repo.owner}/${repo.repo}/pull/${pr.number}`,
      author: pr.user?.login ?? "",
      mergedAt: new Date(pr.merged_at ?? this.now().toISOString()),
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
      if (this.chat) {
        try {
          await this.chat(chatMessage(decision, merged));
        } catch (error) {
          log.error({ err: error, pr: pr.number }, "chat notification failed after retries");
        }
      }
    }
  }

  async evaluate(octokit: GitHub, log: Logger, repo: RepoRef, pr: PullRequestData, trigger: Trigger): Promise<void> {
    const key = `${repo.owner}/${repo.repo}#${pr.number}`;
    const previous = this.queues.get(key) ?? Promise.resolve();
    const run = previous.then(() => this.evaluateNow(octokit, log, repo, pr, trigger));
    const settled = run.catch(() => undefined);
    this.queues.set(key, settled);
    settled.then(() => {
      if (this.queues.get(key) === settled) this.queues.delete(key);
    });
    return run;
  }

  /**
   * A merge queue's commit gets a `governance` check that reflects the queued
   * pull requests' own decisions (GitHub names the last queued one in the ref;
   * those ahead of it passed their own group checks) — never a blind success.
   */
  async mergeGroup(octokit: GitHub, log: Logger, repo: RepoRef, group: { head_sha: string; head_ref: string }): Promise<void> {
    const numbers = [...group.head_ref.matchAll(/\/pr-(\d+)-/g)].map((m) => Number(m[1]));
    const lines: string[] = [];
    let passed = 0;
    try {
      for (const number of numbers) {
        const { data } = await octokit.rest.pulls.get({ ...repo, pull_number: number });
        const pr = data as PullRequestData;
        const { result } = await this.policies.load(octokit, repo, pr.base.sha);
        if (!result?.policy) {
          lines.push(`- ❌ #${number}: no valid governance policy on its base branch`);
          continue;
        }
        const existing = await this.checks.find(octokit, repo, pr.head.sha);
        const facts = await this.facts.gather(octokit, repo, pr, result.policy, { headPushedAt: existing?.startedAt ?? this.now().toISOString() });
        const decision = evaluate(result.policy, facts, this.now());
        if (decision.conclusion === "success") passed++;
        lines.push(`- ${decision.conclusion === "success" ? "✅" : "❌"} #${number} ${pr.title}: ${renderTitle(decision, result.policy)}`);
      }
    } catch (error) {
      log.error({ err: error }, "merge group evaluation failed");
      lines.push(`- ❌ could not evaluate: ${(error as Error).message}`);
    }
    const ok = numbers.length > 0 && passed === numbers.length;
    await this.checks.write(octokit, repo, group.head_sha, {
      conclusion: ok ? "success" : "failure",
      title: numbers.length === 0 ? "Merge queue: no pull request found in the group" : `Merge queue: ${passed} of ${numbers.length} pull request${numbers.length === 1 ? "" : "s"} pass governance`,
      summary: [
        ok ? "**✅ Every queued pull request meets its governance requirements.**" : "**❌ Not every queued pull request meets its governance requirements.**",
        "",
        ...(lines.length > 0 ? lines : [`The merge group's ref \`${group.head_ref}\` names no pull request.`]),
      ].join("\n"),
    });
  }

  /**
   * Escalates the pull request's overdue sign-offs one step up their areas'
   * escalation paths: a comment mentioning the next role (carrying a marker the
   * next sweep reads back), a review request, and the check re-rendered to show
   * it. Returns how many steps were taken.
   */
  async sweep(octokit: GitHub, log: Logger, repo: RepoRef, pr: PullRequestData): Promise<number> {
    const { result } = await this.policies.load(octokit, repo, pr.base.sha);
    if (!result?.policy) return 0;
    const policy = result.policy;
    const existing = await this.checks.find(octokit, repo, pr.head.sha);
    // No run yet: the head has not been evaluated, so nothing is pending on our clock.
    if (!existing) return 0;
    const facts = await this.facts.gather(octokit, repo, pr, policy, { headPushedAt: existing.startedAt });
    const ours = facts.comments.filter((c) => isBot(c.user));
    facts.escalations = parseEscalationMarkers(ours.map((c) => c.body), pr.head.sha);
    const decision = evaluate(policy, facts, this.now());
    const steps = planEscalations({
      decision,
      policy,
      pendingSince: new Date(existing.startedAt),
      now: this.now(),
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
        body: [
          `⏰ \`${step.requirement}\` has waited past its review SLA (due ${step.dueAt.toISOString()}); still missing: ${step.missing.join(", ")}.`,
          "",
          `Escalating to **${step.toRole}** (step ${step.step} of the ${step.area} escalation path): ${mentions.join(" ") || `nobody is bound to ${step.toRole}`} — please decide or unblock.`,
          "",
          marker,
        ].join("\n"),
      });
      if (await this.lostRace(octokit, repo, pr.number, marker, posted.id)) continue;
      const members = policy.roles.get(step.toRole);
      await requestReviewers(octokit, repo, pr, { users: members?.users ?? [], teams: members?.teams ?? [] });
      facts.escalations.push({ requirement: step.requirement, step: step.step });
      taken++;
      log.info({ pr: pr.number, requirement: step.requirement, to: step.toRole }, "escalated");
    }
    if (taken > 0) {
      const escalated = evaluate(policy, facts, this.now());
      await this.checks.write(octokit, repo, pr.head.sha, { conclusion: escalated.conclusion, title: renderTitle(escalated, policy), summary: renderSummary(escalated, policy) }, existing);
    }
    return taken;
  }

  /**
   * Post-implementation reviews still open after their due time: the next step
   * of the bypassed areas' escalation paths is told, once (a marker comment).
   */
  async sweepOverdueReviews(octokit: GitHub, log: Logger, repo: RepoRef): Promise<number> {
    const issues = await octokit.paginate(octokit.rest.issues.listForRepo, { ...repo, state: "open", labels: REVIEW_LABEL, per_page: 100 });
    let escalated = 0;
    for (const issue of issues) {
      const review = parseReviewIssue(issue.body ?? "");
      if (!review || review.dueAt.getTime() > this.now().getTime() || !isBot(issue.user?.login ?? "")) continue;
      const comments = await octokit.paginate(octokit.rest.issues.listComments, { ...repo, issue_number: issue.number, per_page: 100 });
      if (comments.some((c) => isBot(c.user?.login ?? "") && c.body?.includes(OVERDUE_MARKER))) continue;
      const { result } = await this.policies.load(octokit, repo, undefined);
      const mentions = result?.policy ? mentionsOf(result.policy, review.escalateTo, repo.owner).mentions : [];
      await octokit.rest.issues.createComment({
        ...repo,
        issue_number: issue.number,
        body: `⏰ This post-implementation review was due ${review.dueAt.toISOString()} and is still open. Escalating to ${review.escalateTo.join(", ") || "the escalation path"}: ${mentions.join(" ") || "(nobody bound)"}.\n\n${OVERDUE_MARKER}`,
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
  private async lostRace(octokit: GitHub, repo: RepoRef, number: number, marker: string, ownId: number): Promise<boolean> {
    const comments = await octokit.paginate(octokit.rest.issues.listComments, { ...repo, issue_number: number, per_page: 100 });
    const first = comments.filter((c) => isBot(c.user?.login ?? "") && c.body?.includes(marker)).sort((a, b) => a.id - b.id)[0];
    if (!first || first.id === ownId) return false;
    await octokit.rest.issues.deleteComment({ ...repo, comment_id: ownId });
    return true;
  }

  private notYetRequested(repo: RepoRef, pr: PullRequestData, wanted: { users: string[]; teams: string[] }) {
    const key = `${repo.owner}/${repo.repo}#${pr.number}@${pr.head.sha}`;
    const asked = this.requested.get(key) ?? new Set<string>();
    const fresh = {
      users: wanted.users.filter((u) => !asked.has(reviewerKey("user", u))),
      teams: wanted.teams.filter((t) => !asked.has(reviewerKey("team", t))),
    };
    return fresh;
  }

  private markRequested(repo: RepoRef, pr: PullRequestData, asked: { users: string[]; teams: string[] }): void {
    const key = `${repo.owner}/${repo.repo}#${pr.number}@${pr.head.sha}`;
    const set = this.requested.get(key) ?? new Set<string>();
    asked.users.forEach((u) => set.add(reviewerKey("user", u)));
    asked.teams.forEach((t) => set.add(reviewerKey("team", t)));
    this.requested.set(key, set);
  }

  private async evaluateNow(octokit: GitHub, log: Logger, repo: RepoRef, pr: PullRequestData, trigger: Trigger): Promise<void> {
    try {
      await this.decideAndApply(octokit, repo, pr, trigger, log);
    } catch (error) {
      // Fail closed: whatever went wrong, the check must not keep a stale pass.
      log.error({ err: error, pr: pr.number }, "evaluation failed");
      await this.checks.write(octokit, repo, pr.head.sha, {
        conclusion: "failure",
        title: "Governance could not be evaluated",
        summary: [
          "**❌ Governance Gate could not evaluate this pull request**, so the check fails until it can.",
          "",
          `Cause: ${(error as Error).message}`,
          "",
          "Fix: re-run the `governance` check from the Checks tab; if it keeps failing, look at the app's logs for this delivery.",
        ].join("\n"),
      });
    }
  }

  private async decideAndApply(octokit: GitHub, repo: RepoRef, pr: PullRequestData, trigger: Trigger, log: Logger): Promise<void> {
    const { result, source } = await this.policies.load(octokit, repo, pr.base.sha);
    if (!result) {
      return this.checks.write(octokit, repo, pr.head.sha, noPolicy(repo, pr));
    }
    if (!result.policy) {
      return this.checks.write(octokit, repo, pr.head.sha, invalidPolicy(source ?? POLICY_PATH, result.problems.map(formatProblem)));
    }
    const policy = result.policy;
    // Looked up once: the write below reuses it.
    const existing = await this.checks.find(octokit, repo, pr.head.sha);
    // Comments count only after the head commit arrived; our check run's start is
    // GitHub's record of when we first saw it (never a commit date, which the
    // author controls). Until a run exists, nothing before now counts.
    const headPushedAt = existing?.startedAt ?? this.now().toISOString();
    const facts = await this.facts.gather(octokit, repo, pr, policy, { skipConversation: trigger.kind === "opened", headPushedAt });
    facts.proposedPolicy = await this.policies.lintProposed(octokit, repo, pr, facts.files);
    const decision = evaluate(policy, facts, this.now());

    const toRequest = this.notYetRequested(repo, pr, decision.reviewersToRequest);
    const refused = await requestReviewers(octokit, repo, pr, toRequest);
    if (!refused) this.markRequested(repo, pr, toRequest);
    if (refused) decision.problems.push({ severity: "warning", message: refused, fix: "give them access to the repository or bind other people to the role" });

    await this.checks.write(octokit, repo, pr.head.sha, {
      conclusion: decision.conclusion,
      title: renderTitle(decision, policy),
      summary: renderSummary(decision, policy),
    }, existing ?? null);
    if (trigger.commentId !== undefined) {
      const outcome = decision.commands.find((c) => c.commentId === trigger.commentId);
      if (outcome) await answerCommand(octokit, repo, pr.number, outcome, facts.comments);
      const asked = facts.comments.find((c) => c.id === trigger.commentId);
      const governance = asked && parseCommands(asked.body).find((c) => c.type === "governance");
      if (asked && governance) await answerGovernanceCommand(octokit, repo, pr.number, asked, governance.args, decision, policy, facts.comments);
    }
    log.info({ pr: pr.number, level: decision.level, conclusion: decision.conclusion }, "governance evaluated");
  }
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

export function reviewerKey(kind: "user" | "team", name: string): string {
  return `${kind}:${name.toLowerCase()}`;
}

function noPolicy(repo: RepoRef, pr: PullRequestData): CheckOutput {
  return {
    conclusion: "failure",
    title: "No governance policy",
    summary: [
      `**❌ No governance policy was found** in \`${POLICY_PATH}\` on \`${pr.base.ref}\` (at ${pr.base.sha.slice(0, 7)}) or in \`${repo.owner}/.github\`.`,
      "",
      `Fix: add \`${POLICY_PATH}\` to the base branch, for example:`,
      "",
      "```yaml",
      "extends: chat-backend",
      "roles:",
      "  backend-lead: { users: [your-login] }",
      "```",
    ].join("\n"),
  };
}

function invalidPolicy(source: string, problems: string[]): CheckOutput {
  return {
    conclusion: "failure",
    title: `Invalid governance policy: ${problems.length} problem${problems.length === 1 ? "" : "s"}`,
    summary: [
      `**❌ The governance policy (${source}) on the base branch is invalid**, so no pull request can be judged until it is fixed.`,
      "",
      "```",
      ...problems,
      "```",
      "",
      "Fix: correct the policy on the base branch (`npx governance-gate lint --policy .github/governance.yml` shows the same list).",
    ].join("\n"),
  };
}
