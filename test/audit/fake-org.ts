/**
 * An organisation's GitHub as the audit reads it: merged pull requests with
 * the check runs on their heads, and issues. The audit's GraphQL is executed
 * by graphql-js against GitHub's published schema over this state (as
 * test/github-support/graphql-world.ts does for the app's snapshot), so a
 * field, argument or type GitHub does not have fails here as it would there.
 * `search` follows GitHub's rules that matter to the audit: the qualifiers it
 * uses (`org:`, `repo:`, `is:pr`, `is:merged`, `merged:A..B`, `is:issue`,
 * `label:`, `created:>=`), at most 1,000 results per query, cursor paging.
 */
import { execute, parse, validate, type DocumentNode } from "graphql";
import { githubGraphqlSchema } from "../github-support/graphql.js";
import { connection, type PageArgs } from "../github-support/graphql-world.js";
import type { GitHubMock, RecordedCall } from "../github-support/mock-github.js";
import type { GraphqlClient } from "../../src/audit/collect.js";
import { buildPolicyFailureRecord, withDecisionRecord } from "../../src/audit/decision-record.js";

export interface FakeRun {
  id: number;
  appId: number;
  appSlug: string;
  name: string;
  conclusion: "SUCCESS" | "FAILURE" | "NEUTRAL";
  summary: string;
  completedAt: string;
}

export interface FakePull {
  repository: string;
  number: number;
  title: string;
  author: string;
  mergedAt: string | null;
  mergedBy?: string;
  head: string;
  runs: FakeRun[];
}

export interface FakeIssue {
  repository: string;
  number: number;
  title: string;
  body: string;
  /** The author's login; a bot's with `[bot]`, as REST spells it. */
  author: string;
  labels: string[];
  createdAt: string;
  closedAt?: string;
}

export const SEARCH_LIMIT = 1000;

export class FakeOrg {
  readonly pulls: FakePull[] = [];
  readonly issues: FakeIssue[] = [];
  /** Rate limit each answer reports; tests lower it to see the audit wait. */
  rate = { remaining: 5000, resetAt: "2026-10-01T01:00:00Z" };
  readonly queries: string[] = [];
  private readonly documents = new Map<string, DocumentNode>();

  /** Answers every GraphQL request through `gh` (validated against GitHub's schema by the mock too). */
  serve(gh: GitHubMock, matcher: string, options: { times: number }): void {
    gh.graphql(
      matcher,
      (call: RecordedCall) =>
        this.answer(call.body as { query: string; variables?: Record<string, unknown> }),
      { times: options.times },
    );
  }

  answer(body: { query: string; variables?: Record<string, unknown> }): unknown {
    let document = this.documents.get(body.query);
    if (!document) {
      document = parse(body.query);
      const errors = validate(githubGraphqlSchema(), document);
      if (errors.length > 0) return { errors: errors.map((e) => ({ message: e.message })) };
      this.documents.set(body.query, document);
    }
    this.queries.push(String(body.variables?.q ?? ""));
    const result = execute({
      schema: githubGraphqlSchema(),
      document,
      rootValue: this.root(),
      variableValues: body.variables ?? {},
    });
    if (result instanceof Promise) throw new Error("fake-org resolvers are synchronous");
    return result.errors?.length
      ? {
          data: result.data ?? null,
          errors: result.errors.map((e) => ({ message: e.message, path: e.path })),
        }
      : { data: result.data };
  }

  private root() {
    return {
      rateLimit: () => ({
        __typename: "RateLimit",
        cost: 1,
        limit: 5000,
        nodeCount: 0,
        remaining: this.rate.remaining,
        resetAt: this.rate.resetAt,
        used: 5000 - this.rate.remaining,
      }),
      search: (args: PageArgs & { query: string; type: string }) => {
        const matches = this.search(args.query);
        // GitHub reads a null cursor as none. Only the page's items are turned into nodes.
        const page = connection(matches.slice(0, SEARCH_LIMIT))({
          ...args,
          after: args.after ?? undefined,
          before: args.before ?? undefined,
        });
        const node = (item: FakePull | FakeIssue) =>
          "head" in item ? this.pullNode(item) : this.issueNode(item);
        return {
          ...page,
          nodes: page.nodes.map(node),
          edges: page.edges.map((e) => ({ ...e, node: node(e.node) })),
          issueCount: matches.length,
        };
      },
    };
  }

