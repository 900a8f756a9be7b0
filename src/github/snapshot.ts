import type { Comment, Review, ReviewState } from "../evaluate/facts.js";
import { readOnlyQuery } from "./octokit.js";
import { CHECK_NAME, ourRunOn, type KnownCheckRun } from "./apply.js";
import type { GitHub, PullRequestData, RepoRef } from "./types.js";

/**
 * Everything an evaluation reads about a pull request besides its files, as
 * GitHub holds it now: the pull request, its reviews and comments, the members
 * of the policy's teams and our check run on its head — in ONE GraphQL query
 * where REST needs a call for each (pull, reviews, comments, check runs, and
 * one per team). Connections longer than a page are followed, never cut.
 */
export interface PullRequestSnapshot {
  pr: PullRequestData;
  reviews: Review[];
  comments: Comment[];
  /** Members of every team that was asked for and could be read; a team absent here is unknown, never empty. */
  teamMembers: Record<string, string[]>;
  /** Teams this snapshot asked for, readable or not. */
  teamsAsked: string[];
  /**
   * Our `governance` check run on the head commit: `null` when GitHub shows none,
   * `undefined` when the query cannot tell (a fork's head commit, a run without
   * an id), so the caller looks it up over REST instead of guessing.
   */
  checkRun: KnownCheckRun | null | undefined;
  /** The blobs asked for by `rev:path` expression; `null`: no such file at that commit. */
  blobs: Map<string, Blob | null>;
  /** When GitHub created the pull request. */
  createdAt: string;
  /**
   * GitHub's own record of what happened to the pull request's head, base and
   * labels (timeline events with GitHub's timestamps, never commit dates).
   */
  timeline: TimelineEvent[];
  /**
   * Lower-cased logins of everyone who authored or committed one of the pull
   * request's commits (co-authors included); GitHub's web-flow committer of an
   * "Update branch" merge is not a contributor.
   */
  contributors: string[];
  /**
   * Other open pull requests of this repository whose head is this head commit,
   * as GitHub associates them with it: they share our check run.
   */
  siblings: number[];
  /** A draft is not asking for review yet: the escalation sweep leaves it alone (the check still judges it). */
  draft: boolean;
}

export type TimelineEvent =
  | {
      type: "head-force-pushed" | "head-restored" | "base-changed" | "ready-for-review";
      at: string;
    }
  | { type: "labeled" | "unlabeled"; at: string; label: string; actor: string };

/** A file's content at a revision, as GraphQL's `object(expression:) { ... on Blob }` answers (snapshot and fact gathering both read it). */
export interface Blob {
  /** The blob's Git object id (asked for by every query; absent only from a caller's hand-made blob). */
  oid?: string;
  text: string | null;
  isBinary: boolean;
  isTruncated: boolean;
}

const PAGE = 100;

const ACTOR = "__typename login";
const REVIEW_FIELDS = `nodes { fullDatabaseId state submittedAt body author { ${ACTOR} } commit { oid } } pageInfo { hasNextPage endCursor }`;
const COMMENT_FIELDS = `nodes { fullDatabaseId body createdAt lastEditedAt author { ${ACTOR} } } pageInfo { hasNextPage endCursor }`;
const LABEL_FIELDS = "nodes { name } pageInfo { hasNextPage endCursor }";
const REQUEST_FIELDS =
  "nodes { requestedReviewer { __typename ... on User { login } ... on Bot { login } ... on Team { slug } } } pageInfo { hasNextPage endCursor }";
const MEMBER_FIELDS = "nodes { login } pageInfo { hasNextPage endCursor }";
const TIMELINE_TYPES =
  "itemTypes: [HEAD_REF_FORCE_PUSHED_EVENT, HEAD_REF_RESTORED_EVENT, BASE_REF_CHANGED_EVENT, LABELED_EVENT, UNLABELED_EVENT, READY_FOR_REVIEW_EVENT]";
