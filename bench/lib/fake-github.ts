/**
 * A GitHub (Enterprise Server-shaped) fake for the benchmarks: many
 * installations, each owning repositories with several pull requests whose state
 * changes (pushes, reviews, comments, labels, merges), check runs, and a request
 * log / counters the benchmarks read.
 *
 * Its state is the bench's own, separate from test/e2e/fake-github.ts (one
 * repository, one pull request): the load benchmark needs hundreds of
 * installations, and the lifecycle benchmark needs a pull request that is pushed
 * to and merged. What GitHub does the same for both (authentication, routing,
 * the shape of every object) comes from test/github-support/fake-github/.
 *
 * Probot started with `GHE_HOST=127.0.0.1:<port>` and `GHE_PROTOCOL=http` sends
 * REST to `/api/v3/...` and GraphQL to `/api/graphql`. Authentication is real:
 * `POST /app/installations/{id}/access_tokens` verifies the App's RS256 JWT and
 * issues a token scoped to that installation; a repository outside the token's
 * installation answers 404, as on GitHub.
 *
 * Control endpoints for a driver in another process live under `/_bench/`
 * (no authentication, never counted as API calls).
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { answerGraphql, type GraphqlWorld } from "../../test/github-support/graphql-world.js";
import {
  ACCESS_TOKEN_ROUTE,
  authenticate,
  installationTokenReply,
  newInstallationToken,
} from "../../test/github-support/fake-github/app-auth.js";
import {
  listedCheckRuns,
  newCheckRun,
  updateCheckRun,
  type CheckRun,
} from "../../test/github-support/fake-github/check-runs.js";
import {
  graphqlOperation,
  readGraphqlRequest,
} from "../../test/github-support/fake-github/graphql.js";
import {
  asObject,
  GRAPHQL_ROUTE,
  handleSafely,
  isGraphqlRequest,
  LoopbackFake,
  matchRestRoute,
  notFound,
  ok,
  parseJsonBody,
  readRequest,
  route,
  sendReply,
  unprocessable,
  type Json,
  type JsonObject,
  type Reply,
  type RequestContext,
  type Route,
} from "../../test/github-support/fake-github/http.js";
import { numericId, sha1 } from "../../test/github-support/fake-github/ids.js";
import {
  readReviewerRequest,
  reviewerRequestRefusal,
} from "../../test/github-support/fake-github/review-requests.js";
import {
  APP_BOT_LOGIN,
  GitHubViews,
  type PullFile,
  type PullRequestBasics,
  type RepositoryFacts,
} from "../../test/github-support/fake-github/views.js";

export { GRAPHQL_ROUTE } from "../../test/github-support/fake-github/http.js";
export { gitBlobSha, numericId, sha1 } from "../../test/github-support/fake-github/ids.js";

export type FileSpec = PullFile;

export interface PullSpec extends PullRequestBasics {
  labels?: string[];
  files: FileSpec[];
}

export interface RepoSpec {
  installationId: number;
  owner: string;
  name: string;
  defaultBranch: string;
  baseSha: string;
  collaborators: string[];
  /** Organisation teams: slug → member logins. */
  teams?: Record<string, string[]>;
  /** Repository content by `<commit sha>:<path>`. */
  blobs: Record<string, string>;
  pulls: PullSpec[];
}

export interface WorldSpec {
  appId: number;
  /** The App's public key, PEM (SPKI). */
  publicKeyPem: string;
  repos: RepoSpec[];
}

export interface Review {
  id: number;
  login: string;
  state: "APPROVED" | "CHANGES_REQUESTED" | "COMMENTED" | "DISMISSED";
  commitId: string;
  submittedAt: string;
  body: string;
}

export interface Comment {
  id: number;
  login: string;
  body: string;
  createdAt: string;
  updatedAt: string;
}

interface Pull extends PullRequestBasics {
  labels: string[];
  files: FileSpec[];
  state: "open" | "closed";
  merged: boolean;
  mergedAt: string | null;
  createdAt: string;
  requestedReviewers: Set<string>;
  requestedTeams: Set<string>;
  reviews: Review[];
  comments: Comment[];
  reactions: { commentId: number; content: Json }[];
}

