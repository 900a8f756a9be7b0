/**
 * Fuzzed webhook payloads through `probot.receive`, GitHub mocked with nock
 * (permissive interceptors: any repository, any pull request number, any commit).
 * Real payloads from @octokit/webhooks-examples (test/github-support/webhooks.ts)
 * are mutated — fields dropped, wrong types, nulls, huge strings, unicode, odd
 * keys — and delivered one at a time to a fresh app.
 *
 * Properties:
 * - nothing escapes: no unhandled rejection, no uncaught exception; an error is
 *   an ordinary rejected `receive` (Probot answers 500 and GitHub can redeliver);
 * - in a world where the pull request is NOT ready (2 of 3 sign-offs), no payload
 *   whatsoever makes the app write a `success`;
 * - in a world where it IS ready (3 of 3), a `success` is written only for a
 *   payload whose fields the app reads are well-formed; an invalid payload never
 *   yields one.
 */
import fc from "fast-check";
import nock from "nock";
import { Probot, ProbotOctokit } from "probot";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createApp } from "../../src/index.js";
import { answerGraphql, type GraphqlWorld } from "../github-support/graphql-world.js";
import type { GraphqlRequestBody } from "../github-support/graphql.js";
import {
  examplePayload,
  prPayload,
  webhookEvent,
  DEFAULT_PR,
  type WebhookName,
} from "../github-support/webhooks.js";
import { counters, POLICY } from "./harness.js";
import { appKeys } from "../github-support/app-server.js";

const counts = counters("fuzz-webhooks");
afterAll(() => counts.save());

const RUNS = Number(process.env.RELIABILITY_FUZZ_RUNS ?? 150);
const PRIVATE_KEY = appKeys().privateKey;
const APP_ID = 4242;
const { headSha: HEAD, baseSha: BASE, number: PR } = DEFAULT_PR;
const NOW = new Date("2026-11-23T12:00:00Z");
const MIGRATION = "prisma/migrations/20261120093000_drop_avatar/migration.sql";
const MIGRATION_SQL = 'ALTER TABLE "User" DROP COLUMN "avatarUrl";\n';

// --- the mocked GitHub ---------------------------------------------------------------

interface Write {
  method: string;
  path: string;
  body: Record<string, unknown>;
}

interface MockWorld {
  /**
   * Permissive: any installation, repository, pull request number and commit answers
   * as acme/chat#12 does (the most adversarial world: nothing the payload names is
   * checked). Strict: only what exists does (acme/chat#12, installation 4242, the
   * policy at the base commit), as on GitHub.
   */
  strict: boolean;
  author: string;
  approvers: string[];
}

let world: MockWorld = { strict: false, author: "octocat", approvers: [] };
let writes: Write[] = [];
/** Reads of the pull request in the current case (GraphQL snapshot, or `GET /pulls/{number}`): the app re-read it from GitHub. */
let pullReads = 0;

function review(login: string, id: number) {
  return {
    id,
    node_id: `PRR_${id}`,
    user: { login, id, type: "User" },
    body: "",
    state: "APPROVED",
    commit_id: HEAD,
    submitted_at: "2026-11-23T11:00:00Z",
    html_url: "",
    pull_request_url: "",
    author_association: "MEMBER",
    _links: {},
  };
}

function pullRequest(): Record<string, unknown> {
  const pr = (
    prPayload("pull_request", "opened", { author: world.author }) as unknown as {
      pull_request: Record<string, unknown>;
    }
  ).pull_request;
  return {
    ...pr,
    state: "open",
    requested_reviewers: [],
    requested_teams: [],
    changed_files: 1,
    labels: [],
  };
}

/**
 * The same world over GraphQL (GitHub answers errors with 200 and `{ data, errors }`):
 * permissive, any repository and number is acme/chat#12; strict, only acme/chat#12 and
 * acme's teams exist. Teams are empty and no blob is served, as over REST.
 */
function graphqlWorld(): GraphqlWorld {
  return {
    pullRequest: (owner, name, number) => {
      if (world.strict && (owner !== "acme" || name !== "chat" || number !== PR)) return undefined;
      pullReads++;
      return {
        pull: pullRequest(),
        reviews: world.approvers.map((login, i) => review(login, 500 + i)),
        comments: [],
        checkRuns: [],
      };
    },
    teamMembers: (org) => (world.strict && org !== "acme" ? undefined : []),
    blob: () => undefined,
  };
}

