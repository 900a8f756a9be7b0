import { createHmac } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { recordEvaluation } from "../../src/ops/metrics.js";
import { mockGitHub, setupNock } from "../github-support/mock-github.js";
import { DEFAULT_PR, prPayload, webhookEvent } from "../github-support/webhooks.js";
import {
  mockOpenedPullRequest,
  openedPayload,
  type RunningServer,
  sample,
  startServer,
  WEBHOOK_SECRET,
} from "./support.js";

/**
 * GET /metrics on Probot's server after deliveries: the exposition is
 * prom-client's, and the counters move with what the app did.
 */

setupNock();

let running: RunningServer;
beforeEach(async () => {
  running = await startServer();
});
afterEach(async () => {
  await running.stop();
});

async function scrape(): Promise<string> {
  const response = await fetch(`${running.url}/metrics`);
  expect(response.status).toBe(200);
  expect(response.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
  return response.text();
}

describe("GET /metrics", () => {
  it("declares every metric of the app, and the process's default metrics", async () => {
    const text = await scrape();
    expect(text).toContain("# TYPE governance_gate_events_total counter");
    expect(text).toContain("# TYPE governance_gate_evaluations_total counter");
    expect(text).toContain("# TYPE governance_gate_github_requests_total counter");
    expect(text).toContain("# TYPE governance_gate_errors_total counter");
    expect(text).toContain("# TYPE governance_gate_evaluation_seconds histogram");
    expect(text).toContain("# TYPE process_cpu_user_seconds_total counter");
    expect(text).toContain("# TYPE nodejs_eventloop_lag_seconds gauge");
  });

  it("counts the delivery, the evaluation with its conclusion and duration, and every GitHub call by method and status", async () => {
    const before = await scrape();
    const gh = mockGitHub();
    mockOpenedPullRequest(gh);
    await running.probot.receive(
      webhookEvent("pull_request", openedPayload(), "delivery-metrics-1"),
    );
    const after = await scrape();

    const delta = (name: string, labels: Record<string, string> = {}) =>
      sample(after, name, labels) - sample(before, name, labels);
    expect(delta("governance_gate_events_total", { event: "pull_request", action: "opened" })).toBe(
      1,
    );
    expect(delta("governance_gate_evaluations_total", { conclusion: "failure" })).toBe(1);
    expect(delta("governance_gate_evaluation_seconds_count")).toBe(1);
    expect(delta("governance_gate_evaluation_seconds_sum")).toBeGreaterThan(0);
    expect(delta("governance_gate_evaluation_seconds_bucket", { le: "+Inf" })).toBe(1);
    // policy and files; the GraphQL snapshot; check-run create, reviewer request, and the installation token.
    expect(delta("governance_gate_github_requests_total", { method: "GET", status: "200" })).toBe(
      2,
    );
    expect(delta("governance_gate_github_requests_total", { method: "POST", status: "200" })).toBe(
      gh.count({ kind: "graphql" }),
    );
    expect(gh.count({ kind: "graphql" })).toBe(1);
    expect(delta("governance_gate_github_requests_total", { method: "POST", status: "201" })).toBe(
      gh.count({ method: "POST", kind: "rest" }) + gh.count({ kind: "token" }),
    );
    expect(gh.count({ method: "POST", kind: "rest" })).toBe(2);
    expect(sample(after, "governance_gate_errors_total", { stage: "handler" })).toBe(
      sample(before, "governance_gate_errors_total", { stage: "handler" }),
    );
  });

  it("counts failed GitHub calls by status and a failed handler as an error", async () => {
    const before = await scrape();
    const gh = mockGitHub();
    gh.installationToken(DEFAULT_PR.installationId);
    gh.graphql("query PullRequestSnapshot", { message: "Server Error" }, { status: 502 });
    const comment = prPayload("issue_comment", "created", {
      actor: "sam",
      commentBody: "/approve-level3",
    });
    await expect(running.probot.receive(webhookEvent("issue_comment", comment))).rejects.toThrow();
    const after = await scrape();

    const delta = (name: string, labels: Record<string, string>) =>
      sample(after, name, labels) - sample(before, name, labels);
    expect(
      delta("governance_gate_events_total", { event: "issue_comment", action: "created" }),
    ).toBe(1);
    expect(delta("governance_gate_github_requests_total", { method: "POST", status: "502" })).toBe(
      1,
    );
    expect(delta("governance_gate_errors_total", { stage: "handler" })).toBe(1);
  });

  it("counts a delivery with a wrong signature, received over HTTP, as a verify error", async () => {
    const before = await scrape();
    const body = JSON.stringify(openedPayload());
    const signature = `sha256=${createHmac("sha256", "not-the-secret").update(body).digest("hex")}`;
    const response = await fetch(`${running.url}/api/github/webhooks`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-github-event": "pull_request",
        "x-github-delivery": "forged-1",
        "x-hub-signature-256": signature,
      },
      body,
    });
    expect(response.status).toBe(400);
    const after = await scrape();
    expect(
      sample(after, "governance_gate_errors_total", { stage: "verify" }) -
        sample(before, "governance_gate_errors_total", { stage: "verify" }),
    ).toBe(1);
    expect(
      sample(after, "governance_gate_events_total", { event: "pull_request", action: "opened" }),
    ).toBe(
      sample(before, "governance_gate_events_total", { event: "pull_request", action: "opened" }),
    );
    // A correctly signed one is accepted (and handled: the same calls as above).
    const gh = mockGitHub();
    mockOpenedPullRequest(gh);
    const signed = await fetch(`${running.url}/api/github/webhooks`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-github-event": "pull_request",
        "x-github-delivery": "signed-1",
        "x-hub-signature-256": `sha256=${createHmac("sha256", WEBHOOK_SECRET).update(body).digest("hex")}`,
      },
      body,
    });
    expect(signed.status).toBe(200);
  });

  it("exposes recordEvaluation for callers that know the conclusion themselves", async () => {
    const before = await scrape();
    recordEvaluation("neutral", 0.2);
    const after = await scrape();
    expect(
      sample(after, "governance_gate_evaluations_total", { conclusion: "neutral" }) -
        sample(before, "governance_gate_evaluations_total", { conclusion: "neutral" }),
    ).toBe(1);
    expect(
      sample(after, "governance_gate_evaluation_seconds_bucket", { le: "0.25" }) -
        sample(before, "governance_gate_evaluation_seconds_bucket", { le: "0.25" }),
    ).toBe(1);
  });
});
