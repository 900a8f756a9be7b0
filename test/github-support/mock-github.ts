/**
 * A GitHub API double for tests of the Probot app, on top of nock.
 *
 *   setupNock(); // once per test file: no real network, verify + clean after each test
 *
 *   it("creates the check run", async () => {
 *     const gh = mockGitHub();
 *     gh.installationToken(4242);
 *     gh.get("/repos/acme/chat/pulls/12/files?per_page=100", [{ filename: "a.ts", status: "added" }]);
 *     gh.post("/repos/acme/chat/check-runs", { name: "governance", conclusion: "failure" }, { id: 1 });
 *     await probot.receive(webhookEvent("pull_request", prPayload("pull_request", "opened")));
 *     expect(gh.count({ kind: "rest" })).toBe(2);
 *   }); // afterEach: gh.verify() — fails the test on unused mocks, unmatched or invalid requests
 *
 * Every request a mock answers is validated against GitHub's OpenAPI description (REST) or
 * GraphQL schema (POST /graphql) — method, path, query and body — and problems make `verify()`
 * throw, listing them. Requests no mock matched are recorded too (they also fail in the app,
 * with nock's "No match" / "Disallowed net connect" error).
 *
 * Matching rules:
 *  - path: compared after percent-decoding, so `/contents/.github/gate.yml` matches octokit's
 *    `/contents/.github%2Fgate.yml`;
 *  - query: a path registered WITHOUT `?…` accepts any query string (still validated against the
 *    spec); a path registered WITH `?…` requires exactly those parameters (order-insensitive);
 *  - body (`expectBody`): `undefined` = any body; a function = predicate; otherwise a subset
 *    match — every key given must match (recursively; arrays element-wise with equal length);
 *    vitest asymmetric matchers (`expect.any(String)`, `expect.stringContaining(…)`) work inside;
 *  - several mocks matching one request are consumed in registration order.
 */
import nock from "nock";
import { afterEach, beforeEach } from "vitest";
import { type GraphqlRequestBody, validateGraphqlRequest } from "./graphql.js";
import { validateRestRequest, validateRestResponse } from "./openapi.js";

export const GITHUB_API = "https://api.github.com";

export type CallKind = "rest" | "graphql" | "token";

export interface RecordedCall {
  method: string;
  /** Path with query string, as sent (percent-encoding included). */
  path: string;
  /** Decoded query parameters. */
  query: Record<string, string | string[]>;
  /** Parsed JSON body; a string for non-JSON bodies; undefined when there was none. */
  body: unknown;
  kind: CallKind;
  /** False for requests no registered mock matched. */
  matched: boolean;
  /** The mock that answered (its description), when matched. */
  mock?: string;
}

/** Subset matcher, predicate, or `undefined` for "any body". */
export type BodyMatcher = unknown;
export type ReplyBody = unknown;
/** A reply body, or a function computing it from the request. */
export type Reply = ReplyBody | ((call: RecordedCall) => ReplyBody);

export interface MockOptions {
  /** How many requests this mock answers (default 1). */
  times?: number;
  /** Answers any number of requests; never reported as unused. */
  persist?: boolean;
  /** Not reported as unused by `verify()`. */
  optional?: boolean;
  /** Response headers, e.g. `{ link: '<…?page=2>; rel="next"' }`. */
  headers?: Record<string, string>;
}

export type GraphqlMatcher =
  string | RegExp | ((query: string, variables: Record<string, unknown>) => boolean);

export interface CountFilter {
  method?: string;
  /** String: the decoded pathname equals it; RegExp: tested against the path with query. */
  path?: string | RegExp;
  kind?: CallKind;
  matched?: boolean;
}

export interface MockGitHubOptions {
  /**
   * Also validate each mock's reply body against the documented response schema for its status.
   * Off by default: hand-written replies usually carry only the fields the app reads.
   */
  validateResponses?: boolean;
}

