import { LRUCache } from "lru-cache";
import type { Logger } from "probot";
import { evaluate } from "../evaluate/evaluate.js";
import { formatProblem } from "../policy/problems.js";
import { parseCommands } from "../evaluate/commands.js";
import type { Policy } from "../policy/model.js";
import {
  answerCommand,
  answerGovernanceCommand,
  CheckRuns,
  decisionOutput,
  requestReviewers,
  withPolicyFailureRecord,
  type CheckOutput,
  type KnownCheckRun,
} from "./apply.js";
import { escalateOverdueReviews, escalatePullRequest } from "./escalate.js";
import { onMerged, onMergeGroup } from "./merged.js";
import { chatWebhook, type ChatNotifier } from "./notify.js";
import { recordError, recordEvaluation } from "../ops/metrics.js";
import { FactGatherer } from "./facts.js";
import { readSnapshot, readTeams, type PullRequestSnapshot } from "./snapshot.js";
import { POLICY_PATH, PolicySource } from "./policy-source.js";
import {
  fitHeadState,
  groupName,
  readHeadState,
  withHeadState,
  type HeadState,
} from "./check-state.js";
import { headArrival } from "./head-arrival.js";
import type { GitHub, PullRequestData, RepoRef } from "./types.js";
import type { Decided, Decider } from "./decided.js";

export type { Decided } from "./decided.js";

/** A pull request as an event names it: its number, and its head when the payload has one. */
export interface PullRequestRef {
  number: number;
  head?: { sha: string };
  base?: { sha: string };
  changed_files?: number;
}

export interface Trigger {
  /** The comment whose command should be answered. */
  commentId?: number;
  /**
   * The delivery is GitHub's record of a head arriving on the pull request
   * (opened, reopened, synchronize): which head, and GitHub's time of it.
   */
  arrival?: { head: string; at: string };
}

export interface GateOptions {
  appId?: number;
  /**
   * More than one replica receives this app's webhooks (REPLICAS > 1): never
   * trust a check run remembered from an earlier event; use the one each
   * snapshot shows (fork pull requests: one REST lookup per event), and read
   * it again just before writing it (one REST lookup per write; a failing pull
   * request on a commit others share also reads it back once).
   */
  replicated?: boolean;
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
export class Gate implements Decider {
  readonly policies = new PolicySource();
  readonly facts = new FactGatherer();
  readonly checks: CheckRuns;
  private readonly appId?: number;
  readonly now: () => Date;
  private readonly queues = new Map<string, Promise<void>>();
  /**
   * Per pull request, how many of its queued evaluations have not started yet.
   * One that has not started reads the pull request and the run afresh when it
   * does, so asking for another (a pull request on the same commit found it
   * unjudged) adds nothing: without this, n pull requests opened at once on
   * one commit would cost n²/2 evaluations, each finding the others unjudged.
   */
  private readonly waiting = new Map<string, number>();
  /**
   * Who this process already asked per pull request and head commit: a
   * redelivered event carries a stale `requested_reviewers`. A new push asks
   * again, since it cleared the approvals.
   */
  private readonly requested = new LRUCache<string, Set<string>>({ max: 5000 });
  /**
   * The teams the last policy read for each repository binds to roles: the
   * snapshot asks for their members in the same query. A policy that binds
   * others costs one more query, once.
   */
  private readonly teamsByRepo = new LRUCache<string, string[]>({ max: 10_000 });

  readonly chat?: ChatNotifier;

  constructor(options: GateOptions = {}) {
    this.appId = options.appId;
    this.checks = new CheckRuns(
      options.appId,
      !(options.replicated ?? Number(process.env.REPLICAS ?? "1") > 1),
    );
    this.now = options.now ?? (() => new Date());
    this.chat = options.chat ?? chatWebhook(process.env.CHAT_WEBHOOK_URL);
  }

