import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { findPackageRoot, packageRoot, packageVersion } from "../../src/package-root.js";
import { ROOT } from "./built-package.js";

const temp = mkdtempSync(join(tmpdir(), "gg-root-"));
afterAll(() => rmSync(temp, { recursive: true, force: true }));

function tree(files: Record<string, object>): string {
  const dir = mkdtempSync(join(temp, "t-"));
  for (const [path, json] of Object.entries(files)) {
    mkdirSync(join(dir, path, ".."), { recursive: true });
    writeFileSync(join(dir, path), JSON.stringify(json));
  }
  return dir;
}

describe("the package root (where policies/ and the version are)", () => {
  it("is this repository when running from src/, with package.json's version", () => {
    expect(packageRoot()).toBe(ROOT.replace(/\/$/, ""));
    expect(packageVersion()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it("is the nearest directory whose package.json is governance-gate's, past any other package.json on the way", () => {
    const dir = tree({
      "package.json": { name: "governance-gate", version: "1.2.3" },
      "dist/package.json": { type: "module" },
      "dist/chunks/package.json": { name: "something-else" },
    });
    mkdirSync(join(dir, "dist/chunks/deeper"));
    expect(findPackageRoot(join(dir, "dist/chunks/deeper"))).toBe(dir);
    expect(findPackageRoot(dir)).toBe(dir);
  });

  it("installed under someone's node_modules, is the package's own directory, not the project's", () => {
    const dir = tree({
      "package.json": { name: "governance-gate", version: "0.0.1" },
      "node_modules/governance-gate/package.json": { name: "governance-gate", version: "1.2.3" },
    });
    mkdirSync(join(dir, "node_modules/governance-gate/dist/chunks"), { recursive: true });
    expect(findPackageRoot(join(dir, "node_modules/governance-gate/dist/chunks"))).toBe(
      join(dir, "node_modules/governance-gate"),
    );
  });

  it("fails with a message naming where it looked when there is none", () => {
    const dir = tree({ "package.json": { name: "other" } });
    expect(() => findPackageRoot(dir)).toThrow(
      `cannot find the governance-gate package (its package.json) above ${dir}`,
    );
  });
});
