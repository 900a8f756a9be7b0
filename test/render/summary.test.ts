import { beforeAll, describe, expect, it } from "vitest";
import { evaluate } from "../../src/evaluate/evaluate.js";
import type { Policy } from "../../src/policy/model.js";
import { SUMMARY_LIMIT, renderSummary, renderTitle } from "../../src/render/summary.js";
import {
  NOW,
  added,
  approval,
  changesRequested,
  comment,
  fixture,
  modified,
  prFacts,
} from "../helpers/facts.js";
import { policyFrom } from "../helpers/policy.js";

let policy: Policy;
beforeAll(async () => {
  policy = await policyFrom(`extends: chat-backend
roles:
  backend-lead: { users: [bea] }
  dba-lead: { users: [dan] }
  sre-lead: { users: [sam, sue] }
  tech-architect: { users: [tara] }
  product-owner: { users: [pat] }
  vp-engineering: { users: [vera] }
  backend-team: { teams: [backend] }
`);
});

const migration = added(
  "prisma/migrations/20261120093000_drop_avatar/migration.sql",
  fixture("prs/drop-column.migration.sql"),
);

describe("check run title", () => {
  it("states level and progress, as DESIGN §5 shows", () => {
    const d = evaluate(policy, prFacts([migration], { reviews: [approval("dan")] }), NOW);
    expect(renderTitle(d, policy)).toBe("Level 3 — joint approval: 1 of 3 sign-offs");
    const done = evaluate(
      policy,
      prFacts([migration], { reviews: [approval("dan"), approval("bea"), approval("sam")] }),
      NOW,
    );
    expect(renderTitle(done, policy)).toBe("Level 3 — joint approval: 3 of 3 sign-offs ✓");
  });

  it("says no sign-off is needed at level 1 and names blocking reviews", () => {
    const docs = evaluate(policy, prFacts([added("docs/onboarding.md", "# Onboarding\n")]), NOW);
    expect(renderTitle(docs, policy)).toBe("Level 1 — full autonomy: no sign-off required");
    const blocked = evaluate(
      policy,
      prFacts([migration], {
        reviews: [approval("dan"), approval("bea"), changesRequested("sam")],
      }),
      NOW,
    );
    expect(renderTitle(blocked, policy)).toBe("Level 3 — joint approval: changes requested");
  });
});

describe("check run summary of a destructive migration", () => {
  const summary = () =>
    renderSummary(
      evaluate(
        policy,
        prFacts([migration], {
          reviews: [approval("dan")],
          comments: [comment("pat", "/approve-level3")],
        }),
        NOW,
      ),
      policy,
    );

  it("maps areas to files and the detected change", () => {
    expect(summary()).toContain(
      "| Prisma schema and migrations (`prisma`) | 3 | backend-lead | `prisma/migrations/20261120093000_drop_avatar/migration.sql` | `migration-destructive` |",
    );
  });

  it("shows who must sign, who has, and what is missing", () => {
    expect(summary()).toContain(
      "| ❌ | `prisma/migration-destructive` | 3 | dba-lead + backend-lead + sre-lead | @dan (dba-lead) | backend-lead; sre-lead |",
    );
  });

  it("gives the evidence and the exact command to type", () => {
    const text = summary();
    expect(text).toContain(
      'DROP COLUMN "avatarUrl" on table "User" (prisma/migrations/20261120093000_drop_avatar/migration.sql:8)',
    );
    expect(text).toContain(
      "- `prisma/migration-destructive`: members of **backend-lead**, **sre-lead** approve the pull request, or comment `/approve-level3`",
    );
    expect(text).toContain("Reviewers requested for what is missing: @bea, @sam.");
  });

  it("says when a role moved up the escalation path because only the author holds it", () => {
    const d = evaluate(policy, prFacts([migration], { author: "bea" }), NOW);
    expect(renderSummary(d, policy)).toContain(
      "⤴️ `prisma/migration-destructive`: escalated from **backend-lead** to **vp-engineering** because every member of backend-lead is the pull request's author.",
    );
  });

  it("puts configuration errors first, with the fix", async () => {
    const unbound = await policyFrom(
      "extends: chat-backend\nroles:\n  backend-lead: { users: [bea] }\n",
    );
    const d = evaluate(unbound, prFacts([migration]), NOW);
    const text = renderSummary(d, unbound);
    const mustFix = text.indexOf("### Must fix");
    const areas = text.indexOf("### Areas");
    expect(mustFix, "a Must fix section").toBeGreaterThan(-1);
    expect(areas, "an Areas section").toBeGreaterThan(-1);
    expect(mustFix).toBeLessThan(areas);
    expect(
      text.split("\n").find((line) => line.startsWith("### ")),
      "the first section",
    ).toBe("### Must fix");
    expect(text).toContain(
      '- ❌ role "dba-lead" is required (prisma/migration-destructive) but bound to nobody — **fix:** bind it in .github/governance.yml: roles: { dba-lead: { users: [login], teams: [team-slug] } }',
    );
    expect(renderTitle(d, unbound)).toBe("Level 3 — joint approval: 2 problems to fix");
  });
});

describe("summary size", () => {
  it("lists ten of 3,000 files no area owns and counts the rest", () => {
    const files = Array.from({ length: 3000 }, (_, i) =>
      modified(`scripts/generated/tool-${i}/${"x".repeat(40)}.sh`, "a\n", "b\n"),
    );
    const d = evaluate(policy, prFacts(files), NOW);
    const text = renderSummary(d, policy);
    expect(text).toContain("- `scripts/generated/tool-9/");
    expect(text).not.toContain("- `scripts/generated/tool-10/");
    expect(text).toContain("… and 2990 more");
  });

  it("is cut to GitHub's check-run summary limit, and says so, when a monorepo pull request touches 300 areas", async () => {
    // One table row per area, with its files: about twice 65,535 characters in full (from a 35 KB policy).
    const areas = Array.from(
      { length: 300 },
      (_, i) =>
        `  service-${i}: { name: Ledger service ${i}, paths: ["services/service-${i}/**"], accountable: backend-lead, level: 2 }\n`,
    ).join("");
    const monorepo = await policyFrom(
      `extends: chat-backend\nroles:\n  backend-lead: { users: [bea] }\nareas:\n${areas}`,
    );
    const sources = [
      "settlement-batch-processor.ts",
      "reconciliation-report-writer.ts",
      "currency-conversion-cache.ts",
    ];
    const files = Array.from({ length: 300 }, (_, i) =>
      sources.map((f) => modified(`services/service-${i}/src/ledger/${f}`, "a\n", "b\n")),
    ).flat();
    const text = renderSummary(evaluate(monorepo, prFacts(files), NOW), monorepo);
    expect(text.length).toBeLessThanOrEqual(SUMMARY_LIMIT);
    expect(text).toMatch(
      /^\*\*❌ Governance requirements are not met yet\.\*\* This pull request is \*\*level 2 /,
    );
    expect(text).toContain(
      "| Ledger service 0 (`service-0`) | 2 | backend-lead | `services/service-0/src/ledger/settlement-batch-processor.ts`<br>",
    );
    expect(
      text.endsWith(
        "… (summary truncated; run `governance-gate explain` for the full explanation)",
      ),
    ).toBe(true);
  });
});