  /**
   * Evaluates a pull request and applies the decision. `seen` is the pull
   * request as the event showed it; the pull request is read again once it is
   * this event's turn, because a late or redelivered event carries an old copy
   * (labels, head, base) and must not decide on it.
   */
  async evaluate(
    octokit: GitHub,
    log: Logger,
    repo: RepoRef,
    seen: PullRequestRef,
    trigger: Trigger,
  ): Promise<void> {
    const key = `${repo.owner}/${repo.repo}#${seen.number}`;
    const previous = this.queues.get(key) ?? Promise.resolve();
    this.waiting.set(key, (this.waiting.get(key) ?? 0) + 1);
    const run = previous.then(() => {
      const left = this.waiting.get(key)! - 1;
      if (left > 0) this.waiting.set(key, left);
      else this.waiting.delete(key);
      return this.evaluateNow(octokit, log, repo, seen, trigger);
    });
    const settled = run.catch(() => undefined);
    this.queues.set(key, settled);
    settled.then(() => {
      if (this.queues.get(key) === settled) this.queues.delete(key);
    });
    return run;
  }

  /** Whether adding or removing this label can change anything: some rule of the base policy reads it. */
  async labelMatters(
    octokit: GitHub,
    repo: RepoRef,
    baseSha: string,
    label: string,
  ): Promise<boolean> {
    const policy = (await this.policies.load(octokit, repo, baseSha)).result?.policy;
    if (!policy) return true;
    return policy.rules.some((rule) =>
      rule.when.labels.some((l) => l.toLowerCase() === label.toLowerCase()),
    );
  }

  /** The pull request as GitHub holds it now, with the members of the teams its repository's policy names. */
  read(
    octokit: GitHub,
    repo: RepoRef,
    number: number,
    blobs?: string[],
  ): Promise<PullRequestSnapshot> {
    return readSnapshot(octokit, repo, number, {
      teams: this.teamsByRepo.get(`${repo.owner}/${repo.repo}`),
      appId: this.appId,
      blobs,
    });
  }

  /**
   * The decision for a pull request as it stands, or undefined when its base
   * has no valid policy (or, with `onlyIfChecked`, when its head has no check run yet).
   */
  async decide(
    octokit: GitHub,
    repo: RepoRef,
    number: number,
    options: { onlyIfChecked?: boolean; lintProposal?: boolean } = {},
  ): Promise<Decided | undefined> {
    const snapshot = await this.read(octokit, repo, number);
    const { result } = await this.policies.load(octokit, repo, snapshot.pr.base.sha);
    if (!result?.policy) return undefined;
    return this.decideWith(octokit, repo, snapshot, result.policy, options);
  }

  /** Gathers the facts for `policy` and evaluates them: the one path every caller decides by. */
  private async decideWith(
    octokit: GitHub,
    repo: RepoRef,
    snapshot: PullRequestSnapshot,
    policy: Policy,
    options: { onlyIfChecked?: boolean; lintProposal?: boolean; trigger?: Trigger },
  ): Promise<Decided | undefined> {
    const { pr } = snapshot;
    const existing = await this.checks.find(octokit, repo, pr.head.sha, snapshot.checkRun);
    if (options.onlyIfChecked && !existing) return undefined;
    const teams = [...new Set([...policy.roles.values()].flatMap((r) => r.teams))];
    this.teamsByRepo.set(`${repo.owner}/${repo.repo}`, teams);
    const unasked = teams.filter((t) => !snapshot.teamsAsked.includes(t));
    const teamMembers =
      unasked.length > 0
        ? { ...snapshot.teamMembers, ...(await readTeams(octokit, repo, unasked)) }
        : snapshot.teamMembers;
    // Commands count only after the head arrived on this pull request (see head-arrival.ts).
    const arrival = this.arrivalOf(snapshot, existing, options.trigger);
    const facts = await this.facts.gather(
      octokit,
      repo,
      { ...snapshot, teamMembers },
      { headPushedAt: arrival.arrivedAt, reviewsFrom: arrival.reviewsFrom },
    );
    if (options.lintProposal)
      facts.proposedPolicy = await this.policies.lintProposed(octokit, repo, pr, facts.files);
    return { pr, policy, facts, existing, arrival, decision: evaluate(policy, facts, this.now()) };
  }

