import { LRUCache } from "lru-cache";
import {
  boundSummary,
  buildDecisionRecord,
  buildPolicyFailureRecord,
  withDecisionRecord,
  type DecidedInput,
  type RecordInput,
} from "../audit/decision-record.js";
import type { CommandOutcome, Decision } from "../evaluate/decision.js";
import type { Policy } from "../policy/model.js";
import { trailingMarker, withMarker } from "../render/markers.js";
import { renderSummary, renderTitle } from "../render/summary.js";
import { writtenByApp } from "./app-identity.js";
import type { GitHub, PullRequestData, RepoRef } from "./types.js";

export const CHECK_NAME = "governance";

export interface CheckOutput {
  conclusion: "success" | "failure";
  title: string;
  summary: string;
}

export interface KnownCheckRun extends CheckOutput {
  id: number;
  /**
   * When GitHub started the run: our record of when the head commit arrived.
   * Empty when GitHub did not say: unknown, never the epoch, which would let
   * every command ever posted count for this head (src/github/head-arrival.ts).
   */
  startedAt: string;
}

/**
 * One `governance` check run per head commit, created once and updated in
 * place. An update that would change nothing is not sent, so a redelivered
 * webhook leaves GitHub exactly as it was.
 */
export class CheckRuns {
  private readonly known = new LRUCache<string, KnownCheckRun>({ max: 2000 });
  /** Per head commit, the last `change` queued in this process: changes to one run take turns. */
  private readonly changing = new Map<string, Promise<unknown>>();

  /**
   * With our App ID, runs of other apps that happen to share the name are never
   * touched. `remember`: reuse a run found or written by an earlier event. Only
   * safe when this process is the only replica: two replicas that each create a
   * run for the same head would keep updating their own, and GitHub shows only
   * the latest.
   */
  constructor(
    private readonly appId?: number,
    private readonly remember = true,
  ) {}

  /** More than one replica writes runs: what this process last wrote may not be what GitHub holds. */
  get replicated(): boolean {
    return !this.remember;
  }

  /**
   * The existing run for this head commit, if any. `seen`: the run as a
   * snapshot just showed it (`null`: none), which saves the REST lookup; a run
   * this process wrote itself is newer than any read, so it wins.
   */
  async find(
    octokit: GitHub,
    repo: RepoRef,
    headSha: string,
    seen?: KnownCheckRun | null,
  ): Promise<KnownCheckRun | undefined> {
    const key = `${repo.owner}/${repo.repo}@${headSha}`;
    const cached = this.remember ? this.known.get(key) : undefined;
    if (cached) return cached;
    if (seen !== undefined) {
      if (seen && this.remember) this.known.set(key, seen);
      return seen ?? undefined;
    }
    const { data } = await octokit.rest.checks.listForRef({
      owner: repo.owner,
      repo: repo.repo,
      ref: headSha,
      check_name: CHECK_NAME,
      filter: "all",
      per_page: 100,
      ...(this.appId ? { app_id: this.appId } : {}),
    });
    const known = ourRunOn(
      data.check_runs.map((run) => ({
        id: run.id,
        startedAt: run.started_at ?? "",
        conclusion: run.conclusion === "success" ? "success" : "failure",
        title: run.output.title ?? "",
        summary: run.output.summary ?? "",
      })),
    );
    if (known && this.remember) this.known.set(key, known);
    return known;
  }

  /**
   * Rewrites the run on a head commit from the run as it is now. A write
   * replaces the whole output and GitHub cannot update a check run
   * conditionally, so building on the run as an evaluation read it seconds
   * ago would carry that old copy back over whatever another evaluation wrote
   * meanwhile (another pull request's conclusion on the state line). So
   * changes to one commit's run take turns in this process, and each one reads
   * the run right before writing: the one this process last wrote (no API
   * call) or, with replicas, GitHub's (one REST lookup), since another replica
   * may have written it. `seen`: the run as the caller read it (`null`: none).
   * Resolves to the output written.
   */
  change(
    octokit: GitHub,
    repo: RepoRef,
    headSha: string,
    seen: KnownCheckRun | null | undefined,
    build: (current: KnownCheckRun | undefined) => Promise<CheckOutput>,
  ): Promise<CheckOutput> {
    const key = `${repo.owner}/${repo.repo}@${headSha}`;
    const turn = (this.changing.get(key) ?? Promise.resolve()).then(async () => {
      const current = await this.find(octokit, repo, headSha, this.remember ? seen : undefined);
      const output = await build(current);
      await this.write(octokit, repo, headSha, output, current ?? null);
      return output;
    });
    const done = turn.catch(() => undefined);
    this.changing.set(key, done);
    void done.then(() => {
      if (this.changing.get(key) === done) this.changing.delete(key);
    });
    return turn;
  }

