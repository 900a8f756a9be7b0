import { z } from "zod";
import { policyFileSchema } from "../policy/schema.js";
import type { Io } from "./args.js";

/**
 * The JSON Schema of a policy file, for editors: `governance-gate schema`
 * prints it, `npm run schema` writes it to schema/governance.schema.json (kept
 * in git, where a test fails when it no longer matches src/policy/schema.ts).
 *
 * Generated from the zod schema the loader parses with, never written by hand,
 * so an editor accepts the keys the app accepts. Draft-07 because that is the
 * newest draft yaml-language-server (VS Code's YAML extension) supports. The
 * input side, because the schema checks what people write. What JSON Schema
 * cannot say (`any` and `count` go together; roles and kinds that must exist
 * after `extends`) stays with `governance-gate lint`.
 */

export function policyJsonSchema(): Record<string, unknown> {
  const generated = z.toJSONSchema(policyFileSchema, {
    target: "draft-7",
    io: "input",
    unrepresentable: "throw",
  });
  const { $schema, ...rest } = generated;
  return {
    $schema,
    title: "Governance Gate policy",
    description:
      "A Governance Gate policy file: .github/governance.yml, a file it extends, or a preset. Generated from src/policy/schema.ts by `npm run schema`; `governance-gate lint` also checks what a schema cannot (roles, kinds and areas that must exist).",
    ...rest,
  };
}

/** The text of schema/governance.schema.json: two-space JSON and a final newline. */
export function policyJsonSchemaText(): string {
  return `${JSON.stringify(policyJsonSchema(), null, 2)}\n`;
}

export async function schemaCommand(io: Io): Promise<number> {
  // io.out adds the final newline.
  io.out(policyJsonSchemaText().trimEnd());
  return 0;
}