const TIMELINE_FIELDS = `nodes { __typename
  ... on HeadRefForcePushedEvent { createdAt }
  ... on HeadRefRestoredEvent { createdAt }
  ... on BaseRefChangedEvent { createdAt }
  ... on LabeledEvent { createdAt label { name } actor { ${ACTOR} } }
  ... on UnlabeledEvent { createdAt label { name } actor { ${ACTOR} } }
  ... on ReadyForReviewEvent { createdAt }
} pageInfo { hasNextPage endCursor }`;
const GIT_ACTOR = "user { login }";
/** A commit's authors (its author and every `Co-authored-by`) read in the commits' page: past this many, who contributed is unknown. */
const AUTHORS_READ = 100;
const CONTRIBUTION_FIELDS = `nodes { commit { oid authors(first: ${AUTHORS_READ}) { nodes { ${GIT_ACTOR} } pageInfo { hasNextPage } } committer { ${GIT_ACTOR} } parents { totalCount } } } pageInfo { hasNextPage endCursor }`;

/**
 * The pull request's connections we read whole: the field (with the
 * arguments every page repeats) and what each node carries.
 */
const CONNECTIONS = {
  labels: { field: "labels", args: "", fields: LABEL_FIELDS },
  reviewRequests: { field: "reviewRequests", args: "", fields: REQUEST_FIELDS },
  reviews: { field: "reviews", args: "", fields: REVIEW_FIELDS },
  comments: { field: "comments", args: "", fields: COMMENT_FIELDS },
  timelineItems: { field: "timelineItems", args: `, ${TIMELINE_TYPES}`, fields: TIMELINE_FIELDS },
  // A pull request has at most 250 commits; their authors are read like any other connection.
  contributions: { field: "commits", args: "", fields: CONTRIBUTION_FIELDS },
} as const;
type ConnectionName = keyof typeof CONNECTIONS;

function connectionField(name: ConnectionName, after?: string): string {
  const c = CONNECTIONS[name];
  return `${name}: ${c.field}(first: ${PAGE}${after ?? ""}${c.args}) { ${c.fields} }`;
}

interface PageInfo {
  hasNextPage: boolean;
  endCursor: string | null;
}
interface Connection<T> {
  nodes: (T | null)[] | null;
  pageInfo: PageInfo;
}
interface Actor {
  __typename: string;
  login: string;
}
interface ReviewNode {
  fullDatabaseId: string | null;
  state: string;
  submittedAt: string | null;
  body: string;
  author: Actor | null;
  commit: { oid: string } | null;
}
interface CommentNode {
  fullDatabaseId: string | null;
  body: string;
  createdAt: string;
  lastEditedAt: string | null;
  author: Actor | null;
}
interface CheckRunNode {
  databaseId: number | null;
  url: string;
  title: string | null;
  summary: string | null;
  conclusion: string | null;
  startedAt: string | null;
}
interface TimelineNode {
  __typename: string;
  createdAt?: string;
  label?: { name: string } | null;
  actor?: Actor | null;
}
interface ContributionNode {
  commit: {
    oid: string;
    authors: {
      nodes: ({ user: { login: string } | null } | null)[] | null;
      pageInfo: Pick<PageInfo, "hasNextPage">;
    } | null;
    committer: { user: { login: string } | null } | null;
    parents: { totalCount: number };
  };
}
interface AssociatedPullNode {
  number: number;
  state: string;
  headRefOid: string;
  baseRepository: { nameWithOwner: string } | null;
}
interface PullRequestNode {
  number: number;
  createdAt: string;
  state: "OPEN" | "CLOSED" | "MERGED";
  merged: boolean;
  title: string;
  body: string;
  isCrossRepository: boolean;
  isDraft: boolean;
  changedFiles: number;
  headRefOid: string;
  baseRefOid: string;
  baseRefName: string;
  author: Actor | null;
  labels: Connection<{ name: string }>;
  reviewRequests: Connection<{ requestedReviewer: (Actor & { slug?: string }) | null }>;
  reviews: Connection<ReviewNode>;
  comments: Connection<CommentNode>;
  timelineItems: Connection<TimelineNode>;
  contributions: Connection<ContributionNode>;
  commits: {
    nodes:
      | ({
          commit: {
            oid: string;
            associatedPullRequests: Connection<AssociatedPullNode> | null;
            checkSuites: {
              nodes:
                | ({
                    checkRuns: {
                      nodes: (CheckRunNode | null)[] | null;
                      pageInfo: Pick<PageInfo, "hasNextPage">;
                    } | null;
                  } | null)[]
                | null;
              pageInfo: Pick<PageInfo, "hasNextPage">;
            } | null;
          };
        } | null)[]
      | null;
  };
}
type TeamNode = { team: { members: Connection<{ login: string }> } | null } | null;