  /** `known`: the caller's own `find` result (`null`: looked up, none exists), saving a second lookup. */
  async write(
    octokit: GitHub,
    repo: RepoRef,
    headSha: string,
    output: CheckOutput,
    known?: KnownCheckRun | null,
  ): Promise<void> {
    const key = `${repo.owner}/${repo.repo}@${headSha}`;
    // Within GitHub's limit, keeping the state line and the decision record the app reads back.
    output = { ...output, summary: boundSummary(output.summary) };
    const run =
      known === undefined ? await this.find(octokit, repo, headSha) : (known ?? undefined);
    if (!run) {
      const { data } = await octokit.rest.checks.create({
        owner: repo.owner,
        repo: repo.repo,
        name: CHECK_NAME,
        head_sha: headSha,
        status: "completed",
        conclusion: output.conclusion,
        output: { title: output.title, summary: output.summary },
      });
      if (this.remember)
        this.known.set(key, {
          id: data.id,
          startedAt: data.started_at ?? new Date().toISOString(),
          ...output,
        });
      return;
    }
    if (
      run.conclusion === output.conclusion &&
      run.title === output.title &&
      run.summary === output.summary
    )
      return;
    await octokit.rest.checks.update({
      owner: repo.owner,
      repo: repo.repo,
      check_run_id: run.id,
      status: "completed",
      conclusion: output.conclusion,
      output: { title: output.title, summary: output.summary },
    });
    if (this.remember) this.known.set(key, { ...run, ...output });
  }
}

/**
 * The check's output for a decision: what a reviewer reads, and the decision
 * record (src/audit/decision-record.ts) on its hidden last line, for audits.
 */
export function decisionOutput(input: DecidedInput): CheckOutput {
  const { decision, policy } = input;
  return {
    conclusion: decision.conclusion,
    title: renderTitle(decision, policy),
    summary: withDecisionRecord(renderSummary(decision, policy), buildDecisionRecord(input)),
  };
}

/** `output` (a base policy that failed lint) with the record of it: an audit sees the head was never judged. */
export function withPolicyFailureRecord(
  output: CheckOutput,
  input: RecordInput & { head: string },
): CheckOutput {
  return {
    ...output,
    summary: withDecisionRecord(output.summary, buildPolicyFailureRecord(input)),
  };
}

/**
 * Our run on a head commit, from every `governance` run of ours on it. Two
 * replicas may each have created one: the newest is the one GitHub shows, so
 * it is the one to update; the oldest is when the head first arrived, which
 * decides which comments came after it. A run without a start sorts first, so
 * the arrival is then unknown rather than taken from a later run.
 */
export function ourRunOn(runs: KnownCheckRun[]): KnownCheckRun | undefined {
  if (runs.length === 0) return undefined;
  const byStart = [...runs].sort((a, b) => a.startedAt.localeCompare(b.startedAt) || a.id - b.id);
  return { ...byStart.at(-1)!, startedAt: byStart[0]!.startedAt };
}

/**
 * Requests reviewers, never the author and never someone already asked. GitHub
 * refuses people without access to the repository; that is reported back so
 * the check can say who could not be asked instead of failing silently.
 */
