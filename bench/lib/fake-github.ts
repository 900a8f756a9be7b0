/**
 * A GitHub (Enterprise Server-shaped) fake for the benchmarks: many
 * installations, each owning repositories with several pull requests whose state
 * changes (pushes, reviews, comments, labels, merges), check runs, and a request
 * log / counters the benchmarks read.
 *
 * It is the bench's own, separate from test/e2e/fake-github.ts (one repository,
 * one pull request): the load benchmark needs hundreds of installations, and the
 * lifecycle benchmark needs a pull request that is pushed to and merged.
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
import { createHash, randomBytes, verify, type KeyObject } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { answerGraphql, type GraphqlWorld } from "../../test/github-support/graphql-world.js";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

export interface FileSpec {
  filename: string;
  status: "added" | "removed" | "modified" | "renamed";
  patch?: string;
  previous_filename?: string;
}

export interface PullSpec {
  number: number;
  title: string;
  body: string;
  author: string;
  headRef: string;
  headSha: string;
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
  bot: boolean;
  body: string;
  createdAt: string;
  updatedAt: string;
}

interface Pull {
  number: number;
  title: string;
  body: string;
  author: string;
  headRef: string;
  headSha: string;
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
  blobs: Map<string, string>;
  pulls: Map<number, Pull>;
  checkRuns: Map<number, CheckRun>;
  checkRunsByHead: Map<string, CheckRun[]>;
  issues: JsonObject[];
}

interface CheckRun {
  id: number;
  headSha: string;
  name: string;
  status: string;
  conclusion: string | null;
  startedAt: string;
  completedAt: string | null;
  title: string | null;
  summary: string | null;
  appId: number;
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

interface Ctx {
  /** The request's path, e.g. `/api/v3/repos/o/r/pulls/1/files`. */
  path: string;
  params: string[];
  query: Record<string, string>;
  headers: IncomingMessage["headers"];
  body: Json | undefined;
  installationId: number;
}

interface Reply {
  status: number;
  json?: Json;
  text?: string;
  contentType?: string;
  link?: string;
}

interface Route {
  method: string;
  pattern: RegExp;
  name: string;
  /** Authenticates with the App's JWT rather than an installation token. */
  appAuth?: boolean;
  handle: (c: Ctx) => Reply;
}

const NOT_FOUND: JsonObject = { message: "Not Found", documentation_url: "https://docs.github.com/rest", status: "404" };
const TOKEN_ROUTE = "POST /app/installations/{installation_id}/access_tokens";
export const GRAPHQL_ROUTE = "POST /graphql";

export class FakeGitHub {
  /** Every API call (control requests excluded), when `keepLog` is on. */
  readonly log: LoggedCall[] = [];
  keepLog: boolean;
  private stats: Stats = emptyStats();
  private readonly repos = new Map<string, Repo>();
  private readonly tokens = new Map<string, number>();
  private readonly routes: Route[];
  private readonly publicKey: KeyObject | string;
  private readonly started = performance.now();
  private server: Server | undefined;
  private port = 0;
  private nextId = 10_000;