/** Reads the pull request and the members of `teams` (policy names: `slug` or `org/slug`). */
export async function readSnapshot(
  octokit: GitHub,
  repo: RepoRef,
  number: number,
  options: { teams?: readonly string[]; appId?: number; blobs?: readonly string[] } = {},
): Promise<PullRequestSnapshot> {
  const teams = [...new Set(options.teams ?? [])];
  const teamVars = teamVariables(repo, teams);
  const blobs = options.blobs ?? [];
  const query = `query PullRequestSnapshot($owner: String!, $name: String!, $number: Int!, $suites: CheckSuiteFilter, $check: String!${teamVars.declarations}${blobs.map((_, i) => `, $b${i}: String!`).join("")}) {
  repository(owner: $owner, name: $name) {
${blobs.map((_, i) => `    b${i}: object(expression: $b${i}) { ... on Blob { oid text isBinary isTruncated } }`).join("\n")}
    pullRequest(number: $number) {
      number createdAt state merged title body isCrossRepository isDraft changedFiles headRefOid baseRefOid baseRefName
      author { ${ACTOR} }
${(Object.keys(CONNECTIONS) as ConnectionName[]).map((c) => `      ${connectionField(c)}`).join("\n")}
      commits(last: 1) { nodes { commit { oid ${ASSOCIATED} checkSuites(first: 20, filterBy: $suites) { nodes { checkRuns(first: 20, filterBy: { checkName: $check, checkType: ALL }) { nodes { databaseId url title summary conclusion startedAt } pageInfo { hasNextPage } } } pageInfo { hasNextPage } } } } }
    }
  }
${teamVars.fields}
}`;
  const variables = {
    owner: repo.owner,
    name: repo.repo,
    number,
    suites: options.appId ? { appId: options.appId } : null,
    check: CHECK_NAME,
    ...teamVars.values,
    ...Object.fromEntries(blobs.map((expression, i) => [`b${i}`, expression])),
  };
  const data = await queryAllowingUnreadableTeams<
    {
      repository: ({ pullRequest: PullRequestNode | null } & Record<string, unknown>) | null;
    } & Record<string, TeamNode>
  >(octokit, query, variables);
  const node = data.repository?.pullRequest;
  if (!node)
    throw new Error(`GitHub returned no pull request #${number} in ${repo.owner}/${repo.repo}`);

  const [labels, requests, reviews, comments, timeline, contributions] = await Promise.all([
    wholeConnection(octokit, repo, number, "labels", node.labels),
    wholeConnection(octokit, repo, number, "reviewRequests", node.reviewRequests),
    wholeConnection(octokit, repo, number, "reviews", node.reviews),
    wholeConnection(octokit, repo, number, "comments", node.comments),
    wholeConnection(octokit, repo, number, "timelineItems", node.timelineItems),
    wholeConnection(octokit, repo, number, "contributions", node.contributions),
  ]);
  const teamMembers = await membersFrom(octokit, repo, teams, teamVars.aliases, data);
  const associated = await associatedPulls(octokit, repo, node);

  const requested = requests
    .map((r) => r.requestedReviewer)
    .filter((r): r is Actor & { slug?: string } => r !== null);
  const pr: PullRequestData = {
    number: node.number,
    state: node.state === "OPEN" ? "open" : "closed",
    merged: node.merged,
    title: node.title,
    body: node.body,
    user: node.author ? { login: loginOf(node.author) } : null,
    labels: labels.map((l) => ({ name: l.name })),
    head: { sha: node.headRefOid },
    base: { sha: node.baseRefOid, ref: node.baseRefName },
    changed_files: node.changedFiles,
    requested_reviewers: requested
      .filter((r) => r.__typename !== "Team")
      .map((r) => ({ login: loginOf(r) })),
    requested_teams: requested
      .filter((r) => r.__typename === "Team" && r.slug)
      .map((r) => ({ slug: r.slug! })),
  };
  return {
    pr,
    reviews: reviews.flatMap((r) => {
      // Pending reviews (no submittedAt) are drafts; deleted accounts sign nothing.
      if (!r.author || !r.submittedAt || !r.fullDatabaseId) return [];
      return [
        {
          id: Number(r.fullDatabaseId),
          user: loginOf(r.author),
          state: r.state as ReviewState,
          commitId: r.commit?.oid ?? "",
          submittedAt: r.submittedAt,
          body: r.body,
        },
      ];
    }),
    comments: comments.flatMap((c) => {
      if (!c.author || !c.fullDatabaseId) return [];
      // lastEditedAt is GitHub's record of an edit; updatedAt also moves for reasons that are not edits.
      return [
        {
          id: Number(c.fullDatabaseId),
          user: loginOf(c.author),
          body: c.body,
          createdAt: c.createdAt,
          updatedAt: c.lastEditedAt ?? c.createdAt,
        },
      ];
    }),
    teamMembers,
    teamsAsked: teams,
    checkRun: node.isCrossRepository ? undefined : checkRunOf(node),
    blobs: new Map(
      blobs.map((expression, i) => [
        expression,
        (data.repository?.[`b${i}`] as Blob | null | undefined) ?? null,
      ]),
    ),
    createdAt: node.createdAt,
    timeline: timeline.flatMap(timelineEventOf),
    contributors: contributorsOf(contributions),
    siblings: siblingsOf(repo, node, associated),
    draft: node.isDraft,
  };
}

