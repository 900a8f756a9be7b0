/**
 * The evaluate benchmark's workload (bench/evaluate.bench.ts, and
 * bench/profile-evaluate.ts that profiles it): a 300-area monorepo policy and a
 * 3,000-file pull request over it, generated from a fixed seed (no
 * Math.random), so every run and every script sees the same policy and files.
 */
import type { ChangedFile } from "../../src/changes/types.js";
import { seededRandom as prng } from "../../test/helpers/random.js";

const SEED = 0x6a7e_2024;
export const AREA_COUNT = 300;
export const FILE_COUNT = 3000;

// ---------------------------------------------------------------------------
// Deterministic generation
// ---------------------------------------------------------------------------

let random = prng(SEED);
const int = (n: number): number => Math.floor(random() * n);
const pick = <T>(items: readonly T[]): T => items[int(items.length)]!;
const chance = (p: number): boolean => random() < p;

const SYLLABLES = [
  "ka",
  "lo",
  "mi",
  "ra",
  "ten",
  "vo",
  "zu",
  "pel",
  "dor",
  "nix",
  "qua",
  "sen",
  "tri",
  "bel",
  "cor",
  "fin",
  "gal",
  "hex",
  "jun",
  "mar",
];
const SUFFIXES = ["", "-api", "-worker", "-gateway", "-store", "-sync", "-core"];

/** `count` distinct service-like names (`kalo-api`, `tenvo`, …). */
function names(count: number, used: Set<string>): string[] {
  const out: string[] = [];
  while (out.length < count) {
    const name = `${pick(SYLLABLES)}${pick(SYLLABLES)}${pick(SUFFIXES)}`;
    if (used.has(name)) continue;
    used.add(name);
    out.push(name);
  }
  return out;
}

interface AreaSpec {
  id: string;
  name: string;
  paths: string[];
  accountable: string;
  responsible?: string[];
  consulted?: string[];
  level: 1 | 2 | 3;
  approvers?: string[];
  escalation: string[];
  ticket?: boolean;
}

export interface Monorepo {
  yaml: string;
  services: string[];
  libs: string[];
  deploys: string[];
  apps: string[];
  areaCount: number;
}

const TEAM_COUNT = 40;
const EXTENSION_GLOBS = [
  "**/*.tf",
  "**/*.tfvars",
  "**/*.sql",
  "**/*.proto",
  "**/*.graphql",
  "**/*.prisma",
  "**/*.rego",
  "**/*.avsc",
  "**/*.sh",
  "**/*.helm.yaml",
];
const BASENAME_GLOBS = [
  "**/Dockerfile",
  "**/Makefile",
  "**/package.json",
  "**/go.mod",
  "**/Cargo.toml",
  "**/CODEOWNERS",
  "**/openapi.{yaml,json}",
  "**/Chart.yaml",
  "**/kustomization.yaml",
  "**/Jenkinsfile",
];
const ROOT_GLOBS = [
  ".eslintrc*",
  ".prettierrc*",
  "tsconfig*.json",
  "*.md",
  ".github/workflows/**",
  ".github/governance.yml",
  "renovate.json",
  ".nvmrc",
  "docker-compose*.yml",
  "pnpm-workspace.yaml",
];
/** Globs no bucket can hold (no literal prefix, not `**\/basename` or `**\/*.ext`). */
const UNINDEXED_GLOBS = [
  "**/iam/**",
  "**/rbac/**",
  "**/*networkpolicy*",
  "**/secrets/**",
  "**/migrations/*.sql",
];

