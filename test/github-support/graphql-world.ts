/**
 * Answers GraphQL requests the way GitHub would, from the same REST-shaped
 * state the fakes and mocks already hold (pull request JSON, reviews, issue
 * comments, check runs, team members, blobs). The query is executed by
 * graphql-js against GitHub's published schema (`@octokit/graphql-schema`), so a
 * field the app asks for that GitHub does not have, a wrong argument or a
 * missing variable is an error here as it would be there — nothing is
 * pattern-matched. Used by the nock mocks (test/github), the e2e/reliability
 * fake (test/e2e/fake-github.ts) and the bench's fake (bench/lib/fake-github.ts).
 */
import { createHash } from "node:crypto";
import { execute, parse, validate, type DocumentNode, type GraphQLError } from "graphql";
import { githubGraphqlSchema, type GraphqlRequestBody } from "./graphql.js";
import { APP_BOT_LOGIN } from "./fake-github/views.js";

/* eslint-disable @typescript-eslint/no-explicit-any -- REST JSON as the fakes hold it */
type Rest = any;

/** A pull request as REST shows it, with its conversation and the check runs on its head. */
export interface PullWorld {
  /** The REST pull request object (`GET /repos/{o}/{r}/pulls/{n}`). */
  pull: Rest;
  reviews?: Rest[];
  /** Issue comments (`GET /repos/{o}/{r}/issues/{n}/comments`). */
  comments?: Rest[];
  /** Check runs on the head commit (`GET .../commits/{sha}/check-runs` items). */
  checkRuns?: Rest[];
  /**
   * The pull request's commits as `GET /repos/{o}/{r}/pulls/{n}/commits` lists them (oldest
   * first, the head last). Default: one commit, the head, authored and committed by the author.
   */
  commits?: Rest[];
  /**
   * Timeline events as `GET /repos/{o}/{r}/issues/{n}/timeline` lists them (oldest first):
   * `head_ref_force_pushed`, `head_ref_restored`, `base_ref_changed`, `labeled`, `unlabeled`,
   * `ready_for_review`
   * (`{ event, created_at, actor: { login }, label?: { name } }`).
   */
  timeline?: Rest[];
  /** Every open pull request of the repository whose head is this one's head (itself included). Default: itself. */
  sameHead?: Rest[];
}

export interface GraphqlWorld {
  /** The pull request, or undefined when the repository has none with that number. */
  pullRequest(owner: string, repo: string, number: number): PullWorld | undefined;
  /** Team members, or undefined when the organisation has no such team (GitHub answers `team: null`). */
  teamMembers?(org: string, slug: string): string[] | undefined;
  /** The `viewer` of the token (default: the App's bot account, as the fakes name it). */
  viewer?: string;
  /**
   * `rev:path` → blob, or undefined when there is no such object. `oid` defaults to
   * Git's id of `text` (of the expression, for a blob given no text).
   */
  blob?(
    owner: string,
    repo: string,
    expression: string,
  ): { text: string | null; isBinary: boolean; isTruncated?: boolean; oid?: string } | undefined;
}

export interface GraphqlAnswer {
  data?: unknown;
  errors?: { message: string; path?: readonly (string | number)[]; type?: string }[];
}

const documents = new Map<string, { document?: DocumentNode; errors?: readonly GraphQLError[] }>();

/** Executes `body` against GitHub's schema over `world`. Parsed and validated documents are cached by text. */
export function answerGraphql(body: GraphqlRequestBody, world: GraphqlWorld): GraphqlAnswer {
  let compiled = documents.get(body.query);
  if (!compiled) {
    try {
      const document = parse(body.query);
      const errors = validate(githubGraphqlSchema(), document);
      compiled = errors.length > 0 ? { errors } : { document };
    } catch (error) {
      compiled = { errors: [error as GraphQLError] };
    }
    if (documents.size > 500) documents.clear();
    documents.set(body.query, compiled);
  }
  if (!compiled.document) return { errors: compiled.errors!.map((e) => ({ message: e.message })) };
  const result = execute({
    schema: githubGraphqlSchema(),
    document: compiled.document,
    rootValue: rootOf(world),
    variableValues: (body.variables ?? {}) as Record<string, unknown>,
    operationName: body.operationName ?? undefined,
  });
  if (result instanceof Promise) throw new Error("graphql-world resolvers are synchronous");
  const answer: GraphqlAnswer = { data: result.data ?? null };
  if (result.errors?.length)
    answer.errors = result.errors.map((e) => ({
      message: e.message,
      path: e.path,
      type: "NOT_FOUND",
    }));
  return answer;
}

/** A connection over `items` honouring first/last/after/before as GitHub's cursors do (opaque, per position). */
export interface PageArgs {
  first?: number;
  last?: number;
  after?: string;
  before?: string;
}