const ASSOCIATED_FIELDS =
  "nodes { number state headRefOid baseRepository { nameWithOwner } } pageInfo { hasNextPage endCursor }";
const ASSOCIATED = `associatedPullRequests(first: ${PAGE}) { ${ASSOCIATED_FIELDS} }`;
/**
 * Pages of pull requests associated with a head commit read after the first
 * (GitHub lists closed ones too). Anyone can open pull requests on a commit,
 * so the list is read whole, up to a bound that a real repository never
 * reaches; past it the sharers are unknown and the evaluation fails.
 */
const ASSOCIATED_PAGES = 10;

/**
 * Every pull request GitHub associates with the snapshot's head commit. The
 * check run belongs to the commit and is held to the strictest of them, so a
 * list cut short could hide a failing one: it is followed to its end (no
 * extra call when it fits one page), and past the bound it is an error.
 */
async function associatedPulls(
  octokit: GitHub,
  repo: RepoRef,
  node: PullRequestNode,
): Promise<AssociatedPullNode[]> {
  // A closed or merged pull request's check no longer guards a merge, and its
  // branch may have moved on since (GitHub then reports the branch's tip as its head).
  if (node.state !== "OPEN") return [];
  const commit = node.commits.nodes?.[0]?.commit;
  // An open pull request always has a head commit. Read as "nobody else on this
  // commit", an answer that lacks it (or names another commit: a push landing
  // between the fields, or GitHub's data out of step) would let this pull
  // request's decision stand for the commit alone, however another one fails.
  if (!commit || commit.oid !== node.headRefOid || !commit.associatedPullRequests)
    throw new Error(
      `GitHub's answer about pull request #${node.number} did not agree with itself: its head is ${node.headRefOid.slice(0, 7)}, but its last commit was ${commit ? `${commit.oid.slice(0, 7)}${commit.associatedPullRequests ? "" : ", with no pull requests listed for it"}` : "missing"}, so which other pull requests share the head (and the check run) is unknown. A push landing while it was read does this; the new head's own event judges it. Fix: re-run the \`governance\` check; if it still fails this way, push a new commit to the branch`,
    );
  const nodes = [...(commit.associatedPullRequests.nodes ?? [])];
  let page = commit.associatedPullRequests.pageInfo;
  for (let read = 0; page.hasNextPage; read++) {
    if (read === ASSOCIATED_PAGES)
      throw new Error(
        `GitHub associates more than ${nodes.length} pull requests with head commit ${node.headRefOid.slice(0, 7)}, more than the gate reads; one of them may fail its governance check, and the check run belongs to the commit, so this pull request's check fails. Fix: push a commit of its own to this pull request's branch, or close the other pull requests opened on this commit`,
      );
    // The rest unread is not the end of the list: one of them may fail.
    if (!page.endCursor)
      throw new Error(
        `GitHub said more pull requests share head commit ${node.headRefOid.slice(0, 7)} than it listed, but not where the rest start`,
      );
    const next = await graphqlRead<{
      repository: { pullRequest: Pick<PullRequestNode, "commits"> | null } | null;
    }>(
      octokit,
      `query AssociatedPullRequestsPage($owner: String!, $name: String!, $number: Int!, $after: String!) {
  repository(owner: $owner, name: $name) { pullRequest(number: $number) { commits(last: 1) { nodes { commit { oid associatedPullRequests(first: ${PAGE}, after: $after) { ${ASSOCIATED_FIELDS} } } } } } }
}`,
      { owner: repo.owner, name: repo.repo, number: node.number, after: page.endCursor },
    );
    const head = next.repository?.pullRequest?.commits.nodes?.[0]?.commit;
    // Pushed on meanwhile: the push's own event judges the new head.
    if (head?.oid !== node.headRefOid || !head.associatedPullRequests)
      throw new Error(
        `the head of pull request #${node.number} moved while the pull requests sharing it were being read`,
      );
    nodes.push(...(head.associatedPullRequests.nodes ?? []));
    page = head.associatedPullRequests.pageInfo;
  }
  return nodes.filter((p): p is AssociatedPullNode => p !== null);
}

