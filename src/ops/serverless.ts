import { type ApplicationFunction, createProbot, type Probot } from "probot";
import { GateOctokit } from "../github/octokit.js";
import { serverLog } from "./logging.js";
import { productionConfigProblem } from "../config.js";
import { createApp } from "../index.js";

/**
 * A serverless entry point: one function invocation per webhook delivery,
 * for AWS Lambda (API Gateway REST or HTTP API, Lambda function URLs) and any
 * platform that hands over the raw body and headers in the same shape
 * (Netlify and Vercel functions, Azure Functions with a small adapter).
 *
 *   export { handler } from "governance-gate/dist/ops/serverless.js";
 *
 * (what deploy/serverless/lambda.mjs does): `npm run build` compiles this file
 * to dist/ops/serverless.js, so the function runs JavaScript on Node 22 or 24
 * with the runtime dependencies only, no tsx.
 *
 * The Probot instance is created once per cold start from the environment
 * (APP_ID, PRIVATE_KEY or PRIVATE_KEY_PATH, WEBHOOK_SECRET, GHE_HOST, LOG_LEVEL,
 * REDIS_URL: Probot's `createProbot()`), and every invocation verifies the
 * signature and runs the app to completion before answering, through
 * `probot.webhooks.verifyAndReceive`. GitHub waits 10 s for an answer; the
 * platform's timeout should allow longer (a large pull request can take a few
 * seconds more; GitHub then marks the delivery timed out but the work completes).
 * The escalation sweep does not run here: schedule `governance-gate sweep`.
 */

/** The request as the platform hands it over (API Gateway v1/v2 and function URL shapes). */
export interface ServerlessRequest {
  headers?: Record<string, string | string[] | undefined> | null;
  body?: string | null;
  isBase64Encoded?: boolean;
  /** API Gateway REST API (v1). */
  httpMethod?: string;
  /** API Gateway HTTP API (v2) and Lambda function URLs. */
  requestContext?: { http?: { method?: string } } | null;
}

export interface ServerlessResponse {
  statusCode: number;
  headers: Record<string, string>;
  body: string;
}

export interface ServerlessOptions {
  /** The app function (default: Governance Gate, as one replica of many). */
  app?: ApplicationFunction;
  /** Creates the Probot instance (default: `createProbot({ env })`, refusing to run without credentials and a webhook secret). */
  probot?: () => Probot;
  env?: NodeJS.ProcessEnv;
}

const REQUIRED_HEADERS = ["x-github-delivery", "x-github-event", "x-hub-signature-256"] as const;

export function createServerlessHandler(
  options: ServerlessOptions = {},
): (request: ServerlessRequest) => Promise<ServerlessResponse> {
  const env = options.env ?? process.env;
  let starting: Promise<Probot> | undefined;

  const start = (): Promise<Probot> => {
    starting ??= (async () => {
      let probot: Probot;
      if (options.probot) {
        probot = options.probot();
      } else {
        // Always "production" here: without WEBHOOK_SECRET Probot would accept deliveries signed with "development".
        const problem = productionConfigProblem({ ...env, NODE_ENV: "production" });
        if (problem) throw new Error(problem);
        // The same client and logger as the server: whole-body reads, rate-limit retries, per-installation queues; no unverified payloads in the logs.
        probot = createProbot({
          env,
          overrides: { Octokit: GateOctokit, log: await serverLog(env) },
        });
      }
      // Concurrent invocations run in separate instances, and a warm one keeps what it
      // wrote: every instance is a replica (REPLICAS > 1), so none trusts a run it remembers.
      await probot.load(options.app ?? createApp({ replicated: true }));
      return probot;
    })().catch((error: unknown) => {
      starting = undefined; // the next invocation tries again
      throw error;
    });
    return starting;
  };

  return async (request) => {
    const method = request.requestContext?.http?.method ?? request.httpMethod;
    if (method !== undefined && method.toUpperCase() !== "POST")
      return reply(405, {
        error: `Method ${method} not allowed: GitHub delivers webhooks with POST`,
      });

    const headers = lowerCaseHeaders(request.headers);
    const missing = REQUIRED_HEADERS.filter((name) => !headers[name]);
    if (missing.length > 0)
      return reply(400, { error: `Required headers missing: ${missing.join(", ")}` });
    const body = request.isBase64Encoded
      ? Buffer.from(request.body ?? "", "base64").toString("utf8")
      : (request.body ?? "");

    let probot: Probot;
    try {
      probot = await start();
    } catch (error) {
      process.stderr.write(`governance-gate: ${(error as Error).message}\n`);
      return reply(500, { error: "the app is not configured: see the function's logs" });
    }

    try {
      await probot.webhooks.verifyAndReceive({
        id: headers["x-github-delivery"] as string,
        name: headers["x-github-event"] as string,
        signature: headers["x-hub-signature-256"] as string,
        payload: body,
      });
      return reply(200, "ok\n");
    } catch (error) {
      const first = error instanceof AggregateError ? (error.errors[0] as unknown) : error;
      const status = (first as { status?: unknown } | undefined)?.status;
      const message = first instanceof Error ? first.message : String(first);
      // A bad signature or a body that is not JSON: the request's fault, and nothing ran.
      if (status === 400 && /signature|Invalid JSON/i.test(message))
        return reply(400, { error: message });
      // A handler failed: Probot logged it (with the delivery id). GitHub shows the delivery as failed.
      return reply(500, { error: message });
    }
  };
}

/** The handler for AWS Lambda and look-alikes, configured from the environment. */
export const handler = createServerlessHandler();

function lowerCaseHeaders(
  headers: ServerlessRequest["headers"],
): Record<string, string | undefined> {
  const lowered: Record<string, string | undefined> = {};
  for (const [name, value] of Object.entries(headers ?? {}))
    lowered[name.toLowerCase()] = Array.isArray(value) ? value[0] : value;
  return lowered;
}

function reply(statusCode: number, body: unknown): ServerlessResponse {
  return typeof body === "string"
    ? { statusCode, headers: { "content-type": "text/plain" }, body }
    : { statusCode, headers: { "content-type": "application/json" }, body: JSON.stringify(body) };
}