interface Repo extends Omit<RepoSpec, "pulls" | "blobs"> {
  id: number;
  blobs: Map<string, string>;
  pulls: Map<number, Pull>;
  checkRuns: Map<number, CheckRun>;
  checkRunsByHead: Map<string, CheckRun[]>;
  issues: JsonObject[];
}

export interface LoggedCall {
  /** ms since the fake started. */
  at: number;
  method: string;
  route: string;
  status: number;
  /** The `sha:path` expressions of a GraphQL blob query. */
  graphql?: string[];
}

export interface Stats {
  calls: number;
  byRoute: Record<string, number>;
  byStatus: Record<string, number>;
  /** Requests no route matched (each also counted in `calls`). */
  unexpected: string[];
  authFailures: string[];
  tokenExchanges: number;
}

interface Ctx extends RequestContext {
  /** The installation whose token the request carried (0 for App-authenticated routes). */
  installationId: number;
}

export class FakeGitHub extends LoopbackFake {
  /** Every API call (control requests excluded), when `keepLog` is on. */
  readonly log: LoggedCall[] = [];
  keepLog: boolean;
  private stats: Stats = emptyStats();
  private readonly repos = new Map<string, Repo>();
  /** Issued token → the installation it is scoped to. */
  private readonly tokens = new Map<string, number>();
  private readonly routes: Route<Ctx>[];
  private readonly views = new GitHubViews(() => this.host);
  private readonly started = performance.now();
  private nextId = 10_000;

  private constructor(
    readonly world: WorldSpec,
    options: { keepLog?: boolean },
  ) {
    super();
    this.keepLog = options.keepLog ?? false;
    const created = new Date().toISOString();
    for (const spec of world.repos) {
      const repo: Repo = {
        ...spec,
        id: numericId(`repo:${spec.owner}/${spec.name}`),
        blobs: new Map(Object.entries(spec.blobs)),
        pulls: new Map(),
        checkRuns: new Map(),
        checkRunsByHead: new Map(),
        issues: [],
      };
      for (const p of spec.pulls) {
        repo.pulls.set(p.number, {
          number: p.number,
          title: p.title,
          body: p.body,
          author: p.author,
          headRef: p.headRef,
          headSha: p.headSha,
          labels: [...(p.labels ?? [])],
          files: p.files,
          state: "open",
          merged: false,
          mergedAt: null,
          createdAt: created,
          requestedReviewers: new Set(),
          requestedTeams: new Set(),
          reviews: [],
          comments: [],
          reactions: [],
        });
      }
      this.repos.set(key(spec.owner, spec.name), repo);
    }
    this.routes = this.buildRoutes();
  }

  static async start(
    world: WorldSpec,
    options: { keepLog?: boolean; port?: number } = {},
  ): Promise<FakeGitHub> {
    const fake = new FakeGitHub(world, options);
    // The load benchmark's app keeps connections open between bursts.
    await fake.listen({ port: options.port, keepAliveTimeout: 60_000 });
    return fake;
  }

  snapshot(): Stats {
    return structuredClone(this.stats);
  }

  resetStats(): void {
    this.stats = emptyStats();
    this.log.length = 0;
  }

  // --- what people do on GitHub (the driver calls these) ------------------------

  pull(owner: string, repo: string, number: number): Pull {
    const p = this.repos.get(key(owner, repo))?.pulls.get(number);
    if (!p) throw new Error(`no pull request ${owner}/${repo}#${number}`);
    return p;
  }

  /** A review as GitHub stores it once submitted; the reviewer leaves the requested list, as on GitHub. */
  addReview(
    owner: string,
    repo: string,
    number: number,
    login: string,
    state: Review["state"],
    body = "",
  ): Review {
    const p = this.pull(owner, repo, number);
    const review: Review = {
      id: this.id(),
      login,
      state,
      commitId: p.headSha,
      submittedAt: now(),
      body,
    };
    p.reviews.push(review);
    p.requestedReviewers.delete(login);
    return review;
  }

