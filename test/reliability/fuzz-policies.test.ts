/**
 * Fuzzed policies, three ways in:
 *
 * - `loadPolicy` on random YAML-ish text, on random structurally plausible policy
 *   objects serialised with `yaml` (valid and invalid values, unknown keys, wrong
 *   types, extends chains), and on the presets with random edits: it never throws;
 *   every problem has a file, a line and a column inside the file; a policy comes
 *   back exactly when there is no error (an invalid policy never half-applies);
 * - `governance-gate lint` (`main()` of src/cli/main.ts) on the same texts written
 *   to a file: exit 0 or 1, never a crash; every line but the summary is
 *   `file:line:col: severity: message`; 0 exactly when the policy loads;
 * - the app, with the text as the base branch's `.github/governance.yml` (GitHub
 *   mocked with nock) for a docs-only change that any valid policy lets through:
 *   a `success` check only when the policy loads cleanly, and otherwise a failing
 *   check that names every problem with its place.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import nock from "nock";
import { Probot, ProbotOctokit } from "probot";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { stringify } from "yaml";
import { main } from "../../src/cli/main.js";
import { answerGraphql, type GraphqlWorld } from "../github-support/graphql-world.js";
import type { GraphqlRequestBody } from "../github-support/graphql.js";
import { createApp } from "../../src/index.js";
import { loadPolicy, type LoadResult, type PolicyReader } from "../../src/policy/load.js";
import { fileSystemReader, isPresetName, PRESETS, readPreset } from "../../src/policy/presets.js";
import { formatProblem } from "../../src/policy/problems.js";
import { DEFAULT_PR, prPayload, webhookEvent } from "../github-support/webhooks.js";
import { counters } from "./harness.js";
import { appKeys } from "../github-support/app-server.js";

const counts = counters("fuzz-policies");
afterAll(() => counts.save());

const RUNS = Number(process.env.RELIABILITY_FUZZ_RUNS ?? 150);

/** Presets resolve; anything else is "not found" (no file system, no network). */
const presetsOnly: PolicyReader = {
  async read(ref) {
    if (isPresetName(ref)) return readPreset(ref);
    throw new Error(`${ref} does not exist`);
  },
};

// --- generators --------------------------------------------------------------------

const FRAGMENTS = [
  "roles:",
  "areas:",
  "rules:",
  "levels:",
  "unowned:",
  "emergency:",
  "sla:",
  "ticket:",
  "cost:",
  "signoff:",
  "extends: chat-backend",
  "extends: platform-engineering",
  "extends: ./base.yml",
  "extends:",
  "version: 1",
  "version: 2",
  "  backend-lead: { users: [bea] }",
  "  backend-lead:",
  "    users: [bea, dan]",
  "    teams: [acme/sre]",
  "  dba-lead: null",
  "  api:",
  '    paths: ["src/api/**", "!src/api/health/**"]',
  "    paths: []",
  "    accountable: backend-lead",
  "    accountable: [a, b]",
  "    level: 3",
  "    level: 5",
  "    level: three",
  "    approvers: [tech-architect, product-owner]",
  "    approvers: { any: [a], count: 2 }",
  "    approvers: { all: [] }",
  "    when: { kinds: [migration-destructive], labels: [db] }",
  "    when: { author: {} }",
  "    requireInputFrom: [dba-lead]",
  "    escalation: [backend-lead, cto]",
  "    ticket: true",
  "  pattern: '[A-Z]+-\\d+'",
  "  pattern: '('",
  "  action: fail",
  "  action: explode",
  "  timezone: Mars/Olympus",
  "  workingDays: [mon, funday]",
  "  hours: { start: '25:00', end: '17:00' }",
  "  holidays: [2026-13-45]",
  "  4: { commandOnly: true }",
  "  9: { commandOnly: maybe }",
  "  owner: bob",
  "  DRI: carol",
  "- ",
  "? ",
  ": ",
  "&anchor ",
  "*anchor",
  "*undefined_alias",
  "!!binary ",
  "!!python/object:os.system",
  "%YAML 1.2",
  "---",
  "...",
  "{",
  "}",
  "[",
  "]",
  ",",
  "#",
  "\t",
  "'",
  '"',
  "|",
  ">",
  "~",
  "null",
  "true",
  "0x1F",
  "1e999",
  "-.inf",
  ".nan",
  "🚀",
  "\u202e",
  "\u0000",
  "\ufeff",
  "é",
  "ß",
  "key: value: other",
  "<<: *anchor",
];

