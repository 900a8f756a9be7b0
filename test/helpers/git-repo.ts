import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { main } from "../../src/cli/main.js";

/**
 * A throwaway git repository with a `main` commit and a `feature` commit on top,
 * so tests run the CLI on a real range exactly as a user would.
 */
export interface Repo {
  dir: string;
  cleanup(): void;
}

const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: "Test",
  GIT_AUTHOR_EMAIL: "test@example.com",
  GIT_COMMITTER_NAME: "Test",
  GIT_COMMITTER_EMAIL: "test@example.com",
  GIT_CONFIG_NOSYSTEM: "1",
  HOME: tmpdir(),
};

function git(dir: string, ...args: string[]): string {
  return execFileSync("git", ["-C", dir, ...args], { encoding: "utf8", env: GIT_ENV });
}

/** `head` maps a path to new content, `null` to delete it, or `{ from }` to rename a base file (optionally with new content). */
export type HeadChange = string | null | { from: string; content?: string };

export function makeRepo(base: Record<string, string>, head: Record<string, HeadChange>): Repo {
  const dir = mkdtempSync(join(tmpdir(), "gg-repo-"));
  git(dir, "init", "-q", "-b", "main");
  const write = (path: string, content: string) => {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), content);
  };
  for (const [path, content] of Object.entries(base)) write(path, content);
  if (Object.keys(base).length === 0) write(".gitkeep", "");
  git(dir, "add", "-A");
  git(dir, "commit", "-q", "-m", "base");
  git(dir, "checkout", "-q", "-b", "feature");
  for (const [path, change] of Object.entries(head)) {
    if (change === null) git(dir, "rm", "-q", path);
    else if (typeof change === "string") write(path, change);
    else {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      git(dir, "mv", change.from, path);
      if (change.content !== undefined) write(path, change.content);
    }
  }
  git(dir, "add", "-A");
  git(dir, "commit", "-q", "--allow-empty", "-m", "change");
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runCli(args: string[]): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (t) => out.push(t), err: (t) => err.push(t) });
  return { code, stdout: out.join("\n"), stderr: err.join("\n") };
}

export interface ExplainJson {
  conclusion: string;
  level: number;
  areas: {
    id: string;
    level: number;
    files: string[];
    changes: { kind: string; path: string; detail: string }[];
  }[];
  requirements: {
    id: string;
    area: string;
    rule: string;
    level: number;
    roles: string[];
    count: number;
    reason: string;
  }[];
  requiredRoles: string[];
  consulted: string[];
  informed: string[];
  unowned: string[];
  ticket: { required: boolean; pattern: string | null; found: string[] };
  reviewersToRequest: { users: string[]; teams: string[] };
  problems: { severity: string; message: string }[];
}

/** `explain --json` on a base → head change in a fresh repository. */
export async function explainRange(
  policy: string,
  base: Record<string, string>,
  head: Record<string, HeadChange>,
  extra: string[] = [],
): Promise<ExplainJson> {
  const repo = makeRepo(base, head);
  try {
    const run = await runCli([
      "explain",
      "--policy",
      policy,
      "--repo",
      repo.dir,
      "--base",
      "main",
      "--head",
      "feature",
      "--json",
      ...extra,
    ]);
    if (run.code !== 0) throw new Error(`explain exited ${run.code}: ${run.stderr}`);
    return JSON.parse(run.stdout) as ExplainJson;
  } finally {
    repo.cleanup();
  }
}

export async function explainFiles(
  policy: string,
  files: string[],
  extra: string[] = [],
): Promise<ExplainJson> {
  const run = await runCli([
    "explain",
    "--policy",
    policy,
    "--files",
    ...files,
    "--json",
    ...extra,
  ]);
  if (run.code !== 0) throw new Error(`explain exited ${run.code}: ${run.stderr}`);
  return JSON.parse(run.stdout) as ExplainJson;
}