  addComment(owner: string, repo: string, number: number, login: string, body: string): Comment {
    const p = this.pull(owner, repo, number);
    const at = now();
    const comment: Comment = { id: this.id(), login, body, createdAt: at, updatedAt: at };
    p.comments.push(comment);
    return comment;
  }

  /** A push: the head moves; `files` is the pull request's file list after it. */
  push(
    owner: string,
    repo: string,
    number: number,
    headSha: string,
    files?: FileSpec[],
    blobs: Record<string, string> = {},
  ): void {
    const p = this.pull(owner, repo, number);
    p.headSha = headSha;
    if (files) p.files = files;
    const r = this.repos.get(key(owner, repo))!;
    for (const [k, v] of Object.entries(blobs)) r.blobs.set(k, v);
  }

  label(owner: string, repo: string, number: number, name: string): void {
    const p = this.pull(owner, repo, number);
    if (!p.labels.includes(name)) p.labels.push(name);
  }

  merge(owner: string, repo: string, number: number): void {
    const p = this.pull(owner, repo, number);
    p.state = "closed";
    p.merged = true;
    p.mergedAt = now();
  }

  // --- GitHub-shaped views ----------------------------------------------------------

  pullView(owner: string, repoName: string, number: number): JsonObject {
    const repo = this.repos.get(key(owner, repoName))!;
    const p = this.pull(owner, repoName, number);
    return this.views.pullRequest({
      ...p,
      repository: { id: repo.id, owner, name: repoName, defaultBranch: repo.defaultBranch },
      id: numericId(`${owner}/${repoName}#${p.number}`),
      baseSha: repo.baseSha,
      mergedBy: p.merged ? (repo.collaborators[0] ?? "octocat") : null,
      mergeCommitSha: p.merged ? sha1(`merge ${p.headSha}`) : null,
      updatedAt: now(),
      commentCount: p.comments.length,
    });
  }

  repositoryView(repo: Pick<RepoSpec, "owner" | "name" | "defaultBranch">): JsonObject {
    const facts: RepositoryFacts = {
      id: numericId(`repo:${repo.owner}/${repo.name}`),
      owner: repo.owner,
      name: repo.name,
      defaultBranch: repo.defaultBranch,
    };
    return this.views.repository(facts);
  }

  user(login: string): JsonObject {
    return this.views.user(login);
  }

  commentView(owner: string, repo: string, number: number, c: Comment): JsonObject {
    return this.views.issueComment(owner, repo, number, c);
  }

  reviewView(owner: string, repo: string, number: number, r: Review): JsonObject {
    return this.views.review(owner, repo, number, r);
  }

  // --- routing ------------------------------------------------------------------------

