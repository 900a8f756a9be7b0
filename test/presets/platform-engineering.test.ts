import { beforeAll, describe, expect, it } from "vitest";
import { evaluate } from "../../src/evaluate/evaluate.js";
import type { Policy } from "../../src/policy/model.js";
import { NOW, added, approval, comment, fixture, modified, prFacts } from "../helpers/facts.js";
import { explainFiles, explainRange, runCli, type ExplainJson } from "../helpers/git-repo.js";
import { policyFrom, preset } from "../helpers/policy.js";

/**
 * Seed 002 ("Roles and Responsibilities Framework: Product Owners, Engineers, and
 * Platform Engineering"): one test per statement a pull request can show, each
 * naming the line it enforces, on the layouts repositories have (a pnpm
 * monorepo with apps/*, packages/*, services/*, infra/, kubernetes/, deploy/,
 * .github/workflows and Terraform). Routing through the CLI as a user runs it
 * (`explain --json`); who may sign through `evaluate`.
 *
 * Platform Engineering approves CI/CD, production environment configuration,
 * deployment configuration (scaling, load balancing), IaC, security groups and
 * network configuration, access and permission changes (lines 152-162). The
 * architectural team reviews architecture, new technology and framework
 * changes, API design, data models shared by services and security
 * architecture (lines 164-174). Work is tracked by Jira tickets (line 220).
 */

const PRESET = "platform-engineering";
const BINDINGS = `extends: ${PRESET}
roles:
  platform-engineering: { users: [alan, antonia, trevor] }
  architecture-team: { users: [ari, alan] }
  engineers: { users: [eve, erin] }
  product-owner: { users: [paula] }
  engineering-management: { users: [mona] }
ticket: { projects: [LFXV2] }
`;
const TICKET = "LFXV2-302 Nats: automated backup";
const ENGINEER = "eve";

const workflow = fixture("presets/deploy.yml");
const dockerfile = fixture("presets/Dockerfile");
const mainTf = fixture("presets/main.tf");
const securityGroups = fixture("presets/security_groups.tf");
const adr = fixture("presets/adr-0012-nats-jetstream-backups.md");
const envProduction = fixture("presets/env.production");
const networkPolicy = fixture("changes/k8s/networkpolicy.yaml");
const rbac = fixture("changes/k8s/rbac.yaml");
const deployment = fixture("repo/deployment.yaml");
const pkg = fixture("repo/package.json");
const schema = fixture("repo/schema.prisma");
const openapiBase = fixture("changes/openapi/chat-api.base.yaml");
const openapiBreaking = fixture("changes/openapi/chat-api.head-breaking.yaml");

const CONTROLLER = `import { Body, Controller, Delete, Get, Param, Post } from "@nestjs/common";
import { ChatService } from "./chat.service";
import { CreateMessageDto } from "./dto/create-message.dto";

@Controller("chat")
export class ChatController {
  constructor(private readonly chat: ChatService) {}

  @Get("rooms/:roomId/messages")
  list(@Param("roomId") roomId: string) {
    return this.chat.messages(roomId);
  }

  @Post("rooms/:roomId/messages")
  send(@Param("roomId") roomId: string, @Body() dto: CreateMessageDto) {
    return this.chat.send(roomId, dto);
  }

  @Delete("messages/:id")
  remove(@Param("id") id: string) {
    return this.chat.remove(id);
  }
}
`;
const GUARD = `import { CanActivate, ExecutionContext, Injectable } from "@nestjs/common";
import { JwtService } from "@nestjs/jwt";

@Injectable()
export class JwtAuthGuard implements CanActivate {
  constructor(private readonly jwt: JwtService) {}

  canActivate(context: ExecutionContext): boolean {
    const token = context.switchToHttp().getRequest().headers.authorization?.slice(7);
    return Boolean(token && this.jwt.verify(token));
  }
}
`;

let policy: Policy;
let signers: Policy;
beforeAll(async () => {
  policy = await preset(PRESET);
  signers = await policyFrom(BINDINGS);
});

const requirements = (json: ExplainJson) =>
  json.requirements.map((r) => [r.id, r.level, r.roles, r.count]);
const ticketed = ["--author", ENGINEER, "--title", TICKET];
const untitled = ["--author", ENGINEER, "--title", "Tidy"];

