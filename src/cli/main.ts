import { parseArgs } from "node:util";
import { packageVersion } from "../package-root.js";
import {
  AUDIT_OPTIONS,
  CODEOWNERS_OPTIONS,
  EXPLAIN_OPTIONS,
  HELP_OPTION,
  LINT_OPTIONS,
  MATRIX_OPTIONS,
  SCHEMA_OPTIONS,
  SWEEP_OPTIONS,
  UsageError,
  type Io,
  type Options,
  type ParsedValues,
} from "./args.js";

/**
 * `governance-gate`: the same engine as the app, offline. Each command returns
 * an exit code; any error is one clear line on stderr and a non-zero exit.
 *
 * This module is all a start pays for: each command's module (and what it
 * imports: the policy engine, the detectors, Probot for `sweep`) is imported
 * only when that command runs, so `--help` and `--version` answer at once.
 */

interface Command<O extends Options = Options> {
  options: O;
  usage: string;
  run: (args: ParsedValues<O> & { positionals: string[] }, io: Io) => Promise<number>;
}
type AnyArgs = Record<string, string | boolean | string[] | undefined> & { positionals: string[] };

/** Types each command's `run` by its own options; `main` hands it what parseArgs parsed with those. */
const command = <O extends Options>(c: Command<O>) =>
  c as unknown as Omit<Command, "run"> & { run: (args: AnyArgs, io: Io) => Promise<number> };

const COMMANDS: Record<string, ReturnType<typeof command>> = {
  explain: command({
    options: EXPLAIN_OPTIONS,
    usage: `Usage: governance-gate explain --policy <preset|file> (--repo DIR --base REF --head REF | --files PATH...) [options]

What a change needs: its areas, level, detected changes and who must sign, as the app would decide.

  --policy <preset|file>   a preset (chat-backend, platform-engineering, it-operations) or a policy file
  --repo DIR               a local git repository (default .), read like a pull request from --base to --head
  --base REF, --head REF   the range: changes from their merge base to --head, with content
  --files PATH...          paths only (no content: areas, labels and the author decide)
  --label L                a label on the pull request (repeatable)
  --title T, --body B      the pull request's title and body (tickets, emergency markers)
  --author LOGIN           the pull request's author
  --json                   one JSON object (the contract in the README) instead of a table
  -h, --help               this help`,
    run: async (args, io) => (await import("./explain.js")).explainCommand(args, io),
  }),
  lint: command({
    options: LINT_OPTIONS,
    usage: `Usage: governance-gate lint --policy FILE [--repo DIR] [--allow-outside-repo]

Every problem of a policy as file:line:col; exit 1 when there is an error.

  --policy FILE            the policy file (or a preset name)
  --repo DIR               also list the repository's tracked files no area owns
  --allow-outside-repo     let extends read files outside the repository
  -h, --help               this help`,
    run: async (args, io) => (await import("./exports.js")).lintCommand(args, io),
  }),
  codeowners: command({
    options: CODEOWNERS_OPTIONS,
    usage: `Usage: governance-gate codeowners --policy FILE [--org ORG]

A CODEOWNERS file from the policy's areas and their accountable roles, on stdout.

  --policy FILE            the policy file (or a preset name)
  --org ORG                the organisation that qualifies team names (@ORG/team)
  -h, --help               this help`,
    run: async (args, io) => (await import("./exports.js")).codeownersCommand(args, io),
  }),
  matrix: command({
    options: MATRIX_OPTIONS,
    usage: `Usage: governance-gate matrix --policy FILE

The ownership (RACI) matrix of the policy as Markdown, on stdout.

  --policy FILE            the policy file (or a preset name)
  -h, --help               this help`,
    run: async (args, io) => (await import("./exports.js")).matrixCommand(args, io),
  }),
  sweep: command({
    options: SWEEP_OPTIONS,
    usage: `Usage: governance-gate sweep

One escalation pass over every installation of the app (for a cron job); prints a JSON report,
exit 1 when a pull request could not be swept. Needs the app's credentials in the environment:
APP_ID and PRIVATE_KEY or PRIVATE_KEY_PATH (GHE_HOST for GitHub Enterprise).

  -h, --help               this help`,
    run: async (_args, io) => (await import("./sweep.js")).sweepCommand(io),
  }),
  schema: command({
    options: SCHEMA_OPTIONS,
    usage: `Usage: governance-gate schema

The JSON Schema (draft-07) of a policy file, on stdout: editors complete and check
.github/governance.yml with it (first line: # yaml-language-server: $schema=<this file>).

  -h, --help               this help`,
    run: async (_args, io) => (await import("./schema.js")).schemaCommand(io),
  }),
  audit: command({
    options: AUDIT_OPTIONS,
    usage: `Usage: governance-gate audit (--repo OWNER/NAME... | --org ORG) --since DATE [--until DATE] [--format csv|jsonl|html] [--out FILE]

Every pull request merged in the period, with the governance decision that held at merge (the
decision record on the merged head's check run) and what an auditor must look at: merged while
the check failed or was missing (an admin bypass), emergency merges and whether their
post-implementation review was done in time, mediator decisions, policies that failed lint.

  --repo OWNER/NAME        a repository (repeatable)
  --org ORG                every repository of an organisation
  --since DATE             merged at or after (2026-07-01, or an ISO 8601 time)
  --until DATE             merged at or before (default: now); reviews still open then are overdue
  --format F               csv, jsonl (default) or html (a self-contained report); default from --out's extension
  --out FILE               write there (whole or not at all) instead of stdout
  --app-id ID              this App's id (default APP_ID): only its check runs and issues count
  --resume                 go on with an interrupted export to the same --out (the periods it read are kept in OUT.partial)
  -h, --help               this help

Credentials: GITHUB_TOKEN (read access to the repositories), or the App's APP_ID and PRIVATE_KEY
or PRIVATE_KEY_PATH (one installation per owner). A progress bar shows on a terminal.`,
    run: async (args, io) => (await import("../audit/command.js")).auditCommand(args, io),
  }),
};