  /** When the snapshot's head arrived on its pull request, by the delivery, our run's record, or GitHub's timeline. */
  private arrivalOf(
    snapshot: PullRequestSnapshot,
    existing: KnownCheckRun | undefined,
    trigger: Trigger | undefined,
  ) {
    const state = readHeadState(existing?.summary);
    return headArrival(snapshot.pr.head.sha, {
      createdAt: snapshot.createdAt,
      timeline: snapshot.timeline,
      delivered: trigger?.arrival,
      recorded: state?.prs[String(snapshot.pr.number)]?.arrivedAt,
      legacyRunStartedAt: existing && !state ? existing.startedAt : undefined,
      now: this.now(),
    });
  }

  merged(
    octokit: GitHub,
    log: Logger,
    repo: RepoRef,
    pr: PullRequestData & { merged_at?: string | null; html_url?: string },
  ): Promise<void> {
    return onMerged(this, octokit, log, repo, pr);
  }

  mergeGroup(
    octokit: GitHub,
    log: Logger,
    repo: RepoRef,
    group: { head_sha: string; head_ref: string },
  ): Promise<void> {
    return onMergeGroup(this, octokit, log, repo, group);
  }

  sweep(octokit: GitHub, log: Logger, repo: RepoRef, number: number): Promise<number> {
    return escalatePullRequest(this, octokit, log, repo, number);
  }

  sweepOverdueReviews(octokit: GitHub, log: Logger, repo: RepoRef): Promise<number> {
    return escalateOverdueReviews(this, octokit, log, repo);
  }

  private notYetRequested(
    repo: RepoRef,
    pr: PullRequestData,
    wanted: { users: string[]; teams: string[] },
  ) {
    const key = `${repo.owner}/${repo.repo}#${pr.number}@${pr.head.sha}`;
    const asked = this.requested.get(key) ?? new Set<string>();
    const fresh = {
      users: wanted.users.filter((u) => !asked.has(reviewerKey("user", u))),
      teams: wanted.teams.filter((t) => !asked.has(reviewerKey("team", t))),
    };
    return fresh;
  }

  private markRequested(
    repo: RepoRef,
    pr: PullRequestData,
    asked: { users: string[]; teams: string[] },
  ): void {
    const key = `${repo.owner}/${repo.repo}#${pr.number}@${pr.head.sha}`;
    const set = this.requested.get(key) ?? new Set<string>();
    asked.users.forEach((u) => set.add(reviewerKey("user", u)));
    asked.teams.forEach((t) => set.add(reviewerKey("team", t)));
    this.requested.set(key, set);
  }

  private async evaluateNow(
    octokit: GitHub,
    log: Logger,
    repo: RepoRef,
    seen: PullRequestRef,
    trigger: Trigger,
  ): Promise<void> {
    const started = performance.now();
    let headSha = seen.head?.sha;
    try {
      const prefetched = await this.prefetchFiles(octokit, repo, seen);
      const snapshot = await this.read(
        octokit,
        repo,
        seen.number,
        prefetched?.wanted.map((w) => w.expression),
      );
      if (prefetched)
        await this.facts.complete(octokit, repo, prefetched, snapshot.pr, snapshot.blobs);
      headSha = snapshot.pr.head.sha;
      if (snapshot.pr.state !== "open") return;
      const conclusion = await this.decideAndApply(octokit, repo, snapshot, trigger, log);
      recordEvaluation(conclusion, (performance.now() - started) / 1000);
    } catch (error) {
      recordEvaluation("error", (performance.now() - started) / 1000);
      recordError("evaluate");
      // Fail closed: whatever went wrong, the check must not keep a stale pass.
      log.error({ err: error, pr: seen.number }, "evaluation failed");
      if (headSha === undefined) throw error;
      const summary = [
        "**❌ Governance Gate could not evaluate this pull request**, so the check fails until it can.",
        "",
        `Cause: ${(error as Error).message}`,
        "",
        "Fix: re-run the `governance` check from the Checks tab; if it keeps failing, look at the app's logs for this delivery.",
      ].join("\n");
      const delivered = trigger.arrival?.head === headSha ? trigger.arrival : undefined;
      // What the run remembers (arrivals, other pull requests on the commit) is kept; this one's part fails.
      await this.checks.change(octokit, repo, headSha, undefined, async (current) => {
        const state: HeadState = readHeadState(current?.summary) ?? { prs: {} };
        state.prs[String(seen.number)] = {
          ...state.prs[String(seen.number)],
          conclusion: "failure",
          // GitHub's record of the head's arrival, kept for the evaluations (and the SLA) to come.
          ...(delivered ? { arrivedAt: delivered.at } : {}),
        };
        // This write fails the commit whatever it drops.
        fitHeadState(state, String(seen.number), () => true);
        return {
          conclusion: "failure",
          title: "Governance could not be evaluated",
          summary: withHeadState(summary, state),
        };
      });
    }
  }

