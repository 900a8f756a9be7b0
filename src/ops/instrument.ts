import type { ApplicationFunctionOptions, Context, Logger, Probot } from "probot";
import type { Gate } from "../github/gate.js";
import { type OpsHandler, opsHandler, readiness as processReadiness, type Readiness } from "./health.js";
import { deliveryLog } from "./logging.js";
import { forgetCheckConclusion, type HookableOctokit, instrumentOctokit, lastCheckConclusion, recordError, recordEvaluation, recordEvent } from "./metrics.js";

/**
 * Operations wiring for the app function: serves /healthz, /readyz and
 * /metrics on Probot's server, counts deliveries and handler errors, and marks
 * the replica ready. Without an HTTP server (tests' `new Probot()`, the
 * serverless handler, the CLI) there is nothing to serve and only the counters
 * are wired.
 */
export function registerOps(app: Probot, options?: Partial<ApplicationFunctionOptions>, state: Readiness = processReadiness): void {
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

function addHandler(options: Partial<ApplicationFunctionOptions> | undefined, handler: OpsHandler): void {
  try {
    options?.addHandler?.(handler);
  } catch {
    // `probot.load()` on a Probot without a server: "No server instance".
  }
}

function isSignatureError(error: unknown): boolean {
  return error instanceof Error && /signature/i.test(error.message) && (error as { status?: unknown }).status === 400;
}

/**
 * `app` as the handlers see it: every handler registered through the returned
 * object's `on` gets a context whose `log` carries the delivery id (see
 * logging.ts; its octokit logs through it too) and whose `octokit` counts its
 * requests, before the handler's first line runs. The delivery is tracked as
 * in flight, so a shutdown waits for it.
 */
export function observeHandlers(app: Probot, state: Readiness = processReadiness): Probot {
  const on = ((events: Parameters<Probot["on"]>[0], handler: (context: Context) => unknown) =>
    app.on(events, (context: Context) =>
      state.track(async () => {
        prepare(context);
        return handler(context);
      }),
    )) as unknown as Probot["on"];
  return new Proxy(app, {
    get(target, property) {
      if (property === "on") return on;
      // Probot keeps its state in private fields: its methods must run on the real instance.
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === "function" ? value.bind(target) : value;
    },
  });
}

/** Gives a handler's context the delivery logger and an instrumented octokit; idempotent. */
export function prepare<C extends Pick<Context, "id" | "name" | "log" | "payload"> & { octokit: unknown }>(context: C): C {
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

/**
 * `gate` with `evaluate` measured: `governance_gate_evaluation_seconds` and
 * `governance_gate_evaluations_total{conclusion}`. The conclusion is the one
 * the gate logged ("governance evaluated" carries it), else the one of the
 * check run it wrote during the call; `error` when the evaluation failed (the
 * gate logs it and fails the check closed) or threw. The gate can instead call
 * `recordEvaluation` itself; then drop this wrapper.
 */
export function measureEvaluations<G extends Pick<Gate, "evaluate">>(gate: G): G {
  const evaluate = gate.evaluate.bind(gate);
  gate.evaluate = async (octokit, log, ...rest) => {
    const started = process.hrtime.bigint();
    const observed = observeLog(log);
    forgetCheckConclusion(octokit);
    let threw = false;
    try {
      return await evaluate(octokit, observed.log, ...rest);
    } catch (error) {
      threw = true;
      throw error;
    } finally {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const failed = threw || observed.errors > 0;
      if (failed) recordError("evaluate");
      recordEvaluation(failed ? "error" : (observed.conclusion ?? lastCheckConclusion(octokit) ?? "unknown"), seconds);
    }
  };
  return gate;
}

/** A logger that notes the conclusion logged through it and whether it logged an error. */
function observeLog(log: Logger): { log: Logger; readonly conclusion: string | undefined; readonly errors: number } {
  const seen = { conclusion: undefined as string | undefined, errors: 0 };
  const proxy = new Proxy(log, {
    get(target, property) {
      const value: unknown = Reflect.get(target, property, target);
      if (typeof value !== "function") return value;
      if (property === "info") {
        return (...args: unknown[]) => {
          const fields = args[0];
          if (fields && typeof fields === "object" && typeof (fields as { conclusion?: unknown }).conclusion === "string") {
            seen.conclusion = (fields as { conclusion: string }).conclusion;
          }
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      }
      if (property === "error" || property === "fatal") {
        return (...args: unknown[]) => {
          seen.errors++;
          return (value as (...a: unknown[]) => unknown).apply(target, args);
        };
      }
      return value.bind(target);
    },
  });
  return {
    log: proxy,
    get conclusion() {
      return seen.conclusion;
    },
    get errors() {
      return seen.errors;
    },
  };
}
