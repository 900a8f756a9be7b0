import { describe, expect, it } from "vitest";
import { loadPolicy } from "../../src/policy/load.js";
import { PRESETS, fileSystemReader, readPreset } from "../../src/policy/presets.js";
import { formatProblem } from "../../src/policy/problems.js";
import { memoryReader, policyFrom } from "../helpers/policy.js";

async function problemsOf(yaml: string, files: Record<string, string> = {}) {
  const result = await loadPolicy(
    { name: ".github/governance.yml", text: yaml },
    memoryReader(files),
  );
  return { policy: result.policy, lines: result.problems.map(formatProblem) };
}

describe("loading the shipped presets", () => {
  // A preset cannot know a repository's Jira projects: platform-engineering, which
  // requires tickets, warns until a repository names them (issue 11 §5).
  const expected: Record<(typeof PRESETS)[number], RegExp[]> = {
    "chat-backend": [],
    "platform-engineering": [
      /^policies\/platform-engineering\.yml:\d+:\d+: warning: .* ticket\.projects names no project: /,
    ],
    "it-operations": [],
  };
  it.each(PRESETS)(
    "%s loads without a single problem but the ones it must leave to a repository",
    async (name) => {
      const result = await loadPolicy(await readPreset(name), fileSystemReader);
      expect(result.problems.map(formatProblem)).toEqual(
        expected[name].map((re) => expect.stringMatching(re)),
      );
      expect(result.policy?.areas.length).toBeGreaterThan(5);
    },
  );
});

