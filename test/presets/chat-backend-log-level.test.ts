import { describe, expect, it } from "vitest";
import { explainRange, type ExplainJson } from "../helpers/git-repo.js";

/**
 * Seed 000 line 243, "Level 1 - Full Autonomy (No approval needed): … Log level
 * adjustments", in the places a chat backend sets its log level, through the CLI
 * as a user runs it (`explain --json`) with the chat-backend preset.
 *
 * Where the level lives in a file of its own (a logger module, a logging config
 * file) the logging area owns it and the change is level 1, as the document says.
 * Where it sits beside other settings (`.env.example`, `config/default.json`, a
 * Kubernetes ConfigMap, Helm values) the file's area sets the level (app-config
 * or infra: level 2), and the preset keeps it: only the content tells a log
 * level from the settings next to it, and content never lowers the level a path
 * sets, or an author could change the rest of the file under a log-level edit.
 * These tests hold what the preset does today; the gap is reported, not hidden.
 */

/** [area, level, change kinds] of each touched area. */
function areas(json: ExplainJson): [string, number, string[]][] {
  return json.areas.map((a) => [a.id, a.level, a.changes.map((c) => c.kind)]);
}

/** [requirement, roles] of each sign-off required. */
function requirements(json: ExplainJson): [string, string[]][] {
  return json.requirements.map((r) => [r.id, r.roles]);
}

function edit(text: string, from: string, to: string): string {
  if (!text.includes(from)) throw new Error(`fixture does not contain ${JSON.stringify(from)}`);
  return text.replace(from, to);
}

async function changed(path: string, base: string, from: string, to: string) {
  return explainRange("chat-backend", { [path]: base }, { [path]: edit(base, from, to) });
}

const LOGGER_MODULE = `import { Module } from "@nestjs/common";
import { LoggerModule as PinoLoggerModule } from "nestjs-pino";

@Module({
  imports: [
    PinoLoggerModule.forRoot({
      pinoHttp: {
        level: process.env.LOG_LEVEL ?? "info",
        redact: ["req.headers.authorization", "req.headers.cookie"],
      },
    }),
  ],
})
export class LoggerModule {}
`;

const PINO_LOGGER = `import pino from "pino";

export const logger = pino({
  level: process.env.LOG_LEVEL ?? "info",
  base: { service: "chat-api" },
  timestamp: pino.stdTimeFunctions.isoTime,
});
`;

const LOGGING_YAML = `# winston transports and the default level
level: info
format: json
transports:
  - type: console
  - type: file
    filename: logs/chat-api.log
`;

const ENV_EXAMPLE = `# Chat backend
PORT=3000
DATABASE_URL=postgresql://chat:chat@localhost:5432/chat
REDIS_URL=redis://localhost:6379
JWT_SECRET=change-me
LOG_LEVEL=info
`;

const DEFAULT_JSON = `{
  "port": 3000,
  "cors": { "origin": ["https://chat.example.com"] },
  "logLevel": "info"
}
`;

const CONFIGMAP = `apiVersion: v1
kind: ConfigMap
metadata:
  name: chat-api
  namespace: chat
data:
  NODE_ENV: production
  PORT: "3000"
  LOG_LEVEL: info
`;

const VALUES = `replicaCount: 3
image:
  repository: ghcr.io/acme/chat-api
  tag: "1.4.0"
env:
  LOG_LEVEL: info
`;

const MAIN = `import { NestFactory } from "@nestjs/core";
import { AppModule } from "./app.module";

async function bootstrap() {
  const app = await NestFactory.create(AppModule, { logger: ["log", "warn", "error"] });
  await app.listen(process.env.PORT ?? 3000);
}
void bootstrap();
`;

