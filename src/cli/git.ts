import { execFileSync } from "node:child_process";
import { needsContent } from "../changes/registry.js";
import type { ChangedFile, FileStatus } from "../changes/types.js";

/**
 * A local git range read the way GitHub presents a pull request: the changes
 * from the merge base of base and head to head, with renames, per-file patches,
 * and content at both ends for the files a detector reads whole.
 */

export class GitError extends Error {}

const MAX_BUFFER = 512 * 1024 * 1024;

function git(repo: string, args: string[]): string {
  try {
    return execFileSync("git", ["-C", repo, "-c", "core.quotePath=false", ...args], {
      encoding: "utf8",
      maxBuffer: MAX_BUFFER,
      stdio: ["ignore", "pipe", "pipe"],
    });
  } catch (error) {
    const stderr = String((error as { stderr?: unknown }).stderr ?? "").trim();
    throw new GitError(stderr.split("\n")[0] || (error as Error).message);
  }
}

export function assertRepository(repo: string): void {
  try {
    git(repo, ["rev-parse", "--git-dir"]);
  } catch {
    throw new GitError(`${repo} is not a readable git repository`);
  }
}

export function resolveCommit(repo: string, ref: string): string {
  try {
    return git(repo, ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`]).trim();
  } catch {
    throw new GitError(`unknown ref "${ref}" in ${repo}`);
  }
}

export function readRange(repo: string, baseRef: string, headRef: string): ChangedFile[] {
  assertRepository(repo);
  const base = resolveCommit(repo, baseRef);
  const head = resolveCommit(repo, headRef);
  let from = base;
  try {
    from = git(repo, ["merge-base", base, head]).trim() || base;
  } catch {
    // Unrelated histories: compare the two trees directly, as `git diff base head` would.
  }
  const files = parseNameStatus(
    git(repo, ["diff", "--name-status", "-z", "-M", "--no-ext-diff", from, head]),
  );
  const patches = splitPatches(
    git(repo, ["diff", "-M", "--no-color", "--no-ext-diff", "-U3", from, head]),
  );
  for (const file of files) {
    file.patch = patches.get(file.path);
    if (!needsContent(file)) continue;
    file.base = file.status === "added" ? null : show(repo, from, file.previousPath ?? file.path);
    file.head = file.status === "removed" ? null : show(repo, head, file.path);
  }
  return files;
}

export function trackedFiles(repo: string): string[] {
  assertRepository(repo);
  return git(repo, ["ls-files", "-z"]).split("\0").filter(Boolean);
}

function show(repo: string, commit: string, path: string): string | null {
  try {
    return git(repo, ["show", `${commit}:${path}`]);
  } catch {
    return null;
  }
}

const STATUS: Record<string, FileStatus> = {
  A: "added",
  D: "removed",
  M: "modified",
  R: "renamed",
  C: "copied",
  T: "changed",
};

export function parseNameStatus(output: string): ChangedFile[] {
  const fields = output.split("\0").filter((f) => f !== "");
  const files: ChangedFile[] = [];
  for (let i = 0; i < fields.length;) {
    const code = fields[i++]!;
    const status = STATUS[code[0]!] ?? "modified";
    if (status === "renamed" || status === "copied") {
      const previousPath = fields[i++]!;
      files.push({ path: fields[i++]!, previousPath, status });
    } else {
      files.push({ path: fields[i++]!, status });
    }
  }
  return files;
}

/** Per-file hunks of a `git diff`, keyed by head path, without headers (GitHub's `patch` form). */
export function splitPatches(diff: string): Map<string, string> {
  const patches = new Map<string, string>();
  for (const section of diff.split(/^diff --git /m).slice(1)) {
    const lines = section.split("\n");
    const plusPlus = lines.find((l) => l.startsWith("+++ "));
    const renameTo = lines.find((l) => l.startsWith("rename to "));
    const minusMinus = lines.find((l) => l.startsWith("--- "));
    let path: string | undefined;
    if (plusPlus && plusPlus !== "+++ /dev/null")
      path = unquote(plusPlus.slice(4)).replace(/^b\//, "");
    else if (renameTo) path = unquote(renameTo.slice("rename to ".length));
    else if (minusMinus) path = unquote(minusMinus.slice(4)).replace(/^a\//, "");
    if (!path) continue;
    const firstHunk = lines.findIndex((l) => l.startsWith("@@"));
    if (firstHunk === -1) continue;
    patches.set(path, lines.slice(firstHunk).join("\n").replace(/\n$/, ""));
  }
  return patches;
}

/** git still C-quotes paths holding quotes, backslashes or control characters. */
function unquote(path: string): string {
  if (!path.startsWith('"') || !path.endsWith('"')) return path;
  const inner = path.slice(1, -1);
  const escapes: Record<string, number> = {
    n: 10,
    t: 9,
    r: 13,
    '"': 34,
    "\\": 92,
    a: 7,
    b: 8,
    f: 12,
    v: 11,
  };
  const bytes: number[] = [];
  for (let i = 0; i < inner.length; i++) {
    const ch = inner[i]!;
    if (ch !== "\\") {
      bytes.push(...Buffer.from(ch, "utf8"));
      continue;
    }
    const next = inner[i + 1] ?? "";
    if (/[0-7]/.test(next)) {
      bytes.push(parseInt(inner.slice(i + 1, i + 4), 8));
      i += 3;
    } else {
      bytes.push(escapes[next] ?? next.charCodeAt(0));
      i += 1;
    }
  }
  return Buffer.from(bytes).toString("utf8");
}