describe("reporting every problem with file:line:col and the YAML path", () => {
  it("reports unknown keys, wrong types, undefined roles, unknown kinds and bad globs in one run", async () => {
    const { policy, lines } = await problemsOf(`roles:
  backend-lead: { users: [alice] }
areas:
  api:
    paths: ["src/api/**", "/abs/**", "src/{a,b"]
    accountable: backend-laed
    owner: someone
    level: 5
rules:
  breaking:
    areas: [api, apj]
    when: { kinds: [api-braking] }
    level: 3
    approvers: [backend-lead, product-owner]
`);
    expect(policy).toBeUndefined();
    expect(lines).toEqual([
      `.github/governance.yml:5:27: error: glob "/abs/**" starts with '/': paths are relative to the repository root, write it without the leading '/' (at areas.api.paths[1])`,
      `.github/governance.yml:5:38: error: glob "src/{a,b" has unbalanced braces { } (at areas.api.paths[2])`,
      `.github/governance.yml:6:18: error: role "backend-laed" is not defined; declare it under roles: (did you mean "backend-lead"?) (at areas.api.accountable)`,
      '.github/governance.yml:7:5: error: unknown key "owner" (did you mean "accountable"?) (at areas.api.owner)',
      ".github/governance.yml:8:12: error: must be a level: 1, 2, 3 or 4 (at areas.api.level)",
      `.github/governance.yml:11:18: error: area "apj" is not defined (did you mean "api"?) (at rules.breaking.areas[1])`,
      `.github/governance.yml:12:21: error: unknown change kind "api-braking" (did you mean "api-breaking"?) (at rules.breaking.when.kinds[0])`,
      `.github/governance.yml:14:31: error: role "product-owner" is not defined; declare it under roles: (at rules.breaking.approvers[1])`,
    ]);
  });

  it("reports cross-reference problems once the shape is right, each at its own line", async () => {
    const { policy, lines } = await problemsOf(`roles:
  backend-lead: { users: [alice] }
areas:
  api:
    paths: ["src/api/**", "/abs/**", "src/{a,b"]
    accountable: backend-laed
    level: 2
rules:
  breaking:
    areas: [api, apj]
    when: { kinds: [api-braking] }
    level: 3
    approvers: [backend-lead, product-owner]
`);
    expect(policy).toBeUndefined();
    expect(lines).toEqual([
      `.github/governance.yml:5:27: error: glob "/abs/**" starts with '/': paths are relative to the repository root, write it without the leading '/' (at areas.api.paths[1])`,
      `.github/governance.yml:5:38: error: glob "src/{a,b" has unbalanced braces { } (at areas.api.paths[2])`,
      `.github/governance.yml:6:18: error: role "backend-laed" is not defined; declare it under roles: (did you mean "backend-lead"?) (at areas.api.accountable)`,
      `.github/governance.yml:10:18: error: area "apj" is not defined (did you mean "api"?) (at rules.breaking.areas[1])`,
      `.github/governance.yml:11:21: error: unknown change kind "api-braking" (did you mean "api-breaking"?) (at rules.breaking.when.kinds[0])`,
      `.github/governance.yml:13:31: error: role "product-owner" is not defined; declare it under roles: (at rules.breaking.approvers[1])`,
    ]);
  });

  it("reports YAML syntax errors with their position instead of throwing", async () => {
    const { policy, lines } = await problemsOf("areas:\n  api:\n    paths: [src/**\n  level: 2\n");
    expect(policy).toBeUndefined();
    expect(lines.length).toBeGreaterThan(0);
    expect(lines[0]).toMatch(/^\.github\/governance\.yml:\d+:\d+: error: invalid YAML: /);
  });

  it("reports duplicate keys, which YAML parsers otherwise resolve silently", async () => {
    const { lines } = await problemsOf("areas:\n  api:\n    paths: [a]\n    paths: [b]\n");
    expect(lines.some((l) => l.includes("invalid YAML") && /duplicate|unique/i.test(l))).toBe(true);
  });

  it("rejects an escalation path that visits a role twice", async () => {
    const { lines } = await problemsOf(`roles: { a: { users: [x] }, b: { users: [y] } }
areas:
  api: { paths: ["src/**"], accountable: a, escalation: [a, b, a] }
`);
    expect(lines).toEqual([
      `.github/governance.yml:3:57: error: escalation path visits "a" twice (a cycle); list each role once, lowest first (at areas.api.escalation)`,
    ]);
  });

  it("detects an extends cycle and names the chain", async () => {
    const { policy, lines } = await problemsOf("extends: one.yml\n", {
      "one.yml": "extends: two.yml\n",
      "two.yml": "extends: one.yml\n",
    });
    expect(policy).toBeUndefined();
    expect(lines).toEqual([
      "two.yml:1:10: error: extends cycle: .github/governance.yml → one.yml → two.yml → one.yml (at extends)",
    ]);
  });

  it("says which extends target cannot be read", async () => {
    const { lines } = await problemsOf("extends: chat-backnd\n");
    expect(lines).toEqual([
      '.github/governance.yml:1:10: error: cannot extend "chat-backnd": no such file chat-backnd (at extends)',
    ]);
  });

  it("accepts a ticket requirement only with a pattern, and a valid regular expression", async () => {
    const { lines } = await problemsOf(`roles: { a: { users: [x] } }
areas:
  ci: { paths: [".github/workflows/**"], accountable: a, ticket: true }
`);
    expect(lines).toEqual([
      `.github/governance.yml:3:66: error: area "ci" requires a ticket but the policy has no ticket.pattern (at areas.ci.ticket)`,
    ]);
    const bad = await problemsOf(`roles: { a: { users: [x] } }
areas: { ci: { paths: ["x/**"], accountable: a } }
ticket: { pattern: "[A-Z+" }
`);
    expect(bad.lines[0]).toMatch(
      /^\.github\/governance\.yml:3:20: error: ticket pattern is not a valid regular expression/,
    );
    const projectsOnly = await problemsOf(`roles: { a: { users: [x] } }
areas: { ci: { paths: ["x/**"], accountable: a } }
ticket: { projects: [LFXV2, "not a key"] }
`);
    expect(projectsOnly.lines).toEqual([
      '.github/governance.yml:3:9: error: ticket needs a pattern (for example "[A-Z][A-Z0-9]+-\\\\d+") (at ticket)',
      ".github/governance.yml:3:29: error: a project key: letters, digits, underscores (at ticket.projects[1])",
    ]);
  });

  it("warns about a bound role nothing uses (usually a misspelt binding)", async () => {
    const { policy, lines } = await problemsOf(`extends: chat-backend
roles:
  backend-laed: { users: [alice] }
`);
    expect(policy).toBeDefined();
    expect(lines).toEqual([
      `.github/governance.yml:3:17: warning: role "backend-laed" is bound to people but no area or rule uses it (did you mean "backend-lead"?) (at roles.backend-laed)`,
    ]);
  });
});

