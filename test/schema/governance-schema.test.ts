import { readFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv } from "ajv";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";
import { policyJsonSchema, policyJsonSchemaText } from "../../src/cli/schema.js";
import { PRESETS } from "../../src/policy/presets.js";
import { policyFileSchema } from "../../src/policy/schema.js";
import { ROOT } from "../cli/built-package.js";

/**
 * schema/governance.schema.json, the JSON Schema editors validate
 * .github/governance.yml with: committed, generated from the zod schema the
 * loader parses with, and accepting what the loader accepts.
 */

const COMMITTED = join(ROOT, "schema", "governance.schema.json");

/** As VS Code's YAML extension would: draft-07, every error. */
const validate = new Ajv({ allErrors: true, strict: true }).compile(JSON.parse(readFileSync(COMMITTED, "utf8")) as object);
const schemaAccepts = (doc: unknown) => validate(doc) === true;
const zodAccepts = (doc: unknown) => policyFileSchema.safeParse(doc).success;

describe("schema/governance.schema.json", () => {
  it("is what `npm run schema` writes from src/policy/schema.ts today (regenerate it with `npm run schema` and commit it)", () => {
    expect(readFileSync(COMMITTED, "utf8"), "schema/governance.schema.json is stale: run `npm run schema`").toBe(policyJsonSchemaText());
  });

  it("is draft-07 (what yaml-language-server reads) and closed: an unknown key is an error, as in the loader", () => {
    const schema = policyJsonSchema();
    expect(schema.$schema).toBe("http://json-schema.org/draft-07/schema#");
    expect(schema.additionalProperties).toBe(false);
  });
});

describe("what the loader accepts, the schema accepts", () => {
  it.each(PRESETS)("the preset %s", (name) => {
    const doc: unknown = parse(readFileSync(join(ROOT, "policies", `${name}.yml`), "utf8"));
    expect(zodAccepts(doc)).toBe(true);
    expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
  });

  it("every policy example in the README's 'Write .github/governance.yml' section", () => {
    const readme = readFileSync(join(ROOT, "README.md"), "utf8");
    const section = readme.slice(readme.indexOf("## Write `.github/governance.yml`"), readme.indexOf("\n## ", readme.indexOf("## Write `.github/governance.yml`") + 1));
    const examples = [...section.matchAll(/```yaml\n([\s\S]*?)```/g)].map((m) => parse(m[1]!) as unknown);
    expect(examples.length).toBeGreaterThanOrEqual(2);
    for (const doc of examples) {
      expect(zodAccepts(doc)).toBe(true);
      expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
    }
  });
});

describe("what the loader refuses, the schema refuses", () => {
  const base = { extends: "chat-backend", roles: { "backend-lead": { users: ["alice"] } } };
  const cases: [string, unknown][] = [
    ["a misspelt top-level key", { ...base, area: { api: { paths: ["api/**"] } } }],
    ["a misspelt area key", { areas: { api: { paths: ["api/**"], accountible: "backend-lead" } } }],
    ["level 5", { rules: { r: { level: 5 } } }],
    ["a level as a string", { rules: { r: { level: "3" } } }],
    ["a role id with capitals and a space", { roles: { "Backend Lead": { users: ["alice"] } } }],
    ["a login with a space", { roles: { "backend-lead": { users: ["alice smith"] } } }],
    ["users as one string, not a list", { roles: { "backend-lead": { users: "alice" } } }],
    ["an empty approvers list", { rules: { r: { level: 2, approvers: [] } } }],
    ["a rule without a level", { rules: { r: { approvers: ["backend-lead"] } } }],
    ["an unknown unowned action", { unowned: { action: "ignore" } }],
    ["an SLA hour that is not HH:MM", { sla: { hours: { start: "9:00", end: "17:00" } } }],
    ["a working day spelt out", { sla: { workingDays: ["monday"] } }],
    ["a negative price", { cost: { cpuMonth: -1 } }],
    ["version 2", { version: 2 }],
  ];

  it.each(cases)("%s", (_what, doc) => {
    expect(zodAccepts(doc)).toBe(false);
    expect(schemaAccepts(doc)).toBe(false);
  });

  it("and the same documents without the mistake pass both", () => {
    const fixed: unknown[] = [
      { ...base, areas: { api: { paths: ["api/**"] } } },
      { areas: { api: { paths: ["api/**"], accountable: "backend-lead" } } },
      { rules: { r: { level: 3, approvers: { all: ["tech-architect"], any: ["$accountables"], count: 2 } } } },
      { roles: { "backend-lead": { users: ["alice", "renovate[bot]"], teams: ["acme/backend"] }, "qa-team": null } },
      { sla: { timezone: "Europe/Berlin", workingDays: ["mon", "fri"], hours: { start: "09:00", end: "17:30" }, review: { businessDays: 2 } } },
      { levels: { 4: { commandOnly: true } }, version: 1 },
    ];
    for (const doc of fixed) {
      expect(zodAccepts(doc), JSON.stringify(doc)).toBe(true);
      expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
    }
  });
});
