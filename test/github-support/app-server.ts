/**
 * The real app server (`src/server.ts`, as `npm start` runs it) in a child
 * process, production mode, pointed at a fake GitHub on loopback, and signed
 * webhook deliveries to it. One start-up for the e2e test, the reliability
 * suite and the benchmarks, so all three boot the app the same way.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { createHmac, generateKeyPairSync, randomBytes, randomUUID } from "node:crypto";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));

export interface AppKeys {
  appId: number;
  privateKey: string;
  publicKeyPem: string;
  webhookSecret: string;
}

export function appKeys(appId = 4242): AppKeys {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", {
    modulusLength: 2048,
    publicKeyEncoding: { type: "spki", format: "pem" },
    privateKeyEncoding: { type: "pkcs8", format: "pem" },
  });
  return {
    appId,
    privateKey,
    publicKeyPem: publicKey,
    webhookSecret: randomBytes(24).toString("hex"),
  };
}

export interface AppServer {
  port: number;
  pid: number;
  child: ChildProcess;
  /** Lines the server printed at level warn (40) or above, and anything that was not a JSON log line. */
  problems(): string[];
  /** How many log lines it printed. */
  lines(): number;
  stop(): Promise<void>;
}

export const hasTaskset = (() => {
  try {
    return spawnSync("taskset", ["-c", "0", "true"]).status === 0;
  } catch {
    return false;
  }
})();

export async function startAppServer(options: {
  keys: AppKeys;
  githubHost: string;
  logLevel?: string;
  /** More environment for the server (e.g. `REPLICAS`). */
  env?: Record<string, string>;
  /** Everything the server prints, as it prints it (tests that read its log keep it whole; the load bench cannot afford to). */
  onOutput?: (text: string) => void;
  /** How long it may take to answer `/ping` (tsx compiles src/ first). */
  readyTimeoutMs?: number;
  /** How long `stop()` waits after SIGTERM before SIGKILL. */
  stopGraceMs?: number;
  /** Pin the server (every thread of it) to this CPU with taskset, when available. */
  cpu?: number;
  nodeArgs?: string[];
  /** Modules (paths relative to the repository) imported before the server, after tsx. */
  preload?: string[];
  /** The server's entry point; default src/server.ts (what `npm start` runs). */
  entry?: string;
}): Promise<AppServer> {
  const port = await freePort();
  const nodeArgs = [
    ...(options.nodeArgs ?? []),
    "--import",
    "tsx",
    ...(options.preload ?? []).flatMap((m) => ["--import", `./${m}`]),
    options.entry ?? "src/server.ts",
  ];
  const pinned = options.cpu !== undefined && hasTaskset;
  const command = pinned ? "taskset" : process.execPath;
  const args = pinned ? ["-c", String(options.cpu), process.execPath, ...nodeArgs] : nodeArgs;
  const env: Record<string, string | undefined> = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    NODE_ENV: "production",
    APP_ID: String(options.keys.appId),
    PRIVATE_KEY: options.keys.privateKey,
    WEBHOOK_SECRET: options.keys.webhookSecret,
    HOST: "127.0.0.1",
    PORT: String(port),
    GHE_HOST: options.githubHost,
    GHE_PROTOCOL: "http",
    LOG_LEVEL: options.logLevel ?? "info",
    ...options.env,
  };
  const child: ChildProcess = spawn(command, args, {
    cwd: ROOT,
    env: env as NodeJS.ProcessEnv,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let lineCount = 0;
  const problems: string[] = [];
  let tail = "";
  const consume = (chunk: Buffer) => {
    const text = tail + chunk.toString();
    options.onOutput?.(chunk.toString());
    const lines = text.split("\n");
    tail = lines.pop() ?? "";
    for (const line of lines) {
      if (line.trim() === "") continue;
      lineCount++;
      // Cheap pre-filter: most lines are info (30).
      if (line.startsWith('{"level":30') || line.startsWith('{"level":20')) continue;
      try {
        const entry = JSON.parse(line) as { level?: number; msg?: string };
        if ((entry.level ?? 60) >= 40 && problems.length < 200) problems.push(line.slice(0, 2000));
      } catch {
        if (problems.length < 200) problems.push(line.slice(0, 2000));
      }
    }
  };
  child.stdout?.on("data", consume);
  child.stderr?.on("data", consume);
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM");
    const timer = setTimeout(() => child.kill("SIGKILL"), options.stopGraceMs ?? 5_000);
    await exited;
    clearTimeout(timer);
  };

  const readyTimeoutMs = options.readyTimeoutMs ?? 30_000;
  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (child.exitCode !== null)
      throw new Error(`the app server exited with ${child.exitCode}:\n${problems.join("\n")}`);
    const response = await fetch(`http://127.0.0.1:${port}/ping`).catch(() => undefined);
    if (response?.ok && (await response.text()) === "PONG") break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(
        `the app server did not answer /ping within ${readyTimeoutMs / 1000} s:\n${problems.join("\n")}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  return {
    port,
    pid: child.pid!,
    child,
    problems: () => [...problems],
    lines: () => lineCount,
    stop,
  };
}

/** A delivery as GitHub sends it: signed with the webhook secret, with GitHub's headers. */
export async function deliverWebhook(options: {
  port: number;
  keys: Pick<AppKeys, "appId" | "webhookSecret">;
  event: string;
  payload: object;
  deliveryId?: string;
  userAgent: string;
}): Promise<Response> {
  const body = JSON.stringify(options.payload);
  const signature = createHmac("sha256", options.keys.webhookSecret).update(body).digest("hex");
  const send = () =>
    fetch(`http://127.0.0.1:${options.port}/api/github/webhooks`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "user-agent": options.userAgent,
        "x-github-event": options.event,
        "x-github-delivery": options.deliveryId ?? randomUUID(),
        "x-github-hook-id": "1",
        "x-github-hook-installation-target-id": String(options.keys.appId),
        "x-github-hook-installation-target-type": "integration",
        "x-hub-signature-256": `sha256=${signature}`,
      },
      body,
    });
  try {
    return await send();
  } catch (error) {
    // fetch reuses a kept-alive connection the server may be closing at that very
    // moment ("other side closed"): send again, as GitHub redelivers (same
    // delivery id; the app is idempotent). A server that died fails the retry too.
    if ((error as { cause?: { code?: string } }).cause?.code !== "UND_ERR_SOCKET") throw error;
    return send();
  }
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer()
      .once("error", reject)
      .listen(0, "127.0.0.1", () => {
        const port = (probe.address() as { port: number }).port;
        probe.close(() => resolve(port));
      });
  });
}