  private constructor(readonly world: WorldSpec, options: { keepLog?: boolean }) {
    this.keepLog = options.keepLog ?? false;
    this.publicKey = world.publicKeyPem;
    const created = new Date().toISOString();
    for (const spec of world.repos) {
      const repo: Repo = {
        ...spec,
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

  static async start(world: WorldSpec, options: { keepLog?: boolean; port?: number } = {}): Promise<FakeGitHub> {
    const fake = new FakeGitHub(world, options);
    const server = createServer((req, res) => void fake.handle(req, res));
    server.keepAliveTimeout = 60_000;
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
    });
    fake.server = server;
    fake.port = (server.address() as AddressInfo).port;
    return fake;
  }

  /** For GHE_HOST. */
  get host(): string {
    return `127.0.0.1:${this.port}`;
  }

  async close(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
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
  addReview(owner: string, repo: string, number: number, login: string, state: Review["state"], body = ""): Review {
    const p = this.pull(owner, repo, number);
    const review: Review = { id: this.id(), login, state, commitId: p.headSha, submittedAt: now(), body };
    p.reviews.push(review);
    p.requestedReviewers.delete(login);
    return review;
  }

  addComment(owner: string, repo: string, number: number, login: string, body: string): Comment {
    const p = this.pull(owner, repo, number);
    const at = now();
    const comment: Comment = { id: this.id(), login, bot: login.endsWith("[bot]"), body, createdAt: at, updatedAt: at };
    p.comments.push(comment);
    return comment;
  }

  /** A push: the head moves; `files` is the pull request's file list after it. */
  push(owner: string, repo: string, number: number, headSha: string, files?: FileSpec[], blobs: Record<string, string> = {}): void {
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
    const api = this.apiUrl(`/repos/${owner}/${repoName}`);
    const repository = this.repositoryView(repo);
    const additions = p.files.reduce((n, f) => n + countLines(f.patch, "+"), 0);
    const deletions = p.files.reduce((n, f) => n + countLines(f.patch, "-"), 0);
    return {
      url: `${api}/pulls/${p.number}`,
      id: numericId(`${owner}/${repoName}#${p.number}`),
      node_id: nodeId("PR", p.number),
      html_url: `${this.webUrl()}/${owner}/${repoName}/pull/${p.number}`,
      diff_url: `${this.webUrl()}/${owner}/${repoName}/pull/${p.number}.diff`,
      patch_url: `${this.webUrl()}/${owner}/${repoName}/pull/${p.number}.patch`,
      issue_url: `${api}/issues/${p.number}`,
      commits_url: `${api}/pulls/${p.number}/commits`,
      review_comments_url: `${api}/pulls/${p.number}/comments`,
      comments_url: `${api}/issues/${p.number}/comments`,
      statuses_url: `${api}/statuses/${p.headSha}`,
      number: p.number,
      state: p.state,
      locked: false,
      title: p.title,
      user: this.user(p.author),
      body: p.body,
      created_at: p.createdAt,
      updated_at: now(),
      closed_at: p.mergedAt,
      merged_at: p.mergedAt,
      merge_commit_sha: p.merged ? sha1(`merge ${p.headSha}`) : null,
      assignee: null,
      assignees: [],
      requested_reviewers: [...p.requestedReviewers].map((login) => this.user(login)),
      requested_teams: [...p.requestedTeams].map((slug) => this.team(slug)),
      labels: p.labels.map((name) => this.labelView(name)),
      milestone: null,
      draft: false,
      head: { label: `${owner}:${p.headRef}`, ref: p.headRef, sha: p.headSha, user: this.org(owner), repo: repository },
      base: { label: `${owner}:${repo.defaultBranch}`, ref: repo.defaultBranch, sha: repo.baseSha, user: this.org(owner), repo: repository },
      _links: {
        self: { href: `${api}/pulls/${p.number}` },
        html: { href: `${this.webUrl()}/${owner}/${repoName}/pull/${p.number}` },
        issue: { href: `${api}/issues/${p.number}` },
        comments: { href: `${api}/issues/${p.number}/comments` },
      },
      author_association: "MEMBER",
      auto_merge: null,
      active_lock_reason: null,
      merged: p.merged,
      mergeable: true,
      rebaseable: true,
      mergeable_state: "blocked",
      merged_by: p.merged ? this.user(repo.collaborators[0] ?? "octocat") : null,
      comments: p.comments.length,
      review_comments: 0,
      maintainer_can_modify: false,
      commits: 1,
      additions,
      deletions,
      changed_files: p.files.length,
    };
  }

  repositoryView(repo: Pick<Repo, "owner" | "name" | "defaultBranch">): JsonObject {
    const id = numericId(`repo:${repo.owner}/${repo.name}`);
    return {
      id,
      node_id: nodeId("R", id),
      name: repo.name,
      full_name: `${repo.owner}/${repo.name}`,
      private: true,
      owner: this.org(repo.owner),
      html_url: `${this.webUrl()}/${repo.owner}/${repo.name}`,
      url: this.apiUrl(`/repos/${repo.owner}/${repo.name}`),
      default_branch: repo.defaultBranch,
      visibility: "private",
    };
  }

  user(login: string): JsonObject {
    const id = numericId(login);
    const bot = login.endsWith("[bot]");
    return {
      login,
      id,
      node_id: nodeId("U", id),
      avatar_url: `${this.webUrl()}/avatars/u/${id}`,
      gravatar_id: "",
      url: this.apiUrl(`/users/${login}`),
      html_url: `${this.webUrl()}/${login}`,
      type: bot ? "Bot" : "User",
      site_admin: false,
    };
  }

  commentView(owner: string, repo: string, number: number, c: Comment): JsonObject {
    return {
      id: c.id,
      node_id: nodeId("IC", c.id),
      url: this.apiUrl(`/repos/${owner}/${repo}/issues/comments/${c.id}`),
      html_url: `${this.webUrl()}/${owner}/${repo}/pull/${number}#issuecomment-${c.id}`,
      issue_url: this.apiUrl(`/repos/${owner}/${repo}/issues/${number}`),
      body: c.body,
      user: this.user(c.login),
      created_at: c.createdAt,
      updated_at: c.updatedAt,
      author_association: c.bot ? "NONE" : "MEMBER",
    };
  }

  reviewView(owner: string, repo: string, number: number, r: Review): JsonObject {
    const html = `${this.webUrl()}/${owner}/${repo}/pull/${number}#pullrequestreview-${r.id}`;
    const pullUrl = this.apiUrl(`/repos/${owner}/${repo}/pulls/${number}`);
    return {
      id: r.id,
      node_id: nodeId("PRR", r.id),
      user: this.user(r.login),
      body: r.body,
      state: r.state,
      html_url: html,
      pull_request_url: pullUrl,
      author_association: "MEMBER",
      _links: { html: { href: html }, pull_request: { href: pullUrl } },
      submitted_at: r.submittedAt,
      commit_id: r.commitId,
    };
  }

  // --- routing ------------------------------------------------------------------------

  private buildRoutes(): Route[] {
    const R = "/repos/([^/]+)/([^/]+)";
    const route = (method: string, pattern: string, name: string, handle: Route["handle"], appAuth = false): Route => ({
      method,
      pattern: new RegExp(`^${pattern}$`),
      name,
      handle,
      appAuth,
    });
    return [
      route("POST", "/app/installations/(\\d+)/access_tokens", TOKEN_ROUTE, (c) => this.accessToken(c), true),
      route("GET", `${R}/contents/(.+)`, "GET /repos/{owner}/{repo}/contents/{path}", (c) => this.contents(c)),
      route("GET", `${R}/pulls/(\\d+)/files`, "GET /repos/{owner}/{repo}/pulls/{pull_number}/files", (c) =>
        this.withPull(c, (repo, p) => this.page(c, p.files.map((f) => this.fileView(repo, p, f)))),
      ),
      route("GET", `${R}/pulls/(\\d+)/reviews`, "GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews", (c) =>
        this.withPull(c, (repo, p) => this.page(c, p.reviews.map((r) => this.reviewView(repo.owner, repo.name, p.number, r)))),
      ),
      route("GET", `${R}/issues/(\\d+)/comments`, "GET /repos/{owner}/{repo}/issues/{issue_number}/comments", (c) =>
        this.withPull(c, (repo, p) => this.page(c, p.comments.map((m) => this.commentView(repo.owner, repo.name, p.number, m)))),
      ),
      route("GET", `${R}/commits/([^/]+)/check-runs`, "GET /repos/{owner}/{repo}/commits/{ref}/check-runs", (c) => this.listCheckRuns(c)),
      route("POST", `${R}/check-runs`, "POST /repos/{owner}/{repo}/check-runs", (c) => this.createCheckRun(c)),
      route("PATCH", `${R}/check-runs/(\\d+)`, "PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}", (c) => this.updateCheckRun(c)),
      route("POST", `${R}/pulls/(\\d+)/requested_reviewers`, "POST /repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers", (c) => this.requestReviewers(c)),
      route("GET", `${R}/pulls/(\\d+)`, "GET /repos/{owner}/{repo}/pulls/{pull_number}", (c) => this.withPull(c, (repo, p) => ok(this.pullView(repo.owner, repo.name, p.number)))),
      route("GET", `${R}/pulls`, "GET /repos/{owner}/{repo}/pulls", (c) => this.listPulls(c)),
      route("POST", `${R}/issues/comments/(\\d+)/reactions`, "POST /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions", (c) => this.react(c)),
      route("DELETE", `${R}/issues/comments/(\\d+)`, "DELETE /repos/{owner}/{repo}/issues/comments/{comment_id}", (c) => this.deleteComment(c)),
      route("POST", `${R}/issues/(\\d+)/comments`, "POST /repos/{owner}/{repo}/issues/{issue_number}/comments", (c) => this.comment(c)),
      route("POST", `${R}/issues`, "POST /repos/{owner}/{repo}/issues", (c) => this.createIssue(c)),
      route("GET", "/orgs/([^/]+)/teams/([^/]+)/members", "GET /orgs/{org}/teams/{team_slug}/members", (c) => this.teamMembers(c)),
    ];
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", "http://fake.invalid");
    const method = req.method ?? "GET";
    const raw = await readBody(req);
    if (url.pathname.startsWith("/_bench/")) return this.control(url, method, raw, res);

    const query = Object.fromEntries(url.searchParams);
    let body: Json | undefined;
    this.stats.calls++;
    const entry: LoggedCall = { at: performance.now() - this.started, method, route: `${method} ${url.pathname}`, status: 0 };
    const send = (reply: Reply): void => {
      entry.status = reply.status;
      this.stats.byStatus[reply.status] = (this.stats.byStatus[reply.status] ?? 0) + 1;
      if (this.keepLog) this.log.push(entry);
      const headers: Record<string, string> = { "content-type": reply.contentType ?? "application/json; charset=utf-8" };
      if (reply.link) headers.link = reply.link;
      if (reply.text !== undefined) res.writeHead(reply.status, headers).end(reply.text);
      else res.writeHead(reply.status, headers).end(reply.json === undefined ? "" : JSON.stringify(reply.json));
    };
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw) as Json;
      } catch {
        return send({ status: 400, json: { message: "Problems parsing JSON" } });
      }
    }

