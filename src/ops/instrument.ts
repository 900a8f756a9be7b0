import type { ApplicationFunctionOptions, Context, Probot } from "probot";
import {
  type OpsHandler,
  opsHandler,
  readiness as processReadiness,
  type Readiness,
} from "./health.js";
import { deliveryLog } from "./logging.js";
import { type HookableOctokit, instrumentOctokit, recordError, recordEvent } from "./metrics.js";

/**
 * Operations wiring for the app function: serves /healthz, /readyz and
 * /metrics on Probot's server, counts deliveries and handler errors, and marks
 * the replica ready. Without an HTTP server (tests' `new Probot()`, the
 * serverless handler, the CLI) there is nothing to serve and only the counters
 * are wired.
 */
export function registerOps(
  app: Probot,
  options?: Partial<ApplicationFunctionOptions>,
  state: Readiness = processReadiness,
): void {
  app.onAny((context) => {
    const payload = context.payload as { action?: unknown };
    recordEvent(context.name, typeof payload.action === "string" ? payload.action : undefined);
  });
  app.onError((error) => {
    const errors: unknown[] = error instanceof AggregateError ? error.errors : [error];
    for (const inner of errors) recordError(isSignatureError(inner) ? "verify" : "handler");
  });
  addHandler(options, opsHandler(state));
  state.markLoaded();
}

function addHandler(
  options: Partial<ApplicationFunctionOptions> | undefined,
  handler: OpsHandler,
): void {
  try {
    options?.addHandler?.(handler);
  } catch {
    // `probot.load()` on a Probot without a server: "No server instance".
  }
}

function isSignatureError(error: unknown): boolean {
  return (
    error instanceof Error &&
    /signature/i.test(error.message) &&
    (error as { status?: unknown }).status === 400
  );
}

/**
 * A handler as registered: its context's `log` carries the delivery id (see
 * logging.ts; its octokit logs through it too), its `octokit` counts requests,
 * and the delivery is tracked as in flight so a shutdown waits for it.
 */
export function observed<C extends Context>(
  handler: (context: C) => Promise<void>,
  state: Readiness = processReadiness,
): (context: C) => Promise<void> {
  return (context) =>
    state.track(async () => {
      prepare(context);
      await handler(context);
    });
}

/** Gives a handler's context the delivery logger and an instrumented octokit; idempotent. */
export function prepare<
  C extends Pick<Context, "id" | "name" | "log" | "payload"> & { octokit: unknown },
>(context: C): C {
  if (!prepared.has(context)) {
    prepared.add(context);
    context.log = deliveryLog(context);
    // Octokit's own lines (request debug lines, throttling and retry warnings) too:
    // Probot makes one octokit per event (as a GitHub App), so this instance is the delivery's.
    const octokit = context.octokit as HookableOctokit & { log?: unknown };
    octokit.log = context.log.child({ name: "github" });
    instrumentOctokit(octokit);
  }
  return context;
}
const prepared = new WeakSet<object>();