const NOT_FOUND: [number, unknown] = [
  404,
  { message: "Not Found", documentation_url: "https://docs.github.com/rest" },
];

/** GitHub, for one request: [status, body, headers]. */
function answer(
  method: string,
  uri: string,
  headers: Record<string, unknown>,
  body: unknown,
): [number, unknown, Record<string, string>?] {
  const url = new URL(uri, "https://api.github.com");
  const path = decodeURIComponent(url.pathname);
  const token = /^\/app\/installations\/([^/]+)\/access_tokens$/.exec(path);
  if (method === "POST" && token) {
    if (world.strict && token[1] !== String(DEFAULT_PR.installationId)) return NOT_FOUND;
    return [
      201,
      {
        token: "ghs_fuzz",
        expires_at: "2099-01-01T00:00:00Z",
        permissions: {},
        repository_selection: "all",
      },
    ];
  }
  if (world.strict && String(headers.authorization ?? "") !== "token ghs_fuzz")
    return [401, { message: "Bad credentials" }];
  if (method === "POST" && path === "/graphql")
    return [
      200,
      answerGraphql(
        (typeof body === "string" ? JSON.parse(body) : body) as GraphqlRequestBody,
        graphqlWorld(),
      ),
    ];
  const repo = /^\/repos\/([^/]+)\/([^/]+)(\/.*)?$/.exec(path);
  const org = /^\/orgs\/[^/]+\/teams\/[^/]+\/members$/.exec(path);
  if (org) return [200, []];
  if (!repo) return NOT_FOUND;
  const [, owner, name, rest = ""] = repo;
  if (world.strict && (owner !== "acme" || name !== "chat")) return NOT_FOUND;
  const number = /^\/(?:pulls|issues)\/([^/]+)/.exec(rest)?.[1];
  if (
    world.strict &&
    number !== undefined &&
    number !== String(PR) &&
    !/^\/issues\/comments\//.test(rest)
  )
    return NOT_FOUND;
  if (method === "GET") {
    if (/^\/contents\/\.github\/governance\.yml$/.test(rest)) {
      if (world.strict && url.searchParams.get("ref") !== BASE) return NOT_FOUND;
      return [200, POLICY, { "content-type": "application/vnd.github.raw; charset=utf-8" }];
    }
    if (/^\/pulls\/[^/]+\/files$/.test(rest))
      return [
        200,
        [
          {
            sha: "3f1a9c0d2b4e6f8a0c1e3d5b7a9f1c3e5d7b9a0c",
            filename: MIGRATION,
            status: "added",
            additions: 1,
            deletions: 0,
            changes: 1,
            patch: `@@ -0,0 +1 @@\n+${MIGRATION_SQL.trimEnd()}`,
          },
        ],
      ];
    if (/^\/pulls\/[^/]+\/reviews$/.test(rest))
      return [200, world.approvers.map((login, i) => review(login, 500 + i))];
    if (/^\/issues\/[^/]+\/comments$/.test(rest)) return [200, []];
    if (/^\/commits\/[^/]+\/check-runs$/.test(rest))
      return [200, { total_count: 0, check_runs: [] }];
    if (/^\/pulls\/[^/]+$/.test(rest)) {
      pullReads++;
      return [200, pullRequest()];
    }
    if (rest === "/pulls") return [200, [pullRequest()]];
    if (rest === "/issues") return [200, []];
    return NOT_FOUND;
  }
  if (method === "DELETE") return [204, ""];
  const parsed = (typeof body === "string" ? safeJson(body) : body) as
    Record<string, unknown> | undefined;
  writes.push({ method, path, body: parsed ?? {} });
  return [
    method === "POST" ? 201 : 200,
    {
      id: 77,
      number: 99,
      head_sha: HEAD,
      started_at: "2026-11-23T10:00:00Z",
      html_url: "https://github.com/acme/chat/issues/99",
    },
  ];
}

function mockGitHub(): void {
  const api = nock("https://api.github.com").persist();
  for (const method of ["get", "post", "patch", "put", "delete"] as const) {
    api[method](/.*/).reply(function (
      this: { req: { headers: Record<string, unknown> } },
      uri: string,
      body: unknown,
    ) {
      return answer(method.toUpperCase(), uri, this.req.headers, body) as [
        number,
        string | Record<string, unknown>,
        Record<string, string>,
      ];
    } as never);
  }
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return { raw: text };
  }
}