function timelineEventOf(item: TimelineNode): TimelineEvent[] {
  if (!item.createdAt) return [];
  switch (item.__typename) {
    case "HeadRefForcePushedEvent":
      return [{ type: "head-force-pushed", at: item.createdAt }];
    case "HeadRefRestoredEvent":
      return [{ type: "head-restored", at: item.createdAt }];
    case "BaseRefChangedEvent":
      return [{ type: "base-changed", at: item.createdAt }];
    case "ReadyForReviewEvent":
      return [{ type: "ready-for-review", at: item.createdAt }];
    case "LabeledEvent":
    case "UnlabeledEvent":
      // A deleted label or a deleted account leaves nothing to attribute.
      if (!item.label?.name) return [];
      return [
        {
          type: item.__typename === "LabeledEvent" ? "labeled" : "unlabeled",
          at: item.createdAt,
          label: item.label.name,
          actor: item.actor ? loginOf(item.actor) : "",
        },
      ];
    default:
      return [];
  }
}

/** GitHub's committer for commits made through its web interface ("Update branch", web edits). */
const WEB_FLOW = "web-flow";

function contributorsOf(contributions: ContributionNode[]): string[] {
  const logins = new Set<string>();
  for (const { commit } of contributions) {
    // An author left unread could approve as if independent of the change.
    if (commit.authors?.pageInfo.hasNextPage)
      throw new Error(
        `commit ${commit.oid.slice(0, 7)} of this pull request names more than ${AUTHORS_READ} authors (Co-authored-by), more than the gate reads, so who contributed to the change is unknown and no approval can be shown to be independent. Fix: rewrite the commit with fewer Co-authored-by trailers and push`,
      );
    const committer = commit.committer?.user?.login?.toLowerCase();
    // "Update branch" merges the base into the head through the web: its author
    // brought nothing of their own into the change.
    if (commit.parents.totalCount > 1 && committer === WEB_FLOW) continue;
    for (const a of commit.authors?.nodes ?? [])
      if (a?.user?.login) logins.add(a.user.login.toLowerCase());
    if (committer && committer !== WEB_FLOW) logins.add(committer);
  }
  return [...logins].sort();
}

