/**
 * The real app server (`src/server.ts`, as `npm start` runs it) in a child
 * process, production mode, pointed at a fake GitHub on loopback.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { generateKeyPairSync, randomBytes } from "node:crypto";
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
  return { appId, privateKey, publicKeyPem: publicKey, webhookSecret: randomBytes(24).toString("hex") };
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
  /** Pin the server (every thread of it) to this CPU with taskset, when available. */
  cpu?: number;
  nodeArgs?: string[];
  /** Modules (paths relative to the repository) imported before the server, after tsx. */
  preload?: string[];
  /** The server's entry point; default src/server.ts (what `npm start` runs). */
  entry?: string;
}): Promise<AppServer> {
  const port = await freePort();
  const nodeArgs = [...(options.nodeArgs ?? []), "--import", "tsx", ...(options.preload ?? []).flatMap((m) => ["--import", `./${m}`]), options.entry ?? "src/server.ts"];
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
  };
  const child: ChildProcess = spawn(command, args, { cwd: ROOT, env: env as NodeJS.ProcessEnv, stdio: ["ignore", "pipe", "pipe"] });
  let lineCount = 0;
  const problems: string[] = [];
  let tail = "";
  const consume = (chunk: Buffer) => {
    const text = tail + chunk.toString();
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

  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the app server exited with ${child.exitCode}:\n${problems.join("\n")}`);
    const response = await fetch(`http://127.0.0.1:${port}/ping`).catch(() => undefined);
    if (response?.ok && (await response.text()) === "PONG") break;
    if (Date.now() > deadline) throw new Error(`the app server did not answer /ping within 30 s:\n${problems.join("\n")}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }

  return {
    port,
    pid: child.pid!,
    child,
    problems: () => [...problems],
    lines: () => lineCount,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
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

/** VmRSS and VmHWM (peak) of a process, in MiB, from /proc (Linux); undefined elsewhere. */
export async function memoryOf(pid: number): Promise<{ rss: number; peak: number } | undefined> {
  const { readFile } = await import("node:fs/promises");
  try {
    const status = await readFile(`/proc/${pid}/status`, "utf8");
    const kib = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? NaN);
    return { rss: kib("VmRSS") / 1024, peak: kib("VmHWM") / 1024 };
  } catch {
    return undefined;
  }
}

/** User + system CPU seconds a process has used, from /proc (Linux). */
export async function cpuSecondsOf(pid: number): Promise<number | undefined> {
  const { readFile } = await import("node:fs/promises");
  try {
    const stat = await readFile(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    // fields[11] = utime, fields[12] = stime (clock ticks; 100 Hz on Linux)
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return undefined;
  }
}

/** Busy CPU seconds of the whole machine (all cores), from /proc/stat (Linux). */
export async function machineBusySeconds(): Promise<number | undefined> {
  const { readFile } = await import("node:fs/promises");
  try {
    const line = (await readFile("/proc/stat", "utf8")).split("\n")[0]!;
    const [, user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).map(Number);
    return ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0) + (steal ?? 0)) / 100;
  } catch {
    return undefined;
  }
}