const yamlishText = fc
  .array(
    fc.tuple(
      fc.constantFrom(...FRAGMENTS),
      fc.constantFrom("\n", "\n", "\n  ", "\n    ", " ", "", "\r\n"),
      fc.string({ maxLength: 6 }),
    ),
    { maxLength: 40 },
  )
  .map((parts) =>
    parts
      .map(([fragment, sep, noise]) => `${fragment}${noise.length > 4 ? noise : ""}${sep}`)
      .join(""),
  );

const binaryText = fc.string({ unit: "binary", maxLength: 300 });

const ROLE_IDS = [
  "backend-lead",
  "dba-lead",
  "sre-lead",
  "backend-team",
  "tech-architect",
  "cto",
  "qa",
  "Bad_Role",
  "",
  "$accountable",
  "$accountables",
  "ghost-role",
];
const LOGINS = [
  "bea",
  "dan",
  "sam",
  "octocat",
  "dependabot[bot]",
  "-bad-",
  "x".repeat(50),
  "bob smith",
  "",
];
const KINDS = [
  "migration-destructive",
  "migration-index",
  "api-breaking",
  "dependency-major",
  "endpoint-added",
  "not-a-kind",
  "",
];
const GLOBS = [
  "src/**",
  "docs/**",
  "**/*.md",
  "!docs/internal/**",
  "prisma/**",
  "[",
  "{a,b",
  "",
  "**/openapi.{yaml,yml,json}",
];

const oneOrWrong = <T>(good: fc.Arbitrary<T>) =>
  fc.oneof(
    { weight: 6, arbitrary: good },
    { weight: 1, arbitrary: fc.constantFrom<unknown>(null, 42, "text", true, [], {}, [1, 2]) },
  );
const roleRef = fc.constantFrom(...ROLE_IDS);
const roleList = oneOrWrong(fc.array(roleRef, { maxLength: 4 }));
const approvers = oneOrWrong(
  fc.oneof(
    fc.array(roleRef, { maxLength: 3 }),
    fc.record(
      {
        all: fc.array(roleRef, { maxLength: 2 }),
        any: fc.array(roleRef, { maxLength: 3 }),
        count: fc.integer({ min: -1, max: 4 }),
      },
      { requiredKeys: [] },
    ),
  ),
);
const level = oneOrWrong(fc.constantFrom<unknown>(1, 2, 3, 4, 0, 5, "3"));
const idKey = fc.constantFrom("api", "docs", "prisma", "infra", "Bad Key", "api.v2", "x_y", "");

const area = fc.record(
  {
    name: oneOrWrong(fc.string({ maxLength: 20 })),
    paths: oneOrWrong(fc.array(fc.constantFrom(...GLOBS), { maxLength: 4 })),
    accountable: oneOrWrong(roleRef),
    responsible: roleList,
    consulted: roleList,
    informed: roleList,
    level,
    approvers,
    escalation: roleList,
    ticket: oneOrWrong(fc.boolean()),
    owner: fc.constantFrom(undefined, undefined, undefined, "bob"),
  },
  { requiredKeys: [] },
);

const rule = fc.record(
  {
    description: fc.string({ maxLength: 30 }),
    areas: oneOrWrong(fc.array(idKey, { maxLength: 3 })),
    when: oneOrWrong(
      fc.record(
        {
          kinds: fc.array(fc.constantFrom(...KINDS), { maxLength: 3 }),
          labels: fc.array(fc.constantFrom("db", "architecture", "", "🚀"), { maxLength: 2 }),
          paths: fc.array(fc.constantFrom(...GLOBS), { maxLength: 2 }),
          author: fc.record(
            {
              memberOf: fc.array(roleRef, { maxLength: 2 }),
              notMemberOf: fc.array(roleRef, { maxLength: 2 }),
            },
            { requiredKeys: [] },
          ),
        },
        { requiredKeys: [] },
      ),
    ),
    level,
    approvers,
    requireInputFrom: roleList,
  },
  { requiredKeys: [] },
);

const role = oneOrWrong(
  fc.record(
    {
      description: fc.string({ maxLength: 20 }),
      users: oneOrWrong(fc.array(fc.constantFrom(...LOGINS), { maxLength: 3 })),
      teams: oneOrWrong(
        fc.array(fc.constantFrom("sre", "acme/sre", "bad team", ""), { maxLength: 2 }),
      ),
    },
    { requiredKeys: [] },
  ),
);