function siblingsOf(
  repo: RepoRef,
  node: PullRequestNode,
  associated: AssociatedPullNode[],
): number[] {
  const here = `${repo.owner}/${repo.repo}`.toLowerCase();
  return associated
    .filter(
      (p) =>
        p.number !== node.number &&
        p.state === "OPEN" &&
        p.headRefOid === node.headRefOid &&
        p.baseRepository?.nameWithOwner.toLowerCase() === here,
    )
    .map((p) => p.number)
    .sort((a, b) => a - b);
}

/** Members of `teams` alone, for teams a snapshot did not ask for (the base policy named others). */
export async function readTeams(
  octokit: GitHub,
  repo: RepoRef,
  teams: readonly string[],
): Promise<Record<string, string[]>> {
  const unique = [...new Set(teams)];
  if (unique.length === 0) return {};
  const teamVars = teamVariables(repo, unique);
  const query = `query TeamMembers(${teamVars.declarations.slice(2)}) {
${teamVars.fields}
}`;
  const data = await queryAllowingUnreadableTeams<Record<string, TeamNode>>(
    octokit,
    query,
    teamVars.values,
  );
  return membersFrom(octokit, repo, unique, teamVars.aliases, data);
}

/** GitHub's logins as REST spells them: an app's bot account ends in `[bot]`, which GraphQL leaves off. */
function loginOf(actor: Actor): string {
  return actor.__typename === "Bot" && !actor.login.endsWith("[bot]")
    ? `${actor.login}[bot]`
    : actor.login;
}

function checkRunOf(node: PullRequestNode): KnownCheckRun | null | undefined {
  const commit = node.commits.nodes?.[0]?.commit;
  if (!commit || commit.oid !== node.headRefOid) return undefined;
  // A list cut short may lack the newest run, the one GitHub shows: writing to
  // an older one would leave the shown one as it was (a pass, perhaps).
  const suites = commit.checkSuites?.nodes ?? [];
  if (
    commit.checkSuites?.pageInfo.hasNextPage ||
    suites.some((s) => s?.checkRuns?.pageInfo.hasNextPage)
  )
    return undefined;
  const runs = suites
    .flatMap((s) => s?.checkRuns?.nodes ?? [])
    .filter((r): r is CheckRunNode => r !== null);
  const known: KnownCheckRun[] = [];
  for (const run of runs) {
    // GraphQL's Int cannot hold every check run id; the run's URL always carries it.
    const id = run.databaseId ?? Number(/\/runs\/(\d+)/.exec(run.url)?.[1]);
    if (!Number.isSafeInteger(id) || id <= 0) return undefined;
    known.push({
      id,
      startedAt: run.startedAt ?? "",
      conclusion: run.conclusion === "SUCCESS" ? "success" : "failure",
      title: run.title ?? "",
      summary: run.summary ?? "",
    });
  }
  return ourRunOn(known) ?? null;
}

function teamVariables(repo: RepoRef, teams: readonly string[]) {
  const aliases = teams.map((_, i) => `t${i}`);
  const values: Record<string, string> = {};
  teams.forEach((team, i) => {
    const [org, slug] = orgAndSlug(repo, team);
    values[`t${i}org`] = org;
    values[`t${i}slug`] = slug;
  });
  return {
    aliases,
    values,
    declarations: teams.map((_, i) => `, $t${i}org: String!, $t${i}slug: String!`).join(""),
    fields: teams
      .map(
        (_, i) =>
          `  t${i}: organization(login: $t${i}org) { team(slug: $t${i}slug) { members(first: ${PAGE}, membership: ALL) { ${MEMBER_FIELDS} } } }`,
      )
      .join("\n"),
  };
}