interface Registration {
  description: string;
  method: string;
  times: number;
  optional: boolean;
  used: number;
  interceptor: nock.Interceptor;
  expectBody: BodyMatcher;
}

/** The mocks created since the last `setupNock()` afterEach. */
const active = new Set<GitHubMock>();
let listening = false;

function ensureNoMatchListener(): void {
  if (listening) return;
  listening = true;
  nock.emitter.on("no match", (...args: unknown[]) => {
    const call = describeUnmatched(args);
    if (!call) return;
    for (const mock of active) mock.recordUnmatched(call);
  });
}

const LOCAL_HOST = /^(localhost|127\.0\.0\.1|\[::1\]|::1)(:\d+)?$/;

function describeUnmatched(args: unknown[]): { host: string; call: RecordedCall } | null {
  // nock emits (req, options, bodyString) from its router, (options) when no interceptor has
  // the host at all, or (req) for allowUnmocked scopes.
  const [first, second, third] = args as [
    Record<string, unknown> | undefined,
    Record<string, unknown> | undefined,
    unknown,
  ];
  const source = second && typeof second === "object" ? second : first;
  if (!source) return null;
  const headers = (source["headers"] ?? {}) as Record<string, unknown>;
  const host = String(source["host"] ?? source["hostname"] ?? headers["host"] ?? "");
  if (LOCAL_HOST.test(host) || host === "") return null;
  const method = String(source["method"] ?? "GET").toUpperCase();
  const path = String(source["path"] ?? "/");
  const body = parseBody(third);
  return {
    host: host.replace(/:443$/, ""),
    call: {
      method,
      path,
      query: parseQuery(path),
      body,
      kind: kindOf(method, path),
      matched: false,
    },
  };
}

/** nock hands over JSON bodies parsed only when the request said `content-type: …json`. */
function parseBody(raw: unknown): unknown {
  if (raw === undefined || raw === null || raw === "") return undefined;
  if (typeof raw !== "string") return raw;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}

function kindOf(method: string, path: string): CallKind {
  const pathname = path.split("?")[0] ?? "";
  if (method === "POST" && pathname === "/graphql") return "graphql";
  if (method === "POST" && /^\/app\/installations\/[^/]+\/access_tokens$/.test(pathname))
    return "token";
  return "rest";
}

function parseQuery(path: string): Record<string, string | string[]> {
  const index = path.indexOf("?");
  const out: Record<string, string | string[]> = {};
  if (index < 0) return out;
  for (const [key, value] of new URLSearchParams(path.slice(index + 1))) {
    const previous = out[key];
    if (previous === undefined) out[key] = value;
    else out[key] = Array.isArray(previous) ? [...previous, value] : [previous, value];
  }
  return out;
}

function normalizePathname(path: string): string {
  const pathname = (path.split("?")[0] ?? "").replace(/\/+$/, "");
  return pathname
    .split("/")
    .map((segment) => {
      try {
        return decodeURIComponent(segment);
      } catch {
        return segment;
      }
    })
    .join("/");
}

function sortedQuery(search: string): string {
  return JSON.stringify(
    [...new URLSearchParams(search)].sort(([a, x], [b, y]) =>
      a + "\0" + x < b + "\0" + y ? -1 : 1,
    ),
  );
}

function pathMatcher(registered: string): (uri: string) => boolean {
  const want = normalizePathname(registered);
  const q = registered.indexOf("?");
  const wantQuery = q >= 0 ? sortedQuery(registered.slice(q + 1)) : null;
  return (uri: string) => {
    if (normalizePathname(uri) !== want) return false;
    if (wantQuery === null) return true;
    const i = uri.indexOf("?");
    return sortedQuery(i >= 0 ? uri.slice(i + 1) : "") === wantQuery;
  };
}

/** `expectBody` semantics (see module doc): `undefined` accepts any body. */
export function bodyMatches(expected: unknown, actual: unknown): boolean {
  return expected === undefined || subsetMatches(expected, actual);
}

