/**
 * A small, in-memory GitHub (Enterprise Server-shaped) for end-to-end tests of the
 * real app server. Probot started with `GHE_HOST=127.0.0.1:<port>` and
 * `GHE_PROTOCOL=http` sends REST calls to `http://127.0.0.1:<port>/api/v3/...`
 * and GraphQL to `http://127.0.0.1:<port>/api/graphql` (probot's
 * read-env-options builds `<protocol>://<host>/api/v3`; @octokit/graphql swaps a
 * trailing `/api/v3` for `/api/graphql`).
 *
 * It holds one repository with one pull request and implements exactly the
 * endpoints Governance Gate calls, with GitHub-shaped responses:
 *
 * - app authentication: `POST /app/installations/{id}/access_tokens` accepts only an
 *   RS256 JWT signed by the App's key with `iss` = App ID (verified with
 *   node:crypto) and issues an installation token; every other endpoint demands
 *   that token (`401 Bad credentials` otherwise);
 * - GraphQL (`POST /api/graphql`): any query, executed by graphql-js against
 *   GitHub's published schema over this fake's state
 *   (test/github-support/graphql-world.ts) — the app's `PullRequestSnapshot`
 *   (pull request, labels, review requests, reviews, comments, team members, our
 *   check run on the head, the blobs detectors read), `TeamMembers`, their paging
 *   follow-ups and the `Blobs` query of src/github/facts.ts; errors answer 200
 *   with `{ data, errors }`; every blob expression asked for is recorded in
 *   `graphqlExpressions`;
 * - REST the app still calls: contents (raw media type or the JSON object with
 *   base64 content), pull request files, check runs (list — the app's fallback
 *   when a snapshot cannot tell —, create, update), reviewer requests, comment
 *   reactions and new issue comments;
 * - REST the app no longer calls (it reads these over GraphQL), kept for tests
 *   and oracles that read the same state: the pull request itself, its reviews,
 *   its issue comments and team members.
 *
 * Every request is logged; a route it does not implement answers GitHub's
 * `404 {"message":"Not Found"}` and is also recorded in `unexpected`.
 *
 * Fault injection (off unless a test asks, for test/reliability): `injectFault`
 * makes matching requests answer 5xx, a secondary rate limit (403 with
 * `retry-after` and GitHub's message), arrive late, or lose their connection
 * before or in the middle of the response; `injected` lists what was done.
 * The world can also change under the app: labels, user comments, dismissed
 * reviews, and a fresh head/base (`nextHead`) so one server serves many scenarios.
 */
import { createHash, randomBytes, verify, type KeyObject } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { answerGraphql, type GraphqlWorld } from "../github-support/graphql-world.js";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

export interface FakePullFile {
  filename: string;
  status: "added" | "removed" | "modified" | "renamed" | "copied" | "changed" | "unchanged";
  patch?: string;
  previous_filename?: string;
}

export interface FakeGitHubSeed {
  appId: number;
  /** The App's public key: access-token requests must carry a JWT it verifies. */
  publicKey: KeyObject;
  installationId: number;
  owner: string;
  repo: string;
  defaultBranch: string;
  /** Who may be requested as a reviewer (GitHub answers 422 for anyone else). */
  collaborators: string[];
  /** Organisation teams: slug → member logins. */
  teams?: Record<string, string[]>;
  pull: {
    number: number;
    title: string;
    body: string;
    author: string;
    headRef: string;
    headSha: string;
    baseSha: string;
  };
  /** The pull request's files, in GitHub's order. */
  files: FakePullFile[];
  /** Repository content by `<commit sha>:<path>`. */
  blobs: Record<string, string>;
}

/** What a faulted request gets instead of (or before) its normal answer. */
export type Fault =
  /** An error status with a JSON body (default GitHub's 5xx shape) or a text body. */
  | { kind: "status"; status: number; json?: Json; text?: string; headers?: Record<string, string> }
  /** 403 with `retry-after` and the message GitHub sends for a secondary rate limit. */
  | { kind: "secondary-rate-limit"; retryAfter?: number }
  /** Answered normally after `ms`. */
  | { kind: "delay"; ms: number }
  /**
   * The connection is destroyed: `before-response` without processing the request;
   * `mid-response` after processing it (its effects stay), with the headers and half
   * the body sent.
   */
  | { kind: "drop"; when: "before-response" | "mid-response" };

export interface FaultRequest {
  method: string;
  path: string;
  /** Route name, e.g. `GET /repos/{owner}/{repo}/pulls/{pull_number}/files`, or `POST /graphql`. */
  route: string;
  /** For `POST /graphql`: the operation's name (`PullRequestSnapshot`, …); undefined for an anonymous one (the blob query). */
  operation?: string;
  /** 1 for the first try of this exact request (method, path, query and body), 2 for its first retry, … */
  attempt: number;
}

export interface FaultRule {
  /** A route name, a RegExp tested against the route name, or a predicate. */
  match: string | RegExp | ((req: FaultRequest) => boolean);
  /** The fault, or a function choosing one (undefined: let this request through). */
  fault: Fault | ((req: FaultRequest) => Fault | undefined);
  /** How many requests to fault (default 1; Infinity: until removed). */
  times?: number;
  /** Let this many matching requests through first. */
  after?: number;
}

