import type { IncomingMessage, ServerResponse } from "node:http";
import { metricsText } from "./metrics.js";

export type Phase =
  /** The process is up; the app is not loaded yet. */
  | "starting"
  /** The app is loaded with credentials and handles webhooks. */
  | "ready"
  /** SIGTERM received: finishing what is in flight, taking no new work. */
  | "stopping";

const REASONS: Record<Exclude<Phase, "ready">, string> = {
  starting: "starting: the app is not loaded yet",
  stopping: "shutting down",
};

/**
 * Whether this replica should receive webhooks (`/readyz`), plus a count of
 * deliveries in flight so a shutdown can wait for them. Liveness (`/healthz`)
 * needs none of this: it only says the process serves HTTP.
 */
export class Readiness {
  private current: Phase = "starting";
  private inFlight = 0;
  private idle: (() => void)[] = [];

  get phase(): Phase {
    return this.current;
  }

  /** The app function ran with real credentials. A shutdown is never undone. */
  markLoaded(): void {
    if (this.current === "starting") this.current = "ready";
  }

  markShuttingDown(): void {
    this.current = "stopping";
  }

  status(): { ready: true } | { ready: false; reason: string } {
    return this.current === "ready"
      ? { ready: true }
      : { ready: false, reason: REASONS[this.current] };
  }

  /** Runs `work` as one delivery in flight. */
  async track<T>(work: () => Promise<T>): Promise<T> {
    this.inFlight++;
    try {
      return await work();
    } finally {
      this.inFlight--;
      if (this.inFlight === 0) this.idle.splice(0).forEach((resolve) => resolve());
    }
  }

  get deliveriesInFlight(): number {
    return this.inFlight;
  }

  /** Resolves once no delivery is in flight, or after `timeoutMs`; true when drained. */
  async drained(timeoutMs: number): Promise<boolean> {
    if (this.inFlight === 0) return true;
    let timer: NodeJS.Timeout | undefined;
    const drained = new Promise<boolean>((resolve) => this.idle.push(() => resolve(true)));
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
      timer.unref();
    });
    try {
      return await Promise.race([drained, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }
}

/** The process's readiness: the server, the app and the shutdown handler share it. */
export const readiness = new Readiness();

/** A request handler as Probot's Server runs them: true when it answered. */
export type OpsHandler = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>;

/**
 * `GET /healthz` (liveness), `GET /readyz` (readiness) and `GET /metrics`
 * (Prometheus), for Probot's `addHandler`. Other requests fall through to
 * Probot's own handlers (`/ping`, the webhook path, 404).
 */
export function opsHandler(state: Readiness = readiness): OpsHandler {
  return async (req, res) => {
    if (req.method !== "GET" && req.method !== "HEAD") return false;
    const path = (req.url ?? "").split("?")[0];
    switch (path) {
      case "/healthz":
        json(res, 200, { status: "ok" });
        return true;
      case "/readyz": {
        const status = state.status();
        if (status.ready) json(res, 200, { status: "ready" });
        else json(res, 503, { status: "not ready", reason: status.reason });
        return true;
      }
      case "/metrics": {
        const { contentType, body } = await metricsText();
        res
          .writeHead(200, { "content-type": contentType, "cache-control": "no-store" })
          .end(req.method === "HEAD" ? undefined : body);
        return true;
      }
      default:
        return false;
    }
  };

  function json(res: ServerResponse, status: number, body: unknown): void {
    res
      .writeHead(status, {
        "content-type": "application/json; charset=utf-8",
        "cache-control": "no-store",
      })
      .end(JSON.stringify(body));
  }
}