    let route: Route | undefined;
    let params: string[] = [];
    if (method === "POST" && url.pathname === "/api/graphql") {
      route = { method, pattern: /^$/, name: graphqlRoute(body), handle: (c) => this.graphql(c, entry) };
    } else if (url.pathname.startsWith("/api/v3/")) {
      const path = url.pathname.slice("/api/v3".length);
      for (const candidate of this.routes) {
        if (candidate.method !== method) continue;
        const match = candidate.pattern.exec(path);
        if (match) {
          route = candidate;
          params = match.slice(1).map((p) => decodeURIComponent(p ?? ""));
          break;
        }
      }
    }
    if (!route) {
      this.stats.unexpected.push(`${method} ${url.pathname}`);
      return send({ status: 404, json: NOT_FOUND });
    }
    entry.route = route.name;
    this.stats.byRoute[route.name] = (this.stats.byRoute[route.name] ?? 0) + 1;

    const authorization = header(req, "authorization") ?? "";
    const [scheme = "", credential = ""] = authorization.split(/\s+/, 2);
    let installationId = 0;
    if (route.appAuth) {
      const problem = scheme.toLowerCase() === "bearer" ? this.jwtProblem(credential) : `expected a bearer JWT, got "${scheme}"`;
      if (problem) {
        this.stats.authFailures.push(`${route.name}: ${problem}`);
        return send({ status: 401, json: { message: "A JSON web token could not be decoded" } });
      }
    } else {
      const owner = ["token", "bearer"].includes(scheme.toLowerCase()) ? this.tokens.get(credential) : undefined;
      if (owner === undefined) {
        this.stats.authFailures.push(`${route.name}: no valid installation token`);
        return send({ status: 401, json: { message: "Bad credentials" } });
      }
      installationId = owner;
    }
    try {
      send(route.handle({ path: url.pathname, params, query, headers: req.headers, body, installationId }));
    } catch (error) {
      send({ status: 500, json: { message: `fake GitHub failed: ${(error as Error).message}` } });
    }
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
      const b = (raw ? JSON.parse(raw) : {}) as { owner: string; repo: string; number: number; login?: string; state?: Review["state"]; body?: string; label?: string };
      let extra: JsonObject = {};
      if (verb === "review") extra = { review: this.reviewView(b.owner, b.repo, b.number, this.addReview(b.owner, b.repo, b.number, b.login!, b.state!, b.body ?? "")) };
      else if (verb === "comment") extra = { comment: this.commentView(b.owner, b.repo, b.number, this.addComment(b.owner, b.repo, b.number, b.login!, b.body ?? "")) };
      else if (verb === "label") this.label(b.owner, b.repo, b.number, b.label!);
      else if (verb !== "pull") return reply(404, { message: `unknown control ${verb}` });
      return reply(200, { pull: this.pullView(b.owner, b.repo, b.number), ...extra });
    } catch (error) {
      return reply(500, { message: (error as Error).message });
    }
  }

  // --- authentication -------------------------------------------------------------------

  private jwtProblem(jwt: string): string | undefined {
    const parts = jwt.split(".");
    if (parts.length !== 3) return "not a JWT";
    const [encodedHeader = "", encodedPayload = "", signature = ""] = parts;
    let head: JsonObject;
    let payload: JsonObject;
    try {
      head = JSON.parse(Buffer.from(encodedHeader, "base64url").toString("utf8")) as JsonObject;
      payload = JSON.parse(Buffer.from(encodedPayload, "base64url").toString("utf8")) as JsonObject;
    } catch {
      return "header or payload is not base64url JSON";
    }
    if (head.alg !== "RS256") return `alg is ${String(head.alg)}`;
    if (!verify("RSA-SHA256", Buffer.from(`${encodedHeader}.${encodedPayload}`), this.publicKey, Buffer.from(signature, "base64url"))) return "signature does not verify";
    if (String(payload.iss) !== String(this.world.appId)) return `iss is ${String(payload.iss)}`;
    const nowS = Math.floor(Date.now() / 1000);
    if (typeof payload.iat !== "number" || typeof payload.exp !== "number" || payload.iat > nowS + 60 || payload.exp <= nowS) return "iat/exp invalid";
    return undefined;
  }

  private accessToken(c: Ctx): Reply {
    const installationId = Number(c.params[0]);
    if (![...this.repos.values()].some((r) => r.installationId === installationId)) return { status: 404, json: NOT_FOUND };
    const token = `ghs_${randomBytes(18).toString("hex")}`;
    this.tokens.set(token, installationId);
    this.stats.tokenExchanges++;
    return {
      status: 201,
      json: {
        token,
        expires_at: new Date(Date.now() + 3600_000).toISOString().replace(/\.\d{3}Z$/, "Z"),
        permissions: { checks: "write", contents: "read", issues: "write", members: "read", metadata: "read", pull_requests: "write" },
        repository_selection: "all",
      },
    };
  }

  // --- endpoints --------------------------------------------------------------------------

  /** The repository named by the first two params, if the token's installation may see it. */
  private repoOf(c: Ctx): Repo | undefined {
    const repo = this.repos.get(key(c.params[0] ?? "", c.params[1] ?? ""));
    return repo && repo.installationId === c.installationId ? repo : undefined;
  }

  private withPull(c: Ctx, fn: (repo: Repo, p: Pull) => Reply): Reply {
    const repo = this.repoOf(c);
    const p = repo?.pulls.get(Number(c.params[2]));
    return repo && p ? fn(repo, p) : { status: 404, json: NOT_FOUND };
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
    return { status: 200, json: slice, link: `${url(page + 1)}; rel="next", ${url(last)}; rel="last"` };
  }

  private contents(c: Ctx): Reply {
    const repo = this.repoOf(c);
    if (!repo) return { status: 404, json: NOT_FOUND };
    const path = c.params[2] ?? "";
    const ref = c.query.ref ?? repo.defaultBranch;
    const sha = ref === repo.defaultBranch ? repo.baseSha : ref;
    const text = repo.blobs.get(`${sha}:${path}`);
    if (text === undefined) return { status: 404, json: NOT_FOUND };
    if (/application\/vnd\.github(\.v3)?\.raw/.test(String(c.headers.accept ?? ""))) {
      return { status: 200, text, contentType: "application/vnd.github.raw; charset=utf-8" };
    }
    return { status: 200, json: { type: "file", encoding: "base64", size: Buffer.byteLength(text), name: path.split("/").pop() ?? path, path, content: Buffer.from(text).toString("base64"), sha: gitBlobSha(text) } };
  }

  private fileView(repo: Repo, p: Pull, f: FileSpec): JsonObject {
    const head = repo.blobs.get(`${p.headSha}:${f.filename}`);
    const additions = countLines(f.patch, "+");
    const deletions = countLines(f.patch, "-");
    const view: JsonObject = {
      sha: head === undefined ? sha1(`${p.headSha}:${f.filename}`) : gitBlobSha(head),
      filename: f.filename,
      status: f.status,
      additions,
      deletions,
      changes: additions + deletions,
      blob_url: `${this.webUrl()}/${repo.owner}/${repo.name}/blob/${p.headSha}/${f.filename}`,
      raw_url: `${this.webUrl()}/${repo.owner}/${repo.name}/raw/${p.headSha}/${f.filename}`,
      contents_url: this.apiUrl(`/repos/${repo.owner}/${repo.name}/contents/${encodeURIComponent(f.filename)}?ref=${p.headSha}`),
    };
    if (f.patch !== undefined) view.patch = f.patch;
    if (f.previous_filename !== undefined) view.previous_filename = f.previous_filename;
    return view;
  }

  private checkRunView(repo: Repo, r: CheckRun): JsonObject {
    return {
      id: r.id,
      node_id: nodeId("CR", r.id),
      head_sha: r.headSha,
      external_id: "",
      url: this.apiUrl(`/repos/${repo.owner}/${repo.name}/check-runs/${r.id}`),
      html_url: `${this.webUrl()}/${repo.owner}/${repo.name}/runs/${r.id}`,
      details_url: `${this.webUrl()}/${repo.owner}/${repo.name}/runs/${r.id}`,
      status: r.status,
      conclusion: r.conclusion,
      started_at: r.startedAt,
      completed_at: r.completedAt,
      output: { title: r.title, summary: r.summary, text: null, annotations_count: 0, annotations_url: this.apiUrl(`/repos/${repo.owner}/${repo.name}/check-runs/${r.id}/annotations`) },
      name: r.name,
      check_suite: { id: 7_000 + r.id },
      app: { id: r.appId, slug: "governance-gate", name: "Governance Gate", owner: this.org(repo.owner) },
      pull_requests: [],
    };
  }

  private listCheckRuns(c: Ctx): Reply {
    const repo = this.repoOf(c);
    if (!repo) return { status: 404, json: NOT_FOUND };
    let runs = repo.checkRunsByHead.get(c.params[2] ?? "") ?? [];
    if (c.query.check_name) runs = runs.filter((r) => r.name === c.query.check_name);
    if (c.query.app_id) runs = runs.filter((r) => String(r.appId) === c.query.app_id);
    if ((c.query.filter ?? "latest") === "latest") {
      const latest = new Map<string, CheckRun>();
      for (const r of runs) latest.set(r.name, r);
      runs = [...latest.values()];
    }
    const views = [...runs].reverse().map((r) => this.checkRunView(repo, r));
    return ok({ total_count: views.length, check_runs: views });
  }

  private createCheckRun(c: Ctx): Reply {
    const repo = this.repoOf(c);
    if (!repo) return { status: 404, json: NOT_FOUND };
    const body = asObject(c.body);
    if (typeof body.name !== "string" || typeof body.head_sha !== "string") return unprocessable("name and head_sha are required");
    const status = typeof body.status === "string" ? body.status : "queued";
    if (status === "completed" && typeof body.conclusion !== "string") return unprocessable("conclusion is required when status is completed");
    const output = asObject(body.output);
    const at = now();
    const run: CheckRun = {
      id: this.id(),
      headSha: body.head_sha,
      name: body.name,
      status,
      conclusion: typeof body.conclusion === "string" ? body.conclusion : null,
      startedAt: typeof body.started_at === "string" ? body.started_at : at,
      completedAt: status === "completed" ? at : null,
      title: typeof output.title === "string" ? output.title : null,
      summary: typeof output.summary === "string" ? output.summary : null,
      appId: this.world.appId,
    };
    repo.checkRuns.set(run.id, run);
    const list = repo.checkRunsByHead.get(run.headSha) ?? [];
    list.push(run);
    repo.checkRunsByHead.set(run.headSha, list);
    return { status: 201, json: this.checkRunView(repo, run) };
  }

  private updateCheckRun(c: Ctx): Reply {
    const repo = this.repoOf(c);
    const run = repo?.checkRuns.get(Number(c.params[2]));
    if (!repo || !run) return { status: 404, json: NOT_FOUND };
    const body = asObject(c.body);
    if (typeof body.status === "string") run.status = body.status;
    if (typeof body.conclusion === "string") {
      run.conclusion = body.conclusion;
      run.status = "completed";
    }
    if (run.status === "completed") run.completedAt = now();
    const output = asObject(body.output);
    if (typeof output.title === "string") run.title = output.title;
    if (typeof output.summary === "string") run.summary = output.summary;
    return ok(this.checkRunView(repo, run));
  }

  private requestReviewers(c: Ctx): Reply {
    return this.withPull(c, (repo, p) => {
      const body = asObject(c.body);
      const reviewers = Array.isArray(body.reviewers) ? body.reviewers.map(String) : [];
      const teams = Array.isArray(body.team_reviewers) ? body.team_reviewers.map(String) : [];
      const collaborators = new Set(repo.collaborators.map((u) => u.toLowerCase()));
      if (reviewers.some((u) => !collaborators.has(u.toLowerCase())) || teams.some((t) => !(t in (repo.teams ?? {})))) {
        return unprocessable(`Reviews may only be requested from collaborators. One or more of the users or teams you specified is not a collaborator of the ${repo.owner}/${repo.name} repository.`);
      }
      if (reviewers.some((u) => u.toLowerCase() === p.author.toLowerCase())) return unprocessable("Review cannot be requested from pull request author.");
      for (const u of reviewers) p.requestedReviewers.add(u);
      for (const t of teams) p.requestedTeams.add(t);
      return { status: 201, json: this.pullView(repo.owner, repo.name, p.number) };
    });
  }

  private listPulls(c: Ctx): Reply {
    const repo = this.repoOf(c);
    if (!repo) return { status: 404, json: NOT_FOUND };
    const state = c.query.state ?? "open";
    const pulls = [...repo.pulls.values()].filter((p) => state === "all" || p.state === state);
    return this.page(c, pulls.map((p) => this.pullView(repo.owner, repo.name, p.number)));
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
    if (!repo || !found) return { status: 404, json: NOT_FOUND };
    const content = asObject(c.body).content ?? null;
    found.p.reactions.push({ commentId: found.comment.id, content });
    return { status: 201, json: { id: this.id(), node_id: nodeId("REA", found.comment.id), user: this.user("governance-gate[bot]"), content, created_at: now() } };
  }

  private deleteComment(c: Ctx): Reply {
    const repo = this.repoOf(c);
    const found = repo && this.findComment(repo, Number(c.params[2]));
    if (!repo || !found) return { status: 404, json: NOT_FOUND };
    found.p.comments = found.p.comments.filter((m) => m !== found.comment);
    return { status: 204 };
  }

  private comment(c: Ctx): Reply {
    return this.withPull(c, (repo, p) => {
      const body = asObject(c.body);
      if (typeof body.body !== "string") return unprocessable("body is required");
      const comment = this.addComment(repo.owner, repo.name, p.number, "governance-gate[bot]", body.body);
      return { status: 201, json: this.commentView(repo.owner, repo.name, p.number, comment) };
    });
  }

  private createIssue(c: Ctx): Reply {
    const repo = this.repoOf(c);
    if (!repo) return { status: 404, json: NOT_FOUND };
    const body = asObject(c.body);
    const number = 10_000 + repo.issues.length;
    const issue: JsonObject = { id: this.id(), number, title: body.title ?? "", body: body.body ?? "", state: "open", user: this.user("governance-gate[bot]"), labels: [] };
    repo.issues.push(issue);
    return { status: 201, json: issue };
  }

  private teamMembers(c: Ctx): Reply {
    const repo = [...this.repos.values()].find((r) => r.owner === c.params[0] && r.installationId === c.installationId);
    const members = repo?.teams?.[c.params[1] ?? ""];
    if (!members) return { status: 404, json: NOT_FOUND };
    return this.page(c, members.map((login) => this.user(login)));
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
    const body = asObject(c.body);
    if (typeof body.query !== "string") return { status: 400, json: { message: "A query attribute must be specified and must be a string." } };
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
        const runs = (repo.checkRunsByHead.get(p.headSha) ?? []).map((r) => this.checkRunView(repo, r));
        return {
          pull: this.pullView(repo.owner, repo.name, p.number),
          reviews: p.reviews.map((r) => this.reviewView(repo.owner, repo.name, p.number, r)),
          comments: p.comments.map((m) => this.commentView(repo.owner, repo.name, p.number, m)),
          checkRuns: runs,
        };
      },
      teamMembers: (org, slug) => {
        // An organisation's teams, as the installation on that organisation may read them.
        const repo = [...this.repos.values()].find((r) => r.owner.toLowerCase() === org.toLowerCase() && r.installationId === c.installationId);
        return repo?.teams?.[slug];
      },
      blob: (owner, name, expression) => {
        (entry.graphql ??= []).push(expression);
        const text = visible(owner, name)?.blobs.get(expression);
        return text === undefined ? undefined : { text, isBinary: false, isTruncated: false };
      },
    };
    const answer = answerGraphql({ query: body.query, variables: asObject(body.variables), operationName: typeof body.operationName === "string" ? body.operationName : undefined }, world);
    if (missing.length > 0 && answer.data && typeof answer.data === "object" && "repository" in answer.data) {
      (answer.data as Record<string, unknown>).repository = null;
      answer.errors = [...(answer.errors ?? []), { type: "NOT_FOUND", path: ["repository"], message: `Could not resolve to a Repository with the name '${missing[0]}'.` }];
    }
    return ok(answer as Json);
  }

  // --- helpers ----------------------------------------------------------------------------

  private id(): number {
    return this.nextId++;
  }

  private apiUrl(path: string): string {
    return `http://${this.host}/api/v3${path}`;
  }

  private webUrl(): string {
    return `http://${this.host}`;
  }

  private org(login: string): JsonObject {
    return { ...this.user(login), type: "Organization" };
  }

  private team(slug: string): JsonObject {
    const id = numericId(`team:${slug}`);
    return { id, node_id: nodeId("T", id), slug, name: slug, privacy: "closed", permission: "pull" };
  }

  private labelView(name: string): JsonObject {
    const id = numericId(`label:${name}`);
    return { id, node_id: nodeId("LA", id), url: this.apiUrl(`/labels/${name}`), name, color: "ededed", default: false, description: null };
  }
}