export interface InjectedFault {
  kind: Fault["kind"];
  detail: string;
  method: string;
  path: string;
  route: string;
  /** See `FaultRequest.operation`. */
  operation?: string;
  attempt: number;
}

export interface FaultHandle {
  /** How many requests this rule has faulted. */
  readonly hits: number;
  remove(): void;
}

export interface LoggedRequest {
  method: string;
  /** The path as received (still URL-encoded), without the query. */
  path: string;
  query: Record<string, string>;
  /** The route it matched, e.g. `GET /repos/{owner}/{repo}/pulls/{pull_number}/files`; undefined when unknown. */
  route?: string;
  /** For `POST /graphql`: the operation's name, undefined for an anonymous one. */
  operation?: string;
  auth: "app-jwt" | "installation-token" | "none" | "invalid";
  accept?: string;
  body?: Json;
  status: number;
  /** Set when a fault was injected into this request. */
  fault?: string;
  /** When it arrived (\`Date.now()\`). */
  at?: number;
}

export interface FakeCheckRun {
  id: number;
  node_id: string;
  head_sha: string;
  external_id: string;
  url: string;
  html_url: string;
  details_url: string;
  status: string;
  conclusion: string | null;
  started_at: string;
  completed_at: string | null;
  output: { title: string | null; summary: string | null; text: string | null; annotations_count: number; annotations_url: string };
  name: string;
  check_suite: { id: number };
  app: JsonObject;
  pull_requests: Json[];
}

export interface FakeReview {
  id: number;
  login: string;
  state: "APPROVED" | "CHANGES_REQUESTED" | "COMMENTED" | "DISMISSED" | "PENDING";
  commitId: string;
  submittedAt: string;
  body: string;
}

interface Route {
  method: string;
  /** Matched against the path below `/api/v3` (or the full path for GraphQL). */
  pattern: RegExp;
  name: string;
  /** Whether the route authenticates with the App's JWT rather than an installation token. */
  appAuth?: boolean;
  handle: (ctx: RequestContext) => Reply;
}

interface RequestContext {
  /** The installation token the request carried (empty for App-authenticated routes). */
  credential: string;
  params: string[];
  query: Record<string, string>;
  headers: IncomingMessage["headers"];
  body: Json | undefined;
}

interface Reply {
  status: number;
  json?: Json;
  text?: string;
  contentType?: string;
  headers?: Record<string, string>;
}

const NOT_FOUND: JsonObject = { message: "Not Found", documentation_url: "https://docs.github.com/rest", status: "404" };

export class FakeGitHub {
  readonly requests: LoggedRequest[] = [];
  readonly unexpected: LoggedRequest[] = [];
  /** Successful installation-token exchanges (JWT verified). */
  readonly tokenExchanges: { installationId: number; iss: Json; issuedToken: string }[] = [];
  /** Why a JWT or a token was refused, if ever. */
  readonly authFailures: string[] = [];
  readonly checkRuns: FakeCheckRun[] = [];
  /** Every check-run write in order: how the app created and updated runs. */
  readonly checkRunWrites: { method: "POST" | "PATCH"; id: number; body: Json | undefined; at: number; token: string }[] = [];
  readonly reviews: FakeReview[] = [];
  readonly comments: JsonObject[] = [];
  readonly reactions: { commentId: number; content: Json }[] = [];
  readonly reviewerRequests: { reviewers: string[]; teamReviewers: string[] }[] = [];
  readonly requestedReviewers = new Set<string>();
  readonly requestedTeams = new Set<string>();
  /** Blob expressions (`sha:path`) asked for over GraphQL. */
  readonly graphqlExpressions: string[] = [];

  /** Faults injected so far, in order. */
  readonly injected: InjectedFault[] = [];
  /** Label names on the pull request, as `GET /pulls/{n}` and `pullRequestView()` show them. */
  labels: string[] = [];
  /** Requests received and not yet answered (or dropped). */
  inflight = 0;
  /** `Date.now()` of the last request received or answered. */
  lastActivity = Date.now();

  private readonly tokens = new Set<string>();
  private readonly faultFreeTokens = new Set<string>();
  private faultRules: { rule: FaultRule; seen: number; hits: number; removed: boolean }[] = [];
  /** Consecutive faulted tries per exact request, so a retry is told apart from a new request. */
  private readonly attempts = new Map<string, number>();
  private readonly routes: Route[];
  private server: Server | undefined;
  private port = 0;
  private nextId = 1000;
  private readonly created = new Date().toISOString();

  private constructor(readonly seed: FakeGitHubSeed) {
    this.routes = this.buildRoutes();
  }

