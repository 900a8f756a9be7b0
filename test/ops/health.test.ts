import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it, vi } from "vitest";
import { Readiness } from "../../src/ops/health.js";
import { registerOps } from "../../src/ops/instrument.js";
import { shutDownGracefully } from "../../src/ops/shutdown.js";
import { setupNock } from "../github-support/mock-github.js";
import {
  APP_ID,
  freePort,
  PRIVATE_KEY,
  type RunningServer,
  startServer,
  WEBHOOK_SECRET,
} from "./support.js";

setupNock();

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

let running: RunningServer | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

async function get(path: string): Promise<{ status: number; body: string; type: string | null }> {
  const response = await fetch(`${running!.url}${path}`);
  return {
    status: response.status,
    body: await response.text(),
    type: response.headers.get("content-type"),
  };
}

describe("health endpoints on Probot's server", () => {
  it("/healthz is live, /readyz ready once the app is loaded with credentials; Probot's /ping and webhook path stay", async () => {
    running = await startServer();
    expect(await get("/healthz")).toMatchObject({ status: 200, body: '{"status":"ok"}' });
    const ready = await get("/readyz");
    expect(ready.status).toBe(200);
    expect(JSON.parse(ready.body)).toEqual({ status: "ready" });
    expect(await get("/ping")).toMatchObject({ status: 200, body: "PONG" });
    // The webhook path is still Probot's: a GET there is not a delivery.
    expect((await get("/api/github/webhooks")).status).toBe(404);
    expect((await get("/nothing-here")).status).toBe(404);
    // Query strings do not matter to probes.
    expect((await get("/healthz?probe=kubelet")).status).toBe(200);
  });

  it("/readyz answers 503 with the reason while starting and while shutting down, and shutdown waits for deliveries in flight", async () => {
    const state = new Readiness();
    expect(state.status()).toEqual({ ready: false, reason: "starting: the app is not loaded yet" });
    running = await startServer({ app: (app, options) => registerOps(app, options, state) });
    expect((await get("/readyz")).status).toBe(200);

    let finishDelivery!: () => void;
    const delivery = state.track(() => new Promise<void>((resolve) => (finishDelivery = resolve)));
    const exit = vi.fn();
    const server = running;
    const stop = vi.fn(() => server.stop());
    const shutdown = shutDownGracefully(
      { stop },
      { state, announceMs: 100, drainMs: 5_000, exit, signals: [], log: () => {} },
    )("SIGTERM");

    const notReady = await get("/readyz");
    expect(notReady.status).toBe(503);
    expect(JSON.parse(notReady.body)).toEqual({ status: "not ready", reason: "shutting down" });
    expect((await get("/healthz")).status).toBe(200); // still alive: not restarted while draining
    await vi.waitFor(() => expect(stop).toHaveBeenCalled());
    expect(exit).not.toHaveBeenCalled(); // the delivery is still running
    finishDelivery();
    await delivery;
    await shutdown;
    expect(exit).toHaveBeenCalledWith(0);
    running = undefined;
    // Loading again (e.g. a second app) never turns a stopping replica ready.
    state.markLoaded();
    expect(state.phase).toBe("stopping");
  });
});

describe("the real server (node --import tsx src/server.ts)", () => {
  let child: ChildProcess | undefined;
  afterEach(() => {
    if (child && child.exitCode === null) child.kill("SIGKILL");
    child = undefined;
  });

  function start(env: Record<string, string>): { base: string; ready: Promise<void> } {
    const port = Number(env.PORT);
    child = spawn(process.execPath, ["--import", "tsx", "src/server.ts"], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, HOST: "127.0.0.1", ...env },
      stdio: "pipe",
    });
    const base = `http://127.0.0.1:${port}`;
    const ready = (async () => {
      const deadline = Date.now() + 15_000;
      while (Date.now() < deadline) {
        try {
          if ((await fetch(`${base}/healthz`)).ok) return;
        } catch {
          await new Promise((r) => setTimeout(r, 150));
        }
      }
      throw new Error("the server did not come up");
    })();
    return { base, ready };
  }

  it("with credentials is ready; on SIGTERM it turns unready at once, then exits 0", async () => {
    const { base, ready } = start({
      PORT: String(await freePort()),
      NODE_ENV: "production",
      APP_ID: String(APP_ID),
      PRIVATE_KEY,
      WEBHOOK_SECRET,
      LOG_LEVEL: "warn",
    });
    await ready;
    expect(await (await fetch(`${base}/readyz`)).json()).toEqual({ status: "ready" });
    const exited = once(child!, "exit");
    child!.kill("SIGTERM");
    await vi.waitFor(async () => expect((await fetch(`${base}/readyz`)).status).toBe(503), {
      timeout: 3_000,
      interval: 50,
    });
    const [code] = await exited;
    expect(code).toBe(0);
  }, 30_000);
});
