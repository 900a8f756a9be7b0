import { pino } from "pino";
import { Probot } from "probot";
import { describe, expect, it } from "vitest";
import { createApp } from "../../src/index.js";
import { deliveryLog, withoutUnverifiedPayloads } from "../../src/ops/logging.js";
import { mockGitHub, setupNock } from "../github-support/mock-github.js";
import { webhookEvent } from "../github-support/webhooks.js";
import {
  APP_ID,
  mockOpenedPullRequest,
  NOW,
  openedPayload,
  PRIVATE_KEY,
  TestOctokit,
} from "./support.js";

/** JSON log lines written by the app, captured at pino's destination. */
function capturingLogger(level: string): { log: pino.Logger; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const log = pino(
    { level },
    { write: (chunk: string) => void lines.push(JSON.parse(chunk) as Record<string, unknown>) },
  );
  return { log, lines };
}

setupNock();

describe("structured logs carry the delivery id", () => {
  it("every line written while handling a delivery names it, the event and the action — the app's and Octokit's", async () => {
    const { log, lines } = capturingLogger("debug");
    const probot = new Probot({
      appId: APP_ID,
      privateKey: PRIVATE_KEY,
      log,
      Octokit: TestOctokit,
    });
    await probot.load(createApp({ appId: APP_ID, now: () => NOW }));
    const gh = mockGitHub();
    mockOpenedPullRequest(gh);
    lines.length = 0;

    await probot.receive(
      webhookEvent("pull_request", openedPayload(), "7f3c1e00-aaaa-11ef-8b8e-delivery"),
    );

    // Probot's own "Webhook received" line predates the handler (it carries the whole event, id included).
    const handling = lines.filter((line) => line.msg !== "Webhook received");
    expect(handling.length).toBeGreaterThan(3);
    for (const line of handling) {
      expect(line, JSON.stringify(line)).toMatchObject({
        delivery: "7f3c1e00-aaaa-11ef-8b8e-delivery",
        event: "pull_request",
        action: "opened",
      });
    }
    expect(handling).toContainEqual(
      expect.objectContaining({ msg: "governance evaluated", conclusion: "failure", pr: 12 }),
    );
    // Octokit's request lines (debug; their fields are the request body) go through the delivery's logger too.
    expect(handling).toContainEqual(
      expect.objectContaining({
        msg: expect.stringMatching(
          /^GitHub request: POST https:\/\/api.github.com\/repos\/acme\/chat\/check-runs - 201$/,
        ),
      }),
    );
  });

  it("deliveryLog(context) is a child logger: bindings added, the context's own kept", () => {
    const { log, lines } = capturingLogger("info");
    const context = {
      id: "d-1",
      name: "push" as const,
      payload: {} as never,
      log: log.child({ name: "event", id: "d-1" }),
    };
    deliveryLog(context).info({ repo: "acme/chat" }, "hello");
    expect(lines).toEqual([
      expect.objectContaining({
        name: "event",
        id: "d-1",
        delivery: "d-1",
        event: "push",
        repo: "acme/chat",
        msg: "hello",
      }),
    ]);
    expect(lines[0]).not.toHaveProperty("action");
  });
});

describe("a delivery whose signature did not match", () => {
  it("is logged without its body, however deep @octokit/webhooks nests it", async () => {
    const probot = new Probot({
      appId: APP_ID,
      privateKey: PRIVATE_KEY,
      secret: "s3cret",
      logLevel: "fatal",
    });
    await probot.ready();
    const refused = await probot.webhooks
      .verifyAndReceive({
        id: "d-1",
        name: "pull_request",
        payload: '{"pull_request":{"title":"private roadmap"}}',
        signature: "sha256=00",
      })
      .then(
        () => undefined,
        (error: unknown) => error as Error,
      );
    expect(refused).toBeInstanceOf(Error);
    const logged = JSON.stringify(withoutUnverifiedPayloads(pino.stdSerializers.err(refused!)));
    expect(logged).toContain("signature does not match");
    expect(logged).toContain("[unverified payload omitted]");
    expect(logged).not.toContain("private roadmap");
  });

  it("leaves other errors' fields alone", () => {
    const error = Object.assign(new Error("GitHub answered 502"), {
      status: 502,
      response: { data: { payload: "kept" } },
    });
    expect(withoutUnverifiedPayloads(pino.stdSerializers.err(error))).toMatchObject({
      message: "GitHub answered 502",
      status: 502,
      response: { data: { payload: "kept" } },
    });
  });
});
