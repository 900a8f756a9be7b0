import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { compareSpecs, packageJsonDetector } from "../../src/changes/package-json.js";
import type { ChangedFile, DetectionResult, DetectorSettings } from "../../src/changes/types.js";

const settings: DetectorSettings = {
  cost: { cpuMonth: 25, memoryGiBMonth: 3, threshold: 500, currency: "USD" },
};

function fixture(name: string): string {
  return readFileSync(new URL(`../fixtures/changes/package-json/${name}`, import.meta.url), "utf8");
}

const BASE = fixture("base.json");
const PATH = "services/chat-backend/package.json";

function detect(file: Partial<ChangedFile>): DetectionResult {
  return packageJsonDetector.detect({ path: PATH, status: "modified", ...file }, settings);
}

/** Detect a head variant of the chat-backend fixture against its base. */
function detectVariant(name: string): DetectionResult {
  return detect({ base: BASE, head: fixture(name) });
}

/** Findings as [kind, detail] pairs: what each assertion checks. */
function summary(result: DetectionResult): [string, string][] {
  return result.findings.map((f) => [f.kind, f.detail]);
}

describe("packageJsonDetector.appliesTo", () => {
  it("matches package.json at any depth", () => {
    expect(packageJsonDetector.appliesTo("package.json")).toBe(true);
    expect(packageJsonDetector.appliesTo("services/chat-backend/package.json")).toBe(true);
  });

  it("ignores lockfiles and look-alikes", () => {
    expect(packageJsonDetector.appliesTo("package-lock.json")).toBe(false);
    expect(packageJsonDetector.appliesTo("services/chat-backend/package-lock.json")).toBe(false);
    expect(packageJsonDetector.appliesTo("test/fixtures/my-package.json")).toBe(false);
    expect(packageJsonDetector.appliesTo("package.json5")).toBe(false);
  });

  it("declares its kinds, most severe first, and needs content", () => {
    expect(packageJsonDetector.id).toBe("package-json");
    expect(packageJsonDetector.kinds).toEqual([
      "dependency-major",
      "dependency-added",
      "dependency-minor",
      "protocol-upgrade",
    ]);
    expect(packageJsonDetector.needsContent).toBe(true);
  });
});

