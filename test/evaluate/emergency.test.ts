import { beforeAll, describe, expect, it } from "vitest";
import { evaluate } from "../../src/evaluate/evaluate.js";
import type { Policy } from "../../src/policy/model.js";
import { renderSummary, renderTitle } from "../../src/render/summary.js";
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

const BINDINGS = `extends: chat-backend
roles:
  backend-lead: { users: [bea] }
  dba-lead: { users: [dan] }
  sre-lead: { users: [sam] }
  incident-commander: { users: [ivy] }
  product-owner: { users: [pat] }
  security-lead: { users: [sid] }
  tech-architect: { users: [tara] }
`;
const migration = added(
  "prisma/migrations/20261120093000_drop_avatar/migration.sql",
  fixture("prs/drop-column.migration.sql"),
);

let policy: Policy;
beforeAll(async () => {
  policy = await policyFrom(BINDINGS);
});

describe("/emergency <reason>", () => {
  it("records as bypassed only what was still missing: a requirement signed before the emergency is not on the record", () => {
    const rbac = added("k8s/chat-api/rbac.yaml", fixture("repo/role.yaml"));
    const d = evaluate(
      policy,
      prFacts([migration, rbac], {
        reviews: [approval("sid"), approval("sam")],
        comments: [comment("ivy", "/emergency INC-231 P0: writes failing")],
      }),
      NOW,
    );
    expect(d.requirements.map((r) => [r.id, r.satisfied])).toEqual([
      ["prisma/migration-destructive", false],
      ["infra/security-policy", true],
    ]);
    expect(d.conclusion).toBe("success");
    expect(d.emergency?.bypassed).toEqual([
      {
        id: "prisma/migration-destructive",
        missing: [
          { roles: ["dba-lead"], count: 1 },
          { roles: ["backend-lead"], count: 1 },
        ],
        roles: ["backend-lead", "dba-lead", "sre-lead"],
      },
    ]);
  });

  it("passes the check, names who overrode it and lists every bypassed requirement", () => {
    const d = evaluate(
      policy,
      prFacts([migration], {
        reviews: [approval("dan")],
        comments: [comment("ivy", "/emergency rollback of the avatar migration, P0 INC-231")],
      }),
      NOW,
    );
    expect(d.conclusion).toBe("success");
    expect(d.emergency).toEqual({
      by: "ivy",
      reason: "rollback of the avatar migration, P0 INC-231",
      commentId: expect.any(Number),
      bypassed: [
        {
          id: "prisma/migration-destructive",
          missing: [
            { roles: ["backend-lead"], count: 1 },
            { roles: ["sre-lead"], count: 1 },
          ],
          roles: ["backend-lead", "dba-lead", "sre-lead"],
        },
      ],
      ticketBypassed: false,
    });
    expect(renderTitle(d, policy)).toBe(
      "Emergency override by @ivy: rollback of the avatar migration, P0 INC-231",
    );
    const summary = renderSummary(d, policy);
    expect(summary).toContain("- `prisma/migration-destructive`: missing backend-lead + sre-lead");
    expect(summary).toContain(
      "post-implementation review issue is opened for the bypassed approvers, due within 24 h",
    );
    expect(d.commands).toContainEqual(expect.objectContaining({ login: "ivy", counted: true }));
  });

  it.each([
    [
      "without a reason",
      comment("ivy", "/emergency"),
      "a reason is required: `/emergency <what is broken and why this cannot wait>`",
    ],
    [
      "from a role the policy does not authorise",
      comment("pat", "/emergency launch day"),
      "@pat is not a member of a role allowed to declare an emergency (incident-commander, backend-lead (emergency hotfixes to the API (§1: Backend Lead can deploy; retrospective review within 24h): areas http-api), dba-lead (emergency migration rollback only (§3: DBA Lead can execute; Backend Lead notified): areas prisma), security-lead (immediate patches for CRITICAL vulnerabilities (§8: Security Lead can mandate): areas dependencies, security-scanning))",
    ],
    [
      "before the latest push",
      comment("ivy", "/emergency outage", "2026-11-23T09:00:00Z"),
      "it was declared before the current commit arrived on this pull request (its latest push, force-push or change of base); declare it again for the current commit",
    ],
    [
      "in an edited comment",
      comment("ivy", "/emergency outage", "2026-11-23T11:00:00Z", "2026-11-23T11:01:00Z"),
      "the comment was edited after it was posted; post `/emergency <reason>` in a new comment",
    ],
  ])("is refused %s, and nothing is bypassed", (_case, c, reason) => {
    const d = evaluate(policy, prFacts([migration], { comments: [c] }), NOW);
    expect(d.conclusion).toBe("failure");
    expect(d.emergency).toBeUndefined();
    expect(d.commands).toEqual([expect.objectContaining({ counted: false, reason })]);
  });

  it("is refused from the author unless the policy allows it", async () => {
    const byAuthor = prFacts([migration], {
      author: "ivy",
      comments: [comment("ivy", "/emergency pager storm")],
    });
    expect(evaluate(policy, byAuthor, NOW).conclusion).toBe("failure");
    const lenient = await policyFrom(`${BINDINGS}emergency: { allowAuthor: true }\n`);
    expect(evaluate(lenient, byAuthor, NOW).emergency?.by).toBe("ivy");
  });
});

