import { generateKeyPairSync } from "node:crypto";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { Octokit } from "@octokit/rest";
import { Probot, ProbotOctokit } from "probot";
import { beforeAll, describe, expect, it } from "vitest";
import { validateGraphqlRequest } from "./graphql.js";
import { mockGitHub, type RecordedCall, setupNock } from "./mock-github.js";
import { preloadOpenApi, validateRestRequest, validateRestResponse } from "./openapi.js";
import {
  DEFAULT_PR,
  examplePayload,
  examplePayloadSource,
  prPayload,
  webhookEvent,
  withPullRequest,
} from "./webhooks.js";

const REVIEWS_QUERY = `query($owner: String!, $repo: String!, $number: Int!) {
  repository(owner: $owner, name: $repo) {
    pullRequest(number: $number) {
      reviews(first: 100) { nodes { author { login } state submittedAt commit { oid } } }
    }
  }
}`;

beforeAll(() => {
  preloadOpenApi();
});

describe("validateRestRequest", () => {
  it("accepts valid requests", () => {
    expect(
      validateRestRequest({
        method: "GET",
        path: "/repos/acme/chat/pulls/12/files?per_page=100&page=2",
      }),
    ).toEqual([]);
    expect(
      validateRestRequest({
        method: "GET",
        path: "/repos/acme/chat/pulls/12/files",
        query: { per_page: 100 },
      }),
    ).toEqual([]);
    expect(
      validateRestRequest({
        method: "POST",
        path: "/repos/acme/chat/check-runs",
        body: {
          name: "governance",
          head_sha: DEFAULT_PR.headSha,
          status: "completed",
          conclusion: "failure",
          completed_at: "2026-11-23T10:00:00Z",
          output: { title: "2 rules failed", summary: "…" },
        },
      }),
    ).toEqual([]);
    expect(
      validateRestRequest({
        method: "POST",
        path: "/repos/acme/chat/issues/12/labels",
        body: { labels: ["db"] },
      }),
    ).toEqual([]);
    expect(
      validateRestRequest({ method: "POST", path: "/app/installations/4242/access_tokens" }),
    ).toEqual([]);
    expect(
      validateRestRequest({
        method: "DELETE",
        path: "/repos/acme/chat/issues/12/labels/needs%20review",
      }),
    ).toEqual([]);
  });

  it("matches percent-encoded and slash-containing parameters as octokit sends them", () => {
    expect(
      validateRestRequest({
        method: "GET",
        path: "/repos/acme/chat/contents/.github%2Fgovernance.yml?ref=refs%2Fheads%2Fmain",
      }),
    ).toEqual([]);
    expect(
      validateRestRequest({
        method: "GET",
        path: "/repos/acme/chat/contents/.github/governance.yml",
      }),
    ).toEqual([]);
    expect(
      validateRestRequest({ method: "GET", path: "/repos/acme/chat/git/ref/heads%2Ffeature%2Fx" }),
    ).toEqual([]);
    expect(
      validateRestRequest({ method: "GET", path: "/repos/acme/chat/compare/main...feature%2Fx" }),
    ).toEqual([]);
    // literal segments win over parameters: /pulls/comments is not pull request "comments"
    expect(validateRestRequest({ method: "GET", path: "/repos/acme/chat/pulls/comments" })).toEqual(
      [],
    );
  });

  it("reports an unknown path, naming the closest templates", () => {
    const problems = validateRestRequest({ method: "GET", path: "/repos/acme/chat/pull/1" });
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatch(/no GitHub REST endpoint has this path/);
    expect(problems[0]).toContain("/repos/{owner}/{repo}/pulls/{pull_number}");
  });

  it("reports a method the path doesn't have", () => {
    expect(validateRestRequest({ method: "PUT", path: "/repos/acme/chat/pulls/12/files" })).toEqual(
      [
        "PUT /repos/acme/chat/pulls/12/files: method PUT is not defined for /repos/{owner}/{repo}/pulls/{pull_number}/files (allowed: GET)",
      ],
    );
  });

  it("reports path parameters of the wrong type", () => {
    expect(
      validateRestRequest({ method: "GET", path: "/repos/acme/chat/pulls/abc/files" })[0],
    ).toMatch(/pull_number="abc" must be an integer/);
  });

  it("reports unknown, ill-typed and missing query parameters", () => {
    expect(
      validateRestRequest({
        method: "GET",
        path: "/repos/acme/chat/pulls/12/files?per_pag=100",
      })[0],
    ).toMatch(/unknown query parameter "per_pag" \(known: per_page, page\)/);
    expect(
      validateRestRequest({
        method: "GET",
        path: "/repos/acme/chat/pulls/12/files",
        query: { per_page: "many" },
      })[0],
    ).toMatch(/per_page="many" must be an integer/);
    expect(
      validateRestRequest({
        method: "GET",
        path: "/repos/acme/chat/commits/abc/check-runs?status=done",
      })[0],
    ).toMatch(/status="done" must be one of "queued", "in_progress", "completed"/);
    expect(validateRestRequest({ method: "GET", path: "/search/issues" })[0]).toMatch(
      /missing required query parameter "q"/,
    );
  });

  it("reports invalid request bodies", () => {
    const path = "/repos/acme/chat/check-runs";
    expect(
      validateRestRequest({
        method: "POST",
        path,
        body: { name: "g", head_sha: "abc", conclusion: "passed" },
      }),
    ).toEqual([
      expect.stringMatching(
        /body\/conclusion = "passed": must be one of "action_required", .*"success"/,
      ),
    ]);
    const missing = validateRestRequest({ method: "POST", path, body: { conclusion: "success" } });
    expect(missing).toEqual([
      expect.stringMatching(/missing required property "name"/),
      expect.stringMatching(/missing required property "head_sha"/),
    ]);
    expect(
      validateRestRequest({
        method: "POST",
        path,
        body: { name: "g", head_sha: "abc", head_sah: "x" },
      })[0],
    ).toMatch(/unknown body field "head_sah"/);
    expect(
      validateRestRequest(
        { method: "POST", path, body: { name: "g", head_sha: "abc", head_sah: "x" } },
        { allowUnknownBodyFields: true },
      ),
    ).toEqual([]);
    expect(
      validateRestRequest({
        method: "POST",
        path,
        body: { name: "g", head_sha: "abc", started_at: "yesterday" },
      })[0],
    ).toMatch(/started_at: must match format "date-time"/);
    expect(validateRestRequest({ method: "POST", path })[0]).toMatch(/a request body is required/);
    expect(
      validateRestRequest({ method: "GET", path: "/repos/acme/chat/pulls/12", body: { x: 1 } })[0],
    ).toMatch(/takes no request body/);
  });
});