describe("Items requiring Platform Engineering review and approval (seed 002 lines 152-162)", () => {
  it("line 157, CI/CD pipeline configurations and modifications: a test step in .github/workflows/deploy.yml → platform-engineering, ticket", async () => {
    const head = workflow.replace(
      "      - run: npm run build\n",
      "      - run: npm run build\n      - run: npm test\n",
    );
    const json = await explainRange(
      PRESET,
      { ".github/workflows/deploy.yml": workflow },
      { ".github/workflows/deploy.yml": head, ".circleci/config.yml": "version: 2.1\n" },
      ticketed,
    );
    expect(json.areas.map((a) => [a.id, a.level, a.files.sort()])).toEqual([
      ["ci-cd", 2, [".circleci/config.yml", ".github/workflows/deploy.yml"]],
    ]);
    expect(requirements(json)).toEqual([["ci-cd/base", 2, ["platform-engineering"], 1]]);
    expect(json.ticket).toMatchObject({ required: true, found: ["LFXV2-302"] });
  });

  it("line 158, production environment configuration changes: .env.production and apps/api/config/production/ → platform-engineering", async () => {
    const json = await explainRange(
      PRESET,
      { ".env.production": envProduction },
      {
        ".env.production": `${envProduction}BACKUP_SCHEDULE=0 3 * * *\n`,
        "apps/api/config/production/nats.yaml": "url: nats://nats.nats.svc:4222\n",
      },
      ticketed,
    );
    expect(json.areas.map((a) => [a.id, a.files.sort()])).toEqual([
      ["environments", [".env.production", "apps/api/config/production/nats.yaml"]],
    ]);
    expect(requirements(json)).toEqual([["environments/base", 2, ["platform-engineering"], 1]]);
  });

  it("line 159, deployment configurations including scaling policies: replicas 3 → 20 in infra/k8s/ → platform-engineering", async () => {
    const json = await explainRange(
      PRESET,
      { "infra/k8s/deployment.yaml": deployment },
      { "infra/k8s/deployment.yaml": deployment.replace("replicas: 3", "replicas: 20") },
      ticketed,
    );
    expect(json.areas.map((a) => [a.id, a.changes.map((c) => c.kind)])).toEqual([
      ["deployment", ["scaling-change", "cost-increase"]],
    ]);
    expect(requirements(json)).toEqual([["deployment/base", 2, ["platform-engineering"], 1]]);
  });

  it("line 159: a scaling change in a directory no glob foresaw (ops/chat/) still reaches platform-engineering", async () => {
    const json = await explainRange(
      PRESET,
      { "ops/chat/deployment.yaml": deployment },
      { "ops/chat/deployment.yaml": deployment.replace("replicas: 3", "replicas: 20") },
      ticketed,
    );
    expect(json.unowned).toEqual([]);
    expect(requirements(json)).toEqual([["deployment/base", 2, ["platform-engineering"], 1]]);
    expect(json.ticket.required).toBe(true);
  });

  it("line 159, load balancing rules: an Ingress beside apps/api/ and nginx/nginx.conf → platform-engineering", async () => {
    const ingress =
      "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata:\n  name: chat-api\nspec:\n  rules:\n    - host: chat.acme.dev\n";
    const json = await explainRange(
      PRESET,
      {},
      {
        "apps/api/ingress.yaml": ingress,
        "nginx/nginx.conf": "upstream chat { least_conn; server api-1:3000; server api-2:3000; }\n",
      },
      ticketed,
    );
    expect(json.unowned).toEqual([]);
    expect(json.areas.map((a) => [a.id, a.files.sort()])).toEqual([
      ["deployment", ["apps/api/ingress.yaml", "nginx/nginx.conf"]],
    ]);
    expect(requirements(json)).toEqual([["deployment/base", 2, ["platform-engineering"], 1]]);
  });

  it("line 159: a Dockerfile in services/ and a compose file → platform-engineering", async () => {
    const json = await explainRange(
      PRESET,
      { "services/backup/Dockerfile": dockerfile },
      {
        "services/backup/Dockerfile": dockerfile.replace(
          "node:20-bookworm-slim AS build",
          "node:22-bookworm-slim AS build",
        ),
        "docker-compose.override.yml": "services:\n  nats:\n    image: nats:2.10\n",
      },
      ticketed,
    );
    expect(json.areas.map((a) => a.id)).toEqual(["deployment"]);
    expect(json.requiredRoles).toEqual(["platform-engineering"]);
  });

  it("line 160, Infrastructure-as-Code templates and modifications: infra/terraform/ and a tfvars → platform-engineering", async () => {
    const json = await explainRange(
      PRESET,
      { "infra/terraform/main.tf": mainTf },
      {
        "infra/terraform/main.tf": mainTf.replace('version = "~> 5.40"', 'version = "~> 5.60"'),
        "infra/terraform/production.tfvars": 'environment = "prod"\nregion      = "us-west-2"\n',
      },
      ticketed,
    );
    expect(json.areas.map((a) => a.id)).toEqual(["iac"]);
    expect(requirements(json)).toEqual([["iac/base", 2, ["platform-engineering"], 1]]);
  });

  it("line 161, security group rules and network configurations: a security group and a NetworkPolicy → platform-engineering alone", async () => {
    const json = await explainRange(
      PRESET,
      { "infra/terraform/main.tf": mainTf },
      {
        "infra/terraform/security_groups.tf": securityGroups,
        "kubernetes/base/networkpolicy.yaml": networkPolicy,
      },
      ticketed,
    );
    expect(json.areas.find((a) => a.id === "network-access")?.files.sort()).toEqual([
      "infra/terraform/security_groups.tf",
      "kubernetes/base/networkpolicy.yaml",
    ]);
    expect(json.level).toBe(2);
    expect(json.requiredRoles).toEqual(["platform-engineering"]);
  });

  it("line 161: a security group added inside infra/terraform/main.tf → platform-engineering", async () => {
    const json = await explainRange(
      PRESET,
      { "infra/terraform/main.tf": mainTf },
      { "infra/terraform/main.tf": `${mainTf}\n${securityGroups}` },
      ticketed,
    );
    expect(json.areas.map((a) => [a.id, a.changes.map((c) => c.detail)])).toEqual([
      ["iac", ["aws_security_group.nats added"]],
    ]);
    expect(requirements(json)).toEqual([["iac/base", 2, ["platform-engineering"], 1]]);
  });

  it("line 162, access management and permissions changes: a Kubernetes Role, an IAM policy widened in Terraform, repository settings → platform-engineering", async () => {
    const iam = fixture("changes/terraform/main.tf");
    const json = await explainRange(
      PRESET,
      { "infra/terraform/backup.tf": iam },
      {
        "infra/terraform/backup.tf": iam.replace(
          'Action   = ["s3:PutObject", "s3:AbortMultipartUpload"]',
          'Action   = ["s3:*"]',
        ),
        "kubernetes/base/rbac/chat-api.yaml": rbac,
        ".github/settings.yml":
          "branches:\n  - name: main\n    protection:\n      required_pull_request_reviews: { required_approving_review_count: 1 }\n",
      },
      ticketed,
    );
    expect(json.areas.find((a) => a.id === "iac")?.changes.map((c) => c.detail)).toEqual([
      "aws_iam_role_policy.nats_backup_writer policy changed",
    ]);
    expect(json.areas.find((a) => a.id === "network-access")?.files.sort()).toEqual([
      ".github/settings.yml",
      "kubernetes/base/rbac/chat-api.yaml",
    ]);
    expect(json.level).toBe(2);
    expect(json.requiredRoles).toEqual(["platform-engineering"]);
  });
});