describe("dependency-major", () => {
  it("reports socket.io ^4.7.2 → ^5.0.0 in dependencies and devDependencies (each also a protocol upgrade)", () => {
    const result = detectVariant("head-socketio-5.json");
    expect(summary(result).filter(([kind]) => kind === "dependency-major")).toEqual([
      ["dependency-major", "socket.io ^4.7.2 → ^5.0.0 (major)"],
      ["dependency-major", "socket.io-client ^4.7.2 → ^5.0.0 (major, devDependencies)"],
    ]);
    expect(result.findings.map((f) => [f.kind, f.path, f.line])).toEqual([
      ["dependency-major", PATH, 37],
      ["protocol-upgrade", PATH, 37],
      ["dependency-major", PATH, 50],
      ["protocol-upgrade", PATH, 50],
    ]);
    expect(result.problems).toEqual([]);
  });

  it("reports Prisma 5.x → 6.x for the client and the CLI", () => {
    expect(summary(detectVariant("head-prisma-6.json"))).toEqual([
      ["dependency-major", "@prisma/client 5.22.0 → 6.1.0 (major)"],
      ["dependency-major", "prisma 5.22.0 → 6.1.0 (major, devDependencies)"],
    ]);
  });

  it("treats a 0.x minor bump as major (axios 0.27.2 → 0.28.0)", () => {
    const result = detectVariant("head-zero-major.json");
    expect(summary(result)).toEqual([["dependency-major", "axios 0.27.2 → 0.28.0 (major)"]]);
    expect(result.findings[0]?.line).toBe(24);
  });

  it("compares bounded ranges by their lower bound (>=15 <16 → >=16 <17 major, ~1.7 → ~1.8 minor)", () => {
    expect(summary(detectVariant("head-range-bounds.json"))).toEqual([
      ["dependency-minor", "compression ~1.7 → ~1.8 (minor)"],
      ["dependency-major", "prom-client >=15 <16 → >=16 <17 (major)"],
    ]);
  });

  it("treats changes of workspace, git and aliased specifiers conservatively, comparing an npm: alias's range", () => {
    expect(summary(detectVariant("head-non-semver.json"))).toEqual([
      [
        "dependency-major",
        "@acme/chat-protocol workspace:* → workspace:^ (major): not a semver range, could not be compared",
      ],
      [
        "dependency-major",
        "markdown-it-emoji github:acme-forks/markdown-it-emoji#v2.0.2 → github:acme-forks/markdown-it-emoji#v3.0.0 (major): not a semver range, could not be compared",
      ],
      [
        "dependency-major",
        "string-width-cjs npm:string-width@^4.2.3 → npm:string-width@^5.1.2 (major)",
      ],
    ]);
  });

  it("treats a change to an unbounded range or dist-tag as major", () => {
    expect(summary(detectVariant("head-unbounded.json"))).toEqual([
      [
        "dependency-major",
        "helmet ^7.1.0 → latest (major): unbounded range, compared conservatively",
      ],
      [
        "dependency-major",
        "typescript ^5.5.4 → * (major, devDependencies): unbounded range, compared conservatively",
      ],
    ]);
  });

  it("compares overrides like dependencies and reports new ones as added", () => {
    expect(summary(detectVariant("head-overrides.json"))).toEqual([
      ["dependency-major", "cookie 0.7.2 → 1.0.2 (major, overrides)"],
      ["dependency-added", "added path-to-regexp 0.1.12 (overrides)"],
    ]);
  });

  it("reports no major for minor and patch bumps", () => {
    const kinds = detectVariant("head-minor-bumps.json").findings.map((f) => f.kind);
    expect(kinds).not.toContain("dependency-major");
  });
});

describe("dependency-minor", () => {
  it("reports minor and patch bumps, 0.x patches included", () => {
    const result = detectVariant("head-minor-bumps.json");
    expect(summary(result)).toEqual([
      ["dependency-minor", "pino ^9.3.2 → ^9.3.3 (patch)"],
      ["dependency-minor", "sharp ^0.33.4 → ^0.33.5 (patch)"],
      ["dependency-minor", "zod ^3.23.8 → ^3.24.1 (minor)"],
      ["dependency-minor", "vitest ^2.0.5 → ^2.1.8 (minor, devDependencies)"],
    ]);
    expect(result.findings.map((f) => f.line)).toEqual([33, 36, 39, 54]);
  });

  it("reports nothing for major bumps", () => {
    const kinds = detectVariant("head-socketio-5.json").findings.map((f) => f.kind);
    expect(kinds).not.toContain("dependency-minor");
  });
});

/**
 * Seed 000 (chat-backend), §2 Socket.IO Gateway, Decision Authority: "Protocol
 * upgrades (Socket.IO v4 → v5): Tech Architect approval required". A major of a
 * package carrying the protocol is a `protocol-upgrade` beside its
 * `dependency-major`, so a policy can route it on its own.
 */