/**
 * A GraphQL request's route name: `POST /graphql` and its operation's name
 * (`POST /graphql PullRequestSnapshot`), or `POST /graphql` alone for an
 * anonymous one (the blob query of src/github/facts.ts).
 */
export function graphqlRoute(body: Json | undefined): string {
  const b = asObject(body);
  const name = typeof b.operationName === "string" ? b.operationName : typeof b.query === "string" ? /^\s*(?:query|mutation)\s+(\w+)/.exec(b.query)?.[1] : undefined;
  return name ? `${GRAPHQL_ROUTE} ${name}` : GRAPHQL_ROUTE;
}

function emptyStats(): Stats {
  return { calls: 0, byRoute: {}, byStatus: {}, unexpected: [], authFailures: [], tokenExchanges: 0 };
}

const key = (owner: string, repo: string) => `${owner.toLowerCase()}/${repo.toLowerCase()}`;
const now = () => new Date().toISOString();

function ok(json: Json): Reply {
  return { status: 200, json };
}

function unprocessable(message: string): Reply {
  return { status: 422, json: { message, documentation_url: "https://docs.github.com/rest" } };
}

function asObject(value: Json | undefined): JsonObject {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? value : {};
}

function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(", ") : value;
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString("utf8");
}

function countLines(patch: string | undefined, sign: "+" | "-"): number {
  if (!patch) return 0;
  let n = 0;
  for (const line of patch.split("\n")) if (line.startsWith(sign)) n++;
  return n;
}

export function sha1(text: string): string {
  return createHash("sha1").update(text).digest("hex");
}

export function gitBlobSha(text: string): string {
  const content = Buffer.from(text);
  return createHash("sha1").update(`blob ${content.length}\0`).update(content).digest("hex");
}

export function numericId(seed: string): number {
  return (createHash("sha256").update(seed).digest().readUInt32BE(0) % 90_000_000) + 1_000_000;
}

function nodeId(prefix: string, id: number): string {
  return `${prefix}_kw${Buffer.from(String(id)).toString("base64url")}`;
}