describe("Items requiring architectural team review (seed 002 lines 164-174)", () => {
  it("line 169, significant architecture changes: an ADR → architecture-team", async () => {
    const json = await explainRange(
      PRESET,
      {},
      { "docs/adr/0012-nats-jetstream-backups.md": adr },
      untitled,
    );
    expect(requirements(json)).toEqual([["architecture/base", 2, ["architecture-team"], 1]]);
    expect(json.ticket.required).toBe(false);
  });

  it("line 169: the label `architecture` on application code → architecture-team", async () => {
    const service = "export class ChatService {}\n";
    const json = await explainRange(PRESET, {}, { "apps/api/src/chat/chat.service.ts": service }, [
      ...untitled,
      "--label",
      "architecture",
    ]);
    expect(json.unowned).toEqual(["apps/api/src/chat/chat.service.ts"]);
    expect(requirements(json)).toEqual([
      ["unowned/architectural-review", 2, ["architecture-team"], 1],
    ]);
  });

  it("line 170, new technology stack additions: a new dependency in apps/api/package.json → architecture-team", async () => {
    const json = await explainRange(
      PRESET,
      { "apps/api/package.json": pkg },
      {
        "apps/api/package.json": pkg.replace(
          '"ioredis": "^5.4.1",',
          '"ioredis": "^5.4.1",\n    "nats": "^2.28.2",',
        ),
      },
      untitled,
    );
    expect(json.areas.map((a) => [a.id, a.changes.map((c) => c.kind)])).toEqual([
      ["dependencies", ["dependency-added"]],
    ]);
    expect(requirements(json)).toEqual([
      ["dependencies/new-technology", 2, ["architecture-team"], 1],
    ]);
  });

  it("line 170, framework changes: express ^4 → ^5 in services/notifications/package.json → architecture-team", async () => {
    const path = "services/notifications/package.json";
    const json = await explainRange(
      PRESET,
      { [path]: pkg },
      { [path]: pkg.replace('"express": "^4.21.1"', '"express": "^5.0.1"') },
      untitled,
    );
    expect(json.areas.map((a) => [a.id, a.changes.map((c) => c.kind)])).toEqual([
      ["dependencies", ["dependency-major"]],
    ]);
    expect(requirements(json)).toEqual([
      ["dependencies/new-technology", 2, ["architecture-team"], 1],
    ]);
  });

  it("line 170: a minor upgrade is no technology change and needs nobody's sign-off (only its ticket, line 227)", async () => {
    const json = await explainRange(
      PRESET,
      { "package.json": pkg },
      { "package.json": pkg.replace('"zod": "^3.23.8"', '"zod": "^3.24.1"') },
      ticketed,
    );
    expect(json.areas.map((a) => [a.id, a.level, a.changes.map((c) => c.kind)])).toEqual([
      ["dependencies", 1, ["dependency-minor"]],
    ]);
    expect([json.requirements, json.conclusion]).toEqual([[], "success"]);
  });

  it("line 171, API design patterns: a breaking change to apps/api/openapi.yaml → architecture-team", async () => {
    const json = await explainRange(
      PRESET,
      { "apps/api/openapi.yaml": openapiBase },
      { "apps/api/openapi.yaml": openapiBreaking },
      untitled,
    );
    expect(json.areas.map((a) => a.id)).toEqual(["api-contracts"]);
    expect(requirements(json)).toEqual([["api-contracts/api-design", 2, ["architecture-team"], 1]]);
  });

  it("line 171: a route removed from apps/api/src/chat/chat.controller.ts is an API design change → architecture-team", async () => {
    const path = "apps/api/src/chat/chat.controller.ts";
    const head = CONTROLLER.replace(/\n {2}@Delete\("messages\/:id"\)[\s\S]*?\n {2}\}\n/, "\n");
    expect(head).not.toContain("@Delete");
    const json = await explainRange(PRESET, { [path]: CONTROLLER }, { [path]: head }, untitled);
    expect(json.areas.map((a) => [a.id, a.changes.map((c) => c.kind)])).toEqual([
      ["api-contracts", ["api-breaking"]],
    ]);
    expect(requirements(json)).toEqual([["api-contracts/api-design", 2, ["architecture-team"], 1]]);
  });

  it("line 172, data model changes affecting multiple services: DROP COLUMN in apps/api/prisma/migrations/ → architecture-team", async () => {
    const json = await explainRange(
      PRESET,
      { "apps/api/prisma/schema.prisma": schema },
      {
        "apps/api/prisma/migrations/20250301090000_drop_avatar/migration.sql": fixture(
          "prs/drop-column.migration.sql",
        ),
      },
      untitled,
    );
    expect(json.areas.map((a) => [a.id, a.changes.map((c) => c.kind)])).toEqual([
      ["data-model", ["migration-destructive"]],
    ]);
    expect(requirements(json)).toEqual([
      ["data-model/data-model-change", 2, ["architecture-team"], 1],
    ]);
  });

  it("line 172: any change to the shared packages/db/ schema affects every service importing it → architecture-team", async () => {
    const path = "packages/db/prisma/schema.prisma";
    const json = await explainRange(
      PRESET,
      { [path]: schema },
      {
        [path]: schema.replace(
          "  avatarUrl String?\n",
          "  avatarUrl String?\n  locale    String?\n",
        ),
      },
      untitled,
    );
    expect(json.areas.map((a) => [a.id, a.changes])).toEqual([["data-model", []]]);
    expect(requirements(json)).toEqual([
      ["data-model/shared-data-model", 2, ["architecture-team"], 1],
    ]);
  });

  it("line 172: an additive migration of one service is the engineers' own (with its ticket, line 226)", async () => {
    const json = await explainRange(
      PRESET,
      {},
      {
        "apps/api/prisma/migrations/20261122080000_reactions/migration.sql": fixture(
          "prs/add-table.migration.sql",
        ),
      },
      ticketed,
    );
    expect(json.areas.map((a) => [a.id, a.level])).toEqual([["data-model", 1]]);
    expect([json.requirements, json.conclusion]).toEqual([[], "success"]);
  });

  it("line 173, security architecture decisions and implementations: a JWT guard in apps/api/src/auth/, a room guard beside its controller → architecture-team", async () => {
    const roomGuard = GUARD.replace("JwtAuthGuard", "RoomMemberGuard");
    const json = await explainRange(
      PRESET,
      {},
      {
        "apps/api/src/auth/guards/jwt-auth.guard.ts": GUARD,
        "apps/api/src/chat/room-member.guard.ts": roomGuard,
      },
      untitled,
    );
    expect(json.unowned).toEqual([]);
    expect(json.areas.map((a) => [a.id, a.files.sort()])).toEqual([
      [
        "security-architecture",
        ["apps/api/src/auth/guards/jwt-auth.guard.ts", "apps/api/src/chat/room-member.guard.ts"],
      ],
    ]);
    expect(requirements(json)).toEqual([
      ["security-architecture/base", 2, ["architecture-team"], 1],
    ]);
  });

  it("lines 161 and 173: security groups in a Terraform security/ module and RBAC in infra/k8s/security/ are network and access configuration, not security architecture", async () => {
    const json = await explainRange(
      PRESET,
      {},
      { "modules/security/nats.tf": securityGroups, "infra/k8s/security/rbac.yaml": rbac },
      ticketed,
    );
    expect(json.areas.map((a) => a.id).sort()).toEqual(["deployment", "iac"]);
    expect(json.requiredRoles).toEqual(["platform-engineering"]);
  });

  it("line 174, performance and scalability architecture: the label `performance-architecture` → architecture-team", async () => {
    const json = await explainRange(
      PRESET,
      { "infra/k8s/deployment.yaml": deployment },
      { "infra/k8s/deployment.yaml": deployment.replace("replicas: 3", "replicas: 4") },
      [...ticketed, "--label", "performance-architecture"],
    );
    expect(requirements(json)).toEqual([
      ["deployment/base", 2, ["platform-engineering"], 1],
      ["deployment/architectural-review", 2, ["architecture-team"], 1],
    ]);
  });
});