  /**
   * A head whose files are not cached, under a valid policy: its files are
   * listed before the snapshot, so that the snapshot query also carries the
   * contents their detectors read (one query instead of two).
   */
  private async prefetchFiles(octokit: GitHub, repo: RepoRef, seen: PullRequestRef) {
    if (!seen.head?.sha || !seen.base?.sha) return undefined;
    if (!(await this.policies.load(octokit, repo, seen.base.sha)).result?.policy) return undefined;
    return this.facts.prefetch(octokit, repo, seen.number, {
      base: seen.base.sha,
      head: seen.head.sha,
      changedFiles: seen.changed_files,
    });
  }

  /** Returns the check's conclusion. */
  private async decideAndApply(
    octokit: GitHub,
    repo: RepoRef,
    snapshot: PullRequestSnapshot,
    trigger: Trigger,
    log: Logger,
  ): Promise<CheckOutput["conclusion"]> {
    const { pr } = snapshot;
    const { result, source } = await this.policies.load(octokit, repo, pr.base.sha);
    if (!result?.policy) {
      const existing = await this.checks.find(octokit, repo, pr.head.sha, snapshot.checkRun);
      const output = result
        ? withPolicyFailureRecord(
            invalidPolicy(source ?? POLICY_PATH, result.problems.map(formatProblem)),
            {
              pullRequest: pr.number,
              head: pr.head.sha,
              base: pr.base,
              policySource: source ?? POLICY_PATH,
              policyProblems: result.problems,
            },
          )
        : noPolicy(repo, pr);
      // Recorded all the same: once the policy is fixed, sign-offs and the escalation SLA count from it.
      const { arrivedAt } = this.arrivalOf(snapshot, existing, trigger);
      return this.writeCheck(octokit, repo, snapshot, existing, output, arrivedAt, log);
    }
    const policy = result.policy;
    const decided = await this.decideWith(octokit, repo, snapshot, policy, {
      lintProposal: true,
      trigger,
    });
    const { facts, decision, existing, arrival } = decided!;

    const toRequest = this.notYetRequested(repo, pr, decision.reviewersToRequest);
    const refused = await requestReviewers(octokit, repo, pr, toRequest);
    if (!refused) this.markRequested(repo, pr, toRequest);
    if (refused)
      decision.problems.push({
        severity: "warning",
        message: refused,
        fix: "give them access to the repository or bind other people to the role",
      });

    const conclusion = await this.writeCheck(
      octokit,
      repo,
      snapshot,
      existing,
      decisionOutput({
        decision,
        policy,
        facts,
        pullRequest: pr.number,
        base: pr.base,
        policySource: source ?? POLICY_PATH,
        policyProblems: result.problems,
        arrivedAt: arrival.arrivedAt,
      }),
      arrival.arrivedAt,
      log,
    );
    if (trigger.commentId !== undefined) {
      const outcome = decision.commands.find((c) => c.commentId === trigger.commentId);
      if (outcome) await answerCommand(octokit, repo, pr.number, outcome, facts.comments);
      const asked = facts.comments.find((c) => c.id === trigger.commentId);
      const governance = asked && parseCommands(asked.body).find((c) => c.type === "governance");
      if (asked && governance)
        await answerGovernanceCommand(
          octokit,
          repo,
          pr.number,
          asked,
          governance.args,
          decision,
          policy,
          facts.comments,
        );
    }
    log.info({ pr: pr.number, level: decision.level, conclusion }, "governance evaluated");
    return conclusion;
  }

