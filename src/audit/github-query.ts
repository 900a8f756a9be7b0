/**
 * What the audit reads from GitHub, in as few calls as GitHub allows: one
 * GraphQL search page returns up to 50 merged pull requests, each with the
 * `governance` check run of our App on the head it merged at (its summary
 * carries the decision record) — one call for 50 pull requests where REST needs
 * two or more per pull request. Post-implementation review issues come from
 * one more search per scope. Every query also reads `rateLimit`, so the
 * collector can wait for the reset instead of being refused.
 */

/** Pull requests per search page: GitHub's maximum is 100; summaries run up to 65 KB, so 50 keeps a page's answer reasonable. */
export const PAGE_SIZE = 50;
/** GitHub's search returns at most this many results per query, whatever the paging. */
export const SEARCH_CAP = 1000;

const RATE_LIMIT = "rateLimit { cost remaining resetAt }";

export const MERGED_PULL_REQUESTS = `query AuditMergedPullRequests($q: String!, $after: String, $appId: Int!, $first: Int!) {
  ${RATE_LIMIT}
  search(query: $q, type: ISSUE, first: $first, after: $after) {
    issueCount
    pageInfo { hasNextPage endCursor }
    nodes {
      __typename
      ... on PullRequest {
        number
        url
        title
        mergedAt
        headRefOid
        author { login }
        mergedBy { login }
        repository { nameWithOwner }
        commits(last: 1) {
          nodes {
            commit {
              oid
              checkSuites(first: 5, filterBy: { appId: $appId }) {
                nodes {
                  app { databaseId slug }
                  checkRuns(first: 10, filterBy: { checkName: "governance" }) {
                    nodes { databaseId conclusion status summary completedAt }
                  }
                }
              }
            }
          }
        }
      }
    }
  }
}`;

export const REVIEW_ISSUES = `query AuditReviewIssues($q: String!, $after: String) {
  ${RATE_LIMIT}
  search(query: $q, type: ISSUE, first: 100, after: $after) {
    issueCount
    pageInfo { hasNextPage endCursor }
    nodes {
      __typename
      ... on Issue {
        number
        url
        state
        createdAt
        closedAt
        body
        author { login }
        repository { nameWithOwner }
      }
    }
  }
}`;

export interface RateLimit {
  cost: number;
  remaining: number;
  resetAt: string;
}

export interface SearchPage<T> {
  rateLimit?: RateLimit | null;
  search: {
    issueCount: number;
    pageInfo: { hasNextPage: boolean; endCursor: string | null };
    nodes: (T | null)[];
  };
}

export interface PullRequestNode {
  __typename: string;
  number?: number;
  url?: string;
  title?: string;
  mergedAt?: string | null;
  headRefOid?: string;
  author?: { login: string } | null;
  mergedBy?: { login: string } | null;
  repository?: { nameWithOwner: string };
  commits?: {
    nodes: ({
      commit: {
        oid: string;
        checkSuites: {
          nodes: ({
            app: { databaseId: number | null; slug: string } | null;
            checkRuns: {
              nodes: ({
                databaseId: number | null;
                conclusion: string | null;
                status: string;
                summary: string | null;
                completedAt: string | null;
              } | null)[];
            };
          } | null)[];
        } | null;
      };
    } | null)[];
  };
}

export interface IssueNode {
  __typename: string;
  number?: number;
  url?: string;
  state?: string;
  createdAt?: string;
  closedAt?: string | null;
  body?: string;
  author?: { login: string } | null;
  repository?: { nameWithOwner: string };
}

/** A merged pull request and our App's `governance` run on the head it merged at. */
export interface MergedPullRequest {
  repository: string;
  number: number;
  url: string;
  title: string;
  author: string;
  mergedAt: string;
  mergedBy: string;
  head: string;
  /** Our App's newest `governance` run on that head; undefined: there was none. */
  run?: { id: number; conclusion: string; summary: string; completedAt?: string };
  /** The App's slug, as the check suite names it (its bot posts as `<slug>[bot]`). */
  appSlug?: string;
}

/** The pull request as the audit needs it, or undefined for a node that is not a merged pull request. */
export function mergedPullRequestOf(
  node: PullRequestNode | null,
  appId: number,
): MergedPullRequest | undefined {
  if (
    !node ||
    node.__typename !== "PullRequest" ||
    !node.mergedAt ||
    node.number === undefined ||
    !node.repository
  )
    return undefined;
  const head = node.headRefOid ?? "";
  const commit = node.commits?.nodes.at(-1)?.commit;
  // Only our App's suites, and only on the head it merged at: another App's `governance` run proves nothing.
  const suites =
    commit && commit.oid === head
      ? (commit.checkSuites?.nodes ?? []).filter((s) => s?.app?.databaseId === appId)
      : [];
  const runs = suites.flatMap((s) =>
    s!.checkRuns.nodes.filter((r) => r !== null && r.databaseId !== null),
  );
  // Two replicas may each have written a run: GitHub shows the newest, as does branch protection.
  const newest = runs.sort((a, b) => a!.databaseId! - b!.databaseId!).at(-1);
  return {
    repository: node.repository.nameWithOwner,
    number: node.number,
    url: node.url ?? "",
    title: node.title ?? "",
    author: node.author?.login ?? "",
    mergedAt: node.mergedAt,
    mergedBy: node.mergedBy?.login ?? "",
    head,
    ...(newest
      ? {
          run: {
            id: newest.databaseId!,
            conclusion: (newest.conclusion ?? newest.status).toLowerCase(),
            summary: newest.summary ?? "",
            ...(newest.completedAt ? { completedAt: newest.completedAt } : {}),
          },
        }
      : {}),
    ...(suites[0]?.app?.slug ? { appSlug: suites[0].app.slug } : {}),
  };
}

/** A search qualifier for an instant, to the second (GitHub's search takes ISO 8601 date-times). */
export function searchTime(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, "Z");
}