  static async start(seed: FakeGitHubSeed): Promise<FakeGitHub> {
    const fake = new FakeGitHub(seed);
    const server = createServer((req, res) => void fake.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(0, "127.0.0.1", () => resolve());
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

  /** Faults matching requests from now on (see `FaultRule`). */
  injectFault(rule: FaultRule): FaultHandle {
    const entry = { rule, seen: 0, hits: 0, removed: false };
    this.faultRules.push(entry);
    return {
      get hits() {
        return entry.hits;
      },
      remove: () => {
        entry.removed = true;
        this.faultRules = this.faultRules.filter((e) => e !== entry);
      },
    };
  }

  clearFaults(): void {
    for (const e of this.faultRules) e.removed = true;
    this.faultRules = [];
  }

  /**
   * An installation token for clients in the test process (an oracle reading the
   * same state); with `faultFree`, requests carrying it are never faulted.
   */
  issueToken(options: { faultFree?: boolean } = {}): string {
    const token = `ghs_${randomBytes(18).toString("hex")}`;
    this.tokens.add(token);
    if (options.faultFree) this.faultFreeTokens.add(token);
    return token;
  }

  /** A comment by a person on the pull request, as GitHub stores it. */
  addComment(login: string, body: string): JsonObject {
    const { owner, repo, pull } = this.seed;
    const id = this.id();
    const now = new Date().toISOString();
    const comment: JsonObject = {
      id,
      node_id: nodeId("IC", id),
      url: this.apiUrl(`/repos/${owner}/${repo}/issues/comments/${id}`),
      html_url: `${this.webUrl()}/${owner}/${repo}/pull/${pull.number}#issuecomment-${id}`,
      issue_url: this.apiUrl(`/repos/${owner}/${repo}/issues/${pull.number}`),
      body,
      user: this.user(login),
      created_at: now,
      updated_at: now,
      author_association: "MEMBER",
    };
    this.comments.push(comment);
    return comment;
  }

  /** A review dismissed by a maintainer: GitHub keeps it with state DISMISSED. */
  dismissReview(id: number): FakeReview {
    const review = this.reviews.find((r) => r.id === id);
    if (!review) throw new Error(`no review ${id}`);
    review.state = "DISMISSED";
    return review;
  }

  /**
   * A fresh head (and base) for the same pull request number, with the
   * conversation, labels and reviewer requests cleared: one server can then run
   * many scenarios without its per-commit caches carrying over.
   */
  nextHead(next: { headSha: string; baseSha: string; files?: FakePullFile[]; blobs?: Record<string, string> }): void {
    this.seed.pull.headSha = next.headSha;
    this.seed.pull.baseSha = next.baseSha;
    if (next.files) this.seed.files = next.files;
    Object.assign(this.seed.blobs, next.blobs ?? {});
    this.reviews.length = 0;
    this.comments.length = 0;
    this.reactions.length = 0;
    this.labels = [];
    this.requestedReviewers.clear();
    this.requestedTeams.clear();
  }

  /** A review as GitHub stores it once submitted; the reviewer leaves the requested list, as on GitHub. */
  addReview(login: string, state: FakeReview["state"], commitId: string, body = ""): FakeReview {
    const review: FakeReview = { id: this.id(), login, state, commitId, submittedAt: new Date().toISOString(), body };
    this.reviews.push(review);
    this.requestedReviewers.delete(login);
    return review;
  }

  /** `GET /repos/{owner}/{repo}/pulls/{number}` as GitHub answers it now. */
  pullRequestView(): JsonObject {
    const { owner, repo, pull } = this.seed;
    const api = this.apiUrl(`/repos/${owner}/${repo}`);
    const repository = this.repositoryView();
    return {
      url: `${api}/pulls/${pull.number}`,
      id: 900_000 + pull.number,
      node_id: nodeId("PR", 900_000 + pull.number),
      html_url: `${this.webUrl()}/${owner}/${repo}/pull/${pull.number}`,
      diff_url: `${this.webUrl()}/${owner}/${repo}/pull/${pull.number}.diff`,
      patch_url: `${this.webUrl()}/${owner}/${repo}/pull/${pull.number}.patch`,
      issue_url: `${api}/issues/${pull.number}`,
      number: pull.number,
      state: "open",
      locked: false,
      title: pull.title,
      user: this.user(pull.author),
      body: pull.body,
      created_at: this.created,
      updated_at: this.created,
      closed_at: null,
      merged_at: null,
      merge_commit_sha: null,
      assignee: null,
      assignees: [],
      requested_reviewers: [...this.requestedReviewers].map((login) => this.user(login)),
      requested_teams: [...this.requestedTeams].map((slug) => this.team(slug)),
      labels: this.labels.map((name) => this.label(name)),
      milestone: null,
      draft: false,
      head: { label: `${owner}:${pull.headRef}`, ref: pull.headRef, sha: pull.headSha, user: this.org(), repo: repository },
      base: { label: `${owner}:${this.seed.defaultBranch}`, ref: this.seed.defaultBranch, sha: pull.baseSha, user: this.org(), repo: repository },
      author_association: "MEMBER",
      auto_merge: null,
      active_lock_reason: null,
      merged: false,
      mergeable: true,
      rebaseable: true,
      mergeable_state: "blocked",
      merged_by: null,
      comments: this.comments.length,
      review_comments: 0,
      maintainer_can_modify: false,
      commits: 1,
      additions: this.seed.files.reduce((n, f) => n + countLines(f.patch, "+"), 0),
      deletions: this.seed.files.reduce((n, f) => n + countLines(f.patch, "-"), 0),
      changed_files: this.seed.files.length,
    };
  }

  repositoryView(): JsonObject {
    const { owner, repo } = this.seed;
    return {
      id: 424_242,
      node_id: nodeId("R", 424_242),
      name: repo,
      full_name: `${owner}/${repo}`,
      private: true,
      owner: this.org(),
      html_url: `${this.webUrl()}/${owner}/${repo}`,
      url: this.apiUrl(`/repos/${owner}/${repo}`),
      default_branch: this.seed.defaultBranch,
      visibility: "private",
    };
  }

  user(login: string): JsonObject {
    const id = numericId(login);
    return {
      login,
      id,
      node_id: nodeId("U", id),
      avatar_url: `${this.webUrl()}/avatars/u/${id}`,
      gravatar_id: "",
      url: this.apiUrl(`/users/${login}`),
      html_url: `${this.webUrl()}/${login}`,
      type: "User",
      site_admin: false,
    };
  }

  // --- routing ------------------------------------------------------------

  private buildRoutes(): Route[] {
    const { owner, repo, pull } = this.seed;
    const R = `/repos/${escape(owner)}/${escape(repo)}`;
    const N = String(pull.number);
    const route = (method: string, pattern: string, name: string, handle: Route["handle"], appAuth = false): Route => ({
      method,
      pattern: new RegExp(`^${pattern}$`),
      name,
      handle,
      appAuth,
    });
    return [
      route("POST", "/app/installations/(\\d+)/access_tokens", "POST /app/installations/{installation_id}/access_tokens", (c) => this.accessToken(c), true),
      route("GET", "/repos/([^/]+)/([^/]+)/contents/(.+)", "GET /repos/{owner}/{repo}/contents/{path}", (c) => this.contents(c)),
      route("GET", `${R}/pulls/${N}/files`, "GET /repos/{owner}/{repo}/pulls/{pull_number}/files", () => ok(this.seed.files.map((f) => this.fileView(f)))),
      route("GET", `${R}/pulls/${N}/reviews`, "GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews", () => ok(this.reviews.map((r) => this.reviewView(r)))),
      route("GET", `${R}/issues/${N}/comments`, "GET /repos/{owner}/{repo}/issues/{issue_number}/comments", () => ok(this.comments)),
      route("GET", `${R}/commits/([0-9a-f]{40}|[^/]+)/check-runs`, "GET /repos/{owner}/{repo}/commits/{ref}/check-runs", (c) => this.listCheckRuns(c)),
      route("POST", `${R}/check-runs`, "POST /repos/{owner}/{repo}/check-runs", (c) => this.createCheckRun(c)),
      route("PATCH", `${R}/check-runs/(\\d+)`, "PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}", (c) => this.updateCheckRun(c)),
      route("POST", `${R}/pulls/${N}/requested_reviewers`, "POST /repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers", (c) => this.requestReviewers(c)),
      route("GET", `${R}/pulls/${N}`, "GET /repos/{owner}/{repo}/pulls/{pull_number}", () => ok(this.pullRequestView())),
      route("POST", `${R}/issues/comments/(\\d+)/reactions`, "POST /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions", (c) => this.react(c)),
      route("POST", `${R}/issues/${N}/comments`, "POST /repos/{owner}/{repo}/issues/{issue_number}/comments", (c) => this.comment(c)),
      route("GET", `/orgs/${escape(owner)}/teams/([^/]+)/members`, "GET /orgs/{org}/teams/{team_slug}/members", (c) => this.teamMembers(c)),
    ];
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.inflight++;
    this.lastActivity = Date.now();
    res.once("close", () => {
      this.inflight--;
      this.lastActivity = Date.now();
    });
    const url = new URL(req.url ?? "/", "http://fake.invalid");
    const method = req.method ?? "GET";
    const query = Object.fromEntries(url.searchParams);
    const raw = await readBody(req);
    let body: Json | undefined;
    const entry: LoggedRequest = { method, path: url.pathname, query, auth: "none", status: 0, accept: header(req, "accept"), at: Date.now() };
    this.requests.push(entry);
    /** Set by a `drop mid-response` fault: the answer is cut in half and the connection destroyed. */
    let cut = false;
    const send = (reply: Reply): void => {
      entry.status = reply.status;
      const text = reply.text ?? (reply.json === undefined ? "" : JSON.stringify(reply.json));
      const contentType = reply.text !== undefined ? (reply.contentType ?? "text/plain; charset=utf-8") : "application/json; charset=utf-8";
      const headers = { "content-type": contentType, ...(reply.headers ?? {}) };
      if (!cut) {
        res.writeHead(reply.status, headers).end(text);
        return;
      }
      const bytes = Buffer.from(text);
      res.writeHead(reply.status, { ...headers, "content-length": String(bytes.length) });
      res.write(bytes.subarray(0, Math.floor(bytes.length / 2)), () => req.socket.destroy());
    };
    if (raw.length > 0) {
      try {
        body = JSON.parse(raw) as Json;
        entry.body = body;
      } catch {
        return send({ status: 400, json: { message: "Problems parsing JSON", documentation_url: "https://docs.github.com/rest" } });
      }
    }

    let route: Route | undefined;
    let params: string[] = [];
    if (method === "POST" && url.pathname === "/api/graphql") {
      route = { method, pattern: /^\/api\/graphql$/, name: "POST /graphql", handle: (c) => this.graphql(c) };
    } else if (url.pathname.startsWith("/api/v3/")) {
      const path = url.pathname.slice("/api/v3".length);
      for (const candidate of this.routes) {
        const match = candidate.method === method ? candidate.pattern.exec(path) : null;
        if (match) {
          route = candidate;
          params = match.slice(1).map((p) => decodeURIComponent(p ?? ""));
          break;
        }
      }
    }
    if (!route) {
      this.unexpected.push(entry);
      return send({ status: 404, json: NOT_FOUND });
    }
    entry.route = route.name;
    const operation = route.name === "POST /graphql" ? graphqlOperation(body) : undefined;
    if (operation !== undefined) entry.operation = operation;

    const signature = `${method} ${url.pathname}${url.search} ${raw}`;
    const attempt = (this.attempts.get(signature) ?? 0) + 1;
    const token = (header(req, "authorization") ?? "").split(/\s+/)[1] ?? "";
    const fault = this.faultFreeTokens.has(token) ? undefined : this.faultFor({ method, path: url.pathname, route: route.name, operation, attempt });
    if (fault) {
      this.attempts.set(signature, attempt);
      this.injected.push({ kind: fault.kind, detail: describeFault(fault), method, path: url.pathname, route: route.name, operation, attempt });
      entry.fault = describeFault(fault);
      switch (fault.kind) {
        case "status":
          return send({
            status: fault.status,
            ...(fault.text !== undefined
              ? { text: fault.text, contentType: "text/html; charset=utf-8" }
              : { json: fault.json ?? { message: fault.status === 502 ? "Server Error" : "Internal Server Error", documentation_url: "https://docs.github.com/rest" } }),
            headers: fault.headers,
          });
        case "secondary-rate-limit":
          return send({
            status: 403,
            json: {
              message:
                "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID 8E70:2A4F:1B9C2D:3C4E5F:6A7B8C9D.",
              documentation_url: "https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits",
            },
            headers: { "retry-after": String(fault.retryAfter ?? 1), "x-ratelimit-remaining": "4999", "x-ratelimit-resource": "core" },
          });
        case "delay":
          await new Promise((resolve) => setTimeout(resolve, fault.ms));
          break;
        case "drop":
          if (fault.when === "before-response") {
            entry.status = 0;
            req.socket.destroy();
            return;
          }
          cut = true;
          break;
      }
    }
    if (!fault || fault.kind !== "drop") this.attempts.delete(signature);

    const authorization = header(req, "authorization") ?? "";
    const [scheme = "", credential = ""] = authorization.split(/\s+/, 2);
    if (route.appAuth) {
      const problem = scheme.toLowerCase() === "bearer" ? this.jwtProblem(credential) : `expected a bearer JWT, got "${scheme}"`;
      if (problem) {
        entry.auth = "invalid";
        this.authFailures.push(`${route.name}: ${problem}`);
        return send({ status: 401, json: { message: "A JSON web token could not be decoded", documentation_url: "https://docs.github.com/rest" } });
      }
      entry.auth = "app-jwt";
    } else if (["token", "bearer"].includes(scheme.toLowerCase()) && this.tokens.has(credential)) {
      entry.auth = "installation-token";
    } else {
      entry.auth = authorization ? "invalid" : "none";
      this.authFailures.push(`${route.name}: no valid installation token (${authorization ? scheme : "no Authorization header"})`);
      return send({ status: 401, json: { message: "Bad credentials", documentation_url: "https://docs.github.com/rest" } });
    }

    try {
      send(route.handle({ credential: route.appAuth ? "" : credential, params, query, headers: req.headers, body }));
    } catch (error) {
      send({ status: 500, json: { message: `fake GitHub failed: ${(error as Error).message}` } });
    }
  }

  private faultFor(request: FaultRequest): Fault | undefined {
    for (const entry of this.faultRules) {
      const { rule } = entry;
      const { match } = rule;
      const matches = typeof match === "string" ? match === request.route : match instanceof RegExp ? match.test(request.route) : match(request);
      if (!matches) continue;
      entry.seen++;
      if (entry.seen <= (rule.after ?? 0)) continue;
      if (entry.hits >= (rule.times ?? 1)) continue;
      const fault = typeof rule.fault === "function" ? rule.fault(request) : rule.fault;
      if (!fault) continue;
      entry.hits++;
      return fault;
    }
    return undefined;
  }

  // --- authentication ---------------------------------------------------------

  /** Why this is not an RS256 JWT of our App that GitHub would accept now, or undefined. */
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
    if (head.alg !== "RS256") return `alg is ${String(head.alg)}, not RS256`;
    const signed = verify("RSA-SHA256", Buffer.from(`${encodedHeader}.${encodedPayload}`), this.seed.publicKey, Buffer.from(signature, "base64url"));
    if (!signed) return "signature does not verify with the App's public key";
    if (String(payload.iss) !== String(this.seed.appId)) return `iss is ${String(payload.iss)}, not ${this.seed.appId}`;
    const now = Math.floor(Date.now() / 1000);
    if (typeof payload.iat !== "number" || typeof payload.exp !== "number") return "iat/exp missing";
    if (payload.iat > now + 60) return "'Issued at' claim ('iat') must be an Integer representing a time in the past";
    if (payload.exp <= now || payload.exp - payload.iat > 600) return "'Expiration time' claim ('exp') is too far in the future or in the past";
    return undefined;
  }

  private accessToken(c: RequestContext): Reply {
    const installationId = Number(c.params[0]);
    if (installationId !== this.seed.installationId) return { status: 404, json: NOT_FOUND };
    const token = `ghs_${randomBytes(18).toString("hex")}`;
    this.tokens.add(token);
    const authorization = String(c.headers.authorization ?? "").split(/\s+/)[1] ?? "";
    const payload = JSON.parse(Buffer.from(authorization.split(".")[1] ?? "", "base64url").toString("utf8")) as JsonObject;
    this.tokenExchanges.push({ installationId, iss: payload.iss ?? null, issuedToken: token });
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

  // --- endpoints -------------------------------------------------------------

  private contents(c: RequestContext): Reply {
    const [owner = "", repo = "", path = ""] = c.params;
    if (owner !== this.seed.owner || repo !== this.seed.repo) return { status: 404, json: NOT_FOUND };
    const ref = c.query.ref ?? this.seed.defaultBranch;
    const sha = ref === this.seed.defaultBranch ? this.seed.pull.baseSha : ref === this.seed.pull.headRef ? this.seed.pull.headSha : ref;
    const text = this.seed.blobs[`${sha}:${path}`];
    if (text === undefined) return { status: 404, json: NOT_FOUND };
    const accept = String(c.headers.accept ?? "");
    // application/vnd.github.raw, application/vnd.github.v3.raw, application/vnd.github.raw+json
    if (/application\/vnd\.github(\.v3)?\.raw/.test(accept)) {
      return { status: 200, text, contentType: "application/vnd.github.raw; charset=utf-8" };
    }
    const api = this.apiUrl(`/repos/${owner}/${repo}/contents/${path}?ref=${ref}`);
    return {
      status: 200,
      json: {
        type: "file",
        encoding: "base64",
        size: Buffer.byteLength(text),
        name: path.split("/").pop() ?? path,
        path,
        content: Buffer.from(text).toString("base64"),
        sha: gitBlobSha(text),
        url: api,
        git_url: null,
        html_url: null,
        download_url: null,
        _links: { self: api, git: null, html: null },
      },
    };
  }

  private fileView(f: FakePullFile): JsonObject {
    const { owner, repo, pull } = this.seed;
    const head = this.seed.blobs[`${pull.headSha}:${f.filename}`];
    const additions = countLines(f.patch, "+");
    const deletions = countLines(f.patch, "-");
    const view: JsonObject = {
      sha: head === undefined ? "0000000000000000000000000000000000000000" : gitBlobSha(head),
      filename: f.filename,
      status: f.status,
      additions,
      deletions,
      changes: additions + deletions,
      blob_url: `${this.webUrl()}/${owner}/${repo}/blob/${pull.headSha}/${f.filename}`,
      raw_url: `${this.webUrl()}/${owner}/${repo}/raw/${pull.headSha}/${f.filename}`,
      contents_url: this.apiUrl(`/repos/${owner}/${repo}/contents/${encodeURIComponent(f.filename)}?ref=${pull.headSha}`),
    };
    if (f.patch !== undefined) view.patch = f.patch;
    if (f.previous_filename !== undefined) view.previous_filename = f.previous_filename;
    return view;
  }

  private reviewView(r: FakeReview): JsonObject {
    const { owner, repo, pull } = this.seed;
    const html = `${this.webUrl()}/${owner}/${repo}/pull/${pull.number}#pullrequestreview-${r.id}`;
    const pullUrl = this.apiUrl(`/repos/${owner}/${repo}/pulls/${pull.number}`);
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

  private listCheckRuns(c: RequestContext): Reply {
    const ref = c.params[0] ?? "";
    let runs = this.checkRuns.filter((r) => r.head_sha === ref);
    if (c.query.check_name) runs = runs.filter((r) => r.name === c.query.check_name);
    if (c.query.app_id) runs = runs.filter((r) => String(r.app.id) === c.query.app_id);
    if ((c.query.filter ?? "latest") === "latest") {
      const latest = new Map<string, FakeCheckRun>();
      for (const r of runs) latest.set(r.name, r);
      runs = [...latest.values()];
    }
    runs = [...runs].reverse();
    return ok({ total_count: runs.length, check_runs: runs as unknown as Json[] });
  }

  private createCheckRun(c: RequestContext): Reply {
    const body = asObject(c.body);
    const problem = requireFields(body, ["name", "head_sha"]);
    if (problem) return unprocessable(problem);
    const { owner, repo } = this.seed;
    const id = this.id();
    const now = new Date().toISOString();
    const output = asObject(body.output);
    const status = typeof body.status === "string" ? body.status : "queued";
    if (status === "completed" && typeof body.conclusion !== "string") return unprocessable("conclusion is required when status is completed");
    const run: FakeCheckRun = {
      id,
      node_id: nodeId("CR", id),
      head_sha: String(body.head_sha),
      external_id: typeof body.external_id === "string" ? body.external_id : "",
      url: this.apiUrl(`/repos/${owner}/${repo}/check-runs/${id}`),
      html_url: `${this.webUrl()}/${owner}/${repo}/runs/${id}`,
      details_url: `${this.webUrl()}/${owner}/${repo}/runs/${id}`,
      status,
      conclusion: typeof body.conclusion === "string" ? body.conclusion : null,
      started_at: typeof body.started_at === "string" ? body.started_at : now,
      completed_at: status === "completed" ? now : null,
      output: {
        title: typeof output.title === "string" ? output.title : null,
        summary: typeof output.summary === "string" ? output.summary : null,
        text: typeof output.text === "string" ? output.text : null,
        annotations_count: 0,
        annotations_url: this.apiUrl(`/repos/${owner}/${repo}/check-runs/${id}/annotations`),
      },
      name: String(body.name),
      check_suite: { id: 7_000 + id },
      app: { id: this.seed.appId, slug: "governance-gate", name: "Governance Gate", owner: this.org() },
      pull_requests: [],
    };
    this.checkRuns.push(run);
    this.checkRunWrites.push({ method: "POST", id, body: c.body, at: Date.now(), token: c.credential });
    return { status: 201, json: run as unknown as Json };
  }

  private updateCheckRun(c: RequestContext): Reply {
    const id = Number(c.params[0]);
    const run = this.checkRuns.find((r) => r.id === id);
    if (!run) return { status: 404, json: NOT_FOUND };
    const body = asObject(c.body);
    if (typeof body.name === "string") run.name = body.name;
    if (typeof body.status === "string") run.status = body.status;
    if (typeof body.conclusion === "string") {
      run.conclusion = body.conclusion;
      run.status = "completed";
    }
    if (run.status === "completed") run.completed_at = new Date().toISOString();
    const output = asObject(body.output);
    if (typeof output.title === "string") run.output.title = output.title;
    if (typeof output.summary === "string") run.output.summary = output.summary;
    if (typeof output.text === "string") run.output.text = output.text;
    this.checkRunWrites.push({ method: "PATCH", id, body: c.body, at: Date.now(), token: c.credential });
    return ok(run as unknown as Json);
  }

  private requestReviewers(c: RequestContext): Reply {
    const body = asObject(c.body);
    const reviewers = Array.isArray(body.reviewers) ? body.reviewers.map(String) : [];
    const teamReviewers = Array.isArray(body.team_reviewers) ? body.team_reviewers.map(String) : [];
    this.reviewerRequests.push({ reviewers, teamReviewers });
    const collaborators = new Set(this.seed.collaborators.map((u) => u.toLowerCase()));
    const teams = this.seed.teams ?? {};
    if (reviewers.some((u) => !collaborators.has(u.toLowerCase())) || teamReviewers.some((t) => !(t in teams))) {
      return unprocessable(`Reviews may only be requested from collaborators. One or more of the users or teams you specified is not a collaborator of the ${this.seed.owner}/${this.seed.repo} repository.`);
    }
    if (reviewers.some((u) => u.toLowerCase() === this.seed.pull.author.toLowerCase())) {
      return unprocessable("Review cannot be requested from pull request author.");
    }
    for (const u of reviewers) this.requestedReviewers.add(u);
    for (const t of teamReviewers) this.requestedTeams.add(t);
    return { status: 201, json: this.pullRequestView() };
  }

  private react(c: RequestContext): Reply {
    const commentId = Number(c.params[0]);
    if (!this.comments.some((comment) => comment.id === commentId)) return { status: 404, json: NOT_FOUND };
    const content = asObject(c.body).content ?? null;
    this.reactions.push({ commentId, content });
    return { status: 201, json: { id: this.id(), node_id: nodeId("REA", commentId), user: this.user("governance-gate[bot]"), content, created_at: new Date().toISOString() } };
  }

  private comment(c: RequestContext): Reply {
    const body = asObject(c.body);
    if (typeof body.body !== "string") return unprocessable("body is required");
    const { owner, repo, pull } = this.seed;
    const id = this.id();
    const now = new Date().toISOString();
    const comment: JsonObject = {
      id,
      node_id: nodeId("IC", id),
      url: this.apiUrl(`/repos/${owner}/${repo}/issues/comments/${id}`),
      html_url: `${this.webUrl()}/${owner}/${repo}/pull/${pull.number}#issuecomment-${id}`,
      issue_url: this.apiUrl(`/repos/${owner}/${repo}/issues/${pull.number}`),
      body: body.body,
      user: { ...this.user("governance-gate[bot]"), type: "Bot" },
      created_at: now,
      updated_at: now,
      author_association: "NONE",
    };
    this.comments.push(comment);
    return { status: 201, json: comment };
  }

  private teamMembers(c: RequestContext): Reply {
    const members = (this.seed.teams ?? {})[c.params[0] ?? ""];
    if (!members) return { status: 404, json: NOT_FOUND };
    return ok(members.map((login) => this.user(login)));
  }

  /**
   * `POST /graphql`: any query, executed by graphql-js against GitHub's published
   * schema (test/github-support/graphql-world.ts) over this fake's state: the pull
   * request as `pullRequestView()` shows it, its reviews and comments, the check
   * runs on its head, `seed.teams` (members of this organisation's teams) and
   * `seed.blobs`. As GitHub does, errors (a field or argument GitHub does not have,
   * a missing variable, a team or repository that does not resolve) come back with
   * status 200 as `{ data, errors }`.
   */
  private graphql(c: RequestContext): Reply {
    const body = asObject(c.body);
    if (typeof body.query !== "string") return ok({ errors: [{ message: "A query attribute must be specified and must be a string." }] });
    const variables = body.variables === undefined || body.variables === null ? null : asObject(body.variables);
    const operationName = typeof body.operationName === "string" ? body.operationName : null;
    return ok(answerGraphql({ query: body.query, variables, operationName }, this.graphqlWorld()) as unknown as Json);
  }

  /** This fake's state as the GraphQL schema's resolvers see it. */
  private graphqlWorld(): GraphqlWorld {
    const { seed } = this;
    const here = (owner: string, repo: string) => sameName(owner, seed.owner) && sameName(repo, seed.repo);
    return {
      pullRequest: (owner, repo, number) => {
        if (!here(owner, repo) || number !== seed.pull.number) return undefined;
        return {
          pull: this.pullRequestView(),
          reviews: this.reviews.map((r) => this.reviewView(r)),
          comments: this.comments,
          checkRuns: this.checkRuns.filter((r) => r.head_sha === seed.pull.headSha),
        };
      },
      teamMembers: (org, slug) => (sameName(org, seed.owner) ? (seed.teams ?? {})[slug] : undefined),
      blob: (owner, repo, expression) => {
        if (!here(owner, repo)) return undefined;
        this.graphqlExpressions.push(expression);
        const text = seed.blobs[expression];
        return text === undefined ? undefined : { text, isBinary: false, isTruncated: false };
      },
    };
  }

  // --- helpers ---------------------------------------------------------------

  private id(): number {
    return this.nextId++;
  }

  private apiUrl(path: string): string {
    return `http://${this.host}/api/v3${path}`;
  }

  private webUrl(): string {
    return `http://${this.host}`;
  }

  private org(): JsonObject {
    return { ...this.user(this.seed.owner), type: "Organization" };
  }

  private label(name: string): JsonObject {
    const id = numericId(`label:${name}`);
    return { id, node_id: nodeId("LA", id), url: this.apiUrl(`/repos/${this.seed.owner}/${this.seed.repo}/labels/${encodeURIComponent(name)}`), name, color: "ededed", default: false, description: null };
  }

  private team(slug: string): JsonObject {
    const id = numericId(`team:${slug}`);
    return { id, node_id: nodeId("T", id), slug, name: slug, privacy: "closed", permission: "pull", url: this.apiUrl(`/teams/${id}`) };
  }
}

function describeFault(fault: Fault): string {
  switch (fault.kind) {
    case "status":
      return `status ${fault.status}`;
    case "secondary-rate-limit":
      return `secondary rate limit (retry-after ${fault.retryAfter ?? 1})`;
    case "delay":
      return `delay ${fault.ms} ms`;
    case "drop":
      return `drop ${fault.when}`;
  }
}

function ok(json: Json): Reply {
  return { status: 200, json };
}

function unprocessable(message: string): Reply {
  return { status: 422, json: { message, documentation_url: "https://docs.github.com/rest" } };
}

function asObject(value: Json | undefined): JsonObject {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? value : {};
}

function requireFields(body: JsonObject, fields: string[]): string | undefined {
  const missing = fields.filter((f) => typeof body[f] !== "string");
  return missing.length > 0 ? `Invalid request.\n\n${missing.map((f) => `"${f}" wasn't supplied.`).join("\n")}` : undefined;
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

function escape(literal: string): string {
  return literal.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** The name of a GraphQL request's operation: `operationName`, else the first operation's own name. */
export function graphqlOperation(body: Json | undefined): string | undefined {
  const request = asObject(body);
  if (typeof request.operationName === "string") return request.operationName;
  return typeof request.query === "string" ? /^\s*(?:query|mutation)\s+(\w+)/.exec(request.query)?.[1] : undefined;
}

/** GitHub's owner, repository and organisation names are case-insensitive. */
function sameName(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

function countLines(patch: string | undefined, sign: "+" | "-"): number {
  return (patch ?? "").split("\n").filter((l) => l.startsWith(sign)).length;
}

/** The id Git gives a blob with this content. */
export function gitBlobSha(text: string): string {
  const content = Buffer.from(text);
  return createHash("sha1").update(`blob ${content.length}\0`).update(content).digest("hex");
}

function numericId(seed: string): number {
  return createHash("sha256").update(seed).digest().readUInt32BE(0) % 90_000_000 + 1_000_000;
}

function nodeId(prefix: string, id: number): string {
  return `${prefix}_kw${Buffer.from(String(id)).toString("base64url")}`;
}