  /**
   * Writes this pull request's own decision on its head's check run. The run
   * belongs to the commit, and every open pull request with that head reads
   * it (branch protection included), so its conclusion is the strictest of
   * theirs: a pull request that has not been judged yet, or fails, fails it.
   * The other pull requests' conclusions are taken from the run as it is at
   * the moment of writing (`CheckRuns.change`), never from the copy this
   * evaluation read when it started. Returns the conclusion written.
   */
  private async writeCheck(
    octokit: GitHub,
    repo: RepoRef,
    snapshot: PullRequestSnapshot,
    existing: KnownCheckRun | undefined,
    own: CheckOutput,
    arrivedAt: string | undefined,
    log: Logger,
  ): Promise<CheckOutput["conclusion"]> {
    const { pr } = snapshot;
    const mine = String(pr.number);
    // Of the last write: the pull requests on the commit not judged yet, and whether there are others.
    let unjudged: number[] = [];
    let shared = false;
    const writeOnce = () =>
      this.checks.change(octokit, repo, pr.head.sha, existing ?? null, async (current) => {
        const state: HeadState = readHeadState(current?.summary) ?? { prs: {} };
        state.prs[mine] = {
          conclusion: own.conclusion,
          arrivedAt: arrivedAt ?? state.prs[mine]?.arrivedAt,
          base: pr.base.ref,
        };
        const held = await this.strictestOnCommit(octokit, repo, snapshot, state, own);
        const sharing = (number: string) => snapshot.siblings.includes(Number(number));
        const crowded = fitHeadState(state, mine, sharing).filter(sharing);
        // Those dropped are not judged now; asking for them again would only drop others.
        unjudged = crowded.length > 0 ? [] : held.unjudged;
        shared =
          Object.keys(state.prs).length > 1 ||
          snapshot.siblings.length > 0 ||
          state.group !== undefined;
        const output = crowded.length > 0 ? crowdedOut(held.output, crowded) : held.output;
        return { ...output, summary: withHeadState(output.summary, state) };
      });
    let written = await writeOnce();
    // Replicas: a write landing between another replica's read of the run and
    // its write is lost to it (GitHub has no conditional update). A failure on
    // a commit other pull requests share is read back once, and written again
    // if it is gone, so that no pass stands on a failure another replica dropped.
    if (this.checks.replicated && shared && own.conclusion === "failure") {
      const after = await this.checks.find(octokit, repo, pr.head.sha);
      if (readHeadState(after?.summary)?.prs[mine]?.conclusion !== "failure")
        written = await writeOnce();
    }
    for (const number of unjudged) {
      // One already waiting its turn judges it from the run as it will be then.
      if (this.waiting.has(`${repo.owner}/${repo.repo}#${number}`)) continue;
      // Not awaited: that evaluation may itself wait for this pull request's queue.
      this.evaluate(octokit, log, repo, { number }, {}).catch((error: unknown) =>
        log.error(
          { err: error, pr: number },
          "evaluating a pull request on the same commit failed",
        ),
      );
    }
    return written.conclusion;
  }

