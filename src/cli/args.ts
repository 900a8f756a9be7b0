import type { parseArgs } from "node:util";

/**
 * The command line's contract, shared by `main` and the commands it loads:
 * each command's options, the arguments they parse into, the output streams,
 * and the error that means "wrong usage" (exit 2). It lives apart from main.ts
 * so a command module never imports the module that imports it.
 */

export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}

export class UsageError extends Error {}

export type Options = NonNullable<Parameters<typeof parseArgs>[0]>["options"];

export const EXPLAIN_OPTIONS = {
  policy: { type: "string" },
  repo: { type: "string" },
  base: { type: "string" },
  head: { type: "string" },
  files: { type: "string", multiple: true },
  label: { type: "string", multiple: true },
  title: { type: "string" },
  body: { type: "string" },
  author: { type: "string" },
  json: { type: "boolean" },
} as const satisfies Options;
export const LINT_OPTIONS = {
  policy: { type: "string" },
  repo: { type: "string" },
  "allow-outside-repo": { type: "boolean" },
} as const satisfies Options;
export const CODEOWNERS_OPTIONS = {
  policy: { type: "string" },
  org: { type: "string" },
} as const satisfies Options;
export const MATRIX_OPTIONS = { policy: { type: "string" } } as const satisfies Options;
export const SWEEP_OPTIONS = {} as const satisfies Options;
export const AUDIT_OPTIONS = {
  repo: { type: "string", multiple: true },
  org: { type: "string" },
  since: { type: "string" },
  until: { type: "string" },
  format: { type: "string" },
  out: { type: "string" },
  "app-id": { type: "string" },
  resume: { type: "boolean" },
} as const satisfies Options;
export const SCHEMA_OPTIONS = {} as const satisfies Options;
/** Every command takes these too. */
export const HELP_OPTION = { help: { type: "boolean", short: "h" } } as const satisfies Options;

export type ExplainArgs = ParsedValues<typeof EXPLAIN_OPTIONS> & { positionals: string[] };
export type LintArgs = ParsedValues<typeof LINT_OPTIONS>;
export type CodeownersArgs = ParsedValues<typeof CODEOWNERS_OPTIONS>;
export type MatrixArgs = ParsedValues<typeof MATRIX_OPTIONS>;

export type ParsedValues<O extends Options> = {
  [K in keyof O]?: O[K] extends { multiple: true }
    ? string[]
    : O[K] extends { type: "boolean" }
      ? boolean
      : string;
};