describe("approval process and decision authority (seed 002 lines 178-216)", () => {
  const files = [
    modified(
      ".github/workflows/deploy.yml",
      workflow,
      workflow.replace(
        "      - run: npm run build\n",
        "      - run: npm run build\n      - run: npm test\n",
      ),
    ),
  ];
  const decide = (
    author: string,
    reviews: ReturnType<typeof approval>[],
    comments: ReturnType<typeof comment>[] = [],
  ) => evaluate(signers, prFacts(files, { author, title: TICKET, reviews, comments }), NOW);

  it("line 183, Platform Engineering approves: one member's approval passes an engineer's pipeline change", () => {
    expect(decide(ENGINEER, [approval("trevor")]).conclusion).toBe("success");
  });

  it("line 93, engineers do not bypass Platform Engineering review: another engineer's approval does not count", () => {
    const d = decide(ENGINEER, [approval("erin")]);
    expect(d.conclusion).toBe("failure");
    expect(d.requirements[0]?.missing).toEqual([{ roles: ["platform-engineering"], count: 1 }]);
  });

  it("line 29, Product Owners do not modify CI/CD pipelines: a product owner's approval does not count", () => {
    expect(decide(ENGINEER, [approval("paula")]).conclusion).toBe("failure");
  });

  it("a Platform Engineering member's own change needs another member; the author's sign-off never counts", () => {
    const own = decide("alan", [approval("alan")], [comment("alan", "/approve-level2")]);
    expect(own.conclusion).toBe("failure");
    expect(own.requirements[0]?.signatures).toEqual([]);
    expect(decide("alan", [approval("antonia")]).conclusion).toBe("success");
  });

  it("line 209, Product Owners have final authority on feature requirements: docs/product/ → product-owner, not Platform Engineering", () => {
    const spec = prFacts(
      [
        added(
          "docs/product/reactions.md",
          "# Reactions\n\nAs a member I can react with an emoji.\n",
        ),
      ],
      { author: ENGINEER, title: "Reactions spec" },
    );
    const d = evaluate(signers, spec, NOW);
    expect(d.requirements.map((r) => [r.id, r.clauses])).toEqual([
      ["product-docs/base", [{ roles: ["product-owner"], count: 1 }]],
    ]);
    expect(evaluate(signers, { ...spec, reviews: [approval("trevor")] }, NOW).conclusion).toBe(
      "failure",
    );
    expect(evaluate(signers, { ...spec, reviews: [approval("paula")] }, NOW).conclusion).toBe(
      "success",
    );
  });

  it("lines 152 and 164: a change in both domains needs both reviews: Platform Engineering's and the architectural team's", () => {
    const both = prFacts(
      [
        added("infra/terraform/security_groups.tf", securityGroups),
        added("docs/adr/0013-nats-ingress.md", adr),
      ],
      { author: ENGINEER, title: TICKET },
    );
    const platformOnly = evaluate(signers, { ...both, reviews: [approval("trevor")] }, NOW);
    expect(platformOnly.conclusion).toBe("failure");
    expect(platformOnly.requirements.filter((r) => !r.satisfied).map((r) => r.id)).toEqual([
      "architecture/base",
    ]);
    expect(
      evaluate(signers, { ...both, reviews: [approval("trevor"), approval("ari")] }, NOW)
        .conclusion,
    ).toBe("success");
  });
});