const policyObject = fc
  .record(
    {
      version: fc.constantFrom<unknown>(1, 1, 2, "1"),
      extends: fc.constantFrom<unknown>(
        ...PRESETS,
        ...PRESETS,
        "./base.yml",
        "acme/.github:governance.yml",
        "chat-backend-typo",
        "",
        7,
      ),
      description: fc.string({ maxLength: 40 }),
      roles: oneOrWrong(fc.dictionary(fc.constantFrom(...ROLE_IDS), role, { maxKeys: 6 })),
      areas: oneOrWrong(fc.dictionary(idKey, area, { maxKeys: 4 })),
      rules: oneOrWrong(fc.dictionary(idKey, rule, { maxKeys: 3 })),
      levels: oneOrWrong(
        fc.dictionary(
          fc.constantFrom("1", "2", "3", "4", "5"),
          fc.record(
            { name: fc.string({ maxLength: 10 }), commandOnly: oneOrWrong(fc.boolean()) },
            { requiredKeys: [] },
          ),
          { maxKeys: 2 },
        ),
      ),
      unowned: oneOrWrong(
        fc.record(
          {
            action: fc.constantFrom("pass", "warn", "fail", "explode"),
            reviewers: fc.array(roleRef, { maxLength: 2 }),
          },
          { requiredKeys: [] },
        ),
      ),
      emergency: oneOrWrong(
        fc.record(
          {
            roles: fc.array(roleRef, { maxLength: 2 }),
            reviewWithinHours: fc.integer({ min: -5, max: 48 }),
            allowAuthor: fc.boolean(),
          },
          { requiredKeys: [] },
        ),
      ),
      sla: oneOrWrong(
        fc.record(
          {
            timezone: fc.constantFrom("UTC", "Europe/Berlin", "Mars/Olympus", ""),
            workingDays: fc.array(fc.constantFrom("mon", "tue", "sat", "funday"), { maxLength: 3 }),
            hours: fc.record({
              start: fc.constantFrom("09:00", "25:00", "9"),
              end: fc.constantFrom("17:00", "08:00"),
            }),
            holidays: fc.array(fc.constantFrom("2026-12-25", "2026-13-45", "tomorrow"), {
              maxLength: 2,
            }),
            review: fc.record(
              { businessDays: fc.integer({ min: -1, max: 5 }) },
              { requiredKeys: [] },
            ),
          },
          { requiredKeys: [] },
        ),
      ),
      ticket: oneOrWrong(
        fc.record({ pattern: fc.constantFrom("[A-Z]+-\\d+", "(", "", "JIRA-\\d+") }),
      ),
      mystery: fc.anything({ maxDepth: 2 }),
    },
    { requiredKeys: [] },
  )
  .map((object) => {
    // Unknown keys (always errors) in a tenth of the objects only, so other problems get their turn.
    const { mystery, ...rest } = object as Record<string, unknown>;
    return JSON.stringify(rest).length % 10 === 0 ? { ...rest, mystery } : rest;
  });

/** Only valid values: what a team would actually write on top of a preset, or from scratch. */
const validLogin = fc.constantFrom("bea", "dan", "sam", "octocat", "carmen", "dependabot[bot]");
const validRole = fc.constantFrom(
  "backend-lead",
  "dba-lead",
  "sre-lead",
  "backend-team",
  "tech-architect",
  "cto",
);
const validPolicy = fc.record(
  {
    version: fc.constant(1),
    extends: fc.constantFrom(...PRESETS),
    roles: fc.dictionary(
      validRole,
      fc.record({ users: fc.array(validLogin, { minLength: 1, maxLength: 2 }) }),
      { minKeys: 1, maxKeys: 5 },
    ),
    areas: fc.dictionary(
      fc.constantFrom("mobile", "docs", "prisma", "web"),
      fc.record(
        {
          paths: fc.array(fc.constantFrom("mobile/**", "docs/**", "web/**", "!docs/internal/**"), {
            minLength: 1,
            maxLength: 2,
          }),
          level: fc.constantFrom(1, 2, 3),
          escalation: fc.array(validRole, { maxLength: 2 }),
        },
        { requiredKeys: ["paths"] },
      ),
      { maxKeys: 2 },
    ),
    levels: fc.constant({ 4: { commandOnly: true } }),
    unowned: fc.record({ action: fc.constantFrom("pass", "warn") }),
  },
  { requiredKeys: ["extends", "roles"] },
);