describe("emergency powers scoped as seed 000 scopes them", () => {
  const pkg = fixture("repo/package.json");
  const routerBase = fixture("repo/messages.router.ts");
  const routeRemoved = modified(
    "src/routes/messages.ts",
    routerBase,
    routerBase.replace(/messagesRouter\.post\("\/messages"[\s\S]*?\n\}\);\n/, ""),
  );
  const expressMajor = modified(
    "package.json",
    pkg,
    pkg.replace('"express": "^4.21.1"', '"express": "^5.1.0"'),
  );
  const rbac = added("k8s/chat-api/rbac.yaml", fixture("repo/role.yaml"));
  const amendment = modified(
    ".github/governance.yml",
    "extends: chat-backend\n",
    "extends: chat-backend\nroles:\n  backend-lead: { users: [bea, ben] }\n",
  );
  const declare = (login: string, reason = "INC-231 P0: writes failing") =>
    comment(login, `/emergency ${reason}`);

  it('§7 "Incident response actions: Incident Commander has full authority (no approval needed)"', () => {
    for (const files of [[migration], [routeRemoved], [expressMajor]]) {
      expect(
        evaluate(policy, prFacts(files, { comments: [declare("ivy")] }), NOW).emergency?.by,
      ).toBe("ivy");
    }
  });

  it('§1 "Emergency hotfixes: Backend Lead can deploy": the API, and nothing else', () => {
    const hotfix = evaluate(
      policy,
      prFacts([routeRemoved], {
        comments: [declare("bea", "remove the endpoint that leaks tokens")],
      }),
      NOW,
    );
    expect(hotfix.conclusion).toBe("success");
    expect(hotfix.emergency).toMatchObject({
      by: "bea",
      bypassed: [{ id: "http-api/api-breaking" }],
    });

    const outside = evaluate(policy, prFacts([migration], { comments: [declare("bea")] }), NOW);
    expect(outside.conclusion).toBe("failure");
    expect(outside.emergency).toBeUndefined();
    expect(outside.commands).toEqual([
      expect.objectContaining({
        counted: false,
        reason:
          "@bea's emergency authority does not cover this change: backend-lead may bypass emergency hotfixes to the API (§1: Backend Lead can deploy; retrospective review within 24h): areas http-api, and `prisma/migration-destructive` is outside it",
      }),
    ]);
  });

  it('§3 "Emergency rollback: DBA Lead can execute": a migration labelled rollback, nothing else', () => {
    const rollback = evaluate(
      policy,
      prFacts([migration], {
        labels: ["rollback"],
        comments: [declare("dan", "roll back 20261120 avatar migration")],
      }),
      NOW,
    );
    expect(rollback.conclusion).toBe("success");
    expect(rollback.emergency?.by).toBe("dan");

    const unlabelled = evaluate(policy, prFacts([migration], { comments: [declare("dan")] }), NOW);
    expect(unlabelled.conclusion).toBe("failure");
    expect(unlabelled.commands[0]).toMatchObject({
      counted: false,
      reason: expect.stringContaining(
        'dba-lead may bypass emergency migration rollback only (§3: DBA Lead can execute; Backend Lead notified): areas prisma, on a pull request labelled "rollback"',
      ),
    });

    const api = evaluate(
      policy,
      prFacts([routeRemoved], { labels: ["rollback"], comments: [declare("dan")] }),
      NOW,
    );
    expect(api.conclusion).toBe("failure");
    expect(api.commands[0]).toMatchObject({
      counted: false,
      reason: expect.stringContaining("`http-api/api-breaking` is outside it"),
    });
  });

  it('§8 "CRITICAL vulnerabilities: Security Lead can mandate immediate patches": dependencies labelled critical-vulnerability', () => {
    const patch = evaluate(
      policy,
      prFacts([expressMajor], {
        labels: ["critical-vulnerability"],
        comments: [declare("sid", "CVE-2026-1234 (CRITICAL) in express 4")],
      }),
      NOW,
    );
    expect(patch.conclusion).toBe("success");
    expect(patch.emergency?.by).toBe("sid");

    const notCritical = evaluate(
      policy,
      prFacts([expressMajor], { comments: [declare("sid")] }),
      NOW,
    );
    expect(notCritical.conclusion).toBe("failure");
    expect(notCritical.commands[0]).toMatchObject({
      counted: false,
      reason: expect.stringContaining('on a pull request labelled "critical-vulnerability"'),
    });

    const migrationToo = evaluate(
      policy,
      prFacts([expressMajor, migration], {
        labels: ["critical-vulnerability"],
        comments: [declare("sid")],
      }),
      NOW,
    );
    expect(migrationToo.conclusion).toBe("failure");
    expect(migrationToo.commands[0]).toMatchObject({
      counted: false,
      reason: expect.stringContaining("`prisma/migration-destructive` is outside it"),
    });
  });

  it('§4 "Security policies: Security Lead (no exceptions)" and amendments: only the Incident Commander bypasses them, with the retrospective', async () => {
    // A repository that gives the SRE Lead full authority still cannot bypass these.
    const wider = await policyFrom(
      `${BINDINGS}emergency: { roles: [incident-commander, sre-lead] }\n`,
    );
    for (const [file, id] of [
      [rbac, "infra/security-policy"],
      [amendment, "governance/base"],
    ] as const) {
      const bySre = evaluate(wider, prFacts([file], { comments: [declare("sam")] }), NOW);
      expect(bySre.conclusion).toBe("failure");
      expect(bySre.commands[0]).toMatchObject({
        counted: false,
        reason: expect.stringContaining(`\`${id}\``),
      });
      expect(bySre.commands[0]!.reason).toContain("can be bypassed only by incident-commander");

      const byCommander = evaluate(wider, prFacts([file], { comments: [declare("ivy")] }), NOW);
      expect(byCommander.conclusion).toBe("success");
      expect(renderSummary(byCommander, wider)).toContain(
        "post-implementation review issue is opened for the bypassed approvers, due within 24 h",
      );
    }
    // Amendments are exclusive whatever the policy lists.
    const bare = await policyFrom(
      `${BINDINGS}emergency: { roles: [incident-commander, sre-lead], exclusive: { roles: [incident-commander] } }\n`,
    );
    expect(
      evaluate(bare, prFacts([amendment], { comments: [declare("sam")] }), NOW).conclusion,
    ).toBe("failure");
    expect(evaluate(bare, prFacts([rbac], { comments: [declare("sam")] }), NOW).emergency?.by).toBe(
      "sam",
    );
    // What is not exclusive, the wider authority still bypasses.
    expect(
      evaluate(wider, prFacts([migration], { comments: [declare("sam")] }), NOW).emergency?.by,
    ).toBe("sam");
  });

  it("no mediator overrules the Security Lead on a security policy either", () => {
    const d = evaluate(
      policy,
      prFacts([rbac], {
        reviews: [approval("sam"), changesRequested("sid")],
        comments: [
          comment("tara", "/governance decide approve it is fine", "2026-11-23T11:30:00Z"),
        ],
      }),
      NOW,
    );
    expect(d.conclusion).toBe("failure");
    expect(d.requirements[0]!.mediation).toMatchObject({
      mediator: undefined,
      undecidable: expect.stringContaining("allows no exceptions"),
    });
    expect(renderSummary(d, policy)).toContain(
      "⚖️ `infra/security-policy`: @sid requested changes while @sam approved (a cross-functional disagreement). No mediator can decide it: `infra/security-policy` allows no exceptions (emergency.exclusive), so no mediator overrules its approvers (only incident-commander, on incident work): the objection stands until its reviewer approves or the review is dismissed.",
    );
    expect(d.commands[0]).toMatchObject({
      counted: false,
      reason: expect.stringContaining(
        "`infra/security-policy` allows no exceptions (emergency.exclusive), so no mediator overrules its approvers",
      ),
    });
    // During an incident, the Incident Commander (the exclusive role) may.
    const incident = evaluate(
      policy,
      prFacts([rbac], {
        labels: ["incident"],
        reviews: [approval("sam"), changesRequested("sid")],
        comments: [
          comment(
            "ivy",
            "/governance decide approve INC-231: the policy blocks the failover",
            "2026-11-23T11:30:00Z",
          ),
        ],
      }),
      NOW,
    );
    expect(incident.conclusion).toBe("success");
    expect(incident.requirements[0]!.mediation?.decision).toMatchObject({
      by: "ivy",
      role: "incident-commander",
    });
  });
});