  /**
   * `own` held to every other open pull request on the commit, by `state`
   * (which it prunes of pull requests no longer there), and to the merge
   * queue's verdict when the commit is a merge group's; and those pull
   * requests with no conclusion recorded yet.
   */
  private async strictestOnCommit(
    octokit: GitHub,
    repo: RepoRef,
    snapshot: PullRequestSnapshot,
    state: HeadState,
    own: CheckOutput,
  ): Promise<{ output: CheckOutput; unjudged: number[] }> {
    const { pr } = snapshot;
    const mine = String(pr.number);
    const blockers: string[] = [];
    const unjudged: number[] = [];
    for (const number of snapshot.siblings) {
      const other = state.prs[String(number)];
      if (!other) unjudged.push(number);
      else if (other.conclusion === "failure")
        blockers.push(
          `#${number}${other.base ? ` (into \`${other.base}\`)` : ""} fails its governance check`,
        );
    }
    // A pull request GitHub no longer associates with this head (closed,
    // pushed on, or a head already on the default branch, which GitHub does
    // not associate): one read says whether it still shares the commit.
    for (const [number, other] of Object.entries(state.prs)) {
      if (
        number === mine ||
        other.conclusion !== "failure" ||
        snapshot.siblings.includes(Number(number))
      )
        continue;
      const { data } = await octokit.rest.pulls.get({
        owner: repo.owner,
        repo: repo.repo,
        pull_number: Number(number),
      });
      if (data.state === "open" && data.head.sha === pr.head.sha)
        blockers.push(`#${number} (into \`${data.base.ref}\`) fails its governance check`);
      else delete state.prs[number];
    }
    for (const number of unjudged)
      blockers.push(`#${number} has not been judged yet (it is being evaluated now)`);
    // A merge group's commit: the queue's failure holds whatever this pull request's own policy says.
    const group = state.group?.conclusion === "failure" ? groupName(state.group) : undefined;
    if (group !== undefined) blockers.unshift(`${group} fails governance on this commit`);

    if (blockers.length === 0) return { output: own, unjudged };
    const output: CheckOutput = {
      conclusion: "failure",
      title:
        own.conclusion !== "success"
          ? own.title
          : group !== undefined
            ? `Blocked by ${group} on this commit`
            : `Blocked by another pull request on this commit: ${blockers[0]!.split(" ")[0]}`,
      summary: [
        group !== undefined
          ? `**⛔ This commit is a merge queue's group commit, and a check run belongs to the commit:** it passes only when the queued pull request and every open pull request on it pass.`
          : `**⛔ This commit is also the head of other open pull requests, and a check run belongs to the commit:** it passes only when every one of them passes.`,
        "",
        ...blockers.map((b) => `- ${b}`),
        "",
        group !== undefined
          ? "Fix: give this pull request its own head commit; a merge group's commit stays failing once its group failed."
          : `Fix: get ${blockers.length === 1 ? "that pull request" : "those pull requests"} the sign-offs ${blockers.length === 1 ? "it needs" : "they need"}, or close ${blockers.length === 1 ? "it" : "them"} (then this check is judged again on its own). To keep pull requests apart, give each its own head commit.`,
        "",
        own.summary,
      ].join("\n"),
    };
    return { output, unjudged };
  }

  /**
   * Pull request `number` no longer has `sha` as its head (it closed): the run
   * on that commit is judged again without it. One check-run lookup; nothing
   * more when it passed (a pass held nothing back) or was alone there.
   * Otherwise one evaluation of a pull request still open on the commit, which
   * rewrites the run from every entry and drops those gone: judging each
   * recorded pull request again would cost n evaluations per close, n² for n
   * pull requests anyone can open and close on a commit. The newest entries
   * are tried first, a bounded number of them; past that the others wait for
   * an event of their own (their run stays failing meanwhile).
   */
  async released(
    octokit: GitHub,
    log: Logger,
    repo: RepoRef,
    number: number,
    sha: string,
  ): Promise<void> {
    const run = await this.checks.find(octokit, repo, sha);
    const prs = readHeadState(run?.summary)?.prs ?? {};
    if (prs[String(number)]?.conclusion === "success") return;
    const others = Object.keys(prs)
      .map(Number)
      .filter((n) => n !== number)
      .sort((a, b) => b - a)
      .slice(0, RELEASE_CANDIDATES);
    for (const other of others) {
      const { data } = await octokit.rest.pulls.get({
        owner: repo.owner,
        repo: repo.repo,
        pull_number: other,
      });
      if (data.state !== "open" || data.head.sha !== sha) continue;
      await this.evaluate(octokit, log, repo, { number: other }, {});
      return;
    }
  }

  /** Resolves once every evaluation queued so far (siblings included) has finished. */
  async settled(): Promise<void> {
    while (this.queues.size > 0) await Promise.all([...this.queues.values()]);
  }
}

/** Pull requests recorded on a commit's run looked up, newest first, for one still open there when another closes. */
const RELEASE_CANDIDATES = 20;

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

/**
 * `output` failed because its run could not record every pull request open on
 * the commit (`crowded`: those whose passes it dropped, now not judged).
 */
function crowdedOut(output: CheckOutput, crowded: string[]): CheckOutput {
  return {
    conclusion: "failure",
    title: "More pull requests share this commit than its check can record",
    summary: [
      `**⛔ ${crowded.length} of the open pull requests on this commit could not be recorded on its check run** (${crowded.map((n) => `#${n}`).join(", ")}), so none of them is judged, and the check fails until fewer pull requests share the commit.`,
      "",
      "Fix: give each pull request its own head commit, or close the pull requests opened on this commit that are not needed.",
      "",
      output.summary,
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