const structuredText = fc
  .tuple(
    fc.oneof(validPolicy, policyObject),
    fc.array(fc.tuple(fc.nat(), fc.constantFrom("drop", "indent", "dup", "none")), {
      maxLength: 2,
    }),
  )
  .map(([object, edits]) => {
    const lines = stringify(object).split("\n");
    for (const [at, edit] of edits) {
      const i = lines.length === 0 ? 0 : at % lines.length;
      if (edit === "drop") lines.splice(i, 1);
      else if (edit === "indent") lines[i] = ` ${lines[i] ?? ""}`;
      else if (edit === "dup") lines.splice(i, 0, lines[i] ?? "");
    }
    return lines.join("\n");
  });

let presetTexts: string[] = [];
const editedPreset = fc
  .tuple(
    fc.nat(),
    fc.array(fc.tuple(fc.nat(), fc.nat({ max: 40 }), fc.constantFrom(...FRAGMENTS)), {
      minLength: 1,
      maxLength: 4,
    }),
  )
  .map(([which, edits]) => {
    let text = presetTexts[which % presetTexts.length] ?? "";
    for (const [at, length, insert] of edits) {
      const i = at % (text.length + 1);
      text = text.slice(0, i) + insert + text.slice(i + length);
    }
    return text;
  });

const anyPolicyText = fc.oneof(yamlishText, structuredText, editedPreset, binaryText);

// --- properties ----------------------------------------------------------------------

/** loadPolicy, which reports every problem (an alias without its anchor too) and never throws: a throw fails the test. */
async function load(text: string, name: string, reader: PolicyReader): Promise<LoadResult> {
  try {
    return await loadPolicy({ name, text }, reader);
  } catch (error) {
    throw new Error(`loadPolicy threw ${String(error)} on:\n${text}`, { cause: error });
  }
}

function checkResult(text: string, name: string, result: LoadResult): void {
  const lines = text.split(/\r\n|\r|\n/).length;
  for (const p of result.problems) {
    expect(typeof p.file === "string" && p.file.length > 0, formatProblem(p)).toBe(true);
    expect(Number.isInteger(p.line) && p.line >= 1, formatProblem(p)).toBe(true);
    expect(Number.isInteger(p.col) && p.col >= 1, formatProblem(p)).toBe(true);
    expect(["error", "warning"]).toContain(p.severity);
    expect(p.message.trim(), formatProblem(p)).not.toBe("");
    if (p.file === name)
      expect(p.line, `${formatProblem(p)} (the file has ${lines} lines)`).toBeLessThanOrEqual(
        lines + 1,
      );
  }
  const errors = result.problems.filter((p) => p.severity === "error");
  // An invalid policy never yields a policy object, and a missing policy always says why.
  expect(
    result.policy === undefined,
    `policy ${result.policy ? "returned" : "withheld"} with ${errors.length} errors: ${errors.map(formatProblem).join("; ")}`,
  ).toBe(errors.length > 0);
}

beforeAll(async () => {
  presetTexts = await Promise.all(
    PRESETS.map(async (p) => readFile(new URL(`../../policies/${p}.yml`, import.meta.url), "utf8")),
  );
});

describe("fuzzed policies through loadPolicy", () => {
  for (const [label, arbitrary] of [
    ["random YAML-ish text", yamlishText],
    ["random policy objects serialised with yaml", structuredText],
    ["presets with random edits", editedPreset],
    ["random bytes", binaryText],
  ] as const) {
    it(`${label}: never throws, every problem placed, no policy unless clean (${RUNS * 2} runs)`, async () => {
      await fc.assert(
        fc.asyncProperty(arbitrary, async (text) => {
          counts.fuzzCases++;
          checkResult(
            text,
            ".github/governance.yml",
            await load(text, ".github/governance.yml", presetsOnly),
          );
        }),
        { numRuns: RUNS * 2, seed: label.length * 1000 + 17, endOnFailure: true },
      );
    });
  }

  it("a value of the wrong type is reported as such, not as missing", async () => {
    for (const [text, path, received] of [
      ["extends: chat-backend\nroles: 42\n", "roles", "number"],
      [
        "extends: chat-backend\nareas:\n  docs:\n    informed: 42\n",
        "areas.docs.informed",
        "number",
      ],
      [
        "extends: chat-backend\nrules:\n  x: { level: 3, approvers: [cto], requireInputFrom: dba-lead }\n",
        "rules.x.requireInputFrom",
        "string",
      ],
    ] as const) {
      counts.fuzzCases++;
      const { problems } = await loadPolicy({ name: "g.yml", text }, presetsOnly);
      const problem = problems.find((p) => p.path === path);
      expect(
        problem,
        `a problem at ${path} for ${JSON.stringify(text)}: ${problems.map(formatProblem).join("; ")}`,
      ).toBeDefined();
      expect(problem!.message, `${formatProblem(problem!)} for ${JSON.stringify(text)}`).not.toBe(
        "is required",
      );
      expect(problem!.message, `${formatProblem(problem!)} for ${JSON.stringify(text)}`).toContain(
        `received ${received}`,
      );
    }
  });

  it("the generators reach both outcomes (valid and invalid policies)", async () => {
    let valid = 0;
    let invalid = 0;
    for (const text of fc.sample(structuredText, { numRuns: 300, seed: 3 })) {
      const { policy } = await loadPolicy({ name: "p.yml", text }, presetsOnly);
      if (policy) valid++;
      else invalid++;
    }
    expect(valid).toBeGreaterThan(5);
    expect(invalid).toBeGreaterThan(5);
  });
});

