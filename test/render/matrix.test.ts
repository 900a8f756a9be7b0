import { beforeAll, describe, expect, it } from "vitest";
import type { Policy } from "../../src/policy/model.js";
import { renderMatrix } from "../../src/render/matrix.js";
import { runCli } from "../helpers/git-repo.js";
import { policyFrom, preset } from "../helpers/policy.js";

/**
 * Issue 11, "Done when": `governance-gate matrix` reproduces the documents' RACI
 * tables for every preset. Each test is one row of a governance document
 * (../shared/seeds/, line named), compared with the rows the rendered matrix
 * shows for it: the area's RACI row, who signs a change there ("Who signs
 * what"), and where a kind found in any file is owned ("Changes owned wherever
 * they are found").
 */

type Tables = Map<string, string[][]>;

/** Every Markdown table of the matrix by the heading above it, header and separator rows left out. */
function tablesOf(markdown: string): Tables {
  const tables: Tables = new Map();
  let heading = "";
  for (const line of markdown.split("\n")) {
    if (line.startsWith("## ")) heading = line.slice(3);
    if (!line.startsWith("|")) continue;
    const cells = line
      .slice(1, -1)
      .split(/(?<!\\)\|/)
      .map((c) => c.trim());
    const rows = tables.get(heading) ?? [];
    if (!tables.has(heading)) tables.set(heading, rows);
    rows.push(cells);
  }
  for (const rows of tables.values()) rows.splice(0, 2);
  return tables;
}

/** The "Areas (RACI)" row of an area: A, R, C, I and level, as shown. */
function raci(tables: Tables, area: string) {
  const row = tables.get("Areas (RACI)")!.find((r) => r[0]!.endsWith(`(\`${area}\`)`));
  if (!row) throw new Error(`no RACI row for ${area}`);
  return { A: row[2], R: row[3], C: row[4], I: row[5], level: row[6] };
}

/** "Who signs what" rows of an area (or "every area"): [when, level, sign-off]. */
function signs(tables: Tables, area: string) {
  const key = area === "every area" ? area : `\`${area}\``;
  return tables
    .get("Who signs what")!
    .filter((r) => r[0] === key)
    .map((r) => r.slice(1));
}

/** Where a kind found in a file no area's paths match is owned: [area, A, level, sign-off]. */
function ownerOf(tables: Tables, kind: string) {
  return tables
    .get("Changes owned wherever they are found")!
    .filter((r) => r[0] === `\`${kind}\``)
    .map((r) => r.slice(1));
}

function processOf(markdown: string): string[] {
  return markdown
    .slice(markdown.indexOf("## Process"))
    .split("\n")
    .filter((l) => l.startsWith("- "));
}

