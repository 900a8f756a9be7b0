import { trailingMarker } from "../render/markers.js";
import { REVIEW_LABEL } from "../render/merge.js";
import { readDecisionRecord } from "./decision-record.js";
import {
  MERGED_PULL_REQUESTS,
  mergedPullRequestOf,
  PAGE_SIZE,
  REVIEW_ISSUES,
  SEARCH_CAP,
  searchTime,
  type IssueNode,
  type MergedPullRequest,
  type PullRequestNode,
  type RateLimit,
  type SearchPage,
} from "./github-query.js";

/**
 * Reads every pull request merged in a period, with the run that held at
 * merge, and the post-implementation review issues the app opened: paged,
 * split into smaller periods where GitHub's search would stop at 1,000
 * results, and paced by the rate limit each answer reports.
 */

/** Only the GraphQL endpoint is needed (an Octokit's `graphql`, or a test's). */
export type GraphqlClient = <T>(query: string, variables: Record<string, unknown>) => Promise<T>;

export interface CollectOptions {
  /** Search qualifiers, one scope each: `repo:acme/chat`, `org:acme`. */
  scopes: string[];
  since: Date;
  until: Date;
  /** Our App: only its runs and its issues are evidence. */
  appId: number;
  /** Waits out a spent rate limit; tests pass a fake. */
  sleep?: (ms: number) => Promise<void>;
  now?: () => Date;
  onProgress?: (progress: Progress) => void;
  /** Periods already read by an interrupted run, and where to note each one read now (`--resume`). */
  checkpoint?: Checkpoint;
}

/** A period of a scope, by its search query: read whole (its pull requests) or split (at `split`). */
export type CheckpointEntry = { pulls: MergedPullRequest[] } | { split: string };

export interface Checkpoint {
  read(query: string): CheckpointEntry | undefined;
  save(query: string, entry: CheckpointEntry): void;
}

export interface Progress {
  scope: string;
  /** Merged pull requests read so far, and how many the searches reported in all (grows as scopes start). */
  done: number;
  total: number;
  calls: number;
  rateRemaining?: number;
}

/** A post-implementation review issue the app opened for an emergency merge. */
export interface ReviewIssue {
  repository: string;
  number: number;
  url: string;
  state: "open" | "closed";
  createdAt: string;
  closedAt?: string;
  /** The pull request it reviews, and when the review was due, from the issue's marker. */
  of: { repository: string; number: number };
  dueAt: string;
}

export interface Collected {
  pulls: MergedPullRequest[];
  reviews: ReviewIssue[];
  /** GraphQL calls made. */
  calls: number;
}

/** Below this many points left, wait for the reset rather than risk a refusal mid-export. */
const RATE_RESERVE = 100;
const RATE_LIMITED_RETRIES = 3;

