import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { classify, DEFAULT_MAX_INPUT } from "../../src/changes/registry.js";
import { routesDetector } from "../../src/changes/routes.js";
import { readBlocks } from "../../src/changes/terraform.js";
import type { ChangedFile, Detector, DetectorSettings } from "../../src/changes/types.js";
import { MAX_FLOW_DEPTH } from "../../src/changes/untrusted-yaml.js";

/**
 * Every detector's work is bounded by what a pull request's author cannot
 * inflate: a file larger than a detector reads is classified as its most severe
 * kind without being read, and text that would make a parser run for minutes is
 * refused before it does. Nothing here measures time; each test would run into
 * vitest's timeout (or out of memory) if its bound were removed.
 */

const SETTINGS: DetectorSettings = {
  cost: { cpuMonth: 30, memoryGiBMonth: 4, threshold: 500, currency: "USD" },
};
const fixture = (path: string) =>
  readFileSync(new URL(`../fixtures/changes/${path}`, import.meta.url), "utf8");

/** A detector that records what it was asked to read. */
function recordingDetector(maxInput: number): Detector & { read: string[] } {
  const read: string[] = [];
  return {
    id: "recorder",
    kinds: ["migration-destructive", "migration-index"],
    appliesTo: (path) => path.endsWith(".sql"),
    needsContent: false,
    maxInput,
    read,
    detect(file) {
      read.push(file.path);
      return { findings: [], problems: [] };
    },
  };
}

describe("the input bound of each detector", () => {
  it("classifies a file over the bound as the detector's most severe kind, without reading it", () => {
    const detector = recordingDetector(1024);
    const patch = `@@ -0,0 +1 @@\n+${"x".repeat(1024)}`;
    const { findings, problems } = classify(
      [{ path: "db/migrations/0009_big.sql", status: "added", patch }],
      SETTINGS,
      [detector],
    );
    const message =
      "2 KiB of patch and content is more than the recorder detector reads (1 KiB); split the change or the file so that each is smaller";
    expect(detector.read).toEqual([]);
    expect(problems).toEqual([
      { path: "db/migrations/0009_big.sql", detector: "recorder", message },
    ]);
    expect(findings).toEqual([
      {
        kind: "migration-destructive",
        path: "db/migrations/0009_big.sql",
        detail: `not analysed (${message}); assuming the worst`,
        conservative: true,
      },
    ]);
  });

  it("reads a file at the bound, counting patch and both versions together", () => {
    const detector = recordingDetector(30);
    const file: ChangedFile = {
      path: "db/migrations/0010.sql",
      status: "modified",
      patch: "x".repeat(10),
      base: "y".repeat(10),
      head: "z".repeat(10),
    };
    expect(classify([file], SETTINGS, [detector]).findings).toEqual([]);
    expect(detector.read).toEqual(["db/migrations/0010.sql"]);
    expect(
      classify([{ ...file, head: "z".repeat(11) }], SETTINGS, [detector]).findings,
    ).toMatchObject([{ conservative: true }]);
  });

  it("bounds every detector of the app: a migration over a mebibyte is destructive, unread", () => {
    const statement = "INSERT INTO audit_log (id, note) VALUES (1, 'backfill');\n";
    const head = statement.repeat(Math.ceil(DEFAULT_MAX_INPUT / statement.length) + 1);
    const { findings } = classify(
      [{ path: "db/migrations/0011_backfill.sql", status: "added", base: null, head }],
      SETTINGS,
    );
    expect(
      findings.map((f) => [f.kind, f.conservative, f.detail.startsWith("not analysed (")]),
    ).toEqual([["migration-destructive", true, true]]);
  });
});

describe("untrusted YAML", () => {
  const nestedKeys = `${"{".repeat(400)}${"}".repeat(400)}`;

  it("refuses a mapping key that is itself a mapping, which yaml's toJS() expands for minutes", () => {
    // 800 bytes: far under any size bound.
    const openapi = classify(
      [
        {
          path: "api/openapi.yaml",
          status: "added",
          base: null,
          head: `openapi: 3.0.3\nx: ${"{".repeat(200)}${"}".repeat(200)}\n`,
        },
      ],
      SETTINGS,
    );
    expect(openapi.findings).toMatchObject([{ kind: "api-breaking", conservative: true }]);
    expect(openapi.problems[0]?.message).toMatch(
      /a mapping key that is itself a mapping or list at line 2 \(not read\)/,
    );
    const workflow = classify(
      [
        {
          path: ".github/workflows/ci.yml",
          status: "added",
          base: null,
          head: `name: ci\non: ${"{".repeat(200)}${"}".repeat(200)}\n`,
        },
      ],
      SETTINGS,
    );
    expect(workflow.findings).toMatchObject([{ kind: "security-policy", conservative: true }]);
  });

  it("refuses flow collections nested deeper than any real document, before parsing them", () => {
    const head = `apiVersion: v1\nkind: ConfigMap\ndata: ${nestedKeys}${"[".repeat(100_000)}\n`;
    const { findings, problems } = classify(
      [{ path: "k8s/config.yaml", status: "added", base: null, head }],
      SETTINGS,
    );
    expect(findings.map((f) => [f.kind, f.conservative])).toEqual([["scaling-change", true]]);
    expect(problems.map((p) => [p.detector, p.message])).toContainEqual([
      "kubernetes",
      `unparseable YAML: brackets nested more than ${MAX_FLOW_DEPTH} deep at line 3 (not read)`,
    ]);
  });
});

describe("Terraform's parse budget", () => {
  it("stops a parse that runs past its budget, and parses the next file afresh", () => {
    expect(readBlocks('"'.repeat(40_000), 0)).toEqual({
      error: "HCL not parsed within 0 s (not read)",
    });
    // tree-sitter resumes a cancelled parse unless reset: the next file must be read as itself.
    const after = readBlocks(fixture("terraform/security-group.tf"));
    expect([...(after as Map<string, unknown>).keys()]).toEqual([
      "aws_security_group.nats",
      "aws_vpc_security_group_ingress_rule.nats_monitoring",
    ]);
  });
});

describe("the routes detector reads hostile text in one pass per declaration form", () => {
  it.each([
    ["a 400 KB identifier", "a".repeat(400_000)],
    ["unclosed type arguments", "a.get<".repeat(65_000)],
    ["unclosed decorators", "@Get(".repeat(80_000)],
    ["unclosed route objects", "app.route({".repeat(36_000)],
  ])("%s", (_, head) => {
    expect(
      routesDetector.detect(
        { path: "src/api/hostile.ts", status: "added", base: null, head },
        SETTINGS,
      ),
    ).toEqual({ findings: [], problems: [] });
  });

  it("unclosed chains: the first chain's route is still read", () => {
    const head = "r.route('/a').get(".repeat(22_000);
    expect(
      routesDetector.detect(
        { path: "src/api/hostile.ts", status: "added", base: null, head },
        SETTINGS,
      ),
    ).toEqual({
      findings: [
        {
          kind: "endpoint-added",
          path: "src/api/hostile.ts",
          detail: "GET /a route added",
          line: 1,
        },
      ],
      problems: [],
    });
  });
});
