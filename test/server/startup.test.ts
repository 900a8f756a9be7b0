import { spawn, spawnSync } from "node:child_process";
import { createServer } from "node:net";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { productionConfigProblem, sweepInterval } from "../../src/config.js";
import { ROOT, builtPackage, type BuiltPackage } from "../cli/built-package.js";

/** What `npm start` runs (after its prestart build), in a built package that has no src/: the compiled server. */
const [node, ...SERVER] = (
  JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { scripts: { start: string } }
).scripts.start.split(" ");
let pkg: BuiltPackage;
beforeAll(() => {
  pkg = builtPackage();
}, 120_000);
afterAll(() => pkg?.cleanup());

/** The environment of a fresh clone: nothing of ours configured. */
function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: process.env.HOME, ...extra };
  return env;
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, "127.0.0.1", () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
  });
}

describe("production configuration", () => {
  it.each([
    [
      {},
      "refusing to start in production without APP_ID, PRIVATE_KEY or PRIVATE_KEY_PATH, WEBHOOK_SECRET (see .env.example)",
    ],
    [
      { APP_ID: "1", PRIVATE_KEY: "pem" },
      "refusing to start in production without WEBHOOK_SECRET (see .env.example)",
    ],
    [
      { APP_ID: "1", WEBHOOK_SECRET: "s" },
      "refusing to start in production without PRIVATE_KEY or PRIVATE_KEY_PATH (see .env.example)",
    ],
  ])("names what is missing: %j", (env, message) => {
    expect(productionConfigProblem({ NODE_ENV: "production", ...env })).toBe(message);
  });

  it("accepts a complete production configuration, and anything in development", () => {
    expect(
      productionConfigProblem({
        NODE_ENV: "production",
        APP_ID: "1",
        PRIVATE_KEY_PATH: "/k.pem",
        WEBHOOK_SECRET: "s",
      }),
    ).toBeUndefined();
    expect(productionConfigProblem({})).toBeUndefined();
  });

  it("the real server exits non-zero with one line when the webhook secret is missing", () => {
    expect(node).toBe("node");
    const run = spawnSync(process.execPath, SERVER, {
      cwd: pkg.dir,
      env: cleanEnv({ NODE_ENV: "production", APP_ID: "12", PRIVATE_KEY: "x" }),
      encoding: "utf8",
      timeout: 20_000,
    });
    expect(run.status).toBe(1);
    expect(run.stderr.trim()).toBe(
      "governance-gate: refusing to start in production without WEBHOOK_SECRET (see .env.example)",
    );
  });
});

describe("first run without credentials", () => {
  it("comes up on HOST/PORT and serves the app registration page from app.yml", async () => {
    const port = await freePort();
    const child = spawn(process.execPath, SERVER, {
      cwd: pkg.dir,
      env: cleanEnv({ HOST: "127.0.0.1", PORT: String(port) }),
      stdio: "pipe",
    });
    try {
      let body = "";
      const deadline = Date.now() + 15_000;
      while (Date.now() < deadline) {
        try {
          const response = await fetch(`http://127.0.0.1:${port}/probot`);
          body = await response.text();
          if (response.ok) break;
        } catch {
          await new Promise((r) => setTimeout(r, 200));
        }
      }
      expect(body).toContain("Register GitHub App");
      const manifest = /value='(\{.*?\})'/s.exec(body)?.[1];
      expect(JSON.parse(manifest ?? "{}")).toMatchObject({
        name: "Governance Gate",
        default_events: [
          "pull_request",
          "pull_request_review",
          "issue_comment",
          "check_run",
          "push",
          "merge_group",
        ],
        default_permissions: {
          checks: "write",
          pull_requests: "write",
          issues: "write",
          contents: "read",
          metadata: "read",
          members: "read",
          merge_queues: "read",
        },
      });
    } finally {
      child.kill("SIGTERM");
    }
  });
});

describe("SWEEP_INTERVAL", () => {
  it.each([
    [undefined, undefined],
    ["15m", 900_000],
    ["1h", 3_600_000],
    ["600000", 600_000],
  ])("%j → %j ms", (value, expected) => {
    expect(sweepInterval(value)).toBe(expected);
  });

  it.each(["soon", "10s", "0"])("rejects %j with a clear error", (value) => {
    expect(() => sweepInterval(value)).toThrow(
      `SWEEP_INTERVAL "${value}" is not a duration of at least a minute (e.g. 15m, 1h)`,
    );
  });
});