export function connection<T>(items: T[]) {
  return (args: PageArgs) => {
    let start = 0;
    let end = items.length;
    if (args.after !== undefined) start = cursorIndex(args.after) + 1;
    if (args.before !== undefined) end = cursorIndex(args.before);
    if (args.first !== undefined) end = Math.min(end, start + args.first);
    if (args.last !== undefined) start = Math.max(start, end - args.last);
    const nodes = items.slice(start, end);
    return {
      nodes,
      edges: nodes.map((node, i) => ({ node, cursor: cursorOf(start + i) })),
      totalCount: items.length,
      pageInfo: {
        hasNextPage: end < items.length,
        hasPreviousPage: start > 0,
        startCursor: nodes.length ? cursorOf(start) : null,
        endCursor: nodes.length ? cursorOf(end - 1) : null,
      },
    };
  };
}

function cursorOf(index: number): string {
  return Buffer.from(`cursor:v2:${index}`).toString("base64");
}
function cursorIndex(cursor: string): number {
  const index = Number(Buffer.from(cursor, "base64").toString().replace("cursor:v2:", ""));
  if (!Number.isInteger(index)) throw new Error(`invalid cursor ${cursor}`);
  return index;
}

/** Git's object id of a blob with this content (a GitObjectID: 40 hex digits). */
export function gitBlobId(content: string): string {
  const bytes = Buffer.from(content, "utf8");
  return createHash("sha1")
    .update(Buffer.concat([Buffer.from(`blob ${bytes.length}\0`), bytes]))
    .digest("hex");
}

/** GraphQL's actor for a REST user: bots are `Bot` and their login has no `[bot]`. */
function actor(user: Rest) {
  if (!user) return null;
  const bot = user.type === "Bot" || String(user.login).endsWith("[bot]");
  return {
    __typename: bot ? "Bot" : "User",
    login: bot ? String(user.login).replace(/\[bot\]$/, "") : user.login,
  };
}

function rootOf(world: GraphqlWorld) {
  return {
    repository: ({ owner, name }: { owner: string; name: string }) => ({
      __typename: "Repository",
      pullRequest: ({ number }: { number: number }) => {
        const found = world.pullRequest(owner, name, number);
        return found ? pullRequestNode(found, `${owner}/${name}`) : null;
      },
      object: ({ expression }: { expression?: string }) => {
        const blob = expression === undefined ? undefined : world.blob?.(owner, name, expression);
        return blob
          ? {
              __typename: "Blob",
              oid: blob.oid ?? gitBlobId(blob.text ?? `binary content of ${expression}`),
              text: blob.text,
              isBinary: blob.isBinary,
              isTruncated: blob.isTruncated ?? false,
            }
          : null;
      },
    }),
    organization: ({ login }: { login: string }) => ({
      __typename: "Organization",
      login,
      team: ({ slug }: { slug: string }) => {
        const members = world.teamMembers?.(login, slug);
        return members
          ? {
              __typename: "Team",
              slug,
              members: connection(members.map((m) => ({ __typename: "User", login: m }))),
            }
          : null;
      },
    }),
    // The installation token's viewer is the App's bot account (src/github/app-identity.ts).
    viewer: () => ({ __typename: "User", login: world.viewer ?? APP_BOT_LOGIN }),
  };
}

const TIMELINE_TYPES: Record<string, string> = {
  head_ref_force_pushed: "HeadRefForcePushedEvent",
  head_ref_restored: "HeadRefRestoredEvent",
  base_ref_changed: "BaseRefChangedEvent",
  labeled: "LabeledEvent",
  unlabeled: "UnlabeledEvent",
  ready_for_review: "ReadyForReviewEvent",
};
const ITEM_TYPE_OF: Record<string, string> = {
  HeadRefForcePushedEvent: "HEAD_REF_FORCE_PUSHED_EVENT",
  HeadRefRestoredEvent: "HEAD_REF_RESTORED_EVENT",
  BaseRefChangedEvent: "BASE_REF_CHANGED_EVENT",
  LabeledEvent: "LABELED_EVENT",
  UnlabeledEvent: "UNLABELED_EVENT",
  ReadyForReviewEvent: "READY_FOR_REVIEW_EVENT",
};

function timelineNode(e: Rest) {
  const type = TIMELINE_TYPES[e.event];
  if (!type) throw new Error(`graphql-world: no timeline type for REST event ${e.event}`);
  return {
    __typename: type,
    createdAt: e.created_at,
    actor: actor(e.actor),
    label: e.label ? { __typename: "Label", name: e.label.name } : null,
    currentRefName: e.to ?? "",
    previousRefName: e.from ?? "",
  };
}

/** GraphQL's GitActor for a REST commit's author or committer (its `user` only when GitHub linked an account). */
function gitActor(user: Rest) {
  return {
    __typename: "GitActor",
    user: user?.login ? { __typename: "User", login: user.login } : null,
  };
}

