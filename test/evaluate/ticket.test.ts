import { describe, expect, it } from "vitest";
import { evaluate } from "../../src/evaluate/evaluate.js";
import { pathOnly, prFacts } from "../helpers/facts.js";
import { policyFrom } from "../helpers/policy.js";

/**
 * Ticket references (platform-engineering: CI/CD, deployment, environments and
 * IaC changes need one). The preset's pattern takes any Jira-shaped key except
 * standards' names ("UTF-8", "SHA-256"); a policy can name its projects and only
 * their keys count.
 */

const NOW = new Date("2026-11-23T12:00:00Z");
const BINDINGS =
  "extends: platform-engineering\nroles:\n  platform-engineering: { users: [pia] }\n";
const workflowChange = (title: string, body = "") =>
  prFacts([pathOnly(".github/workflows/deploy.yml")], {
    title,
    body,
    reviews: [
      {
        id: 1,
        user: "pia",
        state: "APPROVED",
        commitId: "head",
        submittedAt: "2026-11-23T11:00:00Z",
      },
    ],
    headSha: "head",
  });

describe("ticket references", () => {
  it("takes any key the pattern matches when the policy names no projects, but never a standard's name such as UTF-8 (issue 11)", async () => {
    const policy = await policyFrom(BINDINGS);
    expect(evaluate(policy, workflowChange("Build with UTF-8 locale"), NOW).ticket.found).toEqual(
      [],
    );
    expect(evaluate(policy, workflowChange("Build with UTF-8 locale"), NOW).conclusion).toBe(
      "failure",
    );
    expect(
      evaluate(policy, workflowChange("OPS-12 Build with UTF-8 locale"), NOW).ticket.found,
    ).toEqual(["OPS-12"]);
    expect(evaluate(policy, workflowChange("OPS-12 Build with UTF-8 locale"), NOW).conclusion).toBe(
      "success",
    );
  });

  it("counts only the named projects' keys, so an encoding name is no ticket", async () => {
    const policy = await policyFrom(`${BINDINGS}ticket: { projects: [LFXV2, INC] }\n`);
    const encoding = evaluate(
      policy,
      workflowChange("Build with UTF-8 locale", "Hashes with SHA-256."),
      NOW,
    );
    expect(encoding.conclusion).toBe("failure");
    expect(encoding.ticket.found).toEqual([]);
    expect(encoding.problems).toContainEqual({
      severity: "error",
      message: "areas ci-cd require a ticket reference in the title or body",
      fix: "add a ticket key of LFXV2 or INC (e.g. LFXV2-123) to the title or description",
    });
    const ticketed = evaluate(policy, workflowChange("LFXV2-302 Build with UTF-8 locale"), NOW);
    expect(ticketed.ticket.found).toEqual(["LFXV2-302"]);
    expect(ticketed.conclusion).toBe("success");
    // The preset's pattern (and its every-change rule) is kept: the merge is key by key.
    expect(policy.ticket).toMatchObject({
      pattern: "\\b[A-Z][A-Z0-9_]+-[1-9][0-9]*\\b",
      projects: ["LFXV2", "INC"],
      everyChange: { exemptPaths: ["docs/**", "**/*.{md,mdx,rst,adoc}"] },
    });
  });
});