const USAGE = `governance-gate — governance policy engine for pull requests

Usage:
  governance-gate explain --policy <preset|file> (--repo DIR --base REF --head REF | --files PATH...)
                          [--label L]... [--title T] [--body B] [--author LOGIN] [--json]
  governance-gate lint --policy FILE [--repo DIR] [--allow-outside-repo]
                          (--allow-outside-repo: let extends read files outside the repository)
  governance-gate codeowners --policy FILE [--org ORG]
  governance-gate matrix --policy FILE
  governance-gate sweep                 (escalate overdue sign-offs; needs APP_ID and PRIVATE_KEY)
  governance-gate schema                (the JSON Schema of a policy file, for editors)
  governance-gate audit (--repo OWNER/NAME... | --org ORG) --since DATE [--until DATE]
                          [--format csv|jsonl|html] [--out FILE]   (merged pull requests' decisions, flagged)
  governance-gate <command> --help      a command's options
  governance-gate --version
Presets: chat-backend, platform-engineering, it-operations`;

export async function main(argv: string[], io: Io): Promise<number> {
  const [name, ...rest] = argv;
  try {
    if (name === undefined || name.startsWith("-")) return topLevel(argv, io);
    if (name === "help") return help(rest, io);
    const command = commandNamed(name);
    const args: AnyArgs = parse(rest, { ...command.options, ...HELP_OPTION }, name);
    if (args.help) {
      io.out(command.usage);
      return 0;
    }
    return await command.run(args, io);
  } catch (error) {
    io.err(`governance-gate: ${(error as Error).message}`);
    return error instanceof UsageError ? 2 : 1;
  }
}

/** No command: `--help`, `--version`, or usage on stderr and exit 2. */
function topLevel(argv: string[], io: Io): number {
  const { version, help } = parse(argv, {
    ...HELP_OPTION,
    version: { type: "boolean", short: "v" },
  });
  if (version) io.out(packageVersion());
  else if (help) io.out(USAGE);
  else {
    io.err(USAGE);
    return 2;
  }
  return 0;
}

/** `governance-gate help [command]`. */
function help([name]: string[], io: Io): number {
  io.out(name === undefined ? USAGE : commandNamed(name).usage);
  return 0;
}

/** Own keys only: `constructor` or `__proto__` is no command. */
function commandNamed(name: string): (typeof COMMANDS)[string] {
  if (!Object.hasOwn(COMMANDS, name))
    throw new UsageError(
      `unknown command "${name}" (commands: ${Object.keys(COMMANDS).join(", ")})`,
    );
  return COMMANDS[name]!;
}

function parse<O extends Options>(
  args: string[],
  options: O,
  command?: string,
): ParsedValues<O> & { positionals: string[] } {
  try {
    const { values, positionals } = parseArgs({
      args,
      options,
      allowPositionals: command !== undefined,
      strict: true,
    });
    return { ...(values as ParsedValues<O>), positionals };
  } catch (error) {
    const where = command ? `governance-gate ${command} --help` : "governance-gate --help";
    throw new UsageError(`${(error as Error).message.split("\n")[0]!} (usage: ${where})`);
  }
}