describe("expedited approval (seed 002 lines 187-191)", () => {
  const facts = (comments: ReturnType<typeof comment>[]) =>
    prFacts([added("infra/terraform/main.tf", mainTf)], {
      author: ENGINEER,
      title: TICKET,
      comments,
    });

  it("line 190: Platform Engineering's /emergency passes the check, with the post-implementation review within 24 h (line 191)", () => {
    const d = evaluate(
      signers,
      facts([comment("trevor", "/emergency NATS JetStream is down in production")]),
      NOW,
    );
    expect(d.conclusion).toBe("success");
    expect(d.emergency).toMatchObject({ by: "trevor" });
    expect(policy.emergency).toEqual({
      roles: ["platform-engineering"],
      reviewWithinHours: 24,
      allowAuthor: false,
    });
  });

  it("line 189: engineers request expedited review; they cannot grant it", () => {
    const d = evaluate(
      signers,
      facts([comment("erin", "/emergency NATS JetStream is down in production")]),
      NOW,
    );
    expect(d.emergency).toBeUndefined();
    expect(d.conclusion).toBe("failure");
  });

  it("line 182: feedback within 1-2 business days; line 190: expedited within 4 business hours", () => {
    expect(policy.sla.review).toEqual({ businessDays: 2 });
    expect(policy.sla.expedited).toEqual({ businessHours: 4 });
    expect(policy.sla.workingDays).toEqual(["mon", "tue", "wed", "thu", "fri"]);
  });
});

