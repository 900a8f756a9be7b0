import { execFile } from "node:child_process";
import { realpath } from "node:fs/promises";
import { dirname, isAbsolute, relative, resolve, sep } from "node:path";
import { promisify } from "node:util";
import { loadPolicy, type LoadResult, type PolicyReader } from "../policy/load.js";
import type { Policy } from "../policy/model.js";
import { fileSystemReader, isPresetName, readPolicyArgument } from "../policy/presets.js";
import { formatProblem } from "../policy/problems.js";
import { UsageError, type Io } from "./args.js";

export interface PolicyArgumentOptions {
  /** Let `extends` read local files outside the repository tree (`--allow-outside-repo`). */
  allowOutsideRepo?: boolean;
}

export async function loadPolicyArgument(
  ref: string | undefined,
  options: PolicyArgumentOptions = {},
): Promise<LoadResult> {
  if (!ref) throw new UsageError("--policy is required (a preset name or a policy file)");
  const root = await readPolicyArgument(ref);
  const reader = options.allowOutsideRepo
    ? fileSystemReader
    : repositoryReader(await repositoryTree(ref));
  return loadPolicy(root, reader);
}

/** The policy, or every problem on stderr and an error: a command never runs on a broken policy. */
export async function requirePolicy(
  ref: string | undefined,
  io: Io,
  options: PolicyArgumentOptions = {},
): Promise<Policy> {
  const result = await loadPolicyArgument(ref, options);
  for (const p of result.problems) io.err(formatProblem(p));
  if (!result.policy) {
    const errors = result.problems.filter((p) => p.severity === "error").length;
    throw new Error(
      `policy ${ref} has ${errors} error${errors === 1 ? "" : "s"}; run \`governance-gate lint --policy ${ref}\``,
    );
  }
  return result.policy;
}

/**
 * `extends` confined to the repository tree. A policy is often someone else's
 * (a pull request's, checked out in CI), and lint prints what it reads — a
 * file's keys as "unknown key" problems — so `extends: /home/ci/.aws/credentials.yml`
 * or `../../secrets.yml` must not read anything. A path outside the tree, or a
 * symlink in it pointing out, is refused before it is opened, in words that say
 * nothing about whether it exists.
 */
function repositoryReader(tree: string): PolicyReader {
  return {
    async read(ref, from) {
      // Presets, and refs that are no path at all, read nothing of the user's: the shared reader says what they are.
      if (isPresetName(ref) || !/[/\\]|\.ya?ml$/.test(ref)) return fileSystemReader.read(ref, from);
      // Relative to the file that declares it. `from` is always a user's file here:
      // presets extend only presets. The absolute path is what the shared reader then reads.
      const path = resolve(dirname(from), ref);
      if (!within(tree, await realpath(path).catch(() => path))) {
        throw new Error(
          `cannot read ${path}: outside the repository (pass --allow-outside-repo to allow)`,
        );
      }
      return fileSystemReader.read(path, from);
    },
  };
}

/** The git work tree holding the policy file, or the current directory when it is in none (or is a preset). */
async function repositoryTree(policyRef: string): Promise<string> {
  const cwd = await realpath(process.cwd());
  if (isPresetName(policyRef)) return cwd;
  try {
    const { stdout } = await promisify(execFile)(
      "git",
      ["-C", dirname(await realpath(policyRef)), "rev-parse", "--show-toplevel"],
      { encoding: "utf8" },
    );
    return await realpath(stdout.trim());
  } catch {
    return cwd;
  }
}

function within(tree: string, path: string): boolean {
  const rel = relative(tree, path);
  return rel === "" || (rel !== ".." && !rel.startsWith(`..${sep}`) && !isAbsolute(rel));
}