describe("seed 000 line 243: a log level in a logging file of its own is level 1", () => {
  it.each([
    ["src/logger/logger.module.ts", LOGGER_MODULE],
    ["apps/api/src/logger/logger.module.ts", LOGGER_MODULE],
    ["src/common/logger.ts", PINO_LOGGER],
  ])("LOG_LEVEL default info → debug in %s: level 1, no sign-off", async (path, text) => {
    const json = await changed(path, text, '?? "info"', '?? "debug"');
    expect(json.level).toBe(1);
    expect(json.conclusion).toBe("success");
    expect(areas(json)).toEqual([["logging", 1, []]]);
    expect(requirements(json)).toEqual([]);
  });

  it("level info → warn in config/logging.yaml (the logging area's, not app-config's): level 1", async () => {
    const json = await changed("config/logging.yaml", LOGGING_YAML, "level: info", "level: warn");
    expect(json.level).toBe(1);
    expect(areas(json)).toEqual([["logging", 1, []]]);
    expect(requirements(json)).toEqual([]);
  });

  it("the Nest logger's levels in apps/api/src/main.ts: level 1, and the file is listed as unowned", async () => {
    const json = await changed(
      "apps/api/src/main.ts",
      MAIN,
      '["log", "warn", "error"]',
      '["log", "warn", "error", "debug"]',
    );
    expect(json.level).toBe(1);
    expect(areas(json)).toEqual([]);
    expect(json.unowned).toEqual(["apps/api/src/main.ts"]);
  });
});

// The gap: line 243 says level 1, but these files carry other settings, and their area's level stands.
describe("seed 000 line 243 not honoured: a log level beside other settings keeps its file's level", () => {
  it("LOG_LEVEL=info → debug in .env.example: app-config, level 2 (Backend Lead), not an env-var addition", async () => {
    const json = await changed(".env.example", ENV_EXAMPLE, "LOG_LEVEL=info", "LOG_LEVEL=debug");
    expect(json.level).toBe(2);
    expect(areas(json)).toEqual([["app-config", 2, []]]);
    expect(requirements(json)).toEqual([["app-config/base", ["backend-lead"]]]);
  });

  it('"logLevel" info → debug in config/default.json: app-config, level 2', async () => {
    const json = await changed(
      "config/default.json",
      DEFAULT_JSON,
      '"logLevel": "info"',
      '"logLevel": "debug"',
    );
    expect(json.level).toBe(2);
    expect(areas(json)).toEqual([["app-config", 2, []]]);
    expect(requirements(json)).toEqual([["app-config/base", ["backend-lead"]]]);
  });

  it("LOG_LEVEL in a Kubernetes ConfigMap (k8s/chat-api/configmap.yaml): infra, level 2 (SRE Lead)", async () => {
    const json = await changed(
      "k8s/chat-api/configmap.yaml",
      CONFIGMAP,
      "LOG_LEVEL: info",
      "LOG_LEVEL: debug",
    );
    expect(json.level).toBe(2);
    expect(areas(json)).toEqual([["infra", 2, []]]);
    expect(requirements(json)).toEqual([["infra/base", ["sre-lead"]]]);
  });

  it("env.LOG_LEVEL in Helm values (helm/chat-api/values.yaml): infra, level 2", async () => {
    const json = await changed(
      "helm/chat-api/values.yaml",
      VALUES,
      "LOG_LEVEL: info",
      "LOG_LEVEL: debug",
    );
    expect(json.level).toBe(2);
    expect(areas(json)).toEqual([["infra", 2, []]]);
    expect(requirements(json)).toEqual([["infra/base", ["sre-lead"]]]);
  });

  it("a log-level edit does not lower what else the same file changes (replicas 3 → 20 beside it)", async () => {
    const path = "helm/chat-api/values.yaml";
    const head = edit(
      edit(VALUES, "LOG_LEVEL: info", "LOG_LEVEL: debug"),
      "replicaCount: 3",
      "replicaCount: 20",
    );
    const json = await explainRange("chat-backend", { [path]: VALUES }, { [path]: head });
    // Replicas 3 → 20 with no resources to price: assumed above the threshold (line 257), whatever else changed.
    expect(json.level).toBe(3);
    expect(areas(json)).toEqual([["infra", 3, ["scaling-change", "cost-increase"]]]);
    expect(requirements(json)).toEqual([["infra/cost-increase", ["sre-lead", "finance"]]]);
  });
});