describe("fuzzed policies through `governance-gate lint`", () => {
  let dir = "";
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), "governance-gate-fuzz-"));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it(`exit 0 or 1, problem lines as file:line:col, 0 exactly when the policy loads (${RUNS} runs)`, async () => {
    let n = 0;
    await fc.assert(
      fc.asyncProperty(anyPolicyText, async (text) => {
        counts.fuzzCases++;
        const file = join(dir, `policy-${n++}.yml`);
        writeFileSync(file, text);
        const out: string[] = [];
        const err: string[] = [];
        let code: number;
        try {
          code = await main(["lint", "--policy", file], {
            out: (t) => out.push(t),
            err: (t) => err.push(t),
          });
        } catch (error) {
          throw new Error(`lint threw ${String(error)} on:\n${text}`, { cause: error });
        }
        const expected = await load(text, file, fileSystemReader);
        expect(err, text).toEqual([]);
        expect(code, `${out.join("\n")}\n--- on:\n${text}`).toBe(expected.policy ? 0 : 1);
        const lines = out.flatMap((o) => o.split("\n"));
        const summary = lines.pop() ?? "";
        for (const line of lines) expect(line).toMatch(/^.+:\d+:\d+: (error|warning): \S/);
        expect(summary).toMatch(
          code === 0
            ? /: \d+ areas, \d+ rules, \d+ roles; 0 errors, \d+ warnings$/
            : /^\d+ errors?, \d+ warnings?$/,
        );
        expect(lines).toHaveLength(expected.problems.length);
      }),
      { numRuns: RUNS, seed: 31337, endOnFailure: true },
    );
  });
});