describe("platform-engineering: seed 002's approval lists (lines 152-174) and decision authority (lines 207-216)", () => {
  let policy: Policy;
  let markdown: string;
  let t: Tables;
  beforeAll(async () => {
    policy = await preset("platform-engineering");
    markdown = renderMatrix(policy);
    t = tablesOf(markdown);
  });

  it.each([
    ["line 157: CI/CD pipeline configurations and modifications", "ci-cd"],
    ["line 158: Production environment configuration changes", "environments"],
    [
      "line 159: Deployment configurations including scaling policies and load balancing rules",
      "deployment",
    ],
    ["line 160: Infrastructure-as-Code (IaC) templates and modifications", "iac"],
    ["line 161: Security group rules and network configurations", "network-access"],
    ["line 162: Access management and permissions changes", "network-access"],
  ])(
    "%s → Platform Engineering approves, engineers build it, a ticket tracks it (line 227)",
    (_line, area) => {
      expect(raci(t, area)).toEqual({
        A: "platform-engineering",
        R: "engineers",
        C: "—",
        I: "—",
        level: "2: platform-engineering (ticket required)",
      });
      expect(signs(t, area)).toEqual([
        ["any change", "2", "platform-engineering (ticket required)"],
      ]);
    },
  );

  it("line 159: scaling policies found in any file reach Platform Engineering", () => {
    expect(ownerOf(t, "scaling-change")).toEqual([
      ["`deployment`", "platform-engineering", "2", "platform-engineering (ticket required)"],
    ]);
    expect(ownerOf(t, "cost-increase")).toEqual([
      ["`deployment`", "platform-engineering", "2", "platform-engineering (ticket required)"],
    ]);
  });

  it("line 162: access and permission changes found in any file reach Platform Engineering", () => {
    expect(ownerOf(t, "security-policy")).toEqual([
      ["`deployment`", "platform-engineering", "2", "platform-engineering (ticket required)"],
    ]);
  });

  it("line 169: significant architecture changes and new patterns → the architectural team (ADRs; the label `architecture` anywhere)", () => {
    expect(raci(t, "architecture")).toEqual({
      A: "architecture-team",
      R: "engineers",
      C: "—",
      I: "—",
      level: "2: architecture-team",
    });
    expect(signs(t, "every area")).toContainEqual([
      expect.stringMatching(/^label: `architecture`.*\(`architectural-review`\)$/),
      "2",
      "architecture-team",
    ]);
  });

  it("line 170: new technology stack additions or framework changes → the architectural team", () => {
    expect(signs(t, "dependencies")).toEqual([
      ["any change", "1", "nobody beyond ordinary review"],
      [
        "change: `dependency-added`, `dependency-major` (`new-technology`)",
        "2",
        "architecture-team",
      ],
    ]);
    expect(ownerOf(t, "dependency-added")).toEqual([
      ["`dependencies`", "engineers", "2", "architecture-team (`new-technology`)"],
    ]);
    expect(ownerOf(t, "dependency-major")).toEqual([
      ["`dependencies`", "engineers", "2", "architecture-team (`new-technology`)"],
    ]);
  });

  it("line 171: API design patterns and cross-service integration → the architectural team, in specs and in code", () => {
    expect(raci(t, "api-contracts")).toMatchObject({ A: "engineers", C: "architecture-team" });
    expect(signs(t, "every area")).toContainEqual([
      "change: `api-breaking`; label: `breaking-change` (`api-design`)",
      "2",
      "architecture-team",
    ]);
    expect(ownerOf(t, "api-breaking")).toEqual([
      ["`api-contracts`", "engineers", "2", "architecture-team (`api-design`)"],
    ]);
  });

  it("line 172: data model changes affecting multiple services → the architectural team", () => {
    expect(signs(t, "data-model")).toEqual([
      ["any change", "1", "nobody beyond ordinary review"],
      ["change: `migration-destructive` (`data-model-change`)", "2", "architecture-team"],
      ["paths: `{packages,libs,shared,common}/**` (`shared-data-model`)", "2", "architecture-team"],
    ]);
    expect(ownerOf(t, "migration-destructive")).toEqual([
      ["`data-model`", "engineers", "2", "architecture-team (`data-model-change`)"],
    ]);
  });

  it("line 173: security architecture decisions and implementations → the architectural team", () => {
    expect(raci(t, "security-architecture")).toEqual({
      A: "architecture-team",
      R: "engineers",
      C: "—",
      I: "—",
      level: "2: architecture-team",
    });
    expect(signs(t, "every area")).toContainEqual([
      expect.stringContaining("`security-architecture`"),
      "2",
      "architecture-team",
    ]);
  });

  it("line 174: performance and scalability architecture is the architectural team's when a person marks it", () => {
    expect(signs(t, "every area")).toContainEqual([
      expect.stringContaining("`performance-architecture`"),
      "2",
      "architecture-team",
    ]);
  });

  it("line 209: Product Owners have final authority on feature requirements (product documentation, line 13)", () => {
    expect(raci(t, "product-docs")).toEqual({
      A: "product-owner",
      R: "product-owner",
      C: "—",
      I: "—",
      level: "2: product-owner",
    });
  });

  it("line 211: engineers have authority on technical implementation (with the architectural team's approval for architecture)", () => {
    for (const area of ["dependencies", "data-model", "api-contracts"])
      expect(raci(t, area), area).toEqual({
        A: "engineers",
        R: "engineers",
        C: "architecture-team",
        I: "—",
        level: "1",
      });
  });

  it("lines 186-191: review within 2 business days, expedited within 4 business hours, post-implementation review within 24 h; Jira tickets (line 220)", () => {
    expect(processOf(markdown)).toEqual(
      expect.arrayContaining([
        "- Emergency: `/emergency <reason>` from platform-engineering (full authority); post-implementation review within 24 h.",
        "- Escalation: a sign-off pending longer than 2 business day(s) (expedited: 4 business hour(s)) moves one step up the area's escalation path; business days are mon, tue, wed, thu, fri 09:00–17:00 UTC.",
        `- Tickets: areas marked "ticket required" need a key matching \`${policy.ticket!.pattern}\` in the title or description.`,
      ]),
    );
  });

  it("line 222: tickets in the product's own Jira board: the projects a repository names are shown", async () => {
    const bound = await policyFrom(
      "extends: platform-engineering\nticket: { projects: [LFXV2] }\n",
    );
    expect(processOf(renderMatrix(bound))).toContain(
      `- Tickets: areas marked "ticket required" need a key of LFXV2 matching \`${policy.ticket!.pattern}\` in the title or description.`,
    );
  });
});