  private buildRoutes(): Route<Ctx>[] {
    const R = "/repos/([^/]+)/([^/]+)";
    return [
      route<Ctx>(
        "POST",
        "/app/installations/(\\d+)/access_tokens",
        ACCESS_TOKEN_ROUTE,
        (c) => this.accessToken(c),
        true,
      ),
      route<Ctx>("GET", `${R}/contents/(.+)`, "GET /repos/{owner}/{repo}/contents/{path}", (c) =>
        this.contents(c),
      ),
      route<Ctx>(
        "GET",
        `${R}/pulls/(\\d+)/files`,
        "GET /repos/{owner}/{repo}/pulls/{pull_number}/files",
        (c) =>
          this.withPull(c, (repo, p) =>
            this.page(
              c,
              p.files.map((f) =>
                this.views.pullFile(
                  repo.owner,
                  repo.name,
                  p.headSha,
                  f,
                  repo.blobs.get(`${p.headSha}:${f.filename}`),
                ),
              ),
            ),
          ),
      ),
      route<Ctx>(
        "GET",
        `${R}/pulls/(\\d+)/reviews`,
        "GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews",
        (c) =>
          this.withPull(c, (repo, p) =>
            this.page(
              c,
              p.reviews.map((r) => this.reviewView(repo.owner, repo.name, p.number, r)),
            ),
          ),
      ),
      route<Ctx>(
        "GET",
        `${R}/issues/(\\d+)/comments`,
        "GET /repos/{owner}/{repo}/issues/{issue_number}/comments",
        (c) =>
          this.withPull(c, (repo, p) =>
            this.page(
              c,
              p.comments.map((m) => this.commentView(repo.owner, repo.name, p.number, m)),
            ),
          ),
      ),
      route<Ctx>(
        "GET",
        `${R}/commits/([^/]+)/check-runs`,
        "GET /repos/{owner}/{repo}/commits/{ref}/check-runs",
        (c) => this.listCheckRuns(c),
      ),
      route<Ctx>("POST", `${R}/check-runs`, "POST /repos/{owner}/{repo}/check-runs", (c) =>
        this.createCheckRun(c),
      ),
      route<Ctx>(
        "PATCH",
        `${R}/check-runs/(\\d+)`,
        "PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}",
        (c) => this.updateCheckRun(c),
      ),
      route<Ctx>(
        "POST",
        `${R}/pulls/(\\d+)/requested_reviewers`,
        "POST /repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers",
        (c) => this.requestReviewers(c),
      ),
      route<Ctx>("GET", `${R}/pulls/(\\d+)`, "GET /repos/{owner}/{repo}/pulls/{pull_number}", (c) =>
        this.withPull(c, (repo, p) => ok(this.pullView(repo.owner, repo.name, p.number))),
      ),
      route<Ctx>("GET", `${R}/pulls`, "GET /repos/{owner}/{repo}/pulls", (c) => this.listPulls(c)),
      route<Ctx>(
        "POST",
        `${R}/issues/comments/(\\d+)/reactions`,
        "POST /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions",
        (c) => this.react(c),
      ),
      route<Ctx>(
        "DELETE",
        `${R}/issues/comments/(\\d+)`,
        "DELETE /repos/{owner}/{repo}/issues/comments/{comment_id}",
        (c) => this.deleteComment(c),
      ),
      route<Ctx>(
        "POST",
        `${R}/issues/(\\d+)/comments`,
        "POST /repos/{owner}/{repo}/issues/{issue_number}/comments",
        (c) => this.comment(c),
      ),
      route<Ctx>("POST", `${R}/issues`, "POST /repos/{owner}/{repo}/issues", (c) =>
        this.createIssue(c),
      ),
      route<Ctx>(
        "GET",
        "/orgs/([^/]+)/teams/([^/]+)/members",
        "GET /orgs/{org}/teams/{team_slug}/members",
        (c) => this.teamMembers(c),
      ),
    ];
  }

  protected async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const { method, url, query, raw } = await readRequest(req);
    if (url.pathname.startsWith("/_bench/")) return this.control(url, method, raw, res);

    this.stats.calls++;
    const entry: LoggedCall = {
      at: performance.now() - this.started,
      method,
      route: `${method} ${url.pathname}`,
      status: 0,
    };
    const send = (reply: Reply): void => {
      entry.status = reply.status;
      this.stats.byStatus[reply.status] = (this.stats.byStatus[reply.status] ?? 0) + 1;
      if (this.keepLog) this.log.push(entry);
      sendReply(res, reply);
    };
    const parsed = parseJsonBody(raw);
    if ("refusal" in parsed) return send(parsed.refusal);
    const { body } = parsed;

    const matched = isGraphqlRequest(method, url.pathname)
      ? {
          route: route<Ctx>(method, "", graphqlRoute(body), (c) => this.graphql(c, entry)),
          params: [],
        }
      : matchRestRoute(this.routes, method, url.pathname);
    if (!matched) {
      this.stats.unexpected.push(`${method} ${url.pathname}`);
      return send(notFound());
    }
    const { route: matchedRoute, params } = matched;
    entry.route = matchedRoute.name;
    this.stats.byRoute[matchedRoute.name] = (this.stats.byRoute[matchedRoute.name] ?? 0) + 1;

