import { describe, expect, it } from "vitest";
import type { ChangedFile, DetectorSettings } from "../../src/changes/types.js";
import { appKeys } from "../github-support/app-server.js";
import { mockGitHub, setupNock } from "../github-support/mock-github.js";

/**
 * The CLI loads the HCL grammar on demand (src/changes/hcl-grammar.ts): its
 * entry point says so before any command loads the detectors. Here the same,
 * in this file's own module graph (vitest gives each test file one): every
 * module that loads the detectors is imported only after that call. The tests
 * run in order: the grammar, once loaded, stays loaded.
 */

const grammar = await import("../../src/changes/hcl-grammar.js");
grammar.loadHclGrammarOnDemand();
const { classify } = await import("../../src/changes/registry.js");
const { sweepCommand } = await import("../../src/cli/sweep.js");

const settings: DetectorSettings = {
  cost: { cpuMonth: 25, memoryGiBMonth: 3.5, threshold: 500, currency: "USD" },
};
const securityGroup =
  'resource "aws_security_group" "nats" {\n  name = "nats"\n  ingress {\n    from_port = 4222\n    to_port   = 4222\n    protocol  = "tcp"\n  }\n}\n';
const added: ChangedFile = {
  path: "terraform/nats/main.tf",
  status: "added",
  base: null,
  head: securityGroup,
  additions: 8,
  deletions: 0,
  changes: 8,
};

setupNock();

describe("the HCL grammar, loaded on demand", () => {
  it("is not loaded by loading the detectors; a .tf file read before it is loaded is the detector's most severe kind, saying why", () => {
    const { findings, problems } = classify([added], settings);
    // Both detectors that read .tf content fail closed, each with its most severe kind.
    expect(findings).toEqual([
      {
        kind: "security-policy",
        path: added.path,
        detail: expect.stringContaining("the HCL grammar is not loaded"),
        conservative: true,
      },
      {
        kind: "cost-increase",
        path: added.path,
        detail: expect.stringContaining("the HCL grammar is not loaded"),
        conservative: true,
      },
    ]);
    expect(problems).toEqual([
      {
        path: added.path,
        detector: "terraform",
        message: expect.stringContaining("the HCL grammar is not loaded"),
      },
      {
        path: added.path,
        detector: "terraform-sizing",
        message: expect.stringContaining("the HCL grammar is not loaded"),
      },
    ]);
  });

  it("sweep loads it before it evaluates anything (it runs the app's code, which reads .tf files synchronously)", async () => {
    // An app with no installation: the sweep reads that and has nothing to evaluate.
    mockGitHub().get("/app/installations?per_page=100", []);
    const out: string[] = [];
    const code = await sweepCommand(
      { out: (t) => out.push(t), err: () => undefined },
      { APP_ID: "4242", PRIVATE_KEY: appKeys().privateKey, LOG_LEVEL: "fatal" },
    );
    expect(code).toBe(0);
    expect(out).toHaveLength(1);
    const { findings, problems } = classify([added], settings);
    expect(problems).toEqual([]);
    expect(findings).toEqual([
      expect.objectContaining({
        kind: "security-policy",
        path: added.path,
        detail: expect.stringContaining("aws_security_group.nats"),
      }),
    ]);
    expect(findings[0]!.conservative).toBeUndefined();
  });
});
