import { parseArgs } from "node:util";
import { explainCommand } from "./explain.js";
import { codeownersCommand, lintCommand, matrixCommand } from "./exports.js";
import { sweepCommand } from "./sweep.js";

/**
 * `governance-gate`: the same engine as the app, offline. Each command returns
 * an exit code; any error is one clear line on stderr and a non-zero exit.
 */

export interface Io {
  out: (text: string) => void;
  err: (text: string) => void;
}

export class UsageError extends Error {}

const USAGE = `governance-gate — governance policy engine for pull requests

Usage:
  governance-gate explain --policy <preset|file> (--repo DIR --base REF --head REF | --files PATH...)
                          [--label L]... [--title T] [--body B] [--author LOGIN] [--json]
  governance-gate lint --policy FILE [--repo DIR] [--allow-outside-repo]
                          (--allow-outside-repo: let extends read files outside the repository)
  governance-gate codeowners --policy FILE [--org ORG]
  governance-gate matrix --policy FILE
  governance-gate sweep                 (escalate overdue sign-offs; needs APP_ID and PRIVATE_KEY)
Presets: chat-backend, platform-engineering, it-operations`;

export async function main(argv: string[], io: Io): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case "explain":
        return await explainCommand(parse(rest, EXPLAIN_OPTIONS), io);
      case "lint":
        return await lintCommand(parse(rest, LINT_OPTIONS), io);
      case "codeowners":
        return await codeownersCommand(parse(rest, CODEOWNERS_OPTIONS), io);
      case "matrix":
        return await matrixCommand(parse(rest, MATRIX_OPTIONS), io);
      case "sweep":
        parse(rest, {});
        return await sweepCommand(io);
      case undefined:
      case "help":
      case "--help":
      case "-h":
        io.out(USAGE);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command "${command}" (commands: explain, lint, codeowners, matrix, sweep)`);
    }
  } catch (error) {
    io.err(`governance-gate: ${(error as Error).message}`);
    return error instanceof UsageError ? 2 : 1;
  }
}

type Options = NonNullable<Parameters<typeof parseArgs>[0]>["options"];

const EXPLAIN_OPTIONS = {
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
const LINT_OPTIONS = { policy: { type: "string" }, repo: { type: "string" }, "allow-outside-repo": { type: "boolean" } } as const satisfies Options;
const CODEOWNERS_OPTIONS = { policy: { type: "string" }, org: { type: "string" } } as const satisfies Options;
const MATRIX_OPTIONS = { policy: { type: "string" } } as const satisfies Options;

export type ExplainArgs = ParsedValues<typeof EXPLAIN_OPTIONS> & { positionals: string[] };
export type LintArgs = ParsedValues<typeof LINT_OPTIONS>;
export type CodeownersArgs = ParsedValues<typeof CODEOWNERS_OPTIONS>;
export type MatrixArgs = ParsedValues<typeof MATRIX_OPTIONS>;

type ParsedValues<O extends Options> = {
  [K in keyof O]?: O[K] extends { multiple: true } ? string[] : O[K] extends { type: "boolean" } ? boolean : string;
};

function parse<O extends Options>(args: string[], options: O): ParsedValues<O> & { positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({ args, options, allowPositionals: true, strict: true });
    return { ...(values as ParsedValues<O>), positionals };
  } catch (error) {
    throw new UsageError((error as Error).message.split("\n")[0]!);
  }
}