/** Subset match; a nested `undefined` means "absent". */
function subsetMatches(expected: unknown, actual: unknown): boolean {
  if (typeof expected === "function") return Boolean((expected as (b: unknown) => unknown)(actual));
  if (
    expected !== null &&
    typeof expected === "object" &&
    typeof (expected as { asymmetricMatch?: unknown }).asymmetricMatch === "function"
  ) {
    return Boolean(
      (expected as { asymmetricMatch: (v: unknown) => boolean }).asymmetricMatch(actual),
    );
  }
  if (expected instanceof RegExp) return typeof actual === "string" && expected.test(actual);
  if (Array.isArray(expected)) {
    return (
      Array.isArray(actual) &&
      actual.length === expected.length &&
      expected.every((e, i) => subsetMatches(e, actual[i]))
    );
  }
  if (expected !== null && typeof expected === "object") {
    if (actual === null || typeof actual !== "object" || Array.isArray(actual)) return false;
    return Object.entries(expected).every(([key, value]) =>
      subsetMatches(value, (actual as Record<string, unknown>)[key]),
    );
  }
  return Object.is(expected, actual);
}

function preview(value: unknown, max = 200): string {
  if (value === undefined) return "(no body)";
  let text: string;
  try {
    text =
      typeof value === "string"
        ? JSON.stringify(value)
        : JSON.stringify(value, (_k, v: unknown) =>
            v !== null &&
            typeof v === "object" &&
            typeof (v as { asymmetricMatch?: unknown }).asymmetricMatch === "function"
              ? String(v)
              : typeof v === "function"
                ? "[predicate]"
                : v instanceof RegExp
                  ? String(v)
                  : v,
          );
  } catch {
    text = String(value);
  }
  return text.length > max ? `${text.slice(0, max - 3)}...` : text;
}

function graphqlMatcherFn(
  matcher: GraphqlMatcher,
): (query: string, variables: Record<string, unknown>) => boolean {
  if (typeof matcher === "string") return (query) => query.includes(matcher);
  if (matcher instanceof RegExp) return (query) => matcher.test(query);
  return matcher;
}

export class GitHubMock {
  /** Every request that reached nock for a non-local host, matched or not, in order. */
  readonly calls: RecordedCall[] = [];
  /** Validation failures and unmatched requests, as `verify()` will report them. */
  readonly problems: string[] = [];
  private readonly registrations: Registration[] = [];
  private disposed = false;

  constructor(private readonly options: MockGitHubOptions = {}) {
    ensureNoMatchListener();
    active.add(this);
  }

  get(path: string, reply: Reply, status = 200, options: MockOptions = {}): this {
    return this.register("GET", path, undefined, reply, status, options);
  }

  post(
    path: string,
    expectBody: BodyMatcher,
    reply: Reply,
    status = 201,
    options: MockOptions = {},
  ): this {
    return this.register("POST", path, expectBody, reply, status, options);
  }

  patch(
    path: string,
    expectBody: BodyMatcher,
    reply: Reply,
    status = 200,
    options: MockOptions = {},
  ): this {
    return this.register("PATCH", path, expectBody, reply, status, options);
  }

  put(
    path: string,
    expectBody: BodyMatcher,
    reply: Reply,
    status = 200,
    options: MockOptions = {},
  ): this {
    return this.register("PUT", path, expectBody, reply, status, options);
  }

  delete(
    path: string,
    expectBody?: BodyMatcher,
    reply?: Reply,
    status = 204,
    options: MockOptions = {},
  ): this {
    return this.register("DELETE", path, expectBody, reply, status, options);
  }

