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
    if (
      positive.some((g) => minimatch(path, g, { dot: true })) &&
      !negative.some((g) => minimatch(path, g, { dot: true }))
    )
      out.push(i);
  });
  return out;
}

const segment = fc.constantFrom(
  "src",
  "api",
  "v1",
  "health",
  "routes",
  "socket",
  "gateway",
  "prisma",
  "migrations",
  "config",
  "k8s",
  "deploy",
  "helm",
  "charts",
  "docs",
  "runbooks",
  ".github",
  "workflows",
  "actions",
  "secrets",
  "vault",
  "mobile",
  "iam",
  "rbac",
  "terraform",
  "x",
  "chat",
  "governance",
  "adr",
  "production",
  "staging",
);
const basename = fc.constantFrom(
  "index.ts",
  "health.ts",
  "health.js",
  "chat.gateway.ts",
  "schema.prisma",
  "migration.sql",
  "openapi.yaml",
  "openapi.json",
  "Dockerfile",
  "main.tf",
  "prod.tfvars",
  "package.json",
  "package-lock.json",
  "yarn.lock",
  ".env.example",
  ".env.production.example",
  ".env.local",
  "README.md",
  "GOVERNANCE.md",
  "ci.yml",
  "db-secret.yaml",
  "networkpolicy.yaml",
  "NetworkPolicy.yaml",
  ".eslintrc.json",
  "eslint.config.js",
  "vitest.config.ts",
  "codecov.yml",
  ".snyk",
  "dependabot.yml",
  "docker-compose.prod.yml",
  "Jenkinsfile",
  ".gitlab-ci.yml",
  "values.yaml",
  "a.ts",
);
const path = fc
  .tuple(fc.array(segment, { maxLength: 5 }), basename)
  .map(([dirs, base]) => [...dirs, base].join("/"));

describe("AreaIndex", () => {
  let presets: Policy[];
  beforeAll(async () => {
    presets = [
      await preset("chat-backend"),
      await preset("platform-engineering"),
      await preset("it-operations"),
    ];
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
    const index = new AreaIndex([
      { id: "ci", paths: [".github/workflows/**"] },
      { id: "env", paths: [".env.*"] },
      { id: "all", paths: ["**/*.yml"] },
    ]);
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
    const index = new AreaIndex([
      { id: "openapi", paths: ["**/openapi.{yaml,yml,json}"] },
      { id: "apps", paths: ["apps/{web,admin}/**"] },
    ]);
    expect(index.match("services/chat/openapi.yml")).toEqual([0]);
    expect(index.match("apps/admin/src/main.tsx")).toEqual([1]);
    expect(index.match("apps/mobile/src/main.tsx")).toEqual([]);
    expect(index.globCount).toBe(5);
  });
});

/**
 * Globs built from the pieces that trip a bucketing index: `**` alone or inside
 * braces, `?`, classes, extglobs, dot segments, dotfiles, escapes, trailing `/**`,
 * leading `!` (an exclusion) and a few malformed ones minimatch still accepts.
 * The literal names are shared with the generated paths so that globs hit.
 */
const globSegment = fc.constantFrom(
  "*",
  "**",
  "?",
  "a",
  "b",
  "src",
  "x.ts",
  "a.tf",
  ".hidden",
  ".env.*",
  "Makefile",
  "*.ts",
  "*.tf",
  "*.t?",
  "?.ts",
  "a*",
  "*a",
  "[ab]",
  "[!a]*",
  "[a-c].ts",
  "[.]hidden",
  "{a,b/**}",
  "{src/**,**}",
  "{*.ts,*.tf}",
  "{a,}",
  "{x.ts,**}",
  "@(a|b)",
  "+(a)",
  "!(a)",
  "?(x).ts",
  "*(a|.hidden)",
  "@(*.ts|*.tf)",
  "!(*.ts)",
  "a\\*",
  ".",
  "..",
  "**.ts",
  "a**",
);
const generatedGlob = fc
  .tuple(fc.array(globSegment, { minLength: 1, maxLength: 3 }), fc.boolean(), fc.boolean())
  .map(
    ([segments, exclusion, trailingGlobstar]) =>
      `${exclusion ? "!" : ""}${segments.join("/")}${trailingGlobstar ? "/**" : ""}`,
  );