export async function requestReviewers(
  octokit: GitHub,
  repo: RepoRef,
  pr: PullRequestData,
  wanted: { users: string[]; teams: string[] },
): Promise<string | undefined> {
  const author = pr.user?.login.toLowerCase();
  const requestedUsers = new Set(
    (pr.requested_reviewers ?? []).map((u) => u?.login?.toLowerCase()),
  );
  const requestedTeams = new Set((pr.requested_teams ?? []).map((t) => t?.slug?.toLowerCase()));
  const reviewers = wanted.users.filter(
    (u) => u.toLowerCase() !== author && !requestedUsers.has(u.toLowerCase()),
  );
  const teams = wanted.teams
    .map((t) => (t.includes("/") ? t.slice(t.indexOf("/") + 1) : t))
    .filter((t) => !requestedTeams.has(t.toLowerCase()));
  if (reviewers.length === 0 && teams.length === 0) return undefined;
  try {
    await octokit.rest.pulls.requestReviewers({
      owner: repo.owner,
      repo: repo.repo,
      pull_number: pr.number,
      reviewers,
      team_reviewers: teams,
    });
    return undefined;
  } catch (error) {
    const status = (error as { status?: number }).status;
    if (status !== 422) throw error;
    return `GitHub refused to request ${[...reviewers.map((u) => `@${u}`), ...teams.map((t) => `team ${t}`)].join(", ")} (they may lack access to this repository): ${(error as Error).message}`;
  }
}

const REPLY_MARKER = (commentId: number) => `<!-- governance-gate:reply-to:${commentId} -->`;

/** Whether the app already answered the comment: its own reply ends with the comment's marker. */
async function alreadyAnswered(
  octokit: GitHub,
  commentId: number,
  existingComments: { body: string; user: string }[],
): Promise<boolean> {
  const marker = REPLY_MARKER(commentId);
  const replies = existingComments.filter((c) => trailingMarker(c.body) === marker);
  return (await writtenByApp(octokit, replies, (c) => c.user)).length > 0;
}

/**
 * Answers the sign-off command in the comment that triggered this event: a 👍
 * when it counted, a reply saying why when it did not. The reply carries a
 * marker so a redelivered event does not answer twice. The command is quoted
 * inert (`withMarker`): a reply never carries a marker its commenter typed.
 */
export async function answerCommand(
  octokit: GitHub,
  repo: RepoRef,
  prNumber: number,
  outcome: CommandOutcome,
  existingComments: { body: string; user: string }[],
): Promise<void> {
  if (outcome.counted) {
    await octokit.rest.reactions.createForIssueComment({
      owner: repo.owner,
      repo: repo.repo,
      comment_id: outcome.commentId,
      content: "+1",
    });
    return;
  }
  if (await alreadyAnswered(octokit, outcome.commentId, existingComments)) return;
  await octokit.rest.issues.createComment({
    owner: repo.owner,
    repo: repo.repo,
    issue_number: prNumber,
    body: withMarker(
      `@${outcome.login} \`${outcome.command}\` did not count: ${outcome.reason}.`,
      REPLY_MARKER(outcome.commentId),
    ),
  });
}

/**
 * `/governance explain`: a dry run in the pull request — the full explanation
 * as a reply (level, areas and files, who must sign and why, what is missing).
 */
export async function answerGovernanceCommand(
  octokit: GitHub,
  repo: RepoRef,
  prNumber: number,
  asked: { id: number; user: string },
  args: string,
  decision: Decision,
  policy: Policy,
  existingComments: { body: string; user: string }[],
): Promise<void> {
  if (await alreadyAnswered(octokit, asked.id, existingComments)) return;
  const body =
    args.toLowerCase() === "explain"
      ? [
          `@${asked.user} here is how governance applies to this pull request.`,
          "",
          `#### ${renderTitle(decision, policy)}`,
          "",
          renderSummary(decision, policy),
        ].join("\n")
      : `@${asked.user} \`/governance ${args}\` is not a command I know. Try \`/governance explain\` (or, as a disagreement's mediator, \`/governance decide approve|reject <rationale>\`).`;
  // The arguments, the summary's file paths, title and emergency reason are others' text: quoted inert.
  await octokit.rest.issues.createComment({
    owner: repo.owner,
    repo: repo.repo,
    issue_number: prNumber,
    body: withMarker(body, REPLY_MARKER(asked.id)),
  });
}