function newProbot(): Probot {
  const probot = new Probot({
    appId: APP_ID,
    privateKey: PRIVATE_KEY,
    Octokit: ProbotOctokit.defaults((options: Record<string, unknown>) => ({
      ...options,
      retry: { enabled: false },
      throttle: { enabled: false },
    })),
    logLevel: "fatal",
  });
  probot.load(createApp({ appId: APP_ID, now: () => NOW, chat: async () => {} }));
  return probot;
}

// --- payloads and their mutations ---------------------------------------------------

type Obj = Record<string, unknown>;

const BASES: { name: WebhookName; build: () => Obj }[] = [
  { name: "pull_request", build: () => prFor("pull_request", "opened") },
  { name: "pull_request", build: () => prFor("pull_request", "synchronize") },
  {
    name: "pull_request",
    build: () => prFor("pull_request", "labeled", { labels: ["db"], label: "db" }),
  },
  {
    name: "pull_request",
    build: () =>
      prFor("pull_request", "edited", {}, (p) => (p.changes = { title: { from: "Old" } })),
  },
  { name: "pull_request", build: () => prFor("pull_request", "reopened") },
  {
    name: "pull_request",
    build: () =>
      prFor("pull_request", "closed", {}, (p) =>
        Object.assign(p.pull_request as Obj, {
          merged: true,
          merged_at: "2026-11-23T12:00:00Z",
          state: "closed",
        }),
      ),
  },
  {
    name: "pull_request_review",
    build: () =>
      prFor("pull_request_review", "submitted", { actor: "sam", reviewState: "approved" }),
  },
  {
    name: "pull_request_review",
    build: () => prFor("pull_request_review", "dismissed", { actor: "sam" }),
  },
  {
    name: "issue_comment",
    build: () =>
      prFor("issue_comment", "created", { actor: "sam", commentBody: "/approve-level3" }),
  },
  {
    name: "issue_comment",
    build: () =>
      prFor("issue_comment", "edited", { actor: "bob", commentBody: "/governance explain" }),
  },
  {
    name: "check_run",
    build: () => prFor("check_run", "rerequested", { checkName: "governance" }),
  },
  {
    name: "push",
    build: () => {
      const p = examplePayload("push") as unknown as Obj;
      const pushed = {
        ...p,
        ref: "refs/heads/main",
        installation: { id: DEFAULT_PR.installationId },
      } as Obj;
      pushed.repository = {
        ...(p.repository as Obj),
        name: "chat",
        full_name: "acme/chat",
        owner: { login: "acme", type: "Organization" },
        default_branch: "main",
      };
      pushed.commits = [{ id: HEAD, added: [], removed: [], modified: [".github/governance.yml"] }];
      return pushed;
    },
  },
  {
    name: "merge_group",
    build: () => {
      const p = examplePayload("merge_group") as unknown as Obj;
      return {
        ...p,
        action: "checks_requested",
        installation: { id: DEFAULT_PR.installationId },
        repository: {
          ...(p.repository as Obj),
          name: "chat",
          full_name: "acme/chat",
          owner: { login: "acme", type: "Organization" },
        },
        // GitHub names the queued pull request and the head it was queued at in the group's ref.
        merge_group: {
          ...(p.merge_group as Obj),
          head_sha: HEAD,
          head_ref: `refs/heads/gh-readonly-queue/main/pr-${PR}-${HEAD}`,
        },
      };
    },
  },
];

function prFor(
  event: "pull_request" | "pull_request_review" | "issue_comment" | "check_run",
  action: string,
  overrides: Parameters<typeof prPayload>[2] = {},
  tweak?: (p: Obj) => void,
): Obj {
  const p = prPayload(event, action as never, {
    author: world.author,
    ...overrides,
  }) as unknown as Obj;
  const pr = p.pull_request as Obj | undefined;
  if (pr)
    Object.assign(pr, {
      requested_reviewers: [],
      requested_teams: [],
      changed_files: 1,
      state: pr.state === "closed" ? "closed" : "open",
      labels: pr.labels ?? [],
    });
  tweak?.(p);
  return p;
}

