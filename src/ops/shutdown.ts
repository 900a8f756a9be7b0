import { readiness as processReadiness, type Readiness } from "./health.js";

export interface ShutdownOptions {
  state?: Readiness;
  /** How long `/readyz` answers 503 before the listener closes, so load balancers stop sending (default 5 s). */
  announceMs?: number;
  /** How long to wait for deliveries still being handled after the listener closed (default 20 s). */
  drainMs?: number;
  log?: (fields: Record<string, unknown>, message: string) => void;
  exit?: (code: number) => void;
  /** The signals that start it (default SIGTERM; Probot handles SIGINT itself). */
  signals?: NodeJS.Signals[];
}

/**
 * SIGTERM (Kubernetes, Docker, most process managers): report not ready, keep
 * serving for `announceMs` while endpoints are updated, stop accepting
 * connections, let in-flight deliveries finish (up to `drainMs`), exit 0.
 * With the defaults the whole sequence fits in Kubernetes' 30 s grace period.
 * A delivery cut short anyway is safe: GitHub can redeliver it and the app's
 * writes are idempotent (docs/operations.md).
 *
 * Returns the shutdown function (for tests), already bound to the signals.
 */
export function shutDownGracefully(
  server: { stop(): Promise<void> },
  options: ShutdownOptions = {},
): (signal: string) => Promise<void> {
  const state = options.state ?? processReadiness;
  const announceMs = options.announceMs ?? 5_000;
  const drainMs = options.drainMs ?? 20_000;
  const log =
    options.log ??
    ((fields, message) =>
      process.stderr.write(
        `${JSON.stringify({ level: 30, time: Date.now(), name: "governance-gate", ...fields, msg: message })}\n`,
      ));
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let stopping: Promise<void> | undefined;

  const shutdown = (signal: string): Promise<void> => {
    stopping ??= (async () => {
      state.markShuttingDown();
      log(
        { signal, announceMs, drainMs, inFlight: state.deliveriesInFlight },
        "shutting down: not ready any more",
      );
      await new Promise((resolve) => setTimeout(resolve, announceMs));
      let code = 0;
      try {
        await server.stop();
      } catch (error) {
        log({ err: String(error) }, "closing the server failed");
        code = 1;
      }
      const drained = await state.drained(drainMs);
      log(
        { drained, inFlight: state.deliveriesInFlight },
        drained ? "stopped" : "stopped with deliveries still in flight",
      );
      exit(code);
    })();
    return stopping;
  };
  for (const signal of options.signals ?? ["SIGTERM"])
    process.once(signal, (received) => void shutdown(received));
  return shutdown;
}