describe("validateRestResponse", () => {
  it("checks a reply against the documented response schema", () => {
    expect(
      validateRestResponse("POST", "/app/installations/1/access_tokens", 201, {
        token: "ghs_x",
        expires_at: "2030-01-01T00:00:00Z",
      }),
    ).toEqual([]);
    expect(
      validateRestResponse("GET", "/repos/acme/chat/pulls/12", 200, { number: 12 }),
    ).toContainEqual(expect.stringMatching(/missing required property "head"/));
    expect(validateRestResponse("GET", "/repos/acme/chat/pulls/12", 418, {})[0]).toMatch(
      /418 is not a documented response/,
    );
  });
});

describe("validateGraphqlRequest", () => {
  it("accepts a valid query with its variables", () => {
    expect(
      validateGraphqlRequest({
        query: REVIEWS_QUERY,
        variables: { owner: "acme", repo: "chat", number: 12 },
      }),
    ).toEqual([]);
  });

  it("reports unknown fields, bad variables and syntax errors", () => {
    const problems = validateGraphqlRequest({
      query: REVIEWS_QUERY.replace("reviews(first: 100)", "reviewz(first: 100)"),
      variables: { owner: "acme", number: "12" },
    });
    expect(problems).toEqual([
      expect.stringMatching(/Cannot query field "reviewz" on type "PullRequest"/),
      expect.stringMatching(/Variable "\$repo" of required type "String!" was not provided/),
      expect.stringMatching(/Variable "\$number" got invalid value "12"/),
    ]);
    expect(validateGraphqlRequest({ query: "query { viewer { login " })[0]).toMatch(/syntax error/);
  });
});

