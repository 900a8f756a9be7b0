import {
  appendFileSync,
  existsSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { dirname, join, basename } from "node:path";
import { UsageError } from "../cli/args.js";
import { auditRow, sortRows, type AuditRow } from "./audit-row.js";
import {
  collect,
  type Checkpoint,
  type CheckpointEntry,
  type GraphqlClient,
  type ReviewIssue,
} from "./collect.js";
import { toCsv, toJsonLines } from "./formats.js";
import type { MergedPullRequest } from "./github-query.js";
import { htmlReport } from "./html-report.js";
import { progressBar } from "./progress.js";

/**
 * `governance-gate audit`: every pull request merged in a period, with the
 * decision record that held at merge and the flags an auditor asks about, as
 * CSV, JSON Lines or an HTML report. Reads GitHub with a token (GITHUB_TOKEN)
 * or as the App (APP_ID and PRIVATE_KEY or PRIVATE_KEY_PATH: one installation
 * token per owner). The output is written whole or not at all (a temporary
 * file renamed into place), and the same GitHub state gives the same bytes;
 * an interrupted export goes on with `--resume` from the periods it had read
 * (kept beside the output in `OUT.partial`).
 */

export interface AuditArgs {
  repo?: string[];
  org?: string;
  since?: string;
  until?: string;
  format?: string;
  out?: string;
  "app-id"?: string;
  resume?: boolean;
}

export interface AuditIo {
  out: (text: string) => void;
  err: (text: string) => void;
}

export interface AuditDependencies {
  env?: NodeJS.ProcessEnv;
  /** The GraphQL client for an owner's repositories; default: from the credentials in `env`. */
  clientFor?: (owner: string) => Promise<GraphqlClient>;
  now?: () => Date;
  sleep?: (ms: number) => Promise<void>;
  stderr?: { isTTY?: boolean; write(text: string): unknown };
}

export type Format = "csv" | "jsonl" | "html";

export async function auditCommand(
  args: AuditArgs,
  io: AuditIo,
  deps: AuditDependencies = {},
): Promise<number> {
  const env = deps.env ?? process.env;
  const now = deps.now ?? (() => new Date());
  const scopes = scopesOf(args);
  const since = instant(args.since, "--since", "start");
  const until = args.until ? instant(args.until, "--until", "end") : now();
  if (since.getTime() > until.getTime())
    throw new UsageError(`--since (${args.since}) is after --until (${args.until ?? "now"})`);
  const format = formatOf(args);
  const appId = Number(args["app-id"] ?? env.APP_ID);
  if (!Number.isInteger(appId) || appId <= 0) {
    throw new UsageError(
      "the audit reads only this App's check runs: give its id with --app-id or APP_ID (the App's settings page shows it)",
    );
  }
  if (args.resume && !args.out)
    throw new UsageError(
      "--resume continues an export to a file: give the same --out as the interrupted run",
    );
  const clientFor = deps.clientFor ?? (await credentialedClients(env));
  // Each period read is noted beside the output, so an interrupted export can go on from there (--resume).
  const checkpoint = args.out
    ? fileCheckpoint(`${args.out}.partial`, Boolean(args.resume))
    : undefined;

  const bar = progressBar(deps.stderr ?? process.stderr);
  const pulls: MergedPullRequest[] = [];
  const reviews: ReviewIssue[] = [];
  let calls = 0;
  // One client (an installation, or the token) per owner; scopes of one owner share it.
  for (const [owner, ownerScopes] of groupByOwner(scopes)) {
    const graphql = await clientFor(owner);
    const collected = await collect(graphql, {
      scopes: ownerScopes,
      since,
      until,
      appId,
      sleep: deps.sleep,
      now,
      checkpoint,
      onProgress: (p) => bar.update({ ...p, calls: calls + p.calls }),
    });
    pulls.push(...collected.pulls);
    reviews.push(...collected.reviews);
    calls += collected.calls;
  }
  bar.done();

  // Overdue means overdue at the period's end: a rerun of the same period says the same.
  const rows = sortRows(pulls.map((p) => auditRow(p, reviews, until)));
  const text = render(rows, format, { since, until, scopes: scopes.map((s) => s.name) });
  if (args.out) {
    writeWhole(args.out, text);
    rmSync(`${args.out}.partial`, { force: true });
  } else io.out(text.replace(/\n$/, ""));
  const exceptions = rows.filter((r) => r.flags.length > 0).length;
  io.err(
    `audit: ${rows.length} merged pull request${rows.length === 1 ? "" : "s"}, ${exceptions} exception${exceptions === 1 ? "" : "s"}, ${calls} GitHub call${calls === 1 ? "" : "s"}${args.out ? ` → ${args.out}` : ""}`,
  );
  return 0;
}

export function render(
  rows: readonly AuditRow[],
  format: Format,
  options: { since: Date; until: Date; scopes: string[] },
): string {
  if (format === "csv") return toCsv(rows);
  if (format === "html") return htmlReport(rows, options);
  return toJsonLines(rows);
}

interface Scope {
  /** As given: `acme/chat` or `acme`. */
  name: string;
  owner: string;
  qualifier: string;
}

function scopesOf(args: AuditArgs): Scope[] {
  const scopes: Scope[] = [];
  for (const repo of args.repo ?? []) {
    if (!/^[\w.-]+\/[\w.-]+$/.test(repo))
      throw new UsageError(`--repo "${repo}" is not owner/name`);
    scopes.push({ name: repo, owner: repo.split("/")[0]!, qualifier: `repo:${repo}` });
  }
  if (args.org !== undefined) {
    if (!/^[\w.-]+$/.test(args.org))
      throw new UsageError(`--org "${args.org}" is not an organisation's login`);
    scopes.push({ name: args.org, owner: args.org, qualifier: `org:${args.org}` });
  }
  if (scopes.length === 0)
    throw new UsageError("say what to audit: --repo owner/name (repeatable) or --org ORG");
  return scopes;
}

function groupByOwner(scopes: Scope[]): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const s of scopes)
    groups.set(s.owner.toLowerCase(), [...(groups.get(s.owner.toLowerCase()) ?? []), s.qualifier]);
  return groups;
}