function generatePolicy(): Monorepo {
  const used = new Set<string>();
  const teams = Array.from(
    { length: TEAM_COUNT },
    (_, i) => `team-${String(i + 1).padStart(2, "0")}-lead`,
  );
  const team = () => pick(teams);
  const escalation = (role: string) => [role, "platform-lead", "cto"];

  // 300 areas: 95 services, 80 libs, 60 deploy dirs, 30 apps, 10 extension
  // areas, 10 basename areas, 10 root areas, 5 unindexed cross-cutting areas.
  const services = names(95, used);
  const libs = names(80, used);
  const deploys = services.slice(0, 60);
  const apps = names(30, used);
  const areas: AreaSpec[] = [];

  for (const name of services) {
    const owner = team();
    const paths = [`services/${name}/**`];
    // A few services hand their docs and generated code to other owners.
    if (chance(0.12)) paths.push(`!services/${name}/**/*.md`);
    if (chance(0.06)) paths.push(`!services/${name}/generated/**`);
    areas.push({
      id: `svc-${name}`,
      name: `Service ${name}`,
      paths,
      accountable: owner,
      responsible: [team()],
      level: chance(0.7) ? 2 : 1,
      escalation: escalation(owner),
      ticket: chance(0.2),
    });
  }
  for (const name of libs) {
    const owner = team();
    const paths = [`libs/${name}/src/**`];
    if (chance(0.3)) paths.push(`libs/${name}/package.json`);
    areas.push({
      id: `lib-${name}`,
      name: `Library ${name}`,
      paths,
      accountable: owner,
      level: chance(0.4) ? 2 : 1,
      escalation: escalation(owner),
    });
  }
  for (const name of deploys) {
    const owner = team();
    areas.push({
      id: `deploy-${name}`,
      name: `Deployment of ${name}`,
      paths: [`deploy/${name}/**`, ...(chance(0.3) ? [`deploy/${name}-canary/**`] : [])],
      accountable: owner,
      consulted: ["sre"],
      level: 3,
      approvers: ["$accountable", "sre"],
      escalation: escalation(owner),
      ticket: true,
    });
  }
  for (const name of apps) {
    const owner = pick(["frontend-lead", team()]);
    areas.push({
      id: `app-${name}`,
      name: `App ${name}`,
      paths: [
        `apps/${name}/**/*.{ts,tsx}`,
        ...(chance(0.5) ? [`apps/${name}/**/*.{css,scss}`] : []),
      ],
      accountable: owner,
      responsible: ["frontend-lead"],
      level: 2,
      escalation: owner === "frontend-lead" ? ["frontend-lead", "cto"] : escalation(owner),
    });
  }
  const crossCutting = (kind: string, globs: readonly string[], owner: string, level: 1 | 2 | 3) =>
    globs.forEach((glob, i) =>
      areas.push({
        id: `${kind}-${String(i + 1).padStart(2, "0")}`,
        name: `${kind} ${glob}`,
        paths: [glob],
        accountable: owner,
        level,
        ...(level === 3 ? { approvers: ["$accountable", "security-lead"] } : {}),
        escalation: owner === "cto" ? ["cto"] : [owner, "cto"],
      }),
    );
  crossCutting("ext", EXTENSION_GLOBS, "platform-lead", 2);
  crossCutting("base", BASENAME_GLOBS, "platform-lead", 2);
  crossCutting("root", ROOT_GLOBS, "dx-lead", 1);
  crossCutting("xcut", UNINDEXED_GLOBS, "security-lead", 3);
  if (areas.length !== AREA_COUNT)
    throw new Error(`generated ${areas.length} areas, expected ${AREA_COUNT}`);

  // Roles: every team lead is two people; a few org-wide roles; `engineers` is everyone.
  let userNo = 0;
  const user = () => `dev-${String(++userNo).padStart(3, "0")}`;
  const roles: Record<string, string[]> = {};
  for (const t of teams) roles[t] = [user(), user()];
  for (const r of ["platform-lead", "security-lead", "sre", "frontend-lead", "dx-lead", "dba"])
    roles[r] = [user(), user()];
  roles.cto = [user()];
  roles.engineers = [...Object.values(roles).flat(), ...Array.from({ length: 60 }, user)];

  // Names such as `team-01-lead` or `$accountable` need no quotes; globs do (`*` starts an alias).
  const q = (s: string) => (/^[A-Za-z$][\w$-]*$/.test(s) ? s : JSON.stringify(s));
  const list = (xs: readonly string[]) => `[${xs.map(q).join(",")}]`;
  const lines: string[] = [
    "version: 1",
    "description: Generated 300-area monorepo policy (bench/evaluate.bench.ts)",
    "",
    "roles:",
    ...Object.entries(roles).map(([id, users]) => `  ${id}: { users: ${list(users)} }`),
    "",
    "areas:",
  ];
  // One flow mapping per area: the block style would put the file over the
  // policy size limit (POLICY_LIMITS.bytes, 64 KiB) for the same 300 areas.
  for (const a of areas) {
    const fields = [
      `name: ${q(a.name)}`,
      `paths: ${list(a.paths)}`,
      `accountable: ${a.accountable}`,
      ...(a.responsible ? [`responsible: ${list(a.responsible)}`] : []),
      ...(a.consulted ? [`consulted: ${list(a.consulted)}`] : []),
      `level: ${a.level}`,
      ...(a.approvers ? [`approvers: ${list(a.approvers)}`] : []),
      `escalation: ${list(a.escalation)}`,
      ...(a.ticket ? ["ticket: true"] : []),
    ];
    lines.push(`  ${a.id}: { ${fields.join(", ")} }`);
  }
  lines.push(
    "",
    "rules:",
    "  executive-label:",
    "    description: Executive sign-off when labelled",
    "    when: { labels: [executive] }",
    "    level: 4",
    "    approvers: [cto]",
    "  terraform:",
    "    description: Infrastructure code needs platform sign-off",
    '    when: { paths: ["**/*.tf", "**/*.tfvars"] }',
    "    level: 3",
    "    approvers: [$accountable, platform-lead]",
    "  secrets:",
    "    description: Secret material needs security sign-off",
    '    when: { paths: ["**/secrets/**", "**/*.env"] }',
    "    level: 3",
    "    approvers: [$accountable, security-lead]",
    "  outside-contributor:",
    "    description: Changes from outside engineering need the owner",
    "    when: { author: { notMemberOf: [engineers] } }",
    "    level: 2",
    "  destructive-migration:",
    "    description: Destructive migrations",
    "    when: { kinds: [migration-destructive] }",
    "    level: 3",
    "    approvers: { all: [$accountable], any: [dba, platform-lead], count: 1 }",
    "    requireInputFrom: [security-lead]",
    "  governance-amendment:",
    "    description: Amending the governance file",
    `    areas: [${areas.find((a) => a.paths.includes(".github/governance.yml"))!.id}]`,
    '    when: { paths: [".github/governance.yml"] }',
    "    level: 4",
    "    approvers: { all: [cto], any: [$accountables], count: 2 }",
    "",
    "unowned:",
    "  action: warn",
    "  reviewers: [platform-lead]",
    "emergency:",
    "  roles: [cto, platform-lead]",
    "ticket:",
    '  pattern: "[A-Z][A-Z0-9]+-\\\\d+"',
    "  projects: [PLAT, SEC]",
    "",
  );
  return { yaml: lines.join("\n"), services, libs, deploys, apps, areaCount: areas.length };
}