describe("mockGitHub", () => {
  setupNock();
  const quiet = { debug() {}, info() {}, warn() {}, error() {} };
  const octokit = (): Octokit => new Octokit({ auth: "ghs_test", log: quiet });

  it("answers registered calls, records and counts them", async () => {
    const gh = mockGitHub();
    gh.get("/repos/acme/chat/pulls/12/files?per_page=100", [
      { filename: "db/migrate/1.sql", status: "added" },
    ]);
    gh.get("/repos/acme/chat/contents/.github/governance.yml", { type: "file", content: "" });
    gh.post(
      "/repos/acme/chat/check-runs",
      {
        name: "governance",
        head_sha: DEFAULT_PR.headSha,
        output: { title: expect.stringContaining("rule") },
      },
      { id: 77 },
    );
    gh.patch(
      "/repos/acme/chat/check-runs/77",
      (body: { conclusion?: string }) => body.conclusion === "failure",
      { id: 77 },
    );

    const o = octokit();
    const files = await o.pulls.listFiles({
      owner: "acme",
      repo: "chat",
      pull_number: 12,
      per_page: 100,
    });
    expect(files.data[0]?.filename).toBe("db/migrate/1.sql");
    await o.repos.getContent({ owner: "acme", repo: "chat", path: ".github/governance.yml" });
    const run = await o.checks.create({
      owner: "acme",
      repo: "chat",
      name: "governance",
      head_sha: DEFAULT_PR.headSha,
      output: { title: "1 rule failed", summary: "…" },
    });
    expect(run.status).toBe(201);
    await o.checks.update({ owner: "acme", repo: "chat", check_run_id: 77, conclusion: "failure" });

    expect(gh.count()).toBe(4);
    expect(gh.count({ method: "GET" })).toBe(2);
    expect(gh.count({ path: "/repos/acme/chat/contents/.github/governance.yml" })).toBe(1);
    expect(gh.calls[2]).toMatchObject({
      method: "POST",
      path: "/repos/acme/chat/check-runs",
      body: { name: "governance" },
      matched: true,
    });
    expect(gh.calls[0]?.query).toEqual({ per_page: "100" });
    gh.verify();
  });

  it("records requests GitHub's spec rejects, and verify() lists them", async () => {
    const gh = mockGitHub();
    gh.post("/repos/acme/chat/check-runs", undefined, { id: 1 });
    gh.get("/repos/acme/chat/pulls/12/files", []);
    const o = octokit();
    await o.request("POST /repos/{owner}/{repo}/check-runs", {
      owner: "acme",
      repo: "chat",
      name: "g",
      head_sha: "abc",
      conclusion: "passed" as "success",
    });
    await o.request("GET /repos/{owner}/{repo}/pulls/{pull_number}/files", {
      owner: "acme",
      repo: "chat",
      pull_number: 12,
      per_pag: 100,
    });
    expect(gh.problems).toEqual([
      expect.stringMatching(/conclusion = "passed": must be one of/),
      expect.stringMatching(/unknown query parameter "per_pag"/),
    ]);
    expect(() => gh.verify()).toThrow(
      /Problems with requests the app made:[\s\S]*"passed"[\s\S]*per_pag/,
    );
    gh.dispose();
  });

  it("verify() throws for mocks that were never called", () => {
    const gh = mockGitHub();
    gh.get("/repos/acme/chat/pulls/12", { number: 12 });
    gh.get("/repos/acme/chat/pulls/12/files", [], 200, { times: 2 });
    gh.get("/repos/acme/chat/pulls/12/reviews", [], 200, { optional: true });
    expect(gh.pending()).toEqual([
      "GET /repos/acme/chat/pulls/12",
      "GET /repos/acme/chat/pulls/12/files (used 0 of 2 times)",
    ]);
    expect(() => gh.verify()).toThrow(
      /Mocks registered but never called:\n {2}- GET \/repos\/acme\/chat\/pulls\/12\n/,
    );
    gh.dispose();
  });

  it("records requests no mock matched (path, query or body), with a hint", async () => {
    const gh = mockGitHub();
    gh.get("/repos/acme/chat/pulls/12/files?per_page=100", []);
    gh.post(
      "/repos/acme/chat/issues/12/comments",
      { body: expect.stringContaining("Governance") },
      { id: 1 },
    );
    const o = octokit();
    await expect(o.pulls.get({ owner: "acme", repo: "chat", pull_number: 12 })).rejects.toThrow();
    await expect(
      o.pulls.listFiles({ owner: "acme", repo: "chat", pull_number: 12, per_page: 50 }),
    ).rejects.toThrow();
    await expect(
      o.issues.createComment({ owner: "acme", repo: "chat", issue_number: 12, body: "hello" }),
    ).rejects.toThrow();
    expect(gh.count({ matched: false })).toBe(3);
    expect(gh.problems[0]).toMatch(
      /^no mock matched GET \/repos\/acme\/chat\/pulls\/12 \(no body\)/,
    );
    expect(gh.problems[1]).toMatch(
      /no mock matched GET \/repos\/acme\/chat\/pulls\/12\/files\?per_page=50/,
    );
    expect(gh.problems[2]).toMatch(
      /no mock matched POST \/repos\/acme\/chat\/issues\/12\/comments \{"body":"hello"\}.*expecting body/,
    );
    expect(() => gh.verify()).toThrow(/no mock matched/);
    gh.dispose();
  });

  it("records requests made when no mock is registered at all, and non-GitHub hosts", async () => {
    const gh = mockGitHub();
    await expect(
      octokit().pulls.get({ owner: "acme", repo: "chat", pull_number: 1 }),
    ).rejects.toThrow();
    await expect(
      fetch("https://example.com/x", { method: "POST", body: '{"a":1}' }),
    ).rejects.toThrow();
    expect(gh.calls).toMatchObject([
      { method: "GET", path: "/repos/acme/chat/pulls/1", matched: false },
      { method: "POST", path: "/x", matched: false },
    ]);
    expect(gh.problems).toEqual([
      expect.stringMatching(/^no mock matched GET \/repos\/acme\/chat\/pulls\/1/),
      expect.stringMatching(/^no mock matched POST https:\/\/example.com\/x/),
    ]);
    gh.dispose();
  });

  it("handles GraphQL: matched by query, validated against the schema", async () => {
    const gh = mockGitHub();
    const data = { repository: { pullRequest: { reviews: { nodes: [] } } } };
    gh.graphql("reviews(first: 100)", { data });
    gh.graphql((query) => query.includes("reviewz"), { data });
    const o = octokit();
    expect(await o.graphql(REVIEWS_QUERY, { owner: "acme", repo: "chat", number: 12 })).toEqual(
      data,
    );
    await o.graphql(REVIEWS_QUERY.replace("reviews(", "reviewz("), {
      owner: "acme",
      repo: "chat",
      number: 12,
    });
    expect(gh.count({ kind: "graphql" })).toBe(2);
    expect(gh.problems).toEqual([expect.stringMatching(/Cannot query field "reviewz"/)]);
    expect(() => gh.graphql("x", { repository: null })).toThrow(/whole response body/);
    gh.dispose();
  });

  it("supports times, persist, reply functions and headers", async () => {
    const gh = mockGitHub();
    gh.get(
      "/repos/acme/chat/pulls/12/reviews",
      (call: RecordedCall) => [{ id: Number(call.query["page"] ?? 1) }],
      200,
      { times: 2 },
    );
    gh.get("/repos/acme/chat/collaborators/alice/permission", { permission: "write" }, 200, {
      persist: true,
      headers: { "x-test": "1" },
    });
    const o = octokit();
    expect(
      (await o.pulls.listReviews({ owner: "acme", repo: "chat", pull_number: 12, page: 3 })).data,
    ).toEqual([{ id: 3 }]);
    await o.pulls.listReviews({ owner: "acme", repo: "chat", pull_number: 12 });
    for (let i = 0; i < 3; i++) {
      const res = await o.repos.getCollaboratorPermissionLevel({
        owner: "acme",
        repo: "chat",
        username: "alice",
      });
      expect(res.headers["x-test"]).toBe("1");
    }
    expect(gh.count()).toBe(5);
  });

  it("validates mock replies against response schemas when asked", async () => {
    const gh = mockGitHub({ validateResponses: true });
    gh.installationToken(7);
    gh.get("/repos/acme/chat/pulls/12", { number: 12 });
    await octokit().apps.createInstallationAccessToken({ installation_id: 7 });
    await octokit().pulls.get({ owner: "acme", repo: "chat", pull_number: 12 });
    // the token reply is schema-valid; the partial pull request is not
    expect(gh.problems.filter((p) => !p.includes("(pulls/get)"))).toEqual([]);
    expect(gh.problems[0]).toMatch(
      /^mock reply: GET \/repos\/\{owner\}\/\{repo\}\/pulls\/\{pull_number\} \(pulls\/get\) → 200: body: missing required/,
    );
    gh.dispose();
  });

  it("lets localhost through and doesn't count it", async () => {
    const gh = mockGitHub();
    const server = createServer((_req, res) => res.end("ok"));
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    try {
      const { port } = server.address() as AddressInfo;
      expect(await (await fetch(`http://127.0.0.1:${port}/`)).text()).toBe("ok");
    } finally {
      server.close();
    }
    expect(gh.count()).toBe(0);
    gh.verify();
  });

  it("drives a Probot app end to end: token exchange, webhook payload, API calls", async () => {
    const { privateKey } = generateKeyPairSync("rsa", {
      modulusLength: 2048,
      privateKeyEncoding: { type: "pkcs8", format: "pem" },
      publicKeyEncoding: { type: "spki", format: "pem" },
    });
    const probot = new Probot({
      appId: 1,
      privateKey,
      logLevel: "fatal",
      Octokit: ProbotOctokit.defaults({ retry: { enabled: false }, throttle: { enabled: false } }),
    });
    await probot.load((app) => {
      app.on("pull_request.opened", async (context) => {
        const { data: files } = await context.octokit.rest.pulls.listFiles(
          context.pullRequest({ per_page: 100 }),
        );
        await context.octokit.rest.checks.create(
          context.repo({
            name: "governance",
            head_sha: context.payload.pull_request.head.sha,
            conclusion: files.length > 0 ? "failure" : "success",
            output: { title: `${files.length} files`, summary: "…" },
          }),
        );
      });
    });

    const gh = mockGitHub();
    gh.installationToken(DEFAULT_PR.installationId);
    gh.get("/repos/acme/chat/pulls/12/files?per_page=100", [{ filename: "a.ts" }]);
    gh.post(
      "/repos/acme/chat/check-runs",
      { head_sha: DEFAULT_PR.headSha, conclusion: "failure" },
      { id: 1 },
    );

    await probot.receive(webhookEvent("pull_request", prPayload("pull_request", "opened")));
    expect(gh.count({ kind: "token" })).toBe(1);
    expect(gh.count({ kind: "rest" })).toBe(2);
  });
});

