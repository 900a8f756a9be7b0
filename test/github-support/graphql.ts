/**
 * Validates GraphQL requests against GitHub's public schema (`@octokit/graphql-schema`'s
 * `schema.graphql`). The schema is built once per module graph (= once per vitest test file),
 * lazily, on the first validation.
 */
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import {
  type GraphQLSchema,
  type OperationDefinitionNode,
  buildSchema,
  getVariableValues,
  Kind,
  parse,
  validate,
} from "graphql";

export interface GraphqlRequestBody {
  query: string;
  variables?: object | null;
  operationName?: string | null;
}

let schema: GraphQLSchema | undefined;

/** The package exports only its ESM entry, so its files are found through node_modules lookup. */
function packageFile(pkg: string, file: string): string {
  for (const dir of createRequire(import.meta.url).resolve.paths(pkg) ?? []) {
    const candidate = join(dir, pkg, file);
    if (existsSync(candidate)) return candidate;
  }
  throw new Error(`cannot find ${pkg}/${file}`);
}

export function githubGraphqlSchema(): GraphQLSchema {
  if (!schema) {
    const file = packageFile("@octokit/graphql-schema", "schema.graphql");
    // assumeValid: the schema is GitHub's own; skipping its self-validation saves ~half the build.
    schema = buildSchema(readFileSync(file, "utf8"), { assumeValid: true, assumeValidSDL: true });
  }
  return schema;
}

function firstLine(query: string): string {
  const line = query.trim().split("\n")[0] ?? "";
  return line.length > 60 ? `${line.slice(0, 57)}...` : line;
}

/**
 * Problems with a GraphQL request body; empty when valid. Checks that the document parses,
 * validates against GitHub's schema (fields, arguments, types, fragments, variable usage), and
 * that `variables` satisfy the operation's variable definitions (required ones present, types
 * coercible — e.g. an `Int!` given a string is reported).
 */
export function validateGraphqlRequest(body: GraphqlRequestBody): string[] {
  if (!body || typeof body.query !== "string") return ["GraphQL request without a string `query`"];
  const label = `GraphQL "${firstLine(body.query)}"`;
  let document;
  try {
    document = parse(body.query);
  } catch (error) {
    return [`${label}: syntax error: ${(error as Error).message}`];
  }
  const s = githubGraphqlSchema();
  const problems = validate(s, document).map((e) => `${label}: ${e.message}`);

  const operations = document.definitions.filter(
    (d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION,
  );
  let operation: OperationDefinitionNode | undefined;
  if (body.operationName) {
    operation = operations.find((o) => o.name?.value === body.operationName);
    if (!operation) return [...problems, `${label}: no operation named "${body.operationName}"`];
  } else if (operations.length === 1) {
    operation = operations[0];
  } else {
    return [
      ...problems,
      `${label}: ${operations.length} operations in the document but no operationName`,
    ];
  }
  if (!operation) return problems;
  if (operation.operation !== "query" && operation.operation !== "mutation") {
    return [
      ...problems,
      `${label}: GitHub's API does not serve ${operation.operation} operations over HTTP`,
    ];
  }
  const variables = (body.variables ?? {}) as Record<string, unknown>;
  const coerced = getVariableValues(s, operation.variableDefinitions ?? [], variables, {
    maxErrors: 20,
  });
  if ("errors" in coerced && coerced.errors)
    problems.push(...coerced.errors.map((e) => `${label}: ${e.message}`));
  const declared = new Set((operation.variableDefinitions ?? []).map((v) => v.variable.name.value));
  for (const name of Object.keys(variables)) {
    if (!declared.has(name))
      problems.push(`${label}: variable "$${name}" is passed but not declared by the operation`);
  }
  return problems;
}