describe("fuzzed base-branch policies through the app", () => {
  const PRIVATE_KEY = appKeys().privateKey;
  const { headSha: HEAD, baseSha: BASE, number: PR } = DEFAULT_PR;
  let policyText = "";
  let writes: { conclusion?: string; output?: { title?: string; summary?: string } }[] = [];
  /** The pull request as GitHub holds it (REST-shaped), which the app reads in its GraphQL snapshot. */
  let pullRequest: Record<string, unknown> = {};
  /** GitHub's GraphQL over this world: acme/chat#12 without reviews, comments or check runs; acme's teams are empty; no blobs. */
  const graphqlWorld: GraphqlWorld = {
    pullRequest: (owner, name, number) =>
      owner === "acme" && name === "chat" && number === PR
        ? { pull: pullRequest, reviews: [], comments: [], checkRuns: [] }
        : undefined,
    teamMembers: (org) => (org === "acme" ? [] : undefined),
    blob: () => undefined,
  };

  beforeAll(() => {
    nock.disableNetConnect();
    const api = nock("https://api.github.com").persist();
    api
      .post(/\/app\/installations\/\d+\/access_tokens/)
      .reply(201, {
        token: "ghs_fuzz",
        expires_at: "2099-01-01T00:00:00Z",
        permissions: {},
        repository_selection: "all",
      })
      .get(`/repos/acme/chat/contents/.github%2Fgovernance.yml?ref=${BASE}`)
      .reply(200, () => policyText, { "content-type": "application/vnd.github.raw; charset=utf-8" })
      .get(/\/repos\/acme\/chat\/pulls\/12\/files/)
      .reply(200, [
        {
          sha: "1".repeat(40),
          filename: "docs/intro.md",
          status: "modified",
          additions: 1,
          deletions: 1,
          changes: 2,
          patch: "@@ -1 +1 @@\n-Hello\n+Hello, world",
        },
      ])
      .get(/\/repos\/acme\/chat\/pulls\/12\/reviews/)
      .reply(200, [])
      .get(/\/repos\/acme\/chat\/issues\/12\/comments/)
      .reply(200, [])
      .get("/repos/acme/chat/pulls/12")
      .reply(200, () => pullRequest)
      .get(/\/repos\/acme\/chat\/commits\/[0-9a-f]+\/check-runs/)
      .reply(200, { total_count: 0, check_runs: [] })
      .get(/\/orgs\/acme\/teams\/[^/]+\/members/)
      .reply(200, [])
      .post("/graphql")
      .reply(
        200,
        (_uri: string, body: unknown) =>
          answerGraphql(
            (typeof body === "string" ? JSON.parse(body) : body) as GraphqlRequestBody,
            graphqlWorld,
          ) as nock.Body,
      )
      .post("/repos/acme/chat/check-runs")
      .reply(201, (_uri: string, body: unknown) => {
        writes.push(body as (typeof writes)[number]);
        return { id: 77, head_sha: HEAD, started_at: "2026-11-23T10:00:00Z" };
      })
      .post(/\/repos\/acme\/chat\/pulls\/12\/requested_reviewers/)
      .reply(201, { number: PR })
      .get(/.*/)
      .reply(404, { message: "Not Found" });
  });
  afterAll(() => {
    nock.cleanAll();
    nock.enableNetConnect();
  });

  async function judge(
    text: string,
  ): Promise<{ loads: LoadResult; writes: typeof writes; rejected: boolean }> {
    policyText = text;
    writes = [];
    const probot = new Probot({
      appId: 4242,
      privateKey: PRIVATE_KEY,
      Octokit: ProbotOctokit.defaults((options: Record<string, unknown>) => ({
        ...options,
        retry: { enabled: false },
        throttle: { enabled: false },
      })),
      logLevel: "fatal",
    });
    probot.load(
      createApp({ appId: 4242, now: () => new Date("2026-11-23T12:00:00Z"), chat: async () => {} }),
    );
    const payload = prPayload("pull_request", "synchronize", { author: "octocat" }) as unknown as {
      pull_request: Record<string, unknown>;
    };
    Object.assign(payload.pull_request, {
      requested_reviewers: [],
      requested_teams: [],
      changed_files: 1,
      state: "open",
      labels: [],
    });
    pullRequest = payload.pull_request;
    let rejected = false;
    try {
      await probot.receive(webhookEvent("pull_request", payload));
    } catch {
      rejected = true;
    }
    counts.fuzzCases++;
    counts.eventsDelivered++;
    // The app reads `extends` over the API; here every non-preset reference is missing, as with presetsOnly.
    return { loads: await load(text, ".github/governance.yml", presetsOnly), writes, rejected };
  }

  it("a valid policy lets the docs change through (the property below is not vacuous)", async () => {
    const { writes: w, rejected } = await judge(
      "extends: chat-backend\nroles:\n  backend-lead: { users: [bea] }\n",
    );
    expect(rejected).toBe(false);
    expect(w.map((x) => x.conclusion)).toEqual(["success"]);
  });

  it(`a success only for a policy that loads cleanly; otherwise a failure naming every problem (${RUNS} runs)`, async () => {
    let successes = 0;
    await fc.assert(
      fc.asyncProperty(anyPolicyText, async (text) => {
        const { loads, writes: w, rejected } = await judge(text);
        expect(rejected, text).toBe(false);
        expect(w, text).toHaveLength(1);
        const write = w[0]!;
        if (write.conclusion === "success") {
          successes++;
          expect(
            loads.policy,
            `success for a policy that does not load:\n${text}\n${loads.problems.map(formatProblem).join("\n")}`,
          ).toBeDefined();
        }
        if (!loads.policy) {
          expect(write.conclusion).toBe("failure");
          const errors = loads.problems.filter((p) => p.severity === "error");
          expect(write.output?.title).toMatch(/^Invalid governance policy: \d+ problems?$/);
          // Every error, at its place (the app's `extends` reader words "not found" its own way).
          for (const p of errors)
            expect(write.output?.summary, text).toContain(`${p.file}:${p.line}:${p.col}: error: `);
        }
      }),
      { numRuns: RUNS, seed: 2026, endOnFailure: true },
    );
    expect(successes).toBeGreaterThan(0);
  });
});