  private search(query: string): (FakePull | FakeIssue)[] {
    const terms = query.split(/\s+/).filter(Boolean);
    const value = (key: string) =>
      terms.find((t) => t.startsWith(`${key}:`))?.slice(key.length + 1);
    const org = value("org")?.toLowerCase();
    const repo = value("repo")?.toLowerCase();
    const inScope = (repository: string) =>
      (org ? repository.toLowerCase().startsWith(`${org}/`) : true) &&
      (repo ? repository.toLowerCase() === repo : true);
    if (terms.includes("is:pr")) {
      const [from, to] = (value("merged") ?? "..").split("..");
      return this.pulls
        .filter((p) => inScope(p.repository) && (!terms.includes("is:merged") || p.mergedAt))
        .filter(
          (p) =>
            !p.mergedAt ||
            ((!from || Date.parse(p.mergedAt) >= Date.parse(from)) &&
              (!to || Date.parse(p.mergedAt) <= Date.parse(to))),
        );
    }
    if (terms.includes("is:issue")) {
      const label = value("label");
      const created = value("created")?.replace(/^>=/, "");
      return this.issues.filter(
        (i) =>
          inScope(i.repository) &&
          (!label || i.labels.includes(label)) &&
          (!created || Date.parse(i.createdAt) >= Date.parse(created)),
      );
    }
    throw new Error(`fake-org: no search for "${query}"`);
  }

  private pullNode(p: FakePull) {
    const repository = { __typename: "Repository", nameWithOwner: p.repository };
    const url = `https://github.com/${p.repository}/pull/${p.number}`;
    const runs = p.runs;
    const commit = {
      __typename: "Commit",
      oid: p.head,
      checkSuites: (args: PageArgs & { filterBy?: { appId?: number } | null }) => {
        const apps = [...new Set(runs.map((r) => r.appId))].filter(
          (id) => !args.filterBy?.appId || id === args.filterBy.appId,
        );
        const suites = apps.map((appId) => {
          const mine = runs.filter((r) => r.appId === appId);
          return {
            __typename: "CheckSuite",
            app: { __typename: "App", databaseId: appId, slug: mine[0]!.appSlug },
            checkRuns: (a: PageArgs & { filterBy?: { checkName?: string } | null }) =>
              connection(
                mine
                  .filter((r) => !a.filterBy?.checkName || r.name === a.filterBy.checkName)
                  .map((r) => ({
                    __typename: "CheckRun",
                    databaseId: r.id,
                    name: r.name,
                    conclusion: r.conclusion,
                    status: "COMPLETED",
                    summary: r.summary,
                    completedAt: r.completedAt,
                  })),
              )(a),
          };
        });
        return connection(suites)(args);
      },
    };
    return {
      __typename: "PullRequest",
      number: p.number,
      url,
      title: p.title,
      mergedAt: p.mergedAt,
      headRefOid: p.head,
      author: { __typename: "User", login: p.author },
      mergedBy: p.mergedBy ? { __typename: "User", login: p.mergedBy } : null,
      repository,
      commits: connection([{ __typename: "PullRequestCommit", commit }]),
    };
  }

  private issueNode(i: FakeIssue) {
    const bot = i.author.endsWith("[bot]");
    return {
      __typename: "Issue",
      number: i.number,
      url: `https://github.com/${i.repository}/issues/${i.number}`,
      state: i.closedAt ? "CLOSED" : "OPEN",
      createdAt: i.createdAt,
      closedAt: i.closedAt ?? null,
      body: i.body,
      // GraphQL names a bot without the `[bot]` REST shows.
      author: {
        __typename: bot ? "Bot" : "User",
        login: bot ? i.author.replace(/\[bot\]$/, "") : i.author,
      },
      repository: { __typename: "Repository", nameWithOwner: i.repository },
    };
  }
}

/** `count` merged pull requests of acme/big spread evenly over the period (default: 2026's third quarter), each with a passing run of ours. */
export function busyOrg(
  count: number,
  period = { since: new Date("2026-07-01T00:00:00Z"), until: new Date("2026-09-30T23:59:59Z") },
  appId = 4242,
): FakeOrg {
  const org = new FakeOrg();
  const span = period.until.getTime() - period.since.getTime();
  for (let n = 1; n <= count; n++) {
    const head = n.toString(16).padStart(40, "0");
    const mergedAt = new Date(
      period.since.getTime() + Math.floor((span * n) / (count + 1)),
    ).toISOString();
    const summary = withDecisionRecord(
      "ok",
      buildPolicyFailureRecord({
        pullRequest: n,
        head,
        base: { ref: "main", sha: "b".repeat(40) },
        policySource: "p",
        policyProblems: [],
      }),
    );
    const pull: FakePull = {
      repository: "acme/big",
      number: n,
      title: `change ${n}`,
      author: "octocat",
      mergedAt,
      head,
      runs: [
        {
          id: n,
          appId,
          appSlug: "governance-gate",
          name: "governance",
          conclusion: "SUCCESS",
          summary,
          completedAt: mergedAt,
        },
      ],
    };
    org.pulls.push(pull);
  }
  return org;
}

/** The audit's GraphQL client over `org`, in process (no HTTP): errors thrown as octokit throws them. */
export function graphqlOver(org: FakeOrg): GraphqlClient {
  return (async (query: string, variables: Record<string, unknown>) => {
    const answer = org.answer({ query, variables }) as { data?: unknown; errors?: unknown[] };
    if (answer.errors) throw Object.assign(new Error("GraphQL errors"), { errors: answer.errors });
    return answer.data;
  }) as GraphqlClient;
}