    const authentication = authenticate(
      req,
      matchedRoute,
      { appId: this.world.appId, publicKey: this.world.publicKeyPem },
      (token) => this.tokens.has(token),
    );
    if (!authentication.accepted) {
      this.stats.authFailures.push(authentication.failure);
      return send(authentication.reply);
    }
    const { credential } = authentication;
    send(
      handleSafely(matchedRoute, {
        path: url.pathname,
        credential,
        params,
        query,
        headers: req.headers,
        body,
        installationId: this.tokens.get(credential) ?? 0,
      }),
    );
  }

  /** The driver's side door: `/_bench/<verb>` with a JSON body; answers the pull request as GitHub would show it now. */
  private control(url: URL, method: string, raw: string, res: ServerResponse): void {
    const reply = (status: number, json: Json): void => {
      res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(json));
    };
    try {
      const verb = url.pathname.slice("/_bench/".length);
      if (verb === "stats") return reply(200, this.snapshot() as unknown as Json);
      if (verb === "reset" && method === "POST") {
        this.resetStats();
        return reply(200, {});
      }
      const b = (raw ? JSON.parse(raw) : {}) as {
        owner: string;
        repo: string;
        number: number;
        login?: string;
        state?: Review["state"];
        body?: string;
        label?: string;
      };
      let extra: JsonObject = {};
      if (verb === "review")
        extra = {
          review: this.reviewView(
            b.owner,
            b.repo,
            b.number,
            this.addReview(b.owner, b.repo, b.number, b.login!, b.state!, b.body ?? ""),
          ),
        };
      else if (verb === "comment")
        extra = {
          comment: this.commentView(
            b.owner,
            b.repo,
            b.number,
            this.addComment(b.owner, b.repo, b.number, b.login!, b.body ?? ""),
          ),
        };
      else if (verb === "label") this.label(b.owner, b.repo, b.number, b.label!);
      else if (verb !== "pull") return reply(404, { message: `unknown control ${verb}` });
      return reply(200, { pull: this.pullView(b.owner, b.repo, b.number), ...extra });
    } catch (error) {
      return reply(500, { message: (error as Error).message });
    }
  }

  // --- endpoints --------------------------------------------------------------------------

  private accessToken(c: Ctx): Reply {
    const installationId = Number(c.params[0]);
    if (![...this.repos.values()].some((r) => r.installationId === installationId))
      return notFound();
    const token = newInstallationToken();
    this.tokens.set(token, installationId);
    this.stats.tokenExchanges++;
    return installationTokenReply(token);
  }

  /** The repository named by the first two params, if the token's installation may see it. */
  private repoOf(c: Ctx): Repo | undefined {
    const repo = this.repos.get(key(c.params[0] ?? "", c.params[1] ?? ""));
    return repo && repo.installationId === c.installationId ? repo : undefined;
  }

  private withPull(c: Ctx, fn: (repo: Repo, p: Pull) => Reply): Reply {
    const repo = this.repoOf(c);
    const p = repo?.pulls.get(Number(c.params[2]));
    return repo && p ? fn(repo, p) : notFound();
  }

  /** `per_page` / `page` with a Link header, as GitHub paginates lists. */
  private page(c: Ctx, items: Json[]): Reply {
    const perPage = Math.min(100, Math.max(1, Number(c.query.per_page ?? 30) || 30));
    const page = Math.max(1, Number(c.query.page ?? 1) || 1);
    const slice = items.slice((page - 1) * perPage, page * perPage);
    const last = Math.max(1, Math.ceil(items.length / perPage));
    if (page >= last) return ok(slice);
    const url = (n: number) => {
      const q = new URLSearchParams({ ...c.query, per_page: String(perPage), page: String(n) });
      return `<http://${this.host}${c.path}?${q}>`;
    };
    return {
      status: 200,
      json: slice,
      headers: { link: `${url(page + 1)}; rel="next", ${url(last)}; rel="last"` },
    };
  }

  private contents(c: Ctx): Reply {
    const repo = this.repoOf(c);
    if (!repo) return notFound();
    const path = c.params[2] ?? "";
    const ref = c.query.ref ?? repo.defaultBranch;
    const sha = ref === repo.defaultBranch ? repo.baseSha : ref;
    const text = repo.blobs.get(`${sha}:${path}`);
    if (text === undefined) return notFound();
    return this.views.contents(
      repo.owner,
      repo.name,
      path,
      ref,
      text,
      String(c.headers.accept ?? ""),
    );
  }

  private listCheckRuns(c: Ctx): Reply {
    const repo = this.repoOf(c);
    if (!repo) return notFound();
    const runs = listedCheckRuns(repo.checkRunsByHead.get(c.params[2] ?? "") ?? [], c.query);
    return ok({ total_count: runs.length, check_runs: runs as unknown as Json[] });
  }

  private createCheckRun(c: Ctx): Reply {
    const repo = this.repoOf(c);
    if (!repo) return notFound();
    const created = newCheckRun(
      this.views,
      { owner: repo.owner, repo: repo.name, appId: this.world.appId },
      () => this.id(),
      c.body,
    );
    if ("refusal" in created) return created.refusal;
    const { run } = created;
    repo.checkRuns.set(run.id, run);
    const onHead = repo.checkRunsByHead.get(run.head_sha) ?? [];
    onHead.push(run);
    repo.checkRunsByHead.set(run.head_sha, onHead);
    return { status: 201, json: run as unknown as Json };
  }

  private updateCheckRun(c: Ctx): Reply {
    const repo = this.repoOf(c);
    const run = repo?.checkRuns.get(Number(c.params[2]));
    if (!repo || !run) return notFound();
    updateCheckRun(run, c.body);
    return ok(run as unknown as Json);
  }

  private requestReviewers(c: Ctx): Reply {
    return this.withPull(c, (repo, p) => {
      const request = readReviewerRequest(c.body);
      const refusal = reviewerRequestRefusal(request, repo, p.author);
      if (refusal) return refusal;
      for (const u of request.reviewers) p.requestedReviewers.add(u);
      for (const t of request.teamReviewers) p.requestedTeams.add(t);
      return { status: 201, json: this.pullView(repo.owner, repo.name, p.number) };
    });
  }

  private listPulls(c: Ctx): Reply {
    const repo = this.repoOf(c);
    if (!repo) return notFound();
    const state = c.query.state ?? "open";
    const pulls = [...repo.pulls.values()].filter((p) => state === "all" || p.state === state);
    return this.page(
      c,
      pulls.map((p) => this.pullView(repo.owner, repo.name, p.number)),
    );
  }

  private findComment(repo: Repo, id: number): { p: Pull; comment: Comment } | undefined {
    for (const p of repo.pulls.values()) {
      const comment = p.comments.find((m) => m.id === id);
      if (comment) return { p, comment };
    }
    return undefined;
  }

  private react(c: Ctx): Reply {
    const repo = this.repoOf(c);
    const found = repo && this.findComment(repo, Number(c.params[2]));
    if (!repo || !found) return notFound();
    const content = asObject(c.body).content ?? null;
    found.p.reactions.push({ commentId: found.comment.id, content });
    return this.views.reaction(this.id(), found.comment.id, content);
  }

  private deleteComment(c: Ctx): Reply {
    const repo = this.repoOf(c);
    const found = repo && this.findComment(repo, Number(c.params[2]));
    if (!repo || !found) return notFound();
    found.p.comments = found.p.comments.filter((m) => m !== found.comment);
    return { status: 204 };
  }

  private comment(c: Ctx): Reply {
    return this.withPull(c, (repo, p) => {
      const body = asObject(c.body);
      if (typeof body.body !== "string") return unprocessable("body is required");
      const comment = this.addComment(repo.owner, repo.name, p.number, APP_BOT_LOGIN, body.body);
      return { status: 201, json: this.commentView(repo.owner, repo.name, p.number, comment) };
    });
  }

  private createIssue(c: Ctx): Reply {
    const repo = this.repoOf(c);
    if (!repo) return notFound();
    const body = asObject(c.body);
    const number = 10_000 + repo.issues.length;
    const issue: JsonObject = {
      id: this.id(),
      number,
      title: body.title ?? "",
      body: body.body ?? "",
      state: "open",
      user: this.user(APP_BOT_LOGIN),
      labels: [],
    };
    repo.issues.push(issue);
    return { status: 201, json: issue };
  }

  private teamMembers(c: Ctx): Reply {
    const repo = [...this.repos.values()].find(
      (r) => r.owner === c.params[0] && r.installationId === c.installationId,
    );
    const members = repo?.teams?.[c.params[1] ?? ""];
    if (!members) return notFound();
    return this.page(
      c,
      members.map((login) => this.user(login)),
    );
  }

  /**
   * Any GraphQL query, executed by graphql-js against GitHub's published schema
   * (test/github-support/graphql-world.ts) over this fake's state as the token's
   * installation sees it: the pull request snapshot of src/github/snapshot.ts,
   * its team and paging follow-ups, the blob query of src/github/facts.ts.
   * A repository of another installation (or none) is absent, as on GitHub:
   * `repository: null` with a NOT_FOUND error. Errors come back as GitHub sends
   * them, HTTP 200 with `{ data, errors }`.
   */
  private graphql(c: Ctx, entry: LoggedCall): Reply {
    const request = readGraphqlRequest(c.body);
    if ("errors" in request) return ok(request);
    const missing: string[] = [];
    const visible = (owner: string, name: string): Repo | undefined => {
      const repo = this.repos.get(key(owner, name));
      if (repo && repo.installationId === c.installationId) return repo;
      missing.push(`${owner}/${name}`);
      return undefined;
    };
    const world: GraphqlWorld = {
      pullRequest: (owner, name, number) => {
        const repo = visible(owner, name);
        const p = repo?.pulls.get(number);
        if (!repo || !p) return undefined;
        return {
          pull: this.pullView(repo.owner, repo.name, p.number),
          reviews: p.reviews.map((r) => this.reviewView(repo.owner, repo.name, p.number, r)),
          comments: p.comments.map((m) => this.commentView(repo.owner, repo.name, p.number, m)),
          checkRuns: repo.checkRunsByHead.get(p.headSha) ?? [],
        };
      },
      teamMembers: (org, slug) => {
        // An organisation's teams, as the installation on that organisation may read them.
        const repo = [...this.repos.values()].find(
          (r) =>
            r.owner.toLowerCase() === org.toLowerCase() && r.installationId === c.installationId,
        );
        return repo?.teams?.[slug];
      },
      blob: (owner, name, expression) => {
        (entry.graphql ??= []).push(expression);
        const text = visible(owner, name)?.blobs.get(expression);
        return text === undefined ? undefined : { text, isBinary: false, isTruncated: false };
      },
    };
    const answer = answerGraphql(request, world);
    if (
      missing.length > 0 &&
      answer.data &&
      typeof answer.data === "object" &&
      "repository" in answer.data
    ) {
      (answer.data as Record<string, unknown>).repository = null;
      answer.errors = [
        ...(answer.errors ?? []),
        {
          type: "NOT_FOUND",
          path: ["repository"],
          message: `Could not resolve to a Repository with the name '${missing[0]}'.`,
        },
      ];
    }
    return ok(answer as Json);
  }

  private id(): number {
    return this.nextId++;
  }
}

/**
 * A GraphQL request's route name: `POST /graphql` and its operation's name
 * (`POST /graphql PullRequestSnapshot`), or `POST /graphql` alone for an
 * anonymous one (the blob query of src/github/facts.ts).
 */
export function graphqlRoute(body: Json | undefined): string {
  const name = graphqlOperation(body);
  return name ? `${GRAPHQL_ROUTE} ${name}` : GRAPHQL_ROUTE;
}

function emptyStats(): Stats {
  return {
    calls: 0,
    byRoute: {},
    byStatus: {},
    unexpected: [],
    authFailures: [],
    tokenExchanges: 0,
  };
}

const key = (owner: string, repo: string) => `${owner.toLowerCase()}/${repo.toLowerCase()}`;
const now = () => new Date().toISOString();