  /**
   * A GraphQL call (POST /graphql) whose query matches: a substring, a RegExp, or a predicate
   * over (query, variables). `reply` is the whole response body as GitHub sends it:
   * `{ data: … }` (or `{ errors: [...] }`), or a function returning it; with `status`, an HTTP
   * failure such as GitHub's `502 {"message":"Server Error"}`.
   */
  graphql(
    matcher: GraphqlMatcher,
    reply: Reply,
    options: MockOptions & { status?: number } = {},
  ): this {
    const status = options.status ?? 200;
    if (
      status === 200 &&
      typeof reply !== "function" &&
      !(reply !== null && typeof reply === "object" && ("data" in reply || "errors" in reply))
    ) {
      throw new TypeError(
        "mock.graphql: reply must be the whole response body, e.g. { data: { repository: … } }",
      );
    }
    const test = graphqlMatcherFn(matcher);
    const expectBody = (body: unknown): boolean => {
      if (body === null || typeof body !== "object") return false;
      const { query, variables } = body as { query?: unknown; variables?: unknown };
      return typeof query === "string" && test(query, (variables ?? {}) as Record<string, unknown>);
    };
    const label = typeof matcher === "function" ? "[predicate]" : String(matcher);
    return this.register(
      "POST",
      "/graphql",
      expectBody,
      reply,
      status,
      options,
      `POST /graphql ${label}`,
    );
  }

  /**
   * The installation token exchange Probot performs before its first API call for an event:
   * `POST /app/installations/{id}/access_tokens` → 201 with a token.
   */
  installationToken(
    installationId: number,
    options: MockOptions & { token?: string; permissions?: Record<string, string> } = {},
  ): this {
    const reply = {
      token: options.token ?? `ghs_test_installation_${installationId}`,
      expires_at: new Date(Date.now() + 3_600_000).toISOString().replace(/\.\d{3}Z$/, "Z"),
      permissions: options.permissions ?? {
        checks: "write",
        contents: "read",
        issues: "write",
        metadata: "read",
        pull_requests: "write",
        statuses: "write",
      },
      repository_selection: "all",
    };
    return this.register(
      "POST",
      `/app/installations/${installationId}/access_tokens`,
      undefined,
      reply,
      201,
      options,
    );
  }

  /** Number of recorded calls, optionally filtered. */
  count(filter: CountFilter = {}): number {
    return this.calls.filter((call) => {
      if (filter.method && call.method !== filter.method.toUpperCase()) return false;
      if (filter.kind && call.kind !== filter.kind) return false;
      if (filter.matched !== undefined && call.matched !== filter.matched) return false;
      if (
        typeof filter.path === "string" &&
        normalizePathname(call.path) !== normalizePathname(filter.path)
      )
        return false;
      if (filter.path instanceof RegExp && !filter.path.test(call.path)) return false;
      return true;
    }).length;
  }

  /** Descriptions of registered mocks that still expect requests. */
  pending(): string[] {
    return this.registrations
      .filter((r) => !r.optional && r.used < r.times)
      .map((r) =>
        r.times > 1 ? `${r.description} (used ${r.used} of ${r.times} times)` : r.description,
      );
  }

  /** Throws, listing everything wrong: unused mocks, unmatched requests, invalid requests. */
  verify(): void {
    const sections: string[] = [];
    const pending = this.pending();
    if (pending.length > 0) {
      sections.push(
        `Mocks registered but never called:\n${pending.map((p) => `  - ${p}`).join("\n")}`,
      );
    }
    if (this.problems.length > 0) {
      sections.push(
        `Problems with requests the app made:\n${this.problems.map((p) => `  - ${p}`).join("\n")}`,
      );
    }
    if (sections.length > 0) {
      throw new Error(`GitHub mock verification failed\n${sections.join("\n")}`);
    }
  }