describe("Jira tickets (seed 002 lines 218-233)", () => {
  it("line 227, CI/CD changes: a pipeline change without a key fails, and names the areas that need one", async () => {
    const json = await explainFiles(
      PRESET,
      [".github/workflows/deploy.yml", "kubernetes/base/networkpolicy.yaml"],
      ["--title", "Nats: automated backup solution"],
    );
    expect(json.ticket).toMatchObject({ required: true, found: [] });
    expect(json.conclusion).toBe("failure");
    expect(
      json.problems.filter((p) => /ticket reference/.test(p.message)).map((p) => p.message),
    ).toEqual([
      "areas ci-cd, deployment, network-access require a ticket reference in the title or body",
    ]);
  });

  it("line 228, deployment updates: the key may be in the body, as a Jira link (line 240)", () => {
    const facts = prFacts(
      [
        modified(
          "infra/k8s/deployment.yaml",
          deployment,
          deployment.replace("replicas: 3", "replicas: 4"),
        ),
      ],
      {
        author: ENGINEER,
        title: "Scale chat-api to 4",
        body: "Jira: https://linuxfoundation.atlassian.net/browse/LFXV2-302",
        reviews: [approval("trevor")],
      },
    );
    const d = evaluate(signers, facts, NOW);
    expect(d.ticket.found).toEqual(["LFXV2-302"]);
    expect(d.conclusion).toBe("success");
  });

  it("line 220: a standard's name is no Jira ticket (UTF-8, SHA-256, CVE-2024)", async () => {
    const json = await explainFiles(
      PRESET,
      [".github/workflows/deploy.yml"],
      ["--title", "Pin images by SHA-256, UTF-8 logs", "--body", "Fixes CVE-2024-3094."],
    );
    expect(json.ticket).toMatchObject({ required: true, found: [] });
    expect(json.conclusion).toBe("failure");
  });

  it("line 231, tickets live in the product's own board: with projects named, another board's key does not count", () => {
    const facts = prFacts([added(".github/workflows/deploy.yml", workflow)], {
      author: ENGINEER,
      title: "PLATFORM-12 deploy from tags",
      reviews: [approval("trevor")],
    });
    expect(evaluate(signers, facts, NOW).conclusion).toBe("failure");
    expect(
      evaluate(signers, { ...facts, title: "LFXV2-302 deploy from tags" }, NOW).conclusion,
    ).toBe("success");
  });

  // Lines 222-230: "All work items must be tracked through Jira tickets", and the five
  // categories are feature development, enhancements, bug fixes, CI/CD changes and
  // deployment updates: application code needs a ticket wherever it lives, though no area
  // owns it. Documentation alone is none of the five (ticket.exemptPaths).
  const SERVICE = `export class ChatService {
  constructor(private readonly messages: MessageRepository) {}

  async history(roomId: string, before?: Date) {
    return this.messages.find({ roomId, before, limit: 50 });
  }
}
`;
  const bugFix = (title: string, body = "") =>
    prFacts(
      [
        modified(
          "apps/api/src/chat/chat.service.ts",
          SERVICE,
          SERVICE.replace("limit: 50", 'limit: 50, order: "desc"'),
        ),
      ],
      { author: ENGINEER, title, body },
    );

  it("line 228, bug fixes: a fix in apps/api/src/ citing no ticket fails and says how to cite one", () => {
    const d = evaluate(signers, bugFix("Fix message history order"), NOW);
    expect(d.unowned).toEqual(["apps/api/src/chat/chat.service.ts"]);
    expect(d.requirements).toEqual([]);
    expect(d.ticket).toMatchObject({
      required: true,
      found: [],
      areas: [],
      unexempt: ["apps/api/src/chat/chat.service.ts"],
    });
    expect(d.conclusion).toBe("failure");
    expect(d.problems.filter((p) => p.severity === "error")).toEqual([
      {
        severity: "error",
        message:
          "every change needs a ticket reference in the title or body (ticket.everyChange); apps/api/src/chat/chat.service.ts is not exempt",
        fix: "add a ticket key of LFXV2 (e.g. LFXV2-123) to the title or description",
      },
    ]);
  });

  it("line 228: `explain` says why a fix in src/ needs a ticket", async () => {
    const run = await runCli([
      "explain",
      "--policy",
      PRESET,
      "--files",
      "src/chat/chat.service.ts",
      "--title",
      "Fix message history order",
    ]);
    expect(run.stdout).toContain(
      "Ticket: required by every change outside ticket.exemptPaths; none found (pattern",
    );
  });

  it("line 228: the same fix with LFXV2-302 in the title passes", () => {
    const d = evaluate(signers, bugFix("LFXV2-302 Fix message history order"), NOW);
    expect(d.ticket.found).toEqual(["LFXV2-302"]);
    expect(d.conclusion).toBe("success");
  });

  it("line 226, feature development: a new guard approved by the architectural team (line 173) still needs its ticket", () => {
    const facts = prFacts([added("apps/api/src/auth/jwt-auth.guard.ts", GUARD)], {
      author: ENGINEER,
      title: "Authenticate chat sockets",
      reviews: [approval("ari")],
    });
    const unticketed = evaluate(signers, facts, NOW);
    expect(unticketed.requirements.map((r) => [r.id, r.satisfied])).toEqual([
      ["security-architecture/base", true],
    ]);
    expect(unticketed.ticket).toMatchObject({ required: true, found: [] });
    expect(unticketed.conclusion).toBe("failure");
    const ticketed = evaluate(
      signers,
      { ...facts, body: "Implements https://linuxfoundation.atlassian.net/browse/LFXV2-302" },
      NOW,
    );
    expect(ticketed.conclusion).toBe("success");
  });

  it("line 227, enhancements: a minor dependency bump and an additive migration need a ticket; an ADR alone does not", async () => {
    const json = await explainFiles(
      PRESET,
      ["package.json", "prisma/migrations/20261122080000_reactions/migration.sql"],
      ["--title", "Bump zod, add reactions"],
    );
    expect(json.ticket).toMatchObject({ required: true, found: [], areas: [] });
    expect(json.problems.filter((p) => p.severity === "error").map((p) => p.message)).toEqual([
      "every change needs a ticket reference in the title or body (ticket.everyChange); package.json, prisma/migrations/20261122080000_reactions/migration.sql are not exempt",
    ]);
    expect(json.conclusion).toBe("failure");
    const adrOnly = await explainRange(
      PRESET,
      {},
      { "docs/adr/0012-nats-jetstream-backups.md": adr },
      untitled,
    );
    expect(adrOnly.ticket.required).toBe(false);
  });

  it("lines 226-230 name no documentation: a docs-only change (docs/, READMEs anywhere) passes without a ticket", () => {
    const d = evaluate(
      signers,
      prFacts(
        [
          modified("README.md", "# Chat\n", "# Chat\n\nRun `pnpm dev`.\n"),
          added("docs/runbooks/nats-backup.md", "# Restoring a NATS backup\n"),
          modified("packages/ui/README.md", "# UI\n", "# UI kit\n"),
        ],
        { author: ENGINEER, title: "Document NATS restores" },
      ),
      NOW,
    );
    expect(d.ticket).toEqual({
      required: false,
      pattern: policy.ticket!.pattern,
      found: [],
      areas: [],
      unexempt: [],
    });
    expect(d.conclusion).toBe("success");
  });

  it("line 229: documentation beside a pipeline is no longer documentation only: the ticket is needed", () => {
    const d = evaluate(
      signers,
      prFacts(
        [
          added("docs/ci.md", "# CI\n"),
          modified(".github/workflows/deploy.yml", workflow, `${workflow}# nightly\n`),
        ],
        { author: ENGINEER, title: "Document CI", reviews: [approval("trevor")] },
      ),
      NOW,
    );
    expect(d.ticket).toMatchObject({
      required: true,
      areas: ["ci-cd"],
      unexempt: [".github/workflows/deploy.yml"],
    });
    expect(d.conclusion).toBe("failure");
  });

  it("line 222: a standard's name in a bug fix's title or body is no ticket (UTF-8, SHA-256, CVE-2024), with or without named projects", () => {
    const hostile = bugFix(
      "Fix UTF-8 decoding of history",
      "Fixes CVE-2024-3094; pins by SHA-256.",
    );
    for (const p of [policy, signers]) {
      const d = evaluate(p, hostile, NOW);
      expect(d.ticket).toMatchObject({ required: true, found: [] });
      expect(d.conclusion).toBe("failure");
    }
  });
});