/** Paths the app reads: mutations there matter most, so half of them land there. */
const HOT = [
  "installation.id",
  "repository.owner.login",
  "repository.name",
  "repository.default_branch",
  "pull_request",
  "pull_request.number",
  "pull_request.state",
  "pull_request.title",
  "pull_request.body",
  "pull_request.user",
  "pull_request.user.login",
  "pull_request.labels",
  "pull_request.labels.0",
  "pull_request.labels.0.name",
  "pull_request.head",
  "pull_request.head.sha",
  "pull_request.base",
  "pull_request.base.sha",
  "pull_request.base.ref",
  "pull_request.changed_files",
  "pull_request.requested_reviewers",
  "pull_request.requested_teams",
  "pull_request.merged",
  "issue",
  "issue.number",
  "issue.state",
  "issue.pull_request",
  "comment",
  "comment.id",
  "comment.user",
  "comment.user.type",
  "comment.body",
  "sender.type",
  "changes",
  "check_run.name",
  "check_run.pull_requests",
  "check_run.pull_requests.0.number",
  "merge_group.head_sha",
  "merge_group.head_ref",
  "commits",
  "commits.0.modified",
  "ref",
  "label",
];

function allPaths(node: unknown, prefix: string[] = [], out: string[][] = []): string[][] {
  if (node !== null && typeof node === "object") {
    for (const [key, value] of Object.entries(node)) {
      const path = [...prefix, key];
      out.push(path);
      if (out.length < 2000) allPaths(value, path, out);
    }
  }
  return out;
}

function parentOf(root: Obj, path: string[]): Record<string, unknown> | undefined {
  let node: unknown = root;
  for (const key of path.slice(0, -1)) {
    if (node === null || typeof node !== "object") return undefined;
    node = (node as Obj)[key];
  }
  return node !== null && typeof node === "object" ? (node as Obj) : undefined;
}

const HUGE = "ä".repeat(200_000);
const NASTY = [
  "",
  " ",
  "\u0000",
  "\uD800",
  "\u202Egnp.exe",
  "🚀".repeat(1000),
  "constructor",
  "__proto__",
  "toString",
  "../../etc/passwd",
  "%2e%2e%2f",
  "<script>",
  "null",
  "-1",
  "1e400",
  "NaN",
];

type Mutation = {
  at: number;
  hot: boolean;
  op: "drop" | "null" | "value" | "huge" | "nasty" | "array" | "object" | "swap-key";
  value: unknown;
  nasty: number;
};

const mutationArb: fc.Arbitrary<Mutation> = fc.record({
  at: fc.nat(),
  hot: fc.boolean(),
  op: fc.constantFrom("drop", "null", "value", "huge", "nasty", "array", "object", "swap-key"),
  value: fc.oneof(
    fc.string({ unit: "grapheme", maxLength: 40 }),
    fc.string({ unit: "binary", maxLength: 40 }),
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.array(fc.oneof(fc.integer(), fc.string(), fc.constant(null), fc.object({ maxDepth: 1 })), {
      maxLength: 4,
    }),
    fc.object({ maxDepth: 2 }),
  ),
  nasty: fc.nat(NASTY.length - 1),
});

function mutate(payload: Obj, mutations: Mutation[]): { payload: Obj; touched: string[] } {
  const out = structuredClone(payload);
  const touched: string[] = [];
  for (const m of mutations) {
    const hot = HOT.map((p) => p.split(".")).filter((p) => parentOf(out, p) !== undefined);
    const candidates = m.hot && hot.length > 0 ? hot : allPaths(out);
    if (candidates.length === 0) continue;
    const path = candidates[m.at % candidates.length]!;
    const parent = parentOf(out, path);
    const key = path.at(-1)!;
    if (!parent) continue;
    touched.push(path.join("."));
    switch (m.op) {
      case "drop":
        delete parent[key];
        break;
      case "null":
        parent[key] = null;
        break;
      case "value":
        parent[key] = m.value;
        break;
      case "huge":
        parent[key] = HUGE;
        break;
      case "nasty":
        parent[key] = NASTY[m.nasty];
        break;
      case "array":
        parent[key] = [parent[key], m.value];
        break;
      case "object":
        parent[key] = { value: parent[key], [String(m.value)]: m.value };
        break;
      case "swap-key": {
        const value = parent[key];
        delete parent[key];
        parent[`${key}\u200b`] = value;
        break;
      }
    }
  }
  return { payload: out, touched };
}