describe("bots in roles", () => {
  it("rejects a bot in a role that signs, at the bot's entry, and says what to do", async () => {
    const { policy, lines } = await problemsOf(`roles:
  deps-owner: { users: [bea, "dependabot[bot]"] }
  release-bots: { users: ["renovate[bot]"] }
  sre-lead: { users: [sam] }
areas:
  dependencies:
    paths: ["package.json", "package-lock.json"]
    accountable: deps-owner
    informed: [release-bots]
    level: 2
rules:
  bot-bumps:
    areas: [dependencies]
    when: { author: { memberOf: [release-bots] } }
    level: 2
    approvers: [sre-lead]
`);
    expect(policy).toBeUndefined();
    // renovate[bot] only matches authors and is informed: it may stay.
    expect(lines).toEqual([
      `.github/governance.yml:2:30: error: bots cannot sign off: remove dependabot[bot] from role "deps-owner", which signs, gives input or reviews (areas.dependencies.accountable); a bot may be in a role used only by when.author or informed (at roles.deps-owner.users[1])`,
    ]);
  });

  it.each([
    [
      "a rule's approvers",
      "",
      "rules:\n  r: { level: 3, approvers: [bots] }\n",
      "rules.r.approvers",
    ],
    [
      "required input",
      "",
      "rules:\n  r: { level: 2, requireInputFrom: [bots] }\n",
      "rules.r.requireInputFrom",
    ],
    ["the emergency path", "", "emergency: { roles: [bots] }\n", "emergency.roles"],
    ["an escalation path", ", escalation: [lead, bots]", "", "areas.api.escalation"],
  ])("rejects a bot in a role used for %s", async (_use, areaFields, yaml, usedAt) => {
    const { policy, lines } = await problemsOf(`roles:
  lead: { users: [alice] }
  bots: { users: ["dependabot[bot]"] }
areas:
  api: { paths: ["src/**"], accountable: lead${areaFields} }
${yaml}`);
    expect(policy).toBeUndefined();
    expect(lines).toEqual([
      `.github/governance.yml:3:19: error: bots cannot sign off: remove dependabot[bot] from role "bots", which signs, gives input or reviews (${usedAt}); a bot may be in a role used only by when.author or informed (at roles.bots.users[0])`,
    ]);
  });
});

describe("extends", () => {
  it("binds preset roles to people and keeps the preset's areas and rules", async () => {
    const policy = await policyFrom(`extends: chat-backend
roles:
  backend-lead: { users: [Alice] }
  dba-lead: { users: [dana] }
  sre-lead: { teams: [sre-leads] }
`);
    expect(policy.roles.get("backend-lead")).toMatchObject({
      users: ["alice"],
      description: expect.stringContaining("Backend Lead"),
    });
    expect(policy.roles.get("sre-lead")?.teams).toEqual(["sre-leads"]);
    expect(policy.areas.map((a) => a.id)).toContain("prisma");
    expect(policy.rules.find((r) => r.id === "migration-destructive")?.approvers.all).toEqual([
      "dba-lead",
      "backend-lead",
      "sre-lead",
    ]);
    expect(policy.sources).toEqual([".github/governance.yml", "policies/chat-backend.yml"]);
  });

  it("overrides an area field by field and adds new areas by id", async () => {
    const policy = await policyFrom(`extends: chat-backend
areas:
  infra:
    paths: ["infrastructure/**"]
  mobile:
    paths: ["mobile/**"]
    accountable: frontend-lead
    level: 2
`);
    const infra = policy.areas.find((a) => a.id === "infra")!;
    expect(infra.paths).toEqual(["infrastructure/**"]);
    expect(infra.accountable).toBe("sre-lead");
    const mobile = policy.areas.find((a) => a.id === "mobile")!;
    expect(mobile.approvers).toEqual({ all: ["frontend-lead"] });
    expect(policy.areas[policy.index.match("mobile/App.tsx")[0]!]!.id).toBe("mobile");
  });

  it("extends a file relative to the repository's policy and blames problems on the file that has them", async () => {
    const { lines } = await problemsOf(
      `extends: org.yml
roles:
  lead: { users: [alice] }
`,
      {
        "org.yml": `roles:
  lead: {}
areas:
  api: { paths: ["src/**"], accountable: lead, consulted: [nobody] }
`,
      },
    );
    expect(lines).toEqual([
      `org.yml:4:60: error: role "nobody" is not defined; declare it under roles: (at areas.api.consulted[0])`,
    ]);
  });
});