function pullRequestNode(world: PullWorld, repoName: string) {
  const p = world.pull;
  const restCommits: Rest[] = world.commits ?? [
    { sha: p.head.sha, author: p.user, committer: p.user, parents: [{ sha: p.base.sha }] },
  ];
  const sameHead: Rest[] = world.sameHead ?? [p];
  const requested = [
    ...(p.requested_reviewers ?? []).map((u: Rest) => ({ requestedReviewer: actor(u) })),
    ...(p.requested_teams ?? []).map((t: Rest) => ({
      requestedReviewer: { __typename: "Team", slug: t.slug },
    })),
  ];
  const runs = (world.checkRuns ?? []).filter((r) => !r.head_sha || r.head_sha === p.head.sha);
  return {
    __typename: "PullRequest",
    number: p.number,
    state: p.merged ? "MERGED" : p.state === "open" ? "OPEN" : "CLOSED",
    merged: Boolean(p.merged),
    title: p.title,
    body: p.body ?? "",
    isCrossRepository: Boolean(
      p.head?.repo && p.base?.repo && p.head.repo.full_name !== p.base.repo.full_name,
    ),
    isDraft: Boolean(p.draft),
    changedFiles: p.changed_files ?? 0,
    headRefOid: p.head.sha,
    baseRefOid: p.base.sha,
    baseRefName: p.base.ref,
    author: actor(p.user),
    labels: connection((p.labels ?? []).map((l: Rest) => ({ __typename: "Label", name: l.name }))),
    reviewRequests: connection(requested.map((r) => ({ __typename: "ReviewRequest", ...r }))),
    reviews: connection(
      (world.reviews ?? []).map((r) => ({
        __typename: "PullRequestReview",
        fullDatabaseId: String(r.id),
        state: r.state,
        submittedAt: r.submitted_at ?? null,
        body: r.body ?? "",
        author: actor(r.user),
        commit: r.commit_id ? { oid: r.commit_id } : null,
      })),
    ),
    comments: connection(
      (world.comments ?? []).map((c) => ({
        __typename: "IssueComment",
        fullDatabaseId: String(c.id),
        body: c.body ?? "",
        createdAt: c.created_at,
        lastEditedAt: c.updated_at && c.updated_at !== c.created_at ? c.updated_at : null,
        author: actor(c.user),
      })),
    ),
    createdAt: p.created_at ?? "2026-01-01T00:00:00Z",
    timelineItems: (args: PageArgs & { itemTypes?: string[] }) =>
      connection(
        (world.timeline ?? [])
          .map(timelineNode)
          .filter((n) => !args.itemTypes || args.itemTypes.includes(ITEM_TYPE_OF[n.__typename]!)),
      )(args),
    commits: connection(
      restCommits.map((c) => ({
        __typename: "PullRequestCommit",
        commit: {
          __typename: "Commit",
          oid: c.sha,
          authors: connection([gitActor(c.author), ...(c.co_authors ?? []).map(gitActor)]),
          committer: gitActor(c.committer),
          parents: connection(
            (c.parents ?? []).map((x: Rest) => ({ __typename: "Commit", oid: x.sha })),
          ),
          associatedPullRequests: connection(
            c.sha !== p.head.sha
              ? []
              : sameHead.map((o) => ({
                  __typename: "PullRequest",
                  number: o.number,
                  state: o.merged ? "MERGED" : o.state === "open" ? "OPEN" : "CLOSED",
                  headRefOid: o.head.sha,
                  baseRepository: {
                    __typename: "Repository",
                    nameWithOwner: o.base?.repo?.full_name ?? repoName,
                  },
                })),
          ),
          checkSuites: (args: PageArgs & { filterBy?: { appId?: number } | null }) => {
            // As on GitHub: with an appId filter, only that App's runs (a run always has an App).
            const mine = runs.filter(
              (r) => !args.filterBy?.appId || r.app?.id === args.filterBy.appId,
            );
            const suite = {
              __typename: "CheckSuite",
              checkRuns: (
                a: PageArgs & { filterBy?: { checkName?: string; checkType?: string } | null },
              ) => {
                let named = mine.filter(
                  (r) => !a.filterBy?.checkName || r.name === a.filterBy.checkName,
                );
                // LATEST: GitHub keeps the newest run of each name.
                if (a.filterBy?.checkType === "LATEST")
                  named = named.filter((r) => !named.some((o) => o.name === r.name && o.id > r.id));
                return connection(named.map(checkRunNode))(a);
              },
            };
            return connection(c.sha === p.head.sha && mine.length ? [suite] : [])(args);
          },
        },
      })),
    ),
  };
}

function checkRunNode(r: Rest) {
  return {
    __typename: "CheckRun",
    databaseId: r.id,
    url: `https://github.com/o/r/runs/${r.id}`,
    title: r.output?.title ?? null,
    summary: r.output?.summary ?? null,
    conclusion: r.conclusion ? String(r.conclusion).toUpperCase() : null,
    startedAt: r.started_at ?? null,
    name: r.name,
  };
}