describe("an emergency scope that names rules", () => {
  // A scope narrowed to rules (not areas) covers those rules' requirements only:
  // every other requirement the pull request has is outside it.
  const SCOPED_BY_RULE = `roles:
  backend-lead: { users: [bea] }
  dba-lead: { users: [dan] }
  sre-lead: { users: [sam] }
areas:
  db:
    paths: ["prisma/**"]
    accountable: dba-lead
    level: 2
  api:
    paths: ["src/api/**"]
    accountable: sre-lead
    level: 2
rules:
  destructive:
    when: { kinds: [migration-destructive] }
    level: 3
    approvers: [dba-lead, sre-lead]
emergency:
  roles: [sre-lead]
  scoped:
    backend-lead:
      description: "destructive migrations during an incident"
      rules: [destructive]
`;

  it("refuses a bypass that would also skip a requirement of another rule, naming it", async () => {
    const scoped = await policyFrom(SCOPED_BY_RULE);
    const handler = added("src/api/health.ts", "export const health = () => 'ok';\n");
    const declare = comment("bea", "/emergency INC-9 P0");
    const d = evaluate(scoped, prFacts([migration, handler], { comments: [declare] }), NOW);
    expect(d.requirements.map((r) => r.id).sort()).toEqual(["api/base", "db/destructive"]);
    expect(d.conclusion).toBe("failure");
    expect(d.emergency).toBeUndefined();
    expect(d.commands[0]).toMatchObject({
      counted: false,
      reason: expect.stringContaining("`api/base` is outside it"),
    });

    // The migration alone is the scope's own rule: the bypass counts.
    const within = evaluate(scoped, prFacts([migration], { comments: [declare] }), NOW);
    expect(within.conclusion).toBe("success");
    expect(within.emergency?.by).toBe("bea");
  });
});