describe("it-operations: seed 004, and nothing else", () => {
  let markdown: string;
  let t: Tables;
  beforeAll(async () => {
    markdown = renderMatrix(await preset("it-operations"));
    t = tablesOf(markdown);
  });

  it.each([
    ["line 66: CI/CD Management", "ci-cd"],
    ["line 67: Infrastructure Provisioning (cloud resources, servers, networking)", "iac"],
    ["line 68: Service Deployment", "deployment"],
    ["line 69: Monitoring & Alerting", "monitoring"],
    ["line 75: Infrastructure Security (security controls, access management)", "network-access"],
    ["line 77: Backup & Disaster Recovery", "backup-recovery"],
    ["line 78: Environment Management", "environments"],
  ])("%s → one IT/Operations approval; engineers do the work", (_line, area) => {
    expect(raci(t, area)).toEqual({
      A: "it-operations",
      R: "engineers",
      C: "—",
      I: "—",
      level: "2: it-operations",
    });
    expect(signs(t, area)).toEqual([["any change", "2", "it-operations"]]);
  });

  it.each([
    ["line 75: Infrastructure Security", "change: `security-policy` (`infrastructure-security`)"],
    [
      "line 76: Capacity Planning; line 79: Cost Optimization",
      "change: `scaling-change`, `cost-increase` (`capacity-and-cost`)",
    ],
    [
      "line 78: Environment Management (a new variable to provision)",
      "change: `env-var-added` (`environment-variables`)",
    ],
  ])("%s, found in any file → IT/Operations", (_line, when) => {
    expect(signs(t, "every area")).toContainEqual([when, "2", "it-operations"]);
  });

  it("line 79: cost found where no area's paths reach is IT/Operations'", () => {
    expect(ownerOf(t, "cost-increase")).toEqual([
      ["`deployment`", "it-operations", "2", "it-operations"],
    ]);
  });

  it("line 81: Documentation & Runbooks are IT/Operations' (operational procedures, line 122)", () => {
    expect(raci(t, "runbooks")).toEqual({
      A: "it-operations",
      R: "it-operations",
      C: "—",
      I: "—",
      level: "1",
    });
  });

  it("line 46 and line 121: engineers decide technical architecture, APIs, data models and technology — nobody else signs", () => {
    for (const area of ["architecture", "data-model", "dependencies"]) {
      expect(raci(t, area), area).toEqual({
        A: "engineers",
        R: "engineers",
        C: "—",
        I: "—",
        level: "1",
      });
      expect(signs(t, area), area).toEqual([["any change", "1", "nobody beyond ordinary review"]]);
    }
  });

  it("line 12 and line 120: Product Owners keep the product documentation and have final authority on requirements", () => {
    expect(raci(t, "product-docs")).toEqual({
      A: "product-owner",
      R: "product-owner",
      C: "—",
      I: "—",
      level: "2: product-owner",
    });
  });

  it("there is no architecture team in this document", () => {
    expect(markdown).not.toContain("architecture-team");
    expect(t.get("Roles")!.map((r) => r[0])).toEqual([
      "product-owner",
      "engineers",
      "it-operations",
      "engineering-management",
    ]);
  });

  it("the document sets no review deadline, no expedited path and no ticket rule", () => {
    const process = processOf(markdown);
    expect(process).toContain("- Emergency: no role may take the emergency path.");
    expect(process).toContain("- Escalation: no review deadline; nothing escalates on time.");
    expect(process.filter((l) => l.startsWith("- Tickets"))).toEqual([]);
    expect(markdown).not.toContain("ticket required");
  });
});

