import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The directory of this package's package.json: where policies/ and the version
 * live, whichever tree runs — src/ through tsx, dist/ once built, or the package
 * under someone's node_modules. A path relative to the running file would be
 * right for one of those trees only.
 */

const NAME = "governance-gate";

let root: string | undefined;

export function packageRoot(): string {
  root ??= findPackageRoot(dirname(fileURLToPath(import.meta.url)));
  return root;
}

/** The version in package.json, as `--version` prints it. */
export function packageVersion(): string {
  return (
    JSON.parse(readFileSync(join(packageRoot(), "package.json"), "utf8")) as { version: string }
  ).version;
}

/** The nearest ancestor whose package.json is ours (not any package.json: a build tool may put one in dist/). */
export function findPackageRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const manifest = join(dir, "package.json");
    if (
      existsSync(manifest) &&
      (JSON.parse(readFileSync(manifest, "utf8")) as { name?: string }).name === NAME
    )
      return dir;
    if (dirname(dir) === dir)
      throw new Error(`cannot find the ${NAME} package (its package.json) above ${from}`);
  }
}
