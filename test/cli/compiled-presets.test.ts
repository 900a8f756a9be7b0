import { cpSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { builtPackage, ROOT, type BuiltPackage } from "./built-package.js";

/**
 * The build embeds the presets parsed and validated (src/policy/presets.ts), so
 * `explain --policy <preset>` starts without the YAML parse and without the
 * policy schema (zod): they were most of its start. Proven on a package built
 * from the current sources, by the modules a run loads; and a preset edited
 * after the build is read as edited.
 */

let pkg: BuiltPackage;
beforeAll(() => {
  pkg = builtPackage();
  // The package's own copy of the presets, to edit after the build.
  rmSync(join(pkg.dir, "policies"));
  cpSync(join(ROOT, "policies"), join(pkg.dir, "policies"), { recursive: true });
}, 120_000);
afterAll(() => pkg?.cleanup());

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

/** Whether a run of the bin loaded the policy schema's chunk (zod, bundled: the chunk holding ZodError). */
function loadsSchema(args: string[]): { schema: boolean; code: number | null; stdout: string } {
  const log = join(pkg.dir, `loaded-${Math.random().toString(36).slice(2)}.txt`);
  const run = pkg.run(args, {
    nodeArgs: ["--import", REGISTER],
    env: { PATH: process.env.PATH, HOME: process.env.HOME, GG_HOOK: HOOK, GG_LOG: log },
  });
  const files = readFileSync(log, "utf8")
    .split("\n")
    .filter((u) => u.startsWith("file:"))
    .map((u) => fileURLToPath(u));
  const schema = files.some(
    (f) => f.startsWith(join(pkg.dir, "dist")) && readFileSync(f, "utf8").includes("ZodError"),
  );
  return { schema, code: run.code, stdout: run.stdout };
}

describe("presets compiled into the build", () => {
  it("explain of a preset loads no policy schema; a policy file of the repository's own does", () => {
    const preset = loadsSchema(["explain", "--policy", "chat-backend", "--files", "a.ts"]);
    expect(preset.code).toBe(0);
    expect(preset.schema).toBe(false);
    const file = join(pkg.dir, "governance.yml");
    writeFileSync(file, "extends: chat-backend\n");
    const own = loadsSchema(["explain", "--policy", file, "--files", "a.ts"]);
    expect(own.code).toBe(0);
    expect(own.schema).toBe(true);
    expect(own.stdout).toBe(preset.stdout);
  });

  it("reads a preset edited after the build as it now is", () => {
    const args = ["explain", "--policy", "chat-backend", "--files", "prisma/schema.prisma"];
    const before = JSON.parse(pkg.run([...args, "--json"]).stdout) as {
      requirements: { reason: string }[];
    };
    expect(before.requirements[0]!.reason).toBe("level 2 area: Prisma schema and migrations");
    const path = join(pkg.dir, "policies", "chat-backend.yml");
    const yaml = readFileSync(path, "utf8");
    writeFileSync(
      path,
      yaml.replace("name: Prisma schema and migrations", "name: Database schema, edited"),
    );
    const after = pkg.run([...args, "--json"]);
    expect(after.code).toBe(0);
    expect(
      (JSON.parse(after.stdout) as { requirements: { reason: string }[] }).requirements[0]!.reason,
    ).toBe("level 2 area: Database schema, edited");
  });
});
