import { readFileSync } from "node:fs";
import { join } from "node:path";
import semver from "semver";
import { describe, expect, it } from "vitest";
import { ROOT } from "./built-package.js";

/**
 * Which Node the package says it runs on (package.json `engines`): the LTS lines
 * 22 and 24, and 20 from 20.18.1 while CI machines still run it. .ci/run runs
 * the suite on both ends (the machine's Node 20 and Node 24).
 */

const manifest = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
  engines: { node: string };
};
const lock = JSON.parse(readFileSync(join(ROOT, "package-lock.json"), "utf8")) as {
  packages: Record<string, { dev?: boolean; engines?: { node?: string } | string[] }>;
};
const engines = manifest.engines.node;

describe("package.json engines", () => {
  it.each(["20.18.1", "20.20.2", "22.0.0", "22.21.1", "24.0.0", "24.22.3"])(
    "admits Node %s",
    (version) => {
      expect(semver.satisfies(version, engines)).toBe(true);
    },
  );

  it.each(["18.20.8", "20.18.0", "21.7.3", "23.11.1"])(
    "refuses Node %s (before 20.18.1, or an odd line that never becomes LTS)",
    (version) => {
      expect(semver.satisfies(version, engines)).toBe(false);
    },
  );

  it("admits the Node running this test (CI runs the suite on 20 and on 24)", () => {
    expect(semver.satisfies(process.versions.node, engines), process.version).toBe(true);
  });

  it("the lockfile records the same engines as package.json", () => {
    expect(lock.packages[""]!.engines).toEqual({ node: engines });
  });

  it("every runtime dependency declares support for all of Node 22 and 24", () => {
    const refusing = Object.entries(lock.packages)
      .filter(
        ([path, pkg]) =>
          path !== "" &&
          !pkg.dev &&
          pkg.engines !== undefined &&
          !Array.isArray(pkg.engines) &&
          pkg.engines.node !== undefined,
      )
      .flatMap(([path, pkg]) => {
        const range = (pkg.engines as { node: string }).node;
        return ["^22", "^24"]
          .filter((line) => !semver.subset(line, range))
          .map((line) => `${path.replace(/^.*node_modules\//, "")} (${range}) refuses ${line}`);
      });
    expect(refusing).toEqual([]);
  });
});
