import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { fixture } from "../helpers/facts.js";
import { makeRepo, runCli } from "../helpers/git-repo.js";

const temp = mkdtempSync(join(tmpdir(), "gg-cli-"));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

function policyFile(name: string, text: string): string {
  const path = join(temp, name);
  writeFileSync(path, text);
  return path;
}

const BOUND = `extends: chat-backend
roles:
  backend-lead: { users: [bea] }
  sre-lead: { teams: [acme/sre-leads] }
  devops-lead: { teams: [devops] }
  tech-architect: { users: [tara] }
`;

describe("governance-gate lint", () => {
  it("prints every problem as file:line:col and exits 1", async () => {
    const file = policyFile(
      "broken.yml",
      `extends: chat-backend
roles:
  backend-lead: { users: [bea], team: [x] }
areas:
  mobile:
    paths: ["mobile/**", "/ios/**"]
    accountable: mobile-lead
rules:
  mobile-release:
    areas: [mobile]
    when: { kinds: [store-release] }
    level: 3
`,
    );
    const run = await runCli(["lint", "--policy", file]);
    expect(run.code).toBe(1);
    expect(run.stdout.split("\n")).toEqual([
      `${file}:3:33: error: unknown key "team" (at roles.backend-lead.team)`,
      `${file}:6:26: error: glob "/ios/**" starts with '/': paths are relative to the repository root, write it without the leading '/' (at areas.mobile.paths[1])`,
      `${file}:7:18: error: role "mobile-lead" is not defined; declare it under roles: (at areas.mobile.accountable)`,
      `${file}:11:21: error: unknown change kind "store-release" (at rules.mobile-release.when.kinds[0])`,
      "4 errors, 0 warnings",
    ]);
  });

  it("passes a good policy and, with --repo, lists the tracked files no area owns", async () => {
    const repo = makeRepo(
      {
        "src/api/chat.ts": "export {}\n",
        "scripts/seed.sh": "#!/bin/sh\n",
        "k8s/api.yaml": fixture("repo/deployment.yaml"),
      },
      {},
    );
    try {
      const run = await runCli([
        "lint",
        "--policy",
        policyFile("good.yml", BOUND),
        "--repo",
        repo.dir,
      ]);
      expect(run.code).toBe(0);
      expect(run.stdout).toContain("scripts/seed.sh: warning: no area owns this file");
      expect(run.stdout).not.toContain("src/api/chat.ts");
      expect(run.stdout).toMatch(
        /21 areas, 15 rules, 22 roles; 0 errors, 0 warnings, 1 unowned file$/,
      );
    } finally {
      repo.cleanup();
    }
  });
});

describe("governance-gate codeowners", () => {
  it("writes a CODEOWNERS line per glob with each area's accountable owners", async () => {
    const run = await runCli([
      "codeowners",
      "--policy",
      policyFile("owners.yml", BOUND),
      "--org",
      "acme",
    ]);
    expect(run.code).toBe(0);
    const lines = run.stdout.split("\n");
    expect(lines).toContain("/src/api/** @bea");
    expect(lines).toContain("**/openapi.yaml @bea");
    expect(lines).toContain("/k8s/** @acme/sre-leads");
    expect(lines).toContain("/.github/workflows/** @acme/devops");
    expect(lines).toContain("# not expressible in CODEOWNERS (exclusion): !src/api/*/health/**");
    expect(lines).toContain("# qa-lead is bound to nobody: these paths have no code owner");
  });

  it("warns when a team has no organisation to qualify it", async () => {
    const run = await runCli(["codeowners", "--policy", policyFile("owners2.yml", BOUND)]);
    expect(run.stderr).toContain(
      'warning: team "devops" of role devops-lead has no organisation; pass --org',
    );
  });
});

describe("governance-gate matrix", () => {
  it("renders the ownership matrix with RACI, levels, escalation and decision rules", async () => {
    const run = await runCli(["matrix", "--policy", "chat-backend"]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      "| **Prisma schema and migrations** (`prisma`) | `prisma/**`, `**/schema.prisma`, `{apps,packages,services,libs}/*/prisma/**`, `**/*.prisma`, `**/migrations/**`, `!docs/**`, `!**/*.md` | backend-lead | backend-team | dba-lead | sre-team | 2: backend-lead | backend-lead → dba-lead → vp-engineering |",
    );
    expect(run.stdout).toContain(
      "| Breaking migrations: DBA Lead + Backend Lead + SRE Lead sign-off (`migration-destructive`) | change: `migration-destructive` | prisma | 3 | dba-lead + backend-lead + sre-lead |",
    );
    expect(run.stdout).toContain(
      "tech-architect + 2 of backend-lead/sre-lead/dba-lead/security-lead/qa-lead/devops-lead/product-owner/legal/incident-commander",
    );
  });
});

