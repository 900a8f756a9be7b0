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
 *
 * Authentication, routing and the shape of every GitHub object are shared with
 * the bench's fake (test/github-support/fake-github/), so both answer the app alike.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { KeyObject } from "node:crypto";
import { answerGraphql, type GraphqlWorld } from "../github-support/graphql-world.js";
import {
  ACCESS_TOKEN_ROUTE,
  authenticate,
  installationTokenReply,
  jwtClaims,
  newInstallationToken,
  presentedToken,
} from "../github-support/fake-github/app-auth.js";
import {
  listedCheckRuns,
  newCheckRun,
  updateCheckRun,
  type CheckRun,
} from "../github-support/fake-github/check-runs.js";
import { graphqlOperation, readGraphqlRequest } from "../github-support/fake-github/graphql.js";
import {
  asObject,
  escapeRegExp,
  GRAPHQL_ROUTE,
  handleSafely,
  header,
  isGraphqlRequest,
  LoopbackFake,
  matchRestRoute,
  notFound,
  ok,
  parseJsonBody,
  readRequest,
  renderReply,
  route,
  unprocessable,
  type Json,
  type JsonObject,
  type Reply,
  type RequestContext,
  type Route,
} from "../github-support/fake-github/http.js";
import {
  readReviewerRequest,
  reviewerRequestRefusal,
} from "../github-support/fake-github/review-requests.js";
import {
  APP_BOT_LOGIN,
  GitHubViews,
  type PullFile,
  type PullRequestBasics,
  type RepositoryFacts,
} from "../github-support/fake-github/views.js";

export { graphqlOperation } from "../github-support/fake-github/graphql.js";
export { gitBlobSha } from "../github-support/fake-github/ids.js";

export type FakePullFile = PullFile;
export type FakeCheckRun = CheckRun;

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
  pull: PullRequestBasics & { baseSha: string };
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

export interface FakeReview {
  id: number;
  login: string;
  state: "APPROVED" | "CHANGES_REQUESTED" | "COMMENTED" | "DISMISSED" | "PENDING";
  commitId: string;
  submittedAt: string;
  body: string;
}

/** The one repository's fixed id: webhook payloads built by the tests carry it too. */
const REPOSITORY_ID = 424_242;

export class FakeGitHub extends LoopbackFake {
  readonly requests: LoggedRequest[] = [];
  readonly unexpected: LoggedRequest[] = [];
  /** Successful installation-token exchanges (JWT verified). */
  readonly tokenExchanges: { installationId: number; iss: Json; issuedToken: string }[] = [];
  /** Why a JWT or a token was refused, if ever. */
  readonly authFailures: string[] = [];
  readonly checkRuns: FakeCheckRun[] = [];
  /** Every check-run write in order: how the app created and updated runs. */
  readonly checkRunWrites: {
    method: "POST" | "PATCH";
    id: number;
    body: Json | undefined;
    at: number;
    token: string;
  }[] = [];
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
  private readonly views = new GitHubViews(() => this.host);
  private nextId = 1000;
  private readonly created = new Date().toISOString();

  private constructor(readonly seed: FakeGitHubSeed) {
    super();
    this.routes = this.buildRoutes();
  }

  static async start(seed: FakeGitHubSeed): Promise<FakeGitHub> {
    const fake = new FakeGitHub(seed);
    await fake.listen();
    return fake;
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
    const token = newInstallationToken();
    this.tokens.add(token);
    if (options.faultFree) this.faultFreeTokens.add(token);
    return token;
  }