const oddGlob = fc.constantFrom(
  "",
  "#a",
  "/a/**",
  "a/",
  "**/",
  "./a",
  "a/../b",
  "!!a",
  "{!a,b}",
  "{#a,**}",
  "!",
  "src/{1..150}.ts",
  "**/*.{1..150}",
);
const glob = fc.oneof({ weight: 12, arbitrary: generatedGlob }, { weight: 1, arbitrary: oddGlob });
const areaList = fc
  .array(fc.array(glob, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 3 })
  .map((globLists) => globLists.map((paths, i) => ({ id: `area${i}`, paths })));
const pathSegment = fc.constantFrom(
  "a",
  "b",
  "ab",
  "c",
  "src",
  "x.ts",
  "a.tf",
  "a.b",
  ".hidden",
  ".env.local",
  "Makefile",
  "ts",
  ".tf",
  "7.ts",
  "150.ts",
  "x.120",
);
const canonicalPath = fc
  .array(pathSegment, { minLength: 1, maxLength: 5 })
  .map((segments) => segments.join("/"));
/** Paths GitHub never sends but minimatch still answers for: the index must not guess there either. */
const oddPath = fc.oneof(
  canonicalPath.map((p) => `${p}/`),
  canonicalPath.map((p) => `/${p}`),
  canonicalPath.map((p) => p.replace("/", "//")),
  fc
    .tuple(canonicalPath, fc.constantFrom(".", ".."), canonicalPath)
    .map(([before, dots, after]) => `${before}/${dots}/${after}`),
  fc.tuple(fc.constantFrom(".", ".."), canonicalPath).map(([dots, p]) => `${dots}/${p}`),
  fc.constant(""),
);
const generatedPath = fc.oneof(
  { weight: 8, arbitrary: canonicalPath },
  { weight: 1, arbitrary: oddPath },
);

