import { collectDefaultMetrics, Counter, Histogram, Registry } from "prom-client";

/**
 * Governance Gate's Prometheus metrics, served on `GET /metrics` (see health.ts).
 * One registry per process; every replica is scraped on its own and Prometheus
 * sums across them, so nothing here is shared between replicas.
 */
export const registry = new Registry();
collectDefaultMetrics({ register: registry });

/** Where an error happened, for `governance_gate_errors_total{stage}`. */
export type ErrorStage =
  /** A webhook handler threw (Probot answers the delivery with an error). */
  | "handler"
  /** A delivery's signature did not match WEBHOOK_SECRET. */
  | "verify"
  /** The gate could not evaluate a pull request (it failed the check closed). */
  | "evaluate"
  /** An escalation sweep failed. */
  | "sweep";

const events = new Counter({
  name: "governance_gate_events_total",
  help: "Webhook deliveries received, by event and action.",
  labelNames: ["event", "action"] as const,
  registers: [registry],
});

const evaluations = new Counter({
  name: "governance_gate_evaluations_total",
  help: "Pull request evaluations, by the conclusion the governance check got (error: the evaluation itself failed).",
  labelNames: ["conclusion"] as const,
  registers: [registry],
});

const evaluationSeconds = new Histogram({
  name: "governance_gate_evaluation_seconds",
  help: "Wall time of one pull request evaluation, per-pull-request queueing included.",
  buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
  registers: [registry],
});

const githubRequests = new Counter({
  name: "governance_gate_github_requests_total",
  help: "GitHub API requests made by the app (after Probot's retries), by HTTP method and response status.",
  labelNames: ["method", "status"] as const,
  registers: [registry],
});

const errors = new Counter({
  name: "governance_gate_errors_total",
  help: "Errors, by the stage they happened in.",
  labelNames: ["stage"] as const,
  registers: [registry],
});

export function recordEvent(event: string, action?: string): void {
  events.inc({ event, action: action ?? "" });
}

/** One evaluation: the check run's conclusion (success, failure, …; `error` when it could not be evaluated) and its duration. */
export function recordEvaluation(conclusion: string, seconds: number): void {
  evaluations.inc({ conclusion });
  evaluationSeconds.observe(seconds);
}

export function recordGitHubRequest(method: string, status: number | string): void {
  githubRequests.inc({ method: method.toUpperCase(), status: String(status) });
}

export function recordError(stage: ErrorStage): void {
  errors.inc({ stage });
}

/** The exposition: Prometheus text format and its content type. */
export async function metricsText(): Promise<{ contentType: string; body: string }> {
  return { contentType: registry.contentType, body: await registry.metrics() };
}

// ---------------------------------------------------------------------------
// GitHub API calls

/** The part of an Octokit instance the request hooks need. */
export interface HookableOctokit {
  hook: {
    after(
      name: "request",
      hook: (response: { status: number }, options: RequestOptionsLike) => void,
    ): void;
    error(name: "request", hook: (error: unknown, options: RequestOptionsLike) => unknown): void;
  };
}

/** What an Octokit request hook receives: the route template and its parameters, unparsed. */
export interface RequestOptionsLike {
  method?: string;
  url?: string;
  [parameter: string]: unknown;
}

const instrumented = new WeakSet<object>();

/**
 * Counts every request `octokit` makes in `governance_gate_github_requests_total`.
 * Idempotent per instance (Probot makes a new one per event). The hooks are
 * registered last, so they wrap retries and throttling: one count per call the
 * app made, with the status it finally got.
 */
export function instrumentOctokit(octokit: HookableOctokit): void {
  if (instrumented.has(octokit)) return;
  instrumented.add(octokit);
  octokit.hook.after("request", (response, options) => {
    recordGitHubRequest(options.method ?? "GET", response.status);
  });
  octokit.hook.error("request", (error, options) => {
    const status =
      typeof error === "object" && error !== null && "status" in error
        ? (error as { status: unknown }).status
        : undefined;
    recordGitHubRequest(
      options.method ?? "GET",
      typeof status === "number" ? status : "network_error",
    );
    throw error;
  });
}
