import { spawnSync } from "node:child_process";
import { createHmac } from "node:crypto";
import { fileURLToPath } from "node:url";
import { pino } from "pino";
import { Probot } from "probot";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/index.js";
import { createServerlessHandler, type ServerlessRequest } from "../../src/ops/serverless.js";
import { mockGitHub, setupNock } from "../github-support/mock-github.js";
import { DEFAULT_PR, prPayload } from "../github-support/webhooks.js";
import {
  APP_ID,
  mockOpenedPullRequest,
  NOW,
  openedPayload,
  PRIVATE_KEY,
  TestOctokit,
  WEBHOOK_SECRET,
} from "./support.js";

setupNock();

function handler() {
  return createServerlessHandler({
    probot: () =>
      new Probot({
        appId: APP_ID,
        privateKey: PRIVATE_KEY,
        secret: WEBHOOK_SECRET,
        Octokit: TestOctokit,
        log: pino({ level: "silent" }),
      }),
    app: createApp({ appId: APP_ID, now: () => NOW }),
  });
}

function sign(body: string, secret = WEBHOOK_SECRET): string {
  return `sha256=${createHmac("sha256", secret).update(body).digest("hex")}`;
}

/** An API Gateway HTTP API (v2) / function URL event. */
function request(
  event: string,
  body: string,
  headers: Record<string, string> = {},
): ServerlessRequest {
  return {
    requestContext: { http: { method: "POST" } },
    headers: {
      "content-type": "application/json",
      "x-github-event": event,
      "x-github-delivery": "lambda-delivery-1",
      "x-hub-signature-256": sign(body),
      ...headers,
    },
    body,
    isBase64Encoded: false,
  };
}