describe("webhook payloads", () => {
  const noTraceOfExample = (payload: unknown): void => {
    const text = JSON.stringify(payload);
    expect(text).not.toMatch(/Codertocat\/Hello-World|github\/hello-world|electron\/electron/i);
  };

  it("returns deep clones of real examples", () => {
    const a = examplePayload("pull_request", "opened");
    a.pull_request.title = "changed";
    expect(examplePayload("pull_request", "opened").pull_request.title).not.toBe("changed");
    expect(examplePayloadSource("pull_request", "opened")).toBe("real");
    expect(() => examplePayload("pull_request", "exploded" as "opened")).toThrow(
      /sends no "pull_request.exploded"/,
    );
  });

  it.each(["opened", "synchronize", "edited", "labeled", "reopened", "ready_for_review"] as const)(
    "pull_request.%s describes acme/chat#12 coherently",
    (action) => {
      const payload = prPayload("pull_request", action, {
        labels: ["db", "needs-review"],
        label: "db",
      });
      expect(payload.action).toBe(action);
      expect(payload.repository.full_name).toBe("acme/chat");
      expect(payload.repository.owner.login).toBe("acme");
      expect(payload.installation?.id).toBe(DEFAULT_PR.installationId);
      expect(payload.pull_request.number).toBe(12);
      expect(payload.number).toBe(12);
      expect(payload.pull_request.head.sha).toBe(DEFAULT_PR.headSha);
      expect(payload.pull_request.base).toMatchObject({
        sha: DEFAULT_PR.baseSha,
        ref: "main",
        repo: { full_name: "acme/chat" },
      });
      expect(payload.pull_request.user?.login).toBe("alice");
      expect(payload.sender?.login).toBe("alice");
      expect(payload.pull_request.labels.map((l) => l.name)).toEqual(["db", "needs-review"]);
      expect(payload.pull_request.url).toBe("https://api.github.com/repos/acme/chat/pulls/12");
      noTraceOfExample(payload);
    },
  );

  it("synchronize carries before/after; labeled carries the label; edited is derived with changes", () => {
    const sync = prPayload("pull_request", "synchronize", {
      headSha: "b".repeat(40),
      beforeSha: "a".repeat(40),
    });
    expect([sync.before, sync.after]).toEqual(["a".repeat(40), "b".repeat(40)]);
    expect(prPayload("pull_request", "labeled", { label: "db" }).label?.name).toBe("db");
    expect(examplePayloadSource("pull_request", "edited")).toBe("derived");
    expect(prPayload("pull_request", "edited").changes).toEqual({
      body: { from: "Previous text." },
    });
  });

  it.each(["submitted", "dismissed", "edited"] as const)("pull_request_review.%s", (action) => {
    const payload = prPayload("pull_request_review", action, { reviewState: "approved" });
    expect(payload.review.user?.login).toBe("bob");
    expect(payload.sender.login).toBe("bob");
    expect(payload.review.commit_id).toBe(DEFAULT_PR.headSha);
    expect(payload.review.state).toBe("approved");
    expect(payload.pull_request.user?.login).toBe("alice");
    expect(payload.pull_request.head.sha).toBe(DEFAULT_PR.headSha);
    noTraceOfExample(payload);
  });

  it.each(["created", "edited", "deleted"] as const)(
    "issue_comment.%s on a pull request",
    (action) => {
      const plain = examplePayload("issue_comment", action);
      expect(plain.issue.pull_request).toBeUndefined(); // the examples package has none on PRs
      const payload = prPayload("issue_comment", action, {
        commentBody: "/governance signoff",
        actor: "carol",
      });
      expect(payload.issue.number).toBe(12);
      expect(payload.issue.pull_request?.url).toBe(
        "https://api.github.com/repos/acme/chat/pulls/12",
      );
      expect(payload.comment.body).toBe("/governance signoff");
      expect(payload.comment.user?.login).toBe("carol");
      expect(payload.issue.user.login).toBe("alice");
      noTraceOfExample(payload);
    },
  );

  it("check_run.rerequested points at the pull request's head", () => {
    const payload = prPayload("check_run", "rerequested", { checkName: "governance" });
    expect(payload.check_run.head_sha).toBe(DEFAULT_PR.headSha);
    expect(payload.check_run.name).toBe("governance");
    expect(payload.check_run.pull_requests[0]).toMatchObject({
      number: 12,
      head: { sha: DEFAULT_PR.headSha },
      base: { ref: "main" },
    });
    expect(payload.installation?.id).toBe(DEFAULT_PR.installationId);
    noTraceOfExample(payload);
  });

  it("push goes to the head branch", () => {
    const payload = withPullRequest(examplePayload("push"), {
      owner: "octo",
      repo: "web",
      ownerType: "User",
    });
    expect(payload.ref).toBe("refs/heads/feature/governance");
    expect(payload.after).toBe(DEFAULT_PR.headSha);
    expect(payload.repository.full_name).toBe("octo/web");
    expect(payload.repository.owner?.login).toBe("octo");
    expect(payload.organization).toBeUndefined();
    expect(payload.head_commit?.id).toBe(DEFAULT_PR.headSha);
    noTraceOfExample(payload);
  });
});