  /** A comment by a person on the pull request, as GitHub stores it. */
  addComment(login: string, body: string): JsonObject {
    const now = new Date().toISOString();
    const comment = this.views.issueComment(
      this.seed.owner,
      this.seed.repo,
      this.seed.pull.number,
      { id: this.id(), login, body, createdAt: now, updatedAt: now },
    );
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
  nextHead(next: {
    headSha: string;
    baseSha: string;
    files?: FakePullFile[];
    blobs?: Record<string, string>;
  }): void {
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
    const review: FakeReview = {
      id: this.id(),
      login,
      state,
      commitId,
      submittedAt: new Date().toISOString(),
      body,
    };
    this.reviews.push(review);
    this.requestedReviewers.delete(login);
    return review;
  }

  /** `GET /repos/{owner}/{repo}/pulls/{number}` as GitHub answers it now. */
  pullRequestView(): JsonObject {
    const { pull } = this.seed;
    return this.views.pullRequest({
      ...pull,
      repository: this.repositoryFacts(),
      id: 900_000 + pull.number,
      state: "open",
      merged: false,
      mergedAt: null,
      mergedBy: null,
      mergeCommitSha: null,
      createdAt: this.created,
      updatedAt: this.created,
      requestedReviewers: this.requestedReviewers,
      requestedTeams: this.requestedTeams,
      labels: this.labels,
      commentCount: this.comments.length,
      files: this.seed.files,
    });
  }

  repositoryView(): JsonObject {
    return this.views.repository(this.repositoryFacts());
  }

  user(login: string): JsonObject {
    return this.views.user(login);
  }

  // --- routing ------------------------------------------------------------

  private buildRoutes(): Route[] {
    const { owner, repo, pull } = this.seed;
    const R = `/repos/${escapeRegExp(owner)}/${escapeRegExp(repo)}`;
    const N = String(pull.number);
    return [
      route(
        "POST",
        "/app/installations/(\\d+)/access_tokens",
        ACCESS_TOKEN_ROUTE,
        (c) => this.accessToken(c),
        true,
      ),
      route(
        "GET",
        "/repos/([^/]+)/([^/]+)/contents/(.+)",
        "GET /repos/{owner}/{repo}/contents/{path}",
        (c) => this.contents(c),
      ),
      route(
        "GET",
        `${R}/pulls/${N}/files`,
        "GET /repos/{owner}/{repo}/pulls/{pull_number}/files",
        () => ok(this.seed.files.map((f) => this.fileView(f))),
      ),
      route(
        "GET",
        `${R}/pulls/${N}/reviews`,
        "GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews",
        () => ok(this.reviewViews()),
      ),
      route(
        "GET",
        `${R}/issues/${N}/comments`,
        "GET /repos/{owner}/{repo}/issues/{issue_number}/comments",
        () => ok(this.comments),
      ),
      route(
        "GET",
        `${R}/commits/([0-9a-f]{40}|[^/]+)/check-runs`,
        "GET /repos/{owner}/{repo}/commits/{ref}/check-runs",
        (c) => this.listCheckRuns(c),
      ),
      route("POST", `${R}/check-runs`, "POST /repos/{owner}/{repo}/check-runs", (c) =>
        this.createCheckRun(c),
      ),
      route(
        "PATCH",
        `${R}/check-runs/(\\d+)`,
        "PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}",
        (c) => this.updateCheckRun(c),
      ),
      route(
        "POST",
        `${R}/pulls/${N}/requested_reviewers`,
        "POST /repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers",
        (c) => this.requestReviewers(c),
      ),
      route("GET", `${R}/pulls/${N}`, "GET /repos/{owner}/{repo}/pulls/{pull_number}", () =>
        ok(this.pullRequestView()),
      ),
      route(
        "POST",
        `${R}/issues/comments/(\\d+)/reactions`,
        "POST /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions",
        (c) => this.react(c),
      ),
      route(
        "POST",
        `${R}/issues/${N}/comments`,
        "POST /repos/{owner}/{repo}/issues/{issue_number}/comments",
        (c) => this.comment(c),
      ),
      route(
        "GET",
        `/orgs/${escapeRegExp(owner)}/teams/([^/]+)/members`,
        "GET /orgs/{org}/teams/{team_slug}/members",
        (c) => this.teamMembers(c),
      ),
    ];
  }

  protected async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    this.inflight++;
    this.lastActivity = Date.now();
    res.once("close", () => {
      this.inflight--;
      this.lastActivity = Date.now();
    });
    const { method, url, query, raw } = await readRequest(req);
    const entry: LoggedRequest = {
      method,
      path: url.pathname,
      query,
      auth: "none",
      status: 0,
      accept: header(req, "accept"),
      at: Date.now(),
    };
    this.requests.push(entry);
    /** Set by a `drop mid-response` fault: the answer is cut in half and the connection destroyed. */
    let cut = false;
    const send = (reply: Reply): void => {
      entry.status = reply.status;
      const { headers, text } = renderReply(reply);
      if (!cut) {
        res.writeHead(reply.status, headers).end(text);
        return;
      }
      const bytes = Buffer.from(text);
      res.writeHead(reply.status, { ...headers, "content-length": String(bytes.length) });
      res.write(bytes.subarray(0, Math.floor(bytes.length / 2)), () => req.socket.destroy());
    };
    const parsed = parseJsonBody(raw);
    if ("refusal" in parsed) return send(parsed.refusal);
    const { body } = parsed;
    if (body !== undefined) entry.body = body;

    const graphqlRoute: Route = {
      method,
      pattern: /^\/api\/graphql$/,
      name: GRAPHQL_ROUTE,
      handle: (c) => this.graphql(c),
    };
    const matched = isGraphqlRequest(method, url.pathname)
      ? { route: graphqlRoute, params: [] }
      : matchRestRoute(this.routes, method, url.pathname);
    if (!matched) {
      this.unexpected.push(entry);
      return send(notFound());
    }
    const { route: matchedRoute, params } = matched;
    entry.route = matchedRoute.name;
    const operation = matchedRoute === graphqlRoute ? graphqlOperation(body) : undefined;
    if (operation !== undefined) entry.operation = operation;

    const signature = `${method} ${url.pathname}${url.search} ${raw}`;
    const attempt = (this.attempts.get(signature) ?? 0) + 1;
    const fault = this.faultFreeTokens.has(presentedToken(req))
      ? undefined
      : this.faultFor({ method, path: url.pathname, route: matchedRoute.name, operation, attempt });
    if (fault) {
      this.attempts.set(signature, attempt);
      this.injected.push({
        kind: fault.kind,
        detail: describeFault(fault),
        method,
        path: url.pathname,
        route: matchedRoute.name,
        operation,
        attempt,
      });
      entry.fault = describeFault(fault);
      switch (fault.kind) {
        case "status":
          return send({
            status: fault.status,
            ...(fault.text !== undefined
              ? { text: fault.text, contentType: "text/html; charset=utf-8" }
              : {
                  json: fault.json ?? {
                    message: fault.status === 502 ? "Server Error" : "Internal Server Error",
                    documentation_url: "https://docs.github.com/rest",
                  },
                }),
            headers: fault.headers,
          });
        case "secondary-rate-limit":
          return send({
            status: 403,
            json: {
              message:
                "You have exceeded a secondary rate limit. Please wait a few minutes before you try again. If you reach out to GitHub Support for help, please include the request ID 8E70:2A4F:1B9C2D:3C4E5F:6A7B8C9D.",
              documentation_url:
                "https://docs.github.com/free-pro-team@latest/rest/overview/rate-limits-for-the-rest-api#about-secondary-rate-limits",
            },
            headers: {
              "retry-after": String(fault.retryAfter ?? 1),
              "x-ratelimit-remaining": "4999",
              "x-ratelimit-resource": "core",
            },
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

    const authentication = authenticate(req, matchedRoute, this.seed, (token) =>
      this.tokens.has(token),
    );
    entry.auth = authentication.auth;
    if (!authentication.accepted) {
      this.authFailures.push(authentication.failure);
      return send(authentication.reply);
    }
    send(
      handleSafely(matchedRoute, {
        path: url.pathname,
        credential: authentication.credential,
        params,
        query,
        headers: req.headers,
        body,
      }),
    );
  }

  private faultFor(request: FaultRequest): Fault | undefined {
    for (const entry of this.faultRules) {
      const { rule } = entry;
      const { match } = rule;
      const matches =
        typeof match === "string"
          ? match === request.route
          : match instanceof RegExp
            ? match.test(request.route)
            : match(request);
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

  // --- endpoints -------------------------------------------------------------

  private accessToken(c: RequestContext): Reply {
    const installationId = Number(c.params[0]);
    if (installationId !== this.seed.installationId) return notFound();
    const token = newInstallationToken();
    this.tokens.add(token);
    const jwt = String(c.headers.authorization ?? "").split(/\s+/)[1] ?? "";
    this.tokenExchanges.push({
      installationId,
      iss: jwtClaims(jwt).iss ?? null,
      issuedToken: token,
    });
    return installationTokenReply(token);
  }

  private contents(c: RequestContext): Reply {
    const [owner = "", repo = "", path = ""] = c.params;
    if (owner !== this.seed.owner || repo !== this.seed.repo) return notFound();
    const ref = c.query.ref ?? this.seed.defaultBranch;
    const sha =
      ref === this.seed.defaultBranch
        ? this.seed.pull.baseSha
        : ref === this.seed.pull.headRef
          ? this.seed.pull.headSha
          : ref;
    const text = this.seed.blobs[`${sha}:${path}`];
    if (text === undefined) return notFound();
    return this.views.contents(owner, repo, path, ref, text, String(c.headers.accept ?? ""));
  }

  private fileView(f: FakePullFile): JsonObject {
    const { owner, repo, pull } = this.seed;
    return this.views.pullFile(
      owner,
      repo,
      pull.headSha,
      f,
      this.seed.blobs[`${pull.headSha}:${f.filename}`],
    );
  }

  private reviewViews(): JsonObject[] {
    const { owner, repo, pull } = this.seed;
    return this.reviews.map((r) => this.views.review(owner, repo, pull.number, r));
  }

  private listCheckRuns(c: RequestContext): Reply {
    const runs = listedCheckRuns(
      this.checkRuns.filter((r) => r.head_sha === (c.params[0] ?? "")),
      c.query,
    );
    return ok({ total_count: runs.length, check_runs: runs as unknown as Json[] });
  }

  private createCheckRun(c: RequestContext): Reply {
    const { owner, repo, appId } = this.seed;
    const created = newCheckRun(this.views, { owner, repo, appId }, () => this.id(), c.body);
    if ("refusal" in created) return created.refusal;
    const { run } = created;
    this.checkRuns.push(run);
    this.checkRunWrites.push({
      method: "POST",
      id: run.id,
      body: c.body,
      at: Date.now(),
      token: c.credential,
    });
    return { status: 201, json: run as unknown as Json };
  }

  private updateCheckRun(c: RequestContext): Reply {
    const id = Number(c.params[0]);
    const run = this.checkRuns.find((r) => r.id === id);
    if (!run) return notFound();
    updateCheckRun(run, c.body);
    this.checkRunWrites.push({
      method: "PATCH",
      id,
      body: c.body,
      at: Date.now(),
      token: c.credential,
    });
    return ok(run as unknown as Json);
  }

  private requestReviewers(c: RequestContext): Reply {
    const request = readReviewerRequest(c.body);
    this.reviewerRequests.push(request);
    const refusal = reviewerRequestRefusal(
      request,
      { ...this.seed, name: this.seed.repo },
      this.seed.pull.author,
    );
    if (refusal) return refusal;
    for (const u of request.reviewers) this.requestedReviewers.add(u);
    for (const t of request.teamReviewers) this.requestedTeams.add(t);
    return { status: 201, json: this.pullRequestView() };
  }

  private react(c: RequestContext): Reply {
    const commentId = Number(c.params[0]);
    if (!this.comments.some((comment) => comment.id === commentId)) return notFound();
    const content = asObject(c.body).content ?? null;
    this.reactions.push({ commentId, content });
    return this.views.reaction(this.id(), commentId, content);
  }

  private comment(c: RequestContext): Reply {
    const body = asObject(c.body);
    if (typeof body.body !== "string") return unprocessable("body is required");
    return { status: 201, json: this.addComment(APP_BOT_LOGIN, body.body) };
  }

  private teamMembers(c: RequestContext): Reply {
    const members = (this.seed.teams ?? {})[c.params[0] ?? ""];
    if (!members) return notFound();
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
    const request = readGraphqlRequest(c.body);
    if ("errors" in request) return ok(request);
    return ok(answerGraphql(request, this.graphqlWorld()) as unknown as Json);
  }

  /** This fake's state as the GraphQL schema's resolvers see it. */
  private graphqlWorld(): GraphqlWorld {
    const { seed } = this;
    const here = (owner: string, repo: string) =>
      sameName(owner, seed.owner) && sameName(repo, seed.repo);
    return {
      pullRequest: (owner, repo, number) => {
        if (!here(owner, repo) || number !== seed.pull.number) return undefined;
        return {
          pull: this.pullRequestView(),
          reviews: this.reviewViews(),
          comments: this.comments,
          checkRuns: this.checkRuns.filter((r) => r.head_sha === seed.pull.headSha),
        };
      },
      teamMembers: (org, slug) =>
        sameName(org, seed.owner) ? (seed.teams ?? {})[slug] : undefined,
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

  private repositoryFacts(): RepositoryFacts {
    return {
      id: REPOSITORY_ID,
      owner: this.seed.owner,
      name: this.seed.repo,
      defaultBranch: this.seed.defaultBranch,
    };
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

/** GitHub's owner, repository and organisation names are case-insensitive. */
function sameName(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}
