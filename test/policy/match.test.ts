import fc from "fast-check";
import { minimatch } from "minimatch";
import { beforeAll, describe, expect, it } from "vitest";
import { AreaIndex, globProblem } from "../../src/policy/match.js";
import type { Policy } from "../../src/policy/model.js";
import { preset } from "../helpers/policy.js";

/** The obvious implementation the index must agree with: every glob against every path. */
function naive(areas: readonly { paths: string[] }[], path: string): number[] {
  const out: number[] = [];
  areas.forEach((area, i) => {
    const positive = area.paths.filter((g) => !g.startsWith("!"));
    const negative = area.paths.filter((g) => g.startsWith("!")).map((g) => g.slice(1));
    if (positive.some((g) => minimatch(path, g, { dot: true })) && !negative.some((g) => minimatch(path, g, { dot: true }))) out.push(i);
  });
  return out;
}

const segment = fc.constantFrom(
  "src", "api", "v1", "health", "routes", "socket", "gateway", "prisma", "migrations", "config", "k8s", "deploy", "helm",
  "charts", "docs", "runbooks", ".github", "workflows", "actions", "secrets", "vault", "mobile", "iam", "rbac", "terraform",
  "x", "chat", "governance", "adr", "production", "staging",
);
const basename = fc.constantFrom(
  "index.ts", "health.ts", "health.js", "chat.gateway.ts", "schema.prisma", "migration.sql", "openapi.yaml", "openapi.json",
  "Dockerfile", "main.tf", "prod.tfvars", "package.json", "package-lock.json", "yarn.lock", ".env.example", ".env.production.example",
  ".env.local", "README.md", "GOVERNANCE.md", "ci.yml", "db-secret.yaml", "networkpolicy.yaml", "NetworkPolicy.yaml",
  ".eslintrc.json", "eslint.config.js", "vitest.config.ts", "codecov.yml", ".snyk", "dependabot.yml", "docker-compose.prod.yml",
  "Jenkinsfile", ".gitlab-ci.yml", "values.yaml", "a.ts",
);
const path = fc.tuple(fc.array(segment, { maxLength: 5 }), basename).map(([dirs, base]) => [...dirs, base].join("/"));

describe("AreaIndex", () => {
  let presets: Policy[];
  beforeAll(async () => {
    presets = [await preset("chat-backend"), await preset("platform-engineering"), await preset("it-operations")];
  });

  it("agrees with minimatch on every glob of every preset, for any path", () => {
    fc.assert(
      fc.property(path, (p) => {
        for (const policy of presets) expect(policy.index.match(p)).toEqual(naive(policy.areas, p));
      }),
      { numRuns: 3000 },
    );
  });

  it("matches dotfiles and dot-directories", () => {
    const index = new AreaIndex([{ id: "ci", paths: [".github/workflows/**"] }, { id: "env", paths: [".env.*"] }, { id: "all", paths: ["**/*.yml"] }]);
    expect(index.match(".github/workflows/ci.yml")).toEqual([0, 2]);
    expect(index.match(".env.production")).toEqual([1]);
  });

  it("applies exclusions only to the area that declares them", () => {
    const index = new AreaIndex([
      { id: "api", paths: ["src/api/**", "!src/api/*/health/**"] },
      { id: "health", paths: ["src/api/*/health/**"] },
    ]);
    expect(index.match("src/api/v1/health/ready.ts")).toEqual([1]);
    expect(index.match("src/api/v1/chat/send.ts")).toEqual([0]);
  });

  it("indexes brace alternatives separately and still finds each", () => {
    const index = new AreaIndex([{ id: "openapi", paths: ["**/openapi.{yaml,yml,json}"] }, { id: "apps", paths: ["apps/{web,admin}/**"] }]);
    expect(index.match("services/chat/openapi.yml")).toEqual([0]);
    expect(index.match("apps/admin/src/main.tsx")).toEqual([1]);
    expect(index.match("apps/mobile/src/main.tsx")).toEqual([]);
    expect(index.globCount).toBe(5);
  });
});

describe("globProblem", () => {
  it.each([
    ["src/**", undefined],
    ["!src/api/*/health/**", undefined],
    ["/src/**", "starts with '/': paths are relative to the repository root, write it without the leading '/'"],
    ["src/", "ends with '/': to match everything below a directory write 'dir/**'"],
    ["src\\api\\**", "contains '\\': use '/' as the path separator"],
    ["../shared/**", "contains '..': a pull request's paths never leave the repository"],
    ["src/{a,b", "has unbalanced braces { }"],
    ["src/[ab", "has an unclosed character class [ ]"],
    ["", "is empty"],
  ])("%j → %s", (glob, problem) => {
    expect(globProblem(glob)).toBe(problem);
  });
});