describe("chat-backend: seed 000's RACI tables (§1-§8)", () => {
  let t: Tables;
  beforeAll(async () => {
    t = tablesOf(renderMatrix(await preset("chat-backend")));
  });

  // [seed line and row, area, A, R, C, I], the document's names as the preset's role ids.
  it.each([
    [
      "line 39: `/api/v1/chat/*` endpoints — Backend Lead | Backend Team (R) | Frontend Team (C), QA (I)",
      "http-api",
      "backend-lead",
      "backend-team",
      "frontend-team",
      "qa-team",
    ],
    [
      "line 40: `/api/v1/health` endpoints — SRE Lead | Backend Team (R) | Ops Team (I)",
      "health-api",
      "sre-lead",
      "backend-team",
      "—",
      "ops-team",
    ],
    [
      "line 81: Prisma schema changes — Backend Lead | Backend Team (R) | DBA (C), SRE (I)",
      "prisma",
      "backend-lead",
      "backend-team",
      "dba-lead",
      "sre-team",
    ],
    [
      "line 125: API documentation (OpenAPI/Swagger) — Backend Lead | Backend Team (R) | Tech Writer (C), Frontend (I)",
      "docs",
      "backend-lead",
      "backend-team",
      "tech-writer",
      "frontend-team",
    ],
    [
      "line 147: Test coverage thresholds — QA Lead | Backend Team (R) | Backend Lead (C)",
      "coverage",
      "qa-lead",
      "backend-team",
      "backend-lead",
      "—",
    ],
    [
      "line 148: ESLint/Prettier rules — Backend Lead | Backend Team (R) | Tech Architect (C)",
      "lint",
      "backend-lead",
      "backend-team",
      "tech-architect",
      "—",
    ],
    [
      "line 149: CI pipeline configuration (GitHub Actions) — DevOps Lead | Backend Team (R) | SRE (C)",
      "ci",
      "devops-lead",
      "backend-team",
      "sre-lead",
      "—",
    ],
    [
      "line 152: Security scanning (Snyk, npm audit) — Security Lead | DevOps (R) | Backend (I)",
      "security-scanning",
      "security-lead",
      "devops-team",
      "—",
      "backend-team",
    ],
  ])("%s", (_row, area, A, R, C, I) => {
    expect(raci(t, area)).toMatchObject({ A, R, C, I });
  });

  // Rows one area encodes together with others: the DRI is the document's, and
  // every role the row names is in the area's R, C or I.
  it.each([
    [
      "line 60: Socket.IO event contracts — Backend Lead | Backend Team (R) | Frontend Team (C)",
      "socket-gateway",
      "backend-lead",
      ["backend-team", "frontend-team"],
    ],
    [
      "line 104: Docker/Kubernetes manifests — SRE Lead | DevOps Team (R) | Backend (C)",
      "infra",
      "sre-lead",
      ["devops-team", "backend-lead"],
    ],
    [
      "line 105: Cloud resources (AWS/GCP/Azure) — SRE Lead | DevOps Team (R) | Finance (I)",
      "infra",
      "sre-lead",
      ["devops-team", "finance"],
    ],
    [
      "line 107: Secret management — Security Lead | SRE (R) | Backend (C)",
      "secrets",
      "security-lead",
      ["sre-team", "backend-lead"],
    ],
    [
      "line 129: Governance docs (this file) — Tech Architect | Backend Lead | Legal (I)",
      "governance",
      "tech-architect",
      ["backend-lead", "legal"],
    ],
  ])("%s", (_row, area, A, named) => {
    const row = raci(t, area);
    expect(row.A).toBe(A);
    const roles = [row.R, row.C, row.I].flatMap((cell) => cell!.split(", "));
    expect(roles).toEqual(expect.arrayContaining(named));
  });

  it("line 90 and §3: breaking migrations (DBA + Backend + SRE leads) reach the prisma area wherever they are found", () => {
    expect(ownerOf(t, "migration-destructive")).toEqual([
      [
        "`prisma`",
        "backend-lead",
        "3",
        "dba-lead + backend-lead + sre-lead (`migration-destructive`)",
      ],
    ]);
  });

  it("line 112: cost above the threshold needs Finance wherever the manifest lives", () => {
    expect(ownerOf(t, "cost-increase")).toEqual([
      ["`infra`", "sre-lead", "3", "sre-lead + finance (`cost-increase`)"],
    ]);
  });
});