describe("protocol-upgrade", () => {
  const manifest = (
    dependencies: Record<string, string>,
    devDependencies: Record<string, string> = {},
  ) => JSON.stringify({ name: "@acme/chat-api", dependencies, devDependencies }, null, 2);
  const protocol = (result: DetectionResult) =>
    summary(result).filter(([kind]) => kind === "protocol-upgrade");

  it("the Socket.IO v4 → v5 of the document: the server and the client, with the major's own detail and line", () => {
    expect(protocol(detectVariant("head-socketio-5.json"))).toEqual([
      [
        "protocol-upgrade",
        "Socket.IO protocol upgrade: socket.io ^4.7.2 → ^5.0.0 (major); every client must follow",
      ],
      [
        "protocol-upgrade",
        "Socket.IO protocol upgrade: socket.io-client ^4.7.2 → ^5.0.0 (major, devDependencies); every client must follow",
      ],
    ]);
  });

  it("NestJS's gateway packages 10 → 11 are protocol upgrades; @nestjs/common 10 → 11 is only a major", () => {
    const base = manifest({
      "@nestjs/common": "^10.4.15",
      "@nestjs/websockets": "^10.4.15",
      "@nestjs/platform-socket.io": "^10.4.15",
    });
    const head = manifest({
      "@nestjs/common": "^11.0.11",
      "@nestjs/websockets": "^11.0.11",
      "@nestjs/platform-socket.io": "^11.0.11",
    });
    const result = detect({ base, head });
    expect(summary(result)).toEqual([
      ["dependency-major", "@nestjs/common ^10.4.15 → ^11.0.11 (major)"],
      ["dependency-major", "@nestjs/websockets ^10.4.15 → ^11.0.11 (major)"],
      [
        "protocol-upgrade",
        "Socket.IO protocol upgrade: @nestjs/websockets ^10.4.15 → ^11.0.11 (major); every client must follow",
      ],
      ["dependency-major", "@nestjs/platform-socket.io ^10.4.15 → ^11.0.11 (major)"],
      [
        "protocol-upgrade",
        "Socket.IO protocol upgrade: @nestjs/platform-socket.io ^10.4.15 → ^11.0.11 (major); every client must follow",
      ],
    ]);
  });

  it("a minor or patch of socket.io, a new socket.io, and a major of the Redis adapter are not protocol upgrades", () => {
    expect(
      protocol(
        detect({
          base: manifest({ "socket.io": "^4.7.2" }),
          head: manifest({ "socket.io": "^4.8.1" }),
        }),
      ),
    ).toEqual([]);
    expect(
      protocol(
        detect({
          base: manifest({ express: "^4.19.2" }),
          head: manifest({ express: "^4.19.2", "socket.io": "^4.8.1" }),
        }),
      ),
    ).toEqual([]);
    const adapter = detect({
      base: manifest({ "@socket.io/redis-adapter": "^7.2.0" }),
      head: manifest({ "@socket.io/redis-adapter": "^8.3.0" }),
    });
    expect(summary(adapter)).toEqual([
      ["dependency-major", "@socket.io/redis-adapter ^7.2.0 → ^8.3.0 (major)"],
    ]);
  });

  it("a major downgrade moves every client too", () => {
    expect(
      protocol(
        detect({
          base: manifest({ "socket.io": "^5.0.0" }),
          head: manifest({ "socket.io": "^4.8.1" }),
        }),
      ),
    ).toEqual([
      [
        "protocol-upgrade",
        "Socket.IO protocol upgrade: socket.io ^5.0.0 → ^4.8.1 (major downgrade); every client must follow",
      ],
    ]);
  });

  it("forcing the transport's major through overrides, resolutions or pnpm.overrides is one too", () => {
    const base = JSON.stringify({
      overrides: { "socket.io": { ".": "4.8.1", "engine.io": "6.6.2" } },
      resolutions: { "**/socket.io-parser": "4.2.4" },
      pnpm: { overrides: { "engine.io-client@<7": "6.6.2" } },
    });
    const head = JSON.stringify({
      overrides: { "socket.io": { ".": "4.8.1", "engine.io": "7.0.0" } },
      resolutions: { "**/socket.io-parser": "5.0.0" },
      pnpm: { overrides: { "engine.io-client@<7": "7.0.0" } },
    });
    expect(protocol(detect({ base, head }))).toEqual([
      [
        "protocol-upgrade",
        "Socket.IO protocol upgrade: socket.io > engine.io 6.6.2 → 7.0.0 (major, overrides); every client must follow",
      ],
      [
        "protocol-upgrade",
        "Socket.IO protocol upgrade: **/socket.io-parser 4.2.4 → 5.0.0 (major, resolutions); every client must follow",
      ],
      [
        "protocol-upgrade",
        "Socket.IO protocol upgrade: engine.io-client@<7 6.6.2 → 7.0.0 (major, pnpm.overrides); every client must follow",
      ],
    ]);
  });
});

