import { describe, expect, it } from "vitest";
import { explainRange, makeRepo, runCli } from "../helpers/git-repo.js";

/**
 * `explain` names everyone consulted: the touched areas' consulted roles and the
 * roles a rule waits for input from (`requireInputFrom`), which need not belong
 * to any touched area. In chat-backend a Socket.IO major in package.json touches
 * the dependencies area (Security Lead consulted), and its protocol-upgrade rule
 * waits for the Frontend Lead (seed 000: "Frontend Lead consulted on client
 * compatibility").
 */

function manifest(dependencies: Record<string, string>): string {
  return `${JSON.stringify(
    {
      name: "chat-backend",
      version: "1.4.0",
      private: true,
      scripts: { build: "nest build", start: "node dist/main.js" },
      dependencies: { "@nestjs/core": "^10.3.0", ...dependencies },
    },
    null,
    2,
  )}\n`;
}

const BASE = { "package.json": manifest({ "socket.io": "^4.8.1" }) };
const HEAD = { "package.json": manifest({ "socket.io": "^5.0.0" }) };

describe("governance-gate explain: who is consulted", () => {
  it("lists a rule's requireInputFrom roles with the areas' consulted roles (--json)", async () => {
    const json = await explainRange("chat-backend", BASE, HEAD);
    expect(json.requirements.map((r) => r.id)).toEqual([
      "dependencies/dependency-major",
      "dependencies/protocol-upgrade",
    ]);
    expect(json.consulted).toEqual(["frontend-lead", "security-lead"]);
  });

  it("prints them, and which requirement waits for whose input, in the table", async () => {
    const repo = makeRepo(BASE, HEAD);
    try {
      const run = await runCli([
        "explain",
        "--policy",
        "chat-backend",
        "--repo",
        repo.dir,
        "--base",
        "main",
        "--head",
        "feature",
      ]);
      expect(run.code).toBe(0);
      const lines = run.stdout.split("\n");
      expect(lines).toContain("Consulted: frontend-lead, security-lead. Informed on merge: -.");
      expect(lines).toContain(
        "  dependencies/protocol-upgrade: input from frontend-lead must come before an approval counts",
      );
    } finally {
      repo.cleanup();
    }
  });
});