describe("governance-gate matrix", () => {
  it.each(["chat-backend", "platform-engineering", "it-operations"])(
    "%s: the command prints the same matrix",
    async (name) => {
      const run = await runCli(["matrix", "--policy", name]);
      expect(run.code).toBe(0);
      expect(run.stdout.trimEnd()).toBe(
        renderMatrix(await preset(name as "chat-backend")).trimEnd(),
      );
    },
  );
});

describe("chat-backend: emergency powers and conflict resolution as seed 000 scopes them", () => {
  let lines: string[];
  beforeAll(async () => {
    lines = renderMatrix(await preset("chat-backend")).split("\n");
  });

  it("line 188: the Incident Commander has full authority", () => {
    expect(lines).toContain(
      "- Emergency: `/emergency <reason>` from incident-commander (full authority); post-implementation review within 24 h.",
    );
  });

  it("lines 48, 91, 209: the Backend Lead (API hotfixes), the DBA Lead (rollback only) and the Security Lead (CRITICAL patches) only within their scope", () => {
    const scoped = lines.filter((l) => l.startsWith("  - "));
    expect(scoped).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^ {2}- backend-lead, only for area http-api: /),
        expect.stringMatching(/^ {2}- dba-lead, only for area prisma with label rollback: /),
        expect.stringMatching(
          /^ {2}- security-lead, only for area dependencies, area security-scanning with label critical-vulnerability: /,
        ),
      ]),
    );
    expect(scoped).toContain(
      "  - Only incident-commander may bypass area governance, rule security-policy, amendments.",
    );
  });

  it("lines 269-271: peer conflicts go to the shared manager after 2 business days, cross-functional ones to the Tech Architect within 1, incidents to the Incident Commander", () => {
    const decide = "`/governance decide approve|reject <rationale>`";
    expect(lines).toEqual(
      expect.arrayContaining([
        `- Disagreement, incident (labels incident): incident-commander decides with ${decide} at once.`,
        `- Disagreement, peer between backend-lead, dba-lead, sre-lead, devops-lead, qa-lead: vp-engineering decides with ${decide} after 2 business day(s).`,
        `- Disagreement, cross-functional: tech-architect decides with ${decide} at once, deciding within 1 business day(s).`,
      ]),
    );
  });

  it("seed 004 line 33 and seed 002's disagreement resolution: management decides; it-operations has no emergency path", async () => {
    const itOps = renderMatrix(await preset("it-operations")).split("\n");
    expect(itOps).toContain("- Emergency: no role may take the emergency path.");
    expect(itOps.filter((l) => l.startsWith("- Disagreement"))).toEqual([
      "- Disagreement, cross-functional: engineering-management decides with `/governance decide approve|reject <rationale>` at once.",
    ]);
    const platform = renderMatrix(await preset("platform-engineering")).split("\n");
    expect(platform).toContain(
      "- Disagreement, cross-functional: engineering-management decides with `/governance decide approve|reject <rationale>` after 24 h.",
    );
  });
});