export async function collect(graphql: GraphqlClient, options: CollectOptions): Promise<Collected> {
  const sleep =
    options.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const now = options.now ?? (() => new Date());
  let calls = 0;
  let rateRemaining: number | undefined;
  const pulls = new Map<string, MergedPullRequest>();
  const progress: Progress = { scope: "", done: 0, total: 0, calls: 0 };
  const report = () =>
    options.onProgress?.({
      ...progress,
      calls,
      ...(rateRemaining !== undefined ? { rateRemaining } : {}),
    });

  async function call<T>(
    query: string,
    variables: Record<string, unknown>,
  ): Promise<T & { rateLimit?: RateLimit | null }> {
    for (let attempt = 0; ; attempt++) {
      try {
        calls++;
        const data = await graphql<T & { rateLimit?: RateLimit | null }>(query, variables);
        await pace(data.rateLimit);
        return data;
      } catch (error) {
        // GitHub answers a spent limit with a RATE_LIMITED error: wait for the reset, then ask again.
        if (!isRateLimited(error) || attempt >= RATE_LIMITED_RETRIES) throw error;
        await sleep(60_000);
      }
    }
  }

  async function pace(limit: RateLimit | null | undefined): Promise<void> {
    if (!limit) return;
    rateRemaining = limit.remaining;
    if (limit.remaining >= Math.max(RATE_RESERVE, limit.cost * 2)) return;
    const wait = Date.parse(limit.resetAt) - now().getTime();
    if (wait > 0) await sleep(wait + 1000);
  }

  function add(pull: MergedPullRequest): void {
    const key = `${pull.repository}#${pull.number}`.toLowerCase();
    if (!pulls.has(key)) progress.done++;
    pulls.set(key, pull);
    inScope.push(pull);
  }

  async function searchPulls(scope: string, from: Date, to: Date): Promise<void> {
    const q = `${scope} is:pr is:merged merged:${searchTime(from)}..${searchTime(to)}`;
    const saved = options.checkpoint?.read(q);
    if (saved && "split" in saved) {
      const middle = new Date(saved.split);
      await searchPulls(scope, from, middle);
      await searchPulls(scope, new Date(middle.getTime() + 1000), to);
      return;
    }
    if (saved) {
      progress.total += saved.pulls.length;
      for (const pull of saved.pulls) add(pull);
      report();
      return;
    }
    const read: MergedPullRequest[] = [];
    let after: string | null = null;
    for (let page = 0; ; page++) {
      const data: SearchPage<PullRequestNode> = await call<SearchPage<PullRequestNode>>(
        MERGED_PULL_REQUESTS,
        { q, after, appId: options.appId, first: PAGE_SIZE },
      );
      const { search } = data;
      // GitHub stops at 1,000 results per search: a busier period is read as two halves.
      if (page === 0 && search.issueCount > SEARCH_CAP && to.getTime() - from.getTime() >= 2000) {
        const middle = new Date(Math.floor((from.getTime() + to.getTime()) / 2000) * 1000);
        options.checkpoint?.save(q, { split: middle.toISOString() });
        await searchPulls(scope, from, middle);
        await searchPulls(scope, new Date(middle.getTime() + 1000), to);
        return;
      }
      if (page === 0) progress.total += search.issueCount;
      for (const node of search.nodes) {
        const pull = mergedPullRequestOf(node, options.appId);
        if (!pull) continue;
        add(pull);
        read.push(pull);
      }
      report();
      if (!search.pageInfo.hasNextPage || !search.pageInfo.endCursor) {
        options.checkpoint?.save(q, { pulls: read });
        return;
      }
      after = search.pageInfo.endCursor;
    }
  }

  const issues: { node: IssueNode }[] = [];
  async function searchReviews(scope: string): Promise<void> {
    // Opened at the merge, so never before the period; their state is read as it is now.
    const q = `${scope} is:issue label:${REVIEW_LABEL} created:>=${searchTime(options.since)}`;
    let after: string | null = null;
    for (;;) {
      const data: SearchPage<IssueNode> = await call<SearchPage<IssueNode>>(REVIEW_ISSUES, {
        q,
        after,
      });
      for (const node of data.search.nodes) if (node) issues.push({ node });
      if (!data.search.pageInfo.hasNextPage || !data.search.pageInfo.endCursor) return;
      after = data.search.pageInfo.endCursor;
    }
  }

  let inScope: MergedPullRequest[] = [];
  for (const scope of options.scopes) {
    progress.scope = scope;
    inScope = [];
    report();
    await searchPulls(scope, options.since, options.until);
    // Only a scope with an emergency merge needs its review issues read.
    if (inScope.some((p) => emergencyIn(p))) await searchReviews(scope);
  }

  // The app's own issues only: anyone can open an issue with that label and a marker.
  const slugs = new Set(
    [...pulls.values()].flatMap((p) => (p.appSlug ? [p.appSlug.toLowerCase()] : [])),
  );
  const reviews = issues.flatMap(({ node }) => {
    const review = reviewIssueOf(node);
    const author = node.author?.login.toLowerCase().replace(/\[bot\]$/, "");
    return review && author !== undefined && slugs.has(author) ? [review] : [];
  });
  return { pulls: [...pulls.values()], reviews, calls };
}

/** The review issue a node is, read from the marker on its body's last line. */
export function reviewIssueOf(node: IssueNode): ReviewIssue | undefined {
  const marker =
    /^<!-- governance-gate:review-of ([\w.-]+\/[\w.-]+)#(\d+) due=(\S+) escalate=\S* -->$/.exec(
      trailingMarker(node.body ?? "") ?? "",
    );
  if (!marker || node.number === undefined || !node.repository || !node.createdAt) return undefined;
  if (Number.isNaN(Date.parse(marker[3]!))) return undefined;
  return {
    repository: node.repository.nameWithOwner,
    number: node.number,
    url: node.url ?? "",
    state: node.state === "CLOSED" ? "closed" : "open",
    createdAt: node.createdAt,
    ...(node.closedAt ? { closedAt: node.closedAt } : {}),
    of: { repository: marker[1]!, number: Number(marker[2]) },
    dueAt: marker[3]!,
  };
}

function emergencyIn(pull: MergedPullRequest): boolean {
  const reading = readDecisionRecord(pull.run?.summary);
  return reading.status === "ok" && reading.record.emergency !== undefined;
}

function isRateLimited(error: unknown): boolean {
  const errors = (error as { errors?: { type?: string }[] }).errors;
  return Array.isArray(errors) && errors.some((e) => e.type === "RATE_LIMITED");
}