/** A date (`2026-07-01`: the day's start for --since, its end for --until) or an ISO 8601 instant. */
function instant(value: string | undefined, flag: string, edge: "start" | "end"): Date {
  if (!value)
    throw new UsageError(`${flag} is required (a date such as 2026-07-01, or an ISO 8601 time)`);
  const date = /^\d{4}-\d{2}-\d{2}$/.test(value)
    ? new Date(`${value}T${edge === "start" ? "00:00:00" : "23:59:59"}Z`)
    : new Date(value);
  if (Number.isNaN(date.getTime())) throw new UsageError(`${flag} "${value}" is not a date`);
  return date;
}

function formatOf(args: AuditArgs): Format {
  const given =
    args.format ??
    (args.out
      ? { ".csv": "csv", ".html": "html", ".htm": "html" }[
          args.out.slice(args.out.lastIndexOf(".")).toLowerCase()
        ]
      : undefined) ??
    "jsonl";
  if (given !== "csv" && given !== "jsonl" && given !== "html")
    throw new UsageError(`--format "${given}" is not csv, jsonl or html`);
  return given;
}

/**
 * The periods an export has read, one JSON line each, appended as they are
 * read: what `--resume` skips. The search for a period is its key, so only a
 * rerun of the same scope and period finds them. Without `--resume` an old
 * file is discarded: a fresh export reads everything.
 */
function fileCheckpoint(path: string, resume: boolean): Checkpoint {
  const entries = new Map<string, CheckpointEntry>();
  if (resume && existsSync(path)) {
    for (const line of readFileSync(path, "utf8").split("\n")) {
      // A line cut short by the interruption is read again from GitHub.
      try {
        const { query, entry } = JSON.parse(line) as { query: string; entry: CheckpointEntry };
        if (typeof query === "string" && entry && ("pulls" in entry || "split" in entry))
          entries.set(query, entry);
      } catch {
        continue;
      }
    }
  } else rmSync(path, { force: true });
  return {
    read: (query) => entries.get(query),
    save: (query, entry) => appendFileSync(path, `${JSON.stringify({ query, entry })}\n`),
  };
}

/** Written beside the target, then renamed: a reader never sees half an export. */
function writeWhole(path: string, text: string): void {
  const temporary = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  writeFileSync(temporary, text);
  renameSync(temporary, path);
}

/** GraphQL clients from the environment's credentials: a token for every owner, or the App's installation on each owner. */
async function credentialedClients(
  env: NodeJS.ProcessEnv,
): Promise<(owner: string) => Promise<GraphqlClient>> {
  const { GateOctokit } = await import("../github/octokit.js");
  if (env.GITHUB_TOKEN) {
    const octokit = new GateOctokit({
      auth: { token: env.GITHUB_TOKEN },
      ...(env.GHE_HOST ? { baseUrl: `https://${env.GHE_HOST}/api/v3` } : {}),
    });
    return async () => octokit.graphql as GraphqlClient;
  }
  const privateKey =
    env.PRIVATE_KEY ??
    (env.PRIVATE_KEY_PATH ? readFileSync(env.PRIVATE_KEY_PATH, "utf8") : undefined);
  if (!env.APP_ID || !privateKey)
    throw new Error(
      "the audit needs credentials: GITHUB_TOKEN, or the App's APP_ID and PRIVATE_KEY (or PRIVATE_KEY_PATH)",
    );
  const { createProbot } = await import("probot");
  const probot = createProbot({
    env: { ...env, PRIVATE_KEY: privateKey },
    overrides: { Octokit: GateOctokit },
  });
  const app = await probot.auth();
  const installations = await app.paginate(app.rest.apps.listInstallations, { per_page: 100 });
  return async (owner) => {
    const installation = installations.find(
      (i) => i.account && "login" in i.account && i.account.login.toLowerCase() === owner,
    );
    if (!installation)
      throw new Error(
        `the App is not installed on ${owner}: install it there, or use a GITHUB_TOKEN that can read it`,
      );
    return (await probot.auth(installation.id)).graphql as GraphqlClient;
  };
}