// --- what "well-formed" means for the fields that decide --------------------------

const isStr = (v: unknown) => typeof v === "string";
const isInt = (v: unknown) => Number.isSafeInteger(v) && (v as number) > 0;
const isObj = (v: unknown): v is Obj => v !== null && typeof v === "object" && !Array.isArray(v);
const isSha = (v: unknown) => typeof v === "string" && /^[0-9a-f]{40}$/.test(v);
const isLogin = (v: unknown) =>
  typeof v === "string" && /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(\[bot\])?$/.test(v);

/**
 * The payload fields that decide the outcome and are missing or not of GitHub's
 * type: who and where (installation, repository, number, head and base commits),
 * the author (who never counts) and the labels (which raise the level), for the
 * events whose pull request the app takes from the payload. Fields that
 * only shape messages (title, body, refs) or reviewer requests are not required to
 * be well-formed for a pass; they must only never crash anything.
 */
function malformedFields(name: string, p: Obj): string[] {
  const bad: string[] = [];
  const check = (field: string, ok: boolean) => ok || bad.push(field);
  const repo = p.repository;
  check("installation", isObj(p.installation) && isInt(p.installation.id));
  check(
    "repository",
    isObj(repo) && isObj(repo.owner) && isLogin(repo.owner.login) && isStr(repo.name),
  );
  switch (name) {
    case "pull_request":
    case "pull_request_review": {
      const pr = p.pull_request;
      if (!isObj(pr)) return [...bad, "pull_request"];
      check("author", isObj(pr.user) && isLogin(pr.user.login));
      check(
        "labels",
        Array.isArray(pr.labels) && pr.labels.every((l) => isObj(l) && isStr(l.name)),
      );
      check("number", isInt(pr.number));
      check("state", isStr(pr.state));
      check("head", isObj(pr.head) && isSha(pr.head.sha));
      check("base", isObj(pr.base) && isSha(pr.base.sha));
      break;
    }
    // issue_comment and check_run: the pull request is re-read from GitHub, so the payload decides nothing but which one.
    case "merge_group":
      check(
        "merge_group",
        isObj(p.merge_group) && isSha(p.merge_group.head_sha) && isStr(p.merge_group.head_ref),
      );
      break;
  }
  return bad;
}

/** Malformed only in the pull request's own fields, which the app then took from GitHub instead (a re-read). */
function decidedByGitHub(outcome: Outcome): boolean {
  return (
    outcome.reread &&
    outcome.malformed.every((f) => ["author", "labels", "state", "head", "base"].includes(f))
  );
}

// --- the runs ---------------------------------------------------------------------

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

beforeAll(() => {
  nock.disableNetConnect();
  process.on("unhandledRejection", onUnhandled);
  process.on("uncaughtException", onUnhandled);
  mockGitHub();
});

afterAll(() => {
  process.off("unhandledRejection", onUnhandled);
  process.off("uncaughtException", onUnhandled);
  nock.cleanAll();
  nock.enableNetConnect();
});

afterEach(() => {
  expect(unhandled).toEqual([]);
});

const caseArb = fc.record({
  base: fc.nat(BASES.length - 1),
  mutations: fc.array(mutationArb, { minLength: 1, maxLength: 5 }),
});

interface Outcome {
  event: string;
  action: unknown;
  /** Deciding fields that are malformed (see malformedFields). */
  malformed: string[];
  /** The app re-read the pull request from GitHub (so the payload's copy did not decide). */
  reread: boolean;
  /** What the payload's pull_request.user and .labels look like, for messages. */
  shape: string;
  rejected: boolean;
  successes: Write[];
  touched: string[];
}