describe("the preset itself", () => {
  it("declares the document's roles and binds nobody", () => {
    expect([...policy.roles.keys()]).toEqual([
      "product-owner",
      "engineers",
      "platform-engineering",
      "architecture-team",
      "engineering-management",
    ]);
    expect(
      [...policy.roles.values()].every((r) => r.users.length === 0 && r.teams.length === 0),
    ).toBe(true);
  });
});

describe("amending the policy (issue 10 item 3)", () => {
  // Seed 002, lines 214–216: "Platform Engineering has authority on infrastructure provisioning,
  // deployment approvals, and operational standards/compliance"; "Cross-functional Conflicts:
  // Escalate to management when decisions impact multiple domains". The policy sets every
  // domain's approvals, so an amendment needs both, as joint approval (level 3).
  const REBOUND = BINDINGS.replace(
    "[alan, antonia, trevor]",
    "[alan, antonia, trevor, eves-colleague]",
  );

  it("rebinding the approving role → level 3, platform-engineering + engineering-management", () => {
    const facts = (reviews: ReturnType<typeof approval>[]) =>
      prFacts([modified(".github/governance.yml", BINDINGS, REBOUND)], {
        author: ENGINEER,
        title: TICKET,
        reviews,
      });
    const d = evaluate(signers, facts([]), NOW);
    expect(d.unowned).toEqual([]);
    expect([d.level, d.conclusion]).toEqual([3, "failure"]);
    expect(d.requirements.map((r) => [r.id, r.level, r.clauses])).toEqual([
      [
        "governance/base",
        3,
        [
          { roles: ["platform-engineering"], count: 1 },
          { roles: ["engineering-management"], count: 1 },
        ],
      ],
    ]);
    expect(evaluate(signers, facts([approval("alan")]), NOW).conclusion).toBe("failure");
    expect(evaluate(signers, facts([approval("alan"), approval("mona")]), NOW).conclusion).toBe(
      "success",
    );
  });
});
