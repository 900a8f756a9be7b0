import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The package as `npm run build` leaves it, built from the current src/ into a
 * throwaway directory that has no src/ at all: package.json, app.yml, bin/,
 * policies/, node_modules (linked) and dist/. What runs there is the compiled
 * code alone, and a path that only works from src/ fails there. Built per test
 * file, so no test runs a dist/ left over from other sources.
 */

export const ROOT = fileURLToPath(new URL("../..", import.meta.url));

export interface BuiltPackage {
  dir: string;
  bin: string;
  /** Runs the bin as `npx governance-gate …` would: a new Node process. */
  run(
    args: string[],
    options?: { env?: NodeJS.ProcessEnv; nodeArgs?: string[] },
  ): { code: number | null; stdout: string; stderr: string };
  cleanup(): void;
}

export function packageWithoutDist(): BuiltPackage {
  const dir = mkdtempSync(join(tmpdir(), "gg-package-"));
  for (const file of ["package.json", "app.yml", "bin"])
    cpSync(join(ROOT, file), join(dir, file), { recursive: true });
  symlinkSync(join(ROOT, "policies"), join(dir, "policies"));
  symlinkSync(join(ROOT, "node_modules"), join(dir, "node_modules"));
  const bin = join(dir, "bin", "governance-gate.js");
  return {
    dir,
    bin,
    run(args, { env = { PATH: process.env.PATH, HOME: process.env.HOME }, nodeArgs = [] } = {}) {
      const run = spawnSync(process.execPath, [...nodeArgs, bin, ...args], {
        cwd: dir,
        env,
        encoding: "utf8",
        timeout: 30_000,
      });
      return { code: run.status, stdout: run.stdout, stderr: run.stderr };
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

export function builtPackage(): BuiltPackage {
  const pkg = packageWithoutDist();
  execFileSync(
    process.execPath,
    [join(ROOT, "esbuild.config.mjs"), "--outdir", join(pkg.dir, "dist")],
    { cwd: ROOT, stdio: "pipe" },
  );
  return pkg;
}