describe("dependency-added", () => {
  it("reports new dependencies in any section and ignores removed ones", () => {
    const result = detectVariant("head-new-dependencies.json");
    expect(summary(result)).toEqual([
      ["dependency-added", "added bullmq ^5.12.0 (dependencies)"],
      ["dependency-added", "added @faker-js/faker ^8.4.1 (devDependencies)"],
    ]);
    expect(result.findings.map((f) => f.line)).toEqual([25, 42]);
  });

  it("reports every dependency of a new package.json", () => {
    const result = detect({ status: "added", base: null, head: BASE });
    const details = result.findings.map((f) => f.detail);
    expect(result.findings).toHaveLength(19 + 13 + 1);
    expect(new Set(result.findings.map((f) => f.kind))).toEqual(new Set(["dependency-added"]));
    expect(details).toContain("added zod ^3.23.8 (dependencies)");
    expect(details).toContain("added @acme/chat-protocol workspace:* (dependencies)");
    expect(details).toContain("added vitest ^2.0.5 (devDependencies)");
    expect(details).toContain("added cookie 0.7.2 (overrides)");
  });

  it("treats an added file whose base was not loaded as new", () => {
    const result = detect({ status: "added", head: BASE });
    expect(result.findings).toHaveLength(33);
    expect(result.problems).toEqual([]);
  });

  it("reports nothing new when only bumps happened", () => {
    const kinds = detectVariant("head-minor-bumps.json").findings.map((f) => f.kind);
    expect(kinds).not.toContain("dependency-added");
  });

  it("reports a peer dependency on a package already used as a dev dependency", () => {
    const base = JSON.stringify(
      { name: "@acme/chat-widget", devDependencies: { react: "^19.0.0" } },
      null,
      2,
    );
    const head = JSON.stringify(
      {
        name: "@acme/chat-widget",
        peerDependencies: { react: "^18.2.0 || ^19.0.0" },
        devDependencies: { react: "^19.0.0" },
      },
      null,
      2,
    );
    expect(summary(detect({ base, head }))).toEqual([
      [
        "dependency-added",
        "added react ^18.2.0 || ^19.0.0 (peerDependencies; already in devDependencies)",
      ],
    ]);
  });
});

describe("changes that are not dependency changes", () => {
  it("ignores metadata and script edits", () => {
    expect(detectVariant("head-metadata-only.json")).toEqual({ findings: [], problems: [] });
  });

  it("does not report a dependency moved between sections with the same range", () => {
    // dotenv moved to devDependencies unchanged (nothing); pino-pretty moved to
    // dependencies and bumped (compared with its old declaration).
    expect(summary(detectVariant("head-moved.json"))).toEqual([
      [
        "dependency-minor",
        "pino-pretty ^11.2.2 → ^11.3.0 (minor, moved from devDependencies to dependencies)",
      ],
    ]);
  });

  it("ignores a removed package.json", () => {
    expect(detect({ status: "removed", base: BASE, head: null })).toEqual({
      findings: [],
      problems: [],
    });
  });

  it("ignores range rewrites that mean the same (^4.0.0 → 4.x)", () => {
    const base = '{ "dependencies": { "express": "^4.0.0", "lodash": "*" } }';
    const head = '{ "dependencies": { "express": "4.x", "lodash": "x" } }';
    expect(detect({ base, head })).toEqual({ findings: [], problems: [] });
  });
});