describe("governance-gate explain (human output)", () => {
  it("prints a readable table of areas, requirements and evidence", async () => {
    const repo = makeRepo(
      { "k8s/chat-api/deployment.yaml": fixture("repo/deployment.yaml") },
      {
        "k8s/chat-api/deployment.yaml": fixture("repo/deployment.yaml").replace(
          "replicas: 3",
          "replicas: 20",
        ),
      },
    );
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
      expect(lines[0]).toBe("Level 3 — Joint approval (does not pass yet)");
      expect(lines).toContain("infra  3      1      scaling-change, cost-increase");
      expect(lines).toContain("infra/cost-increase  3      sre-lead + finance  sre-lead + finance");
    } finally {
      repo.cleanup();
    }
  });
});

describe("errors are one clear line and a non-zero exit", () => {
  it.each([
    [
      ["explain", "--policy", "chat-frontend", "--files", "a.ts"],
      1,
      'governance-gate: unknown preset "chat-frontend" (presets: chat-backend, platform-engineering, it-operations) and no such file',
    ],
    [
      [
        "explain",
        "--policy",
        "chat-backend",
        "--repo",
        "/nonexistent/repo",
        "--base",
        "main",
        "--head",
        "x",
      ],
      1,
      "governance-gate: /nonexistent/repo is not a readable git repository",
    ],
    [
      ["explain", "--policy", "chat-backend", "--files"],
      2,
      "governance-gate: Option '--files <value>' argument missing",
    ],
    [
      ["explain", "--policy", "chat-backend"],
      2,
      "governance-gate: explain needs --base REF and --head REF (with --repo DIR, default .) or --files PATH...",
    ],
    [["lint"], 2, "governance-gate: --policy is required (a preset name or a policy file)"],
    [
      ["deploy"],
      2,
      'governance-gate: unknown command "deploy" (commands: explain, lint, codeowners, matrix, sweep, schema, audit)',
    ],
    [
      ["explain", "--policy", "chat-backend", "--files", "a", "--colour"],
      2,
      "governance-gate: Unknown option '--colour'.",
    ],
  ])("%j", async (args, code, message) => {
    const run = await runCli(args);
    expect(run.code).toBe(code);
    expect(run.stderr.startsWith(message)).toBe(true);
    expect(run.stderr).not.toContain("\n");
    expect(run.stdout).toBe("");
  });

  it("names an unknown ref", async () => {
    const repo = makeRepo({ "a.txt": "a\n" }, { "a.txt": "b\n" });
    try {
      const run = await runCli([
        "explain",
        "--policy",
        "chat-backend",
        "--repo",
        repo.dir,
        "--base",
        "release-9",
        "--head",
        "feature",
      ]);
      expect(run.code).toBe(1);
      expect(run.stderr).toBe(`governance-gate: unknown ref "release-9" in ${repo.dir}`);
    } finally {
      repo.cleanup();
    }
  });
});

describe("the installed bin", () => {
  it("runs through node as `npx governance-gate` would, with exit codes", () => {
    const bin = fileURLToPath(new URL("../../bin/governance-gate.js", import.meta.url));
    const out = execFileSync(
      process.execPath,
      [bin, "explain", "--policy", "chat-backend", "--files", "prisma/schema.prisma", "--json"],
      { encoding: "utf8" },
    );
    expect(JSON.parse(out)).toMatchObject({ level: 2, requiredRoles: ["backend-lead"] });
    const bad = spawnSync(process.execPath, [bin, "lint", "--policy", "no-such-preset"], {
      encoding: "utf8",
    });
    expect(bad.status).toBe(1);
    expect(bad.stderr.trim()).toBe(
      'governance-gate: unknown preset "no-such-preset" (presets: chat-backend, platform-engineering, it-operations) and no such file',
    );
  });
});
