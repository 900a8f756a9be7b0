import { readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { makeRepo, runCli } from "../helpers/git-repo.js";
import { ROOT, builtPackage, packageWithoutDist, type BuiltPackage } from "./built-package.js";

/**
 * The installed bin, compiled: `--help` and `--version` everywhere, the same
 * answers as the source, presets found from the package root, and each command
 * loading only what it needs.
 */

let pkg: BuiltPackage;
beforeAll(() => {
  pkg = builtPackage();
}, 120_000);
afterAll(() => pkg?.cleanup());

const COMMANDS = ["explain", "lint", "codeowners", "matrix", "sweep", "schema", "audit"] as const;
const version = (
  JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as { version: string }
).version;

describe("--help and --version", () => {
  it.each(["--help", "-h"])(
    "`governance-gate %s` prints the usage of every command on stdout and exits 0",
    (flag) => {
      const run = pkg.run([flag]);
      expect(run).toMatchObject({ code: 0, stderr: "" });
      expect(run.stdout.split("\n")[0]).toBe(
        "governance-gate — governance policy engine for pull requests",
      );
      for (const command of COMMANDS) expect(run.stdout).toContain(`  governance-gate ${command}`);
      expect(run.stdout).toContain("governance-gate <command> --help");
    },
  );

  it.each(["--version", "-v"])(
    "`governance-gate %s` prints package.json's version and exits 0",
    (flag) => {
      expect(pkg.run([flag])).toEqual({ code: 0, stdout: `${version}\n`, stderr: "" });
    },
  );

  describe.each(COMMANDS)("governance-gate %s", (command) => {
    it.each(["--help", "-h"])(
      `\`${command} %s\` prints that command's own usage and exits 0, running nothing`,
      (flag) => {
        // Credentials or a policy would make the command itself run; --help must win before that.
        const run = pkg.run([command, flag], {
          env: {
            PATH: process.env.PATH,
            HOME: process.env.HOME,
            APP_ID: "1",
            PRIVATE_KEY: "not a key",
          },
        });
        expect(run).toMatchObject({ code: 0, stderr: "" });
        expect(run.stdout.startsWith(`Usage: governance-gate ${command}`)).toBe(true);
        expect(run.stdout).toMatch(/^ {2}-h, --help {2,}this help$/m);
        for (const other of COMMANDS.filter((c) => c !== command))
          expect(run.stdout).not.toContain(`governance-gate ${other}`);
      },
    );

    it("`help <command>` prints the same usage", () => {
      expect(pkg.run(["help", command])).toEqual(pkg.run([command, "--help"]));
    });
  });

  it("every option a command accepts is in its usage; one it does not is refused, pointing at that usage", () => {
    const options: Record<(typeof COMMANDS)[number], string[]> = {
      explain: [
        "policy",
        "repo",
        "base",
        "head",
        "files",
        "label",
        "title",
        "body",
        "author",
        "json",
      ],
      lint: ["policy", "repo", "allow-outside-repo"],
      codeowners: ["policy", "org"],
      matrix: ["policy"],
      sweep: [],
      schema: [],
      audit: ["repo", "org", "since", "until", "format", "out", "app-id", "resume"],
    };
    for (const command of COMMANDS) {
      const usage = pkg.run([command, "--help"]).stdout;
      for (const name of options[command])
        expect(usage, `${command} --${name}`).toMatch(new RegExp(`--${name}\\b`));
    }
    const wrong = pkg.run(["matrix", "--policy", "chat-backend", "--org", "acme"]);
    expect(wrong.code).toBe(2);
    expect(wrong.stdout).toBe("");
    expect(wrong.stderr).toBe(
      "governance-gate: Unknown option '--org'. To specify a positional argument starting with a '-', place it at the end of the command after '--', as in '-- \"--org\" (usage: governance-gate matrix --help)\n",
    );
  });

  it("no command prints the usage on stderr and exits 2; an unknown top-level option or command exits 2", () => {
    const bare = pkg.run([]);
    expect(bare.code).toBe(2);
    expect(bare.stdout).toBe("");
    expect(bare.stderr).toBe(`${pkg.run(["--help"]).stdout}`);
    expect(pkg.run(["--policy", "chat-backend"])).toMatchObject({ code: 2, stdout: "" });
    expect(pkg.run(["--policy", "chat-backend"]).stderr).toMatch(
      /^governance-gate: Unknown option '--policy'.*\(usage: governance-gate --help\)\n$/,
    );
    expect(pkg.run(["help", "deploy"])).toEqual({
      code: 2,
      stdout: "",
      stderr:
        'governance-gate: unknown command "deploy" (commands: explain, lint, codeowners, matrix, sweep, schema, audit)\n',
    });
    expect(pkg.run(["constructor"])).toEqual({
      code: 2,
      stdout: "",
      stderr:
        'governance-gate: unknown command "constructor" (commands: explain, lint, codeowners, matrix, sweep, schema, audit)\n',
    });
  });
});

describe("the compiled CLI", () => {
  it("answers explain --json byte for byte as the source does, reading the preset from the package's policies/", async () => {
    const args = [
      "explain",
      "--policy",
      "chat-backend",
      "--files",
      "prisma/schema.prisma",
      "k8s/api.yaml",
      "--label",
      "breaking-change",
      "--json",
    ];
    const compiled = pkg.run(args);
    expect(compiled.code).toBe(0);
    expect(compiled.stderr).toBe("");
    const source = await runCli(args);
    expect(compiled.stdout).toBe(`${source.stdout}\n`);
    // The label declares api-breaking for every file (issue 11 §1): seed 000 line 47, Tech Architect + Product Owner.
    expect(JSON.parse(compiled.stdout)).toMatchObject({
      level: 3,
      requiredRoles: ["backend-lead", "product-owner", "sre-lead", "tech-architect"],
    });
  });

  it("prints the committed schema/governance.schema.json byte for byte, loading no dependency and not Probot", () => {
    const { files, code, stdout, stderr } = loaded(["schema"]);
    expect({ code, stderr }).toEqual({ code: 0, stderr: "" });
    expect(stdout).toBe(readFileSync(join(ROOT, "schema", "governance.schema.json"), "utf8"));
    expect(files.filter(inNodeModules)).toEqual([]);
  });

  it("lints a policy that extends a preset, from a directory holding neither src/ nor the presets", () => {
    const run = pkg.run(["lint", "--policy", "platform-engineering"]);
    expect(run.stderr).toBe("");
    // The preset names no Jira projects (a repository does): lint says so (issue 11 §5).
    expect(run.stdout).toMatch(
      /^policies\/platform-engineering\.yml:\d+:\d+: warning: .* ticket\.projects names no project: .*\npolicies\/platform-engineering\.yml: \d+ areas, \d+ rules, \d+ roles; 0 errors, 1 warnings\n$/,
    );
    expect(run.code).toBe(0);
  });
});

describe("without dist/", () => {
  it("says how to build it, and exits 1", () => {
    const bare = packageWithoutDist();
    try {
      const run = bare.run(["--help"]);
      expect(run).toEqual({
        code: 1,
        stdout: "",
        stderr: `governance-gate: ${join(bare.dir, "dist/cli/run.js")} is missing: run \`npm run build\` in ${bare.dir} (npm ci runs it)\n`,
      });
    } finally {
      bare.cleanup();
    }
  });
});

// --- what each command loads ------------------------------------------------------

/** A module hook (off the main thread) that appends every resolved URL to a file. */
const HOOK = `import { appendFileSync } from "node:fs";
let log;
export async function initialize(data) { log = data.log; }
export async function resolve(specifier, context, next) {
  const resolved = await next(specifier, context);
  appendFileSync(log, resolved.url + "\\n");
  return resolved;
}`;
const REGISTER = `data:text/javascript,import { register } from "node:module"; register("data:text/javascript," + encodeURIComponent(process.env.GG_HOOK), { data: { log: process.env.GG_LOG } });`;

/** The files a run of the bin loaded, with what it printed. */
function loaded(
  args: string[],
  env: Record<string, string> = {},
): { files: string[]; code: number | null; stdout: string; stderr: string } {
  const log = join(pkg.dir, `loaded-${Math.random().toString(36).slice(2)}.txt`);
  const run = pkg.run(args, {
    nodeArgs: ["--import", REGISTER],
    env: { PATH: process.env.PATH, HOME: process.env.HOME, GG_HOOK: HOOK, GG_LOG: log, ...env },
  });
  const urls = readFileSync(log, "utf8")
    .split("\n")
    .filter((u) => u.startsWith("file:"));
  return {
    files: [...new Set(urls.map((u) => fileURLToPath(u)))],
    code: run.code,
    stdout: run.stdout,
    stderr: run.stderr,
  };
}
const inNodeModules = (file: string) => file.includes("/node_modules/");
/** zod, bundled, is the policy engine's first dependency: a chunk holding it is the engine. */
const holdsEngine = (file: string) =>
  file.startsWith(join(pkg.dir, "dist")) &&
  readFileSync(file, "utf8").includes("function loadPolicy(");

describe("each command loads only what it needs", () => {
  it("--help and --version load the bin's own code: no dependency and not the policy engine", () => {
    for (const args of [["--help"], ["--version"], ["explain", "--help"], ["sweep", "--help"]]) {
      const { files, code } = loaded(args);
      expect(code, args.join(" ")).toBe(0);
      expect(files.filter(inNodeModules), args.join(" ")).toEqual([]);
      expect(files.filter(holdsEngine), args.join(" ")).toEqual([]);
    }
    // The check sees the engine where it is loaded.
    expect(
      loaded(["explain", "--policy", "chat-backend", "--files", "a.ts"]).files.filter(holdsEngine),
    ).not.toEqual([]);
  });

  it("only sweep loads Probot", () => {
    const probot = (files: string[]) => files.filter((f) => f.includes("/node_modules/probot/"));
    for (const args of [
      ["explain", "--policy", "chat-backend", "--files", "a.ts"],
      ["lint", "--policy", "chat-backend"],
      ["matrix", "--policy", "chat-backend"],
    ]) {
      const { files, code } = loaded(args);
      expect(code, args.join(" ")).toBe(0);
      expect(probot(files), args.join(" ")).toEqual([]);
    }
    const sweep = loaded(["sweep"]);
    expect(sweep.stderr).toContain("sweep needs the app's credentials");
    expect(probot(sweep.files)).not.toEqual([]);
  });

  it("only a .tf file's content loads the HCL grammar (tree-sitter's WebAssembly), and it is then read, not assumed", () => {
    const treeSitter = (files: string[]) =>
      files.filter((f) => f.includes("/node_modules/web-tree-sitter/"));
    for (const args of [
      ["explain", "--policy", "it-operations", "--files", "terraform/nats/main.tf"],
      ["lint", "--policy", "chat-backend"],
      ["matrix", "--policy", "chat-backend"],
    ]) {
      const { files, code } = loaded(args);
      expect(code, args.join(" ")).toBe(0);
      expect(treeSitter(files), args.join(" ")).toEqual([]);
    }
    const sg = 'resource "aws_security_group" "nats" {\n  name = "nats"\n}\n';
    const repo = makeRepo({ "terraform/nats/main.tf": "" }, { "terraform/nats/main.tf": sg });
    try {
      const range = loaded([
        "explain",
        "--policy",
        "it-operations",
        "--repo",
        repo.dir,
        "--base",
        "main",
        "--head",
        "feature",
        "--json",
      ]);
      expect(range.stderr).toBe("");
      expect(range.code).toBe(0);
      expect(treeSitter(range.files)).not.toEqual([]);
      const changes = (
        JSON.parse(range.stdout) as {
          areas: { changes: { kind: string; detail: string; conservative?: boolean }[] }[];
        }
      ).areas.flatMap((a) => a.changes);
      expect(changes).toEqual([
        expect.objectContaining({
          kind: "security-policy",
          detail: expect.stringContaining("aws_security_group.nats"),
        }),
      ]);
      expect(changes[0]!.conservative).toBeUndefined();
    } finally {
      repo.cleanup();
    }
  });
});
