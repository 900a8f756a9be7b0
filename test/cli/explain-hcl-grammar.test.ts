import { describe, expect, it } from "vitest";

/**
 * The CLI loads the HCL grammar on demand (src/changes/hcl-grammar.ts), and
 * `explain` loads it when a detector that parses HCL will read a file. The
 * sizing detector also reads `.tfvars` files, which the Terraform access
 * detector does not: a pull request changing only a `.tfvars` file must still be
 * read, not classified "could not be analysed". As in the CLI, the process says
 * so before anything loads the detectors (this file's own module graph).
 */

const grammar = await import("../../src/changes/hcl-grammar.js");
grammar.loadHclGrammarOnDemand();
const { explainRange } = await import("../helpers/git-repo.js");

const PRODUCTION = `region        = "us-east-1"
environment   = "production"
instance_type = "m5.large"
node_count    = 3
`;

describe("governance-gate explain on a .tfvars change, grammar loaded on demand", () => {
  it("loads the grammar and prices the change (Finance above the threshold)", async () => {
    const path = "infra/environments/production/terraform.tfvars";
    const json = await explainRange(
      "chat-backend",
      { [path]: PRODUCTION },
      {
        [path]: PRODUCTION.replace('"m5.large"', '"m5.4xlarge"').replace(
          "node_count    = 3",
          "node_count    = 12",
        ),
      },
    );
    expect(json.areas.flatMap((a) => a.changes.map((c) => [a.id, c.kind, c.detail]))).toEqual([
      ["infra", "scaling-change", 'terraform.tfvars instance_type "m5.large" → "m5.4xlarge"'],
      ["infra", "scaling-change", "terraform.tfvars node_count 3 → 12"],
      [
        "infra",
        "cost-increase",
        "estimated +$6,517.44/month (terraform.tfvars: 3 × m5.large → 12 × m5.4xlarge at $560.64/month)",
      ],
    ]);
    expect(json.requirements.find((r) => r.id === "infra/cost-increase")?.roles).toEqual([
      "sre-lead",
      "finance",
    ]);
  });
});