  /** Removes this mock's interceptors and stops tracking it (no further verification). */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    active.delete(this);
    for (const r of this.registrations) nock.removeInterceptor(r.interceptor);
  }

  /** @internal called by the shared nock "no match" listener. */
  recordUnmatched({ host, call }: { host: string; call: RecordedCall }): void {
    this.calls.push(call);
    const where = host === "api.github.com" ? "" : `https://${host}`;
    const candidates = this.registrations.filter(
      (r) => r.method === call.method && r.used < r.times,
    );
    const hint = candidates.length
      ? `; unused mocks for ${call.method}: ${candidates
          .map((r) =>
            r.expectBody === undefined
              ? r.description
              : `${r.description} expecting body ⊇ ${preview(r.expectBody, 120)}`,
          )
          .join(" | ")}`
      : "";
    this.problems.push(
      `no mock matched ${call.method} ${where}${call.path} ${preview(call.body)}${hint}`,
    );
  }

  private register(
    method: string,
    path: string,
    expectBody: BodyMatcher,
    reply: Reply,
    status: number,
    options: MockOptions,
    description = `${method} ${path}`,
  ): this {
    if (this.disposed) throw new Error("GitHubMock: already disposed");
    if (!path.startsWith("/")) throw new TypeError(`GitHubMock: path must start with "/": ${path}`);
    const times = options.persist ? Infinity : (options.times ?? 1);
    const nockBody =
      expectBody === undefined
        ? undefined
        : (body: unknown) => bodyMatches(expectBody, body === "" ? undefined : body);
    // One scope per registration: nock's persist() is scope-wide.
    const scope = nock(GITHUB_API);
    if (options.persist) scope.persist();
    const interceptor = scope.intercept(
      pathMatcher(path),
      method,
      nockBody as nock.RequestBodyMatcher,
    );
    if (!options.persist && times > 1) interceptor.times(times);
    if (options.optional) interceptor.optionally();
    const registration: Registration = {
      description,
      method,
      times,
      optional: Boolean(options.optional || options.persist),
      used: 0,
      interceptor,
      expectBody,
    };
    this.registrations.push(registration);
    // nock calls the reply function with its own `this` (the interceptor's request), so the
    // mock is reached through a name of its own.
    // eslint-disable-next-line @typescript-eslint/no-this-alias
    const mock = this;
    interceptor.reply(function (uri: string, requestBody: nock.Body) {
      const body = parseBody(requestBody);
      const call: RecordedCall = {
        method,
        path: uri,
        query: parseQuery(uri),
        body,
        kind: kindOf(method, uri),
        matched: true,
        mock: description,
      };
      registration.used++;
      mock.calls.push(call);
      mock.validate(call);
      const replyBody =
        typeof reply === "function" ? (reply as (c: RecordedCall) => ReplyBody)(call) : reply;
      if (mock.options.validateResponses && call.kind !== "graphql") {
        for (const p of validateRestResponse(method, uri, status, replyBody))
          mock.problems.push(`mock reply: ${p}`);
      }
      const headers: Record<string, string> = { ...(options.headers ?? {}) };
      if (replyBody === undefined || status === 204) return [status, "", headers];
      return [
        status,
        replyBody as nock.Body,
        { "content-type": "application/json; charset=utf-8", ...headers },
      ];
    });
    return this;
  }

  private validate(call: RecordedCall): void {
    const problems =
      call.kind === "graphql"
        ? validateGraphqlRequest(call.body as GraphqlRequestBody)
        : validateRestRequest({ method: call.method, path: call.path, body: call.body });
    for (const p of problems) this.problems.push(p);
  }
}

/** A new GitHub API double; verified and removed by `setupNock()`'s afterEach. */
export function mockGitHub(options: MockGitHubOptions = {}): GitHubMock {
  return new GitHubMock(options);
}

/**
 * Installs beforeEach/afterEach hooks for the calling test file: no network except localhost;
 * after each test every mock created in it is verified (unused mocks, unmatched or invalid
 * requests fail the test), then all interceptors are cleared.
 */
export function setupNock(): void {
  beforeEach(() => {
    nock.disableNetConnect();
    nock.enableNetConnect((host: string) => LOCAL_HOST.test(host));
  });
  afterEach(() => {
    const mocks = [...active];
    active.clear();
    const failures: string[] = [];
    for (const mock of mocks) {
      try {
        mock.verify();
      } catch (error) {
        failures.push((error as Error).message);
      } finally {
        mock.dispose();
      }
    }
    nock.cleanAll();
    if (failures.length > 0) throw new Error(failures.join("\n\n"));
  });
}