describe("unreadable package.json", () => {
  it("reports invalid JSON in head as a problem and a conservative major", () => {
    const result = detectVariant("head-invalid.json");
    expect(result.problems).toHaveLength(1);
    expect(result.problems[0]).toMatchObject({ path: PATH, detector: "package-json" });
    expect(result.problems[0]?.message).toMatch(/^head is not valid JSON \(/);
    expect(result.findings).toHaveLength(1);
    expect(result.findings[0]).toMatchObject({
      kind: "dependency-major",
      path: PATH,
      conservative: true,
    });
    expect(result.findings[0]?.detail).toMatch(
      /^package\.json could not be read \(head is not valid JSON .*\); dependency changes assumed major$/,
    );
  });

  it("reports invalid JSON in base the same way", () => {
    const result = detect({ base: fixture("head-invalid.json"), head: BASE });
    expect(result.problems[0]?.message).toMatch(/^base is not valid JSON/);
    expect(result.findings).toEqual([
      expect.objectContaining({ kind: "dependency-major", conservative: true }),
    ]);
  });

  it("reports a dependency section that is not an object", () => {
    const result = detect({ base: BASE, head: '{ "dependencies": ["express"] }' });
    expect(result.problems.map((p) => p.message)).toEqual([
      'head is "dependencies" is not an object',
    ]);
    expect(result.findings).toEqual([
      expect.objectContaining({ kind: "dependency-major", conservative: true }),
    ]);
  });

  it("reports a non-string version", () => {
    const result = detect({ base: BASE, head: '{ "dependencies": { "express": 4 } }' });
    expect(result.problems.map((p) => p.message)).toEqual([
      'head is "dependencies.express" is not a string',
    ]);
  });

  it("reports a JSON document that is not an object", () => {
    const result = detect({ base: BASE, head: "[]" });
    expect(result.problems.map((p) => p.message)).toEqual(["head is not a JSON object"]);
  });

  it("reports content the caller did not load", () => {
    const notLoaded = (side: string) =>
      `its content at ${side} could not be loaded (GitHub gives no text for binary or very large files); keep the file text (no NUL bytes) and small enough for GitHub to return it`;
    expect(detect({ head: BASE }).problems.map((p) => p.message)).toEqual([notLoaded("base")]);
    expect(detect({ base: BASE }).problems.map((p) => p.message)).toEqual([notLoaded("head")]);
    expect(detect({ base: BASE }).findings).toEqual([
      expect.objectContaining({ kind: "dependency-major", conservative: true }),
    ]);
  });

  it("accepts a byte-order mark", () => {
    const result = detect({
      base: `\uFEFF${BASE}`,
      head: `\uFEFF${fixture("head-zero-major.json")}`,
    });
    expect(summary(result)).toEqual([["dependency-major", "axios 0.27.2 → 0.28.0 (major)"]]);
  });
});

describe("other manifest layouts", () => {
  it("flattens nested npm overrides and reads yarn resolutions and pnpm overrides", () => {
    const base = JSON.stringify({
      overrides: { "socket.io": { ".": "4.7.5", "engine.io": "6.5.4" } },
      resolutions: { "**/cookie": "0.7.2" },
      pnpm: { overrides: { "path-to-regexp@<0.1.12": "0.1.12" } },
    });
    const head = JSON.stringify({
      overrides: { "socket.io": { ".": "4.8.1", "engine.io": "6.6.2" } },
      resolutions: { "**/cookie": "1.0.2" },
      pnpm: { overrides: { "path-to-regexp@<0.1.12": "0.1.12", "ws@<8.17.1": "8.17.1" } },
    });
    expect(summary(detect({ base, head }))).toEqual([
      ["dependency-minor", "socket.io 4.7.5 → 4.8.1 (minor, overrides)"],
      ["dependency-minor", "socket.io > engine.io 6.5.4 → 6.6.2 (minor, overrides)"],
      ["dependency-major", "**/cookie 0.7.2 → 1.0.2 (major, resolutions)"],
      ["dependency-added", "added ws@<8.17.1 8.17.1 (pnpm.overrides)"],
    ]);
  });

  it("finds line numbers in a minified manifest", () => {
    const result = detect({
      base: '{"name":"x","dependencies":{"express":"^4.19.2"}}',
      head: '{"name":"x","dependencies":{"express":"^5.0.1"}}',
    });
    expect(result.findings).toEqual([
      { kind: "dependency-major", path: PATH, detail: "express ^4.19.2 → ^5.0.1 (major)", line: 1 },
    ]);
  });
});

describe("compareSpecs", () => {
  const cases: [from: string, to: string, kind: string | null, label?: string, reason?: string][] =
    [
      // caret, tilde, x-ranges, hyphen ranges, exact versions
      ["^4.7.2", "^5.0.0", "dependency-major", "major"],
      ["^4.7.2", "^4.8.0", "dependency-minor", "minor"],
      ["~1.2", "~1.3", "dependency-minor", "minor"],
      [">=2 <3", ">=3 <4", "dependency-major", "major"],
      ["4.x", "5.x", "dependency-major", "major"],
      ["4.x", "4.2.x", "dependency-minor", "minor"],
      ["1.2.3 - 2.0.0", "2.0.0 - 2.4.0", "dependency-major", "major"],
      ["4.17.21", "4.17.22", "dependency-minor", "patch"],
      ["4.17.21", "^4.17.21", "dependency-minor", "range changed"],
      // 0.x: caret semantics make the minor (0.y) or the patch (0.0.z) the breaking part
      ["0.27.2", "0.28.0", "dependency-major", "major"],
      ["^0.3.1", "^0.4.0", "dependency-major", "major"],
      ["^0.0.3", "^0.0.4", "dependency-major", "major"],
      ["^0.33.4", "^0.33.5", "dependency-minor", "patch"],
      ["0.9.0", "1.0.0", "dependency-major", "major"],
      // downgrades
      ["^5.1.0", "^4.9.0", "dependency-major", "major downgrade"],
      ["^4.9.0", "^4.8.0", "dependency-minor", "minor downgrade"],
      // widening to admit another major
      ["^18.2.0", "^18.2.0 || ^19.0.0", "dependency-major", "major", "now also allows 19.x"],
      ["^4.7.2", ">=4.7.2", "dependency-major", "major", "now also allows 5.x"],
      ["1.2.3 - 2.0.0", "1.2.3 - 3.0.0", "dependency-major", "major", "now also allows 3.x"],
      [">=4.7.2", ">=4.8.0", "dependency-minor", "minor"],
      // unbounded
      ["*", "^4.0.0", "dependency-major", "major", "unbounded range, compared conservatively"],
      ["^4.0.0", "latest", "dependency-major", "major", "unbounded range, compared conservatively"],
      ["latest", "next", "dependency-major", "major", "unbounded range, compared conservatively"],
      // non-semver specifiers
      [
        "git+https://github.com/acme/sdk.git#v1.4.0",
        "git+https://github.com/acme/sdk.git#v1.5.0",
        "dependency-major",
        "major",
        "not a semver range, could not be compared",
      ],
      [
        "file:../shared",
        "file:../shared-v2",
        "dependency-major",
        "major",
        "not a semver range, could not be compared",
      ],
      [
        "https://registry.acme.dev/sdk-1.4.0.tgz",
        "https://registry.acme.dev/sdk-1.5.0.tgz",
        "dependency-major",
        "major",
        "not a semver range, could not be compared",
      ],
      [
        "^1.4.0",
        "github:acme/sdk#v1.5.0",
        "dependency-major",
        "major",
        "not a semver range, could not be compared",
      ],
      ["npm:@acme/sdk@^1.4.0", "npm:@acme/sdk@^1.5.0", "dependency-minor", "minor"],
      [
        "npm:@acme/sdk@^1.4.0",
        "npm:@acme/sdk-next@^1.4.0",
        "dependency-major",
        "major",
        "now resolves to a different package (npm: alias)",
      ],
      [
        "^1.4.0",
        "npm:@acme/sdk@^1.4.0",
        "dependency-major",
        "major",
        "now resolves to a different package (npm: alias)",
      ],
      // equivalent: no change
      ["^4.0.0", "4.x", null],
      ["*", "x", null],
      ["workspace:*", "workspace:*", null],
      [" ^4.7.2", "^4.7.2", null],
    ];

  it.each(cases)("%s → %s", (from, to, kind, label, reason) => {
    const verdict = compareSpecs(from, to);
    if (kind === null) {
      expect(verdict).toBeNull();
      return;
    }
    expect(verdict).toEqual({ kind, label, ...(reason === undefined ? {} : { reason }) });
  });
});