const ROOT_FILES = [
  ".eslintrc.json",
  ".eslintrc.cjs",
  ".prettierrc",
  "tsconfig.json",
  "tsconfig.base.json",
  "README.md",
  "CONTRIBUTING.md",
  ".github/workflows/ci.yml",
  ".github/workflows/release.yml",
  ".github/governance.yml",
  "renovate.json",
  ".nvmrc",
  "docker-compose.yml",
  "docker-compose.test.yml",
  "pnpm-workspace.yaml",
  "package.json",
  "LICENSE",
  ".gitignore",
];
const SRC_DIRS = ["handlers", "domain", "infra", "util", "config", "api", "jobs", "models"];
const SRC_FILES = [
  "index",
  "client",
  "server",
  "types",
  "mapper",
  "repository",
  "service",
  "validator",
  "schema",
  "errors",
];

/** A 3,000-file pull request over the generated monorepo, path-only, without duplicates. */
function generatePullRequest(repo: Monorepo): ChangedFile[] {
  const paths = new Set<string>();
  const generators: [weight: number, make: () => string][] = [
    [
      30,
      () => {
        const s = pick(repo.services);
        return `services/${s}/src/${pick(SRC_DIRS)}/${pick(SRC_FILES)}${pick(["", ".test", ".spec"])}.${pick(["ts", "ts", "go", "py"])}`;
      },
    ],
    [
      3,
      () =>
        `services/${pick(repo.services)}/${pick(["Dockerfile", "Makefile", "README.md", "go.mod", "package.json", "openapi.yaml"])}`,
    ],
    [
      2,
      () =>
        `services/${pick(repo.services)}/${pick(["docs", "generated", "migrations", "secrets", "iam"])}/${pick(SRC_FILES)}.${pick(["md", "sql", "ts", "env", "yaml"])}`,
    ],
    [
      18,
      () => {
        const l = pick(repo.libs);
        return `libs/${l}/${pick(["src", "src", "src", "test", "bench"])}/${pick(SRC_DIRS)}/${pick(SRC_FILES)}.ts`;
      },
    ],
    [2, () => `libs/${pick(repo.libs)}/${pick(["package.json", "README.md", "tsconfig.json"])}`],
    [
      14,
      () => {
        const d = pick(repo.deploys);
        return `deploy/${d}${chance(0.1) ? "-canary" : ""}/${pick(["main.tf", "variables.tf", "prod.tfvars", "values.yaml", "Chart.yaml", "kustomization.yaml", "templates/deployment.yaml", "templates/networkpolicy.yaml", "rbac/role.yaml"])}`;
      },
    ],
    [
      14,
      () => {
        const a = pick(repo.apps);
        return `apps/${a}/src/${pick(["components", "pages", "hooks", "styles", "assets"])}/${pick(["Button", "Header", "useAuth", "Layout", "theme", "logo"])}${chance(0.1) ? int(50) : ""}.${pick(["tsx", "tsx", "ts", "scss", "css", "svg", "json"])}`;
      },
    ],
    [
      4,
      () =>
        `${pick(["docs", "scripts", "tools", "third_party", "examples"])}/${pick(SRC_DIRS)}/${pick(SRC_FILES)}${int(40)}.${pick(["md", "py", "js", "txt", "sh", "proto"])}`,
    ],
    [1, () => pick([...ROOT_FILES])],
  ];
  const total = generators.reduce((sum, [w]) => sum + w, 0);
  let guard = 0;
  while (paths.size < FILE_COUNT) {
    if (++guard > FILE_COUNT * 100) throw new Error("could not generate enough distinct paths");
    let r = random() * total;
    const [, make] = generators.find(([w]) => (r -= w) < 0) ?? generators[0]!;
    paths.add(make());
  }
  return [...paths].map((path) => ({ path, status: "modified" }));
}

/** The policy's YAML and the pull request, the same on every call (the random source restarts from SEED). */
export function generateWorkload(): { repo: Monorepo; changed: ChangedFile[] } {
  random = prng(SEED);
  const repo = generatePolicy();
  return { repo, changed: generatePullRequest(repo) };
}