describe("policy amendments are exclusive, whichever areas own the policy file", () => {
  const amend = modified(
    ".github/governance.yml",
    "roles:\n  sre-lead: { users: [sam] }\n",
    "roles:\n  sre-lead: { users: [sam, eve] }\n",
  );
  const declare = (login: string) => comment(login, "/emergency INC-12 P0: pager storm");
  const policyWith = (areas: string) => `roles:
  sre-lead: { users: [sam] }
  dba-lead: { users: [dan] }
  incident-commander: { users: [ivy] }
areas:
${areas}
emergency:
  roles: [sre-lead, incident-commander]
  exclusive:
    roles: [incident-commander]
`;

  it.each([
    [
      "no area owns it (the built-in policy-files area)",
      `  db:
    paths: ["prisma/**"]
    accountable: dba-lead
    level: 2`,
    ],
    [
      "two areas own it",
      `  platform:
    paths: [".github/**"]
    accountable: sre-lead
    level: 2
  governance:
    paths: [".github/governance.yml"]
    accountable: dba-lead
    level: 3`,
    ],
  ])("%s: only the exclusive role may bypass the amendment", async (_, areas) => {
    const policy = await policyFrom(policyWith(areas));
    const refused = evaluate(policy, prFacts([amend], { comments: [declare("sam")] }), NOW);
    expect(refused.conclusion).toBe("failure");
    expect(refused.emergency).toBeUndefined();
    expect(refused.commands[0]).toMatchObject({
      counted: false,
      reason: expect.stringContaining("can be bypassed only by incident-commander"),
    });
    const allowed = evaluate(policy, prFacts([amend], { comments: [declare("ivy")] }), NOW);
    expect(allowed.emergency?.by).toBe("ivy");
  });
});