async function deliver(base: number, mutations: Mutation[]): Promise<Outcome> {
  const { name, build } = BASES[base]!;
  const original = build();
  const { payload, touched } = mutate(original, mutations);
  writes = [];
  pullReads = 0;
  let rejected = false;
  try {
    await newProbot().receive(webhookEvent(name, payload as never));
  } catch {
    rejected = true;
  }
  // Anything the app left running after receive resolved would show up here or as an unhandled rejection.
  await new Promise((resolve) => setImmediate(resolve));
  counts.fuzzCases++;
  counts.eventsDelivered++;
  const successes = writes.filter(
    (w) => /check-runs/.test(w.path) && w.body.conclusion === "success",
  );
  const pr = isObj(payload.pull_request) ? payload.pull_request : {};
  return {
    event: name,
    action: payload.action,
    malformed: malformedFields(name, payload),
    reread: pullReads > 0,
    shape: `user ${JSON.stringify(pr.user)?.slice(0, 60) ?? "missing"}, labels ${JSON.stringify(pr.labels)?.slice(0, 100) ?? "missing"}`,
    rejected,
    successes,
    touched,
  };
}

describe("fuzzed webhook payloads", () => {
  it(`a pull request that is not ready never passes, whatever the payload names (${RUNS} runs, permissive GitHub)`, async () => {
    world = { strict: false, author: "octocat", approvers: ["dan", "bea"] };
    let rejectedCount = 0;
    await fc.assert(
      fc.asyncProperty(caseArb, async ({ base, mutations }) => {
        const outcome = await deliver(base, mutations);
        if (outcome.rejected) rejectedCount++;
        expect(
          outcome.successes,
          JSON.stringify({ ...outcome, successes: outcome.successes.map((w) => w.body.output) }),
        ).toEqual([]);
      }),
      { numRuns: RUNS, seed: 424242, endOnFailure: true },
    );
    // The fuzzer does reach the error paths.
    expect(rejectedCount).toBeGreaterThan(0);
  });

  it(`the author's own approval never counts, whatever the payload says about the author (${RUNS} runs, permissive GitHub)`, async () => {
    // sam (sre-lead) wrote the pull request and approved it; dan and bea approved too. Not enough.
    world = { strict: false, author: "sam", approvers: ["dan", "bea", "sam"] };
    await fc.assert(
      fc.asyncProperty(caseArb, async ({ base, mutations }) => {
        const outcome = await deliver(base, mutations);
        expect(
          outcome.successes,
          `${outcome.event}.${String(outcome.action)} (malformed: ${outcome.malformed.join(", ") || "nothing"}; ${outcome.shape}) passed the author's own pull request: ${JSON.stringify(outcome)}`,
        ).toEqual([]);
      }),
      { numRuns: RUNS, seed: 99, endOnFailure: true },
    );
  });

  it(`a ready pull request passes only on a payload whose deciding fields are well-formed (${RUNS} runs, strict GitHub)`, async () => {
    world = { strict: true, author: "octocat", approvers: ["dan", "bea", "sam"] };
    let passed = 0;
    await fc.assert(
      fc.asyncProperty(caseArb, async ({ base, mutations }) => {
        const outcome = await deliver(base, mutations);
        if (outcome.successes.length === 0) return;
        passed++;
        // A malformed pull request in the payload may pass only when the app took those fields from GitHub instead.
        const unjustified = decidedByGitHub(outcome) ? [] : outcome.malformed;
        expect(
          unjustified,
          `success for a payload with malformed ${outcome.malformed.join(", ")} the app did not re-read: ${JSON.stringify({ ...outcome, successes: outcome.successes.length })}`,
        ).toEqual([]);
      }),
      { numRuns: RUNS, seed: 7, endOnFailure: true },
    );
    // The world does pass on good payloads, so the property is not vacuous.
    expect(passed).toBeGreaterThan(0);
  });

  it("the unmutated payloads: a ready pull request passes through every event that evaluates it (strict GitHub)", async () => {
    world = { strict: true, author: "octocat", approvers: ["dan", "bea", "sam"] };
    const passing: string[] = [];
    for (const [i, { name }] of BASES.entries()) {
      const outcome = await deliver(i, []);
      expect(outcome.rejected, `${name}.${String(outcome.action)}`).toBe(false);
      expect(outcome.malformed).toEqual([]);
      if (outcome.successes.length > 0) passing.push(`${name}.${String(outcome.action)}`);
    }
    expect(passing).toEqual(
      expect.arrayContaining([
        "pull_request.synchronize",
        "pull_request_review.submitted",
        "issue_comment.created",
        "check_run.rerequested",
        "merge_group.checks_requested",
      ]),
    );
  });
});