describe("the serverless handler (createProbot + verifyAndReceive)", () => {
  it("runs the app on a correctly signed delivery and answers 200 when it is done", async () => {
    const gh = mockGitHub();
    mockOpenedPullRequest(gh);
    const body = JSON.stringify(openedPayload());
    const response = await handler()(request("pull_request", body));
    expect(response).toEqual({
      statusCode: 200,
      headers: { "content-type": "text/plain" },
      body: "ok\n",
    });
    // Handled to completion before answering: the check run was written.
    expect(gh.count({ method: "POST", path: "/repos/acme/chat/check-runs" })).toBe(1);
  });

  it("runs the app as one replica of many: the run is read again right before it is written", async () => {
    // Concurrent deliveries run in separate instances, and a warm one remembers what it
    // wrote: trusting that copy could carry a pass over another instance's failure.
    const gh = mockGitHub();
    mockOpenedPullRequest(gh);
    const lookup = `/repos/acme/chat/commits/${DEFAULT_PR.headSha}/check-runs`;
    gh.get(`${lookup}?check_name=governance&filter=all&per_page=100`, {
      total_count: 0,
      check_runs: [],
    });
    const body = JSON.stringify(openedPayload());
    const response = await createServerlessHandler({
      probot: () =>
        new Probot({
          appId: APP_ID,
          privateKey: PRIVATE_KEY,
          secret: WEBHOOK_SECRET,
          Octokit: TestOctokit,
          log: pino({ level: "silent" }),
        }),
    })(request("pull_request", body));
    expect(response.statusCode).toBe(200);
    expect(gh.count({ method: "GET", path: lookup })).toBe(1);
    expect(gh.count({ method: "POST", path: "/repos/acme/chat/check-runs" })).toBe(1);
  });

  it("rejects a delivery signed with another secret with 400, running nothing", async () => {
    const gh = mockGitHub();
    const body = JSON.stringify(openedPayload());
    const response = await handler()(
      request("pull_request", body, { "x-hub-signature-256": sign(body, "guessed") }),
    );
    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body)).toEqual({
      error: "[@octokit/webhooks] signature does not match event payload and secret",
    });
    expect(gh.count()).toBe(0);
  });

  it("rejects a body altered after signing", async () => {
    const body = JSON.stringify(openedPayload());
    const response = await handler()(
      request("pull_request", body.replace('"opened"', '"closed"'), {
        "x-hub-signature-256": sign(body),
      }),
    );
    expect(response.statusCode).toBe(400);
  });

  it("answers 400 without GitHub's headers and 405 to anything but POST", async () => {
    const fn = handler();
    const body = JSON.stringify(openedPayload());
    const missing = await fn({
      headers: { "content-type": "application/json" },
      body,
      requestContext: { http: { method: "POST" } },
    });
    expect(missing.statusCode).toBe(400);
    expect(JSON.parse(missing.body).error).toBe(
      "Required headers missing: x-github-delivery, x-github-event, x-hub-signature-256",
    );
    expect((await fn({ httpMethod: "GET", headers: {}, body: null })).statusCode).toBe(405);
  });

  it("accepts API Gateway REST (v1) events: mixed-case headers, base64 body", async () => {
    const gh = mockGitHub();
    mockOpenedPullRequest(gh);
    const body = JSON.stringify(openedPayload());
    const response = await handler()({
      httpMethod: "POST",
      headers: {
        "Content-Type": "application/json",
        "X-GitHub-Event": "pull_request",
        "X-GitHub-Delivery": "v1-delivery",
        "X-Hub-Signature-256": sign(body),
      },
      body: Buffer.from(body).toString("base64"),
      isBase64Encoded: true,
    });
    expect(response.statusCode).toBe(200);
  });

  it("answers 500 when a handler fails, so GitHub records the delivery as failed", async () => {
    const gh = mockGitHub();
    gh.installationToken(DEFAULT_PR.installationId);
    gh.graphql("query PullRequestSnapshot", { message: "Server Error" }, { status: 502 });
    const body = JSON.stringify(
      prPayload("issue_comment", "created", { actor: "sam", commentBody: "/approve-level3" }),
    );
    const response = await handler()(request("issue_comment", body));
    expect(response.statusCode).toBe(500);
  });

  it('from the environment, refuses to run without a webhook secret (Probot would accept the secret "development")', async () => {
    const fn = createServerlessHandler({ env: { APP_ID: String(APP_ID), PRIVATE_KEY } });
    const body = JSON.stringify(openedPayload());
    const stderr = process.stderr.write;
    const written: string[] = [];
    process.stderr.write = ((chunk: string) => (
      written.push(String(chunk)),
      true
    )) as typeof process.stderr.write;
    try {
      const response = await fn(
        request("pull_request", body, { "x-hub-signature-256": sign(body, "development") }),
      );
      expect(response.statusCode).toBe(500);
    } finally {
      process.stderr.write = stderr;
    }
    expect(written.join("")).toContain("refusing to start in production without WEBHOOK_SECRET");
  });

  it("from the environment, verifies with WEBHOOK_SECRET", async () => {
    const fn = createServerlessHandler({
      env: { APP_ID: String(APP_ID), PRIVATE_KEY, WEBHOOK_SECRET, LOG_LEVEL: "fatal" },
    });
    const body = JSON.stringify(openedPayload());
    expect(
      (
        await fn(
          request("pull_request", body, { "x-hub-signature-256": sign(body, "development") }),
        )
      ).statusCode,
    ).toBe(400);
  });
});

describe("deploy/serverless/lambda.mjs (the Lambda handler file, plain Node + tsx)", () => {
  it("exports the handler: it answers a GET with 405 and, unconfigured, a delivery with 500", () => {
    const script = `
      const { handler } = await import("./deploy/serverless/lambda.mjs");
      const get = await handler({ httpMethod: "GET", headers: {}, body: null });
      const post = await handler({ httpMethod: "POST", headers: { "x-github-event": "ping", "x-github-delivery": "1", "x-hub-signature-256": "sha256=00" }, body: "{}" });
      process.stdout.write(JSON.stringify([get.statusCode, post.statusCode]));`;
    const run = spawnSync(process.execPath, ["--input-type=module", "-e", script], {
      cwd: fileURLToPath(new URL("../..", import.meta.url)),
      env: { PATH: process.env.PATH, HOME: process.env.HOME },
      encoding: "utf8",
      timeout: 20_000,
    });
    expect(run.stdout).toBe("[405,500]");
    expect(run.stderr).toContain("refusing to start in production without APP_ID");
  });
});