describe("N-of-M approvers and $accountables", () => {
  it("expands $accountables to every other DRI of the policy (the amendment rule)", async () => {
    // chat-backend names its DRIs; a policy may let $accountables name them instead.
    const policy = await policyFrom(
      "extends: chat-backend\nareas:\n  governance:\n    approvers: { all: [tech-architect], any: [$accountables], count: 2 }\n",
    );
    const governance = policy.areas.find((a) => a.id === "governance")!;
    expect(governance.approvers).toEqual({
      all: ["tech-architect"],
      any: {
        roles: [
          "backend-lead",
          "sre-lead",
          "security-lead",
          "devops-lead",
          "qa-lead",
          "product-owner",
        ],
        count: 2,
      },
    });
  });

  it("requires any and count together", async () => {
    const { lines } = await problemsOf(`roles: { a: { users: [x] } }
areas:
  api:
    paths: ["src/**"]
    accountable: a
    approvers: { any: [a] }
`);
    expect(lines).toEqual([
      ".github/governance.yml:6:16: error: `any` and `count` go together: `any: [roles], count: N` (at areas.api.approvers)",
    ]);
  });
});

describe("hostile or malformed YAML", () => {
  it("reports an alias without its anchor at the alias, instead of throwing", async () => {
    const { policy, lines } = await problemsOf(
      "extends: chat-backend\nroles:\n  backend-lead: *lead\n",
    );
    expect(policy).toBeUndefined();
    expect(lines).toEqual([
      ".github/governance.yml:3:17: error: invalid YAML: Unresolved alias (the anchor must be set before the alias): lead",
    ]);
  });

  it("says what a wrongly typed section is, rather than calling it missing", async () => {
    const { lines } = await problemsOf("extends: chat-backend\nroles: 42\n");
    expect(lines).toEqual([
      ".github/governance.yml:2:8: error: Invalid input: expected record, received number (at roles)",
    ]);
  });
});

describe("the SLA calendar's time zone", () => {
  const withZone = (zone: string) => `roles:
  backend-lead: { users: [alice] }
sla:
  timezone: ${zone}
areas:
  api:
    paths: ["src/api/**"]
    accountable: backend-lead
    level: 2
`;
  it("is refused, with where and what to write, when no such IANA zone exists", async () => {
    const { policy, lines } = await problemsOf(withZone("Mars/Olympus_Mons"));
    expect(policy).toBeUndefined();
    expect(lines).toEqual([
      expect.stringMatching(
        /^\.github\/governance\.yml:4:\d+: error: unknown time zone "Mars\/Olympus_Mons" \(use an IANA name such as Europe\/Berlin\) \(at sla\.timezone\)$/,
      ),
    ]);
  });

  it.each(["UTC", "Europe/Berlin", "America/Los_Angeles"])("accepts %s", async (zone) => {
    const { policy, lines } = await problemsOf(withZone(zone));
    expect(lines).toEqual([]);
    expect(policy?.sla.timezone).toBe(zone);
  });
});