/**
 * A team the app may not read (another organisation, or no Members permission)
 * comes back as an error at its alias: that team stays unknown, the rest of the
 * answer stands. Any other error fails the evaluation, which fails the check.
 */
async function queryAllowingUnreadableTeams<T>(
  octokit: GitHub,
  query: string,
  variables: Record<string, unknown>,
): Promise<T> {
  try {
    return await graphqlRead<T>(octokit, query, variables);
  } catch (error) {
    const partial = error as { name?: string; data?: T; errors?: { path?: (string | number)[] }[] };
    const onlyTeams =
      partial.errors?.length &&
      partial.errors.every((e) => typeof e.path?.[0] === "string" && /^t\d+$/.test(e.path[0]));
    if (partial.name === "GraphqlResponseError" && partial.data && onlyTeams) return partial.data;
    throw error;
  }
}

async function membersFrom(
  octokit: GitHub,
  repo: RepoRef,
  teams: readonly string[],
  aliases: string[],
  data: Record<string, unknown>,
): Promise<Record<string, string[]>> {
  const members: Record<string, string[]> = {};
  await Promise.all(
    teams.map(async (team, i) => {
      const node = data[aliases[i]!] as TeamNode | undefined;
      if (!node?.team) return; // no such team, or not readable: unknown
      const first = node.team.members;
      const nodes = [...(first.nodes ?? [])];
      let page = first.pageInfo;
      while (page.hasNextPage) {
        const [org, slug] = orgAndSlug(repo, team);
        const next = await graphqlRead<{ organization: TeamNode }>(
          octokit,
          `query TeamMembersPage($org: String!, $slug: String!, $after: String!) {
  organization(login: $org) { team(slug: $slug) { members(first: ${PAGE}, after: $after, membership: ALL) { ${MEMBER_FIELDS} } } }
}`,
          { org, slug, after: page.endCursor },
        );
        if (!next.organization?.team)
          throw new Error(`team ${team} disappeared while its members were being read`);
        nodes.push(...(next.organization.team.members.nodes ?? []));
        page = next.organization.team.members.pageInfo;
      }
      members[team] = nodes.filter((n): n is { login: string } => n !== null).map((n) => n.login);
    }),
  );
  return members;
}

/** Follows a pull request connection past its first page. */
async function wholeConnection<T>(
  octokit: GitHub,
  repo: RepoRef,
  number: number,
  field: ConnectionName,
  first: Connection<T>,
): Promise<T[]> {
  const nodes = [...(first.nodes ?? [])];
  let page = first.pageInfo;
  while (page.hasNextPage) {
    const next = await graphqlRead<{
      repository: { pullRequest: Record<string, Connection<T>> | null } | null;
    }>(
      octokit,
      `query PullRequestPage($owner: String!, $name: String!, $number: Int!, $after: String!) {
  repository(owner: $owner, name: $name) { pullRequest(number: $number) { ${connectionField(field, ", after: $after")} } }
}`,
      { owner: repo.owner, name: repo.repo, number, after: page.endCursor },
    );
    const connection = next.repository?.pullRequest?.[field];
    if (!connection)
      throw new Error(`pull request #${number} disappeared while its ${field} were being read`);
    nodes.push(...(connection.nodes ?? []));
    page = connection.pageInfo;
  }
  return nodes.filter((n): n is T => n !== null);
}

/** A GraphQL query that only reads: it does not wait in the write queue (see src/github/octokit.ts). */
export function graphqlRead<T>(
  octokit: GitHub,
  query: string,
  variables: Record<string, unknown>,
): Promise<T> {
  return readOnlyQuery(() => octokit.graphql<T>(query, variables));
}

/** A policy's team name (`slug`, or `org/slug` for another organisation) as organisation and slug. */
function orgAndSlug(repo: RepoRef, team: string): [string, string] {
  return team.includes("/") ? (team.split("/", 2) as [string, string]) : [repo.owner, team];
}