describe("AreaIndex against minimatch over generated globs", () => {
  it("owns exactly the paths minimatch({dot: true}) matches, minus each area's own exclusions", () => {
    fc.assert(
      fc.property(
        areaList,
        fc.array(generatedPath, { minLength: 1, maxLength: 8 }),
        (areas, paths) => {
          const index = new AreaIndex(areas);
          expect(paths.map((p) => index.match(p))).toEqual(paths.map((p) => naive(areas, p)));
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("gives a catch-all `**` every path, at the root and deep, also as a brace alternative", () => {
    const index = new AreaIndex([
      { id: "everything", paths: ["**"] },
      { id: "src-or-anything", paths: ["{src/**,**}"] },
    ]);
    expect(index.match("Makefile")).toEqual([0, 1]);
    expect(index.match("src/auth/login.ts")).toEqual([0, 1]);
    expect(index.match("lib/queue/worker.ts")).toEqual([0, 1]);
    expect(index.match(".github/workflows/ci.yml")).toEqual([0, 1]);
  });

  it("reads brace alternatives as minimatch does: a `!` or `#` inside braces is a literal, not a negation or a comment", () => {
    const index = new AreaIndex([
      { id: "bang", paths: ["{!legacy,docs}/**"] },
      { id: "hash", paths: ["{#notes,**}"] },
    ]);
    expect(index.match("docs/adr/0001.md")).toEqual([0, 1]);
    expect(index.match("!legacy/run.sh")).toEqual([0, 1]);
    expect(index.match("src/auth/login.ts")).toEqual([1]);
  });

  it("answers `dir/**` globs, which it matches without minimatch, exactly as minimatch does", () => {
    // The most common area glob: literal portions, then `**` (also as brace alternatives).
    const literal = fc.constantFrom("a", "b", "src", ".github", ".hidden", "a.b", "x.ts");
    const subtreeGlob = fc
      .array(fc.array(literal, { minLength: 1, maxLength: 3 }), { minLength: 1, maxLength: 2 })
      .map((rows) => rows.map((row) => `${row.join("/")}/**`))
      .map((rows) => (rows.length === 1 ? rows[0]! : `{${rows.join(",")}}`));
    const portion = fc.constantFrom(
      "a",
      "b",
      "src",
      ".github",
      ".hidden",
      "a.b",
      "x.ts",
      ".",
      "..",
    );
    const nearPath = fc
      .array(portion, { minLength: 1, maxLength: 5 })
      .map((portions) => portions.join("/"));
    fc.assert(
      fc.property(
        fc.array(subtreeGlob, { minLength: 1, maxLength: 3 }),
        fc.array(nearPath, { minLength: 1, maxLength: 8 }),
        (globs, paths) => {
          const areas = globs.map((glob, i) => ({ id: `area${i}`, paths: [glob] }));
          const index = new AreaIndex(areas);
          expect(paths.map((p) => index.match(p))).toEqual(paths.map((p) => naive(areas, p)));
        },
      ),
      { numRuns: 2000 },
    );
    const index = new AreaIndex([{ id: "ci", paths: [".github/workflows/**"] }]);
    expect(index.match(".github/workflows/ci.yml")).toEqual([0]);
    expect(index.match(".github/workflows/.hidden/ci.yml")).toEqual([0]);
    // `**` needs a portion, and walks no `.` or `..`.
    expect(index.match(".github/workflows")).toEqual([]);
    expect(index.match(".github/workflows/../ci.yml")).toEqual([]);
    expect(index.match(".github/workflows/./ci.yml")).toEqual([]);
  });

  it("finds globs keyed by an inner portion (`**/secrets/**`), whether a few or many of them", () => {
    const names = ["secrets", "iam", "rbac", "vault", "keys", "certs", "tls", "pki", "kms", "sops"];
    const paths = [
      "k8s/secrets/db.yaml",
      "secrets/db.yaml",
      "infra/vault/keys/root.hcl",
      "infra/vaults/root.hcl",
      "infra/my-secrets/db.yaml",
      "secrets",
      "docs/tls",
      "docs/tls/",
      "a/./secrets/b",
    ];
    for (const count of [2, names.length]) {
      const areas = names.slice(0, count).map((name) => ({ id: name, paths: [`**/${name}/**`] }));
      const index = new AreaIndex(areas);
      expect(paths.map((p) => index.match(p))).toEqual(paths.map((p) => naive(areas, p)));
    }
    const few = new AreaIndex([{ id: "secrets", paths: ["**/secrets/**"] }]);
    expect(few.match("k8s/secrets/db.yaml")).toEqual([0]);
    expect(few.match("infra/my-secrets/db.yaml")).toEqual([]);
  });

  it("matches a glob with `..` the way minimatch resolves it", () => {
    const index = new AreaIndex([{ id: "db", paths: ["db/../prisma/schema.prisma"] }]);
    expect(index.match("prisma/schema.prisma")).toEqual([0]);
    expect(index.match("db/prisma/schema.prisma")).toEqual([]);
  });

  it("answers as minimatch for paths with a trailing or doubled slash, which no bucket can key", () => {
    const index = new AreaIndex([{ id: "config", paths: ["config/app.yaml"] }]);
    expect(index.match("config/app.yaml/")).toEqual([0]);
    expect(index.match("config//app.yaml")).toEqual([0]);
  });
});

describe("globProblem", () => {
  it.each([
    ["src/**", undefined],
    ["!src/api/*/health/**", undefined],
    [
      "/src/**",
      "starts with '/': paths are relative to the repository root, write it without the leading '/'",
    ],
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
