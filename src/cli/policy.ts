import { loadPolicy, type LoadResult } from "../policy/load.js";
import type { Policy } from "../policy/model.js";
import { fileSystemReader, readPolicyArgument } from "../policy/presets.js";
import { formatProblem } from "../policy/problems.js";
import { UsageError, type Io } from "./main.js";

export async function loadPolicyArgument(ref: string | undefined): Promise<LoadResult> {
  if (!ref) throw new UsageError("--policy is required (a preset name or a policy file)");
  return loadPolicy(await readPolicyArgument(ref), fileSystemReader);
}

/** The policy, or every problem on stderr and an error: a command never runs on a broken policy. */
export async function requirePolicy(ref: string | undefined, io: Io): Promise<Policy> {
  const result = await loadPolicyArgument(ref);
  for (const p of result.problems) io.err(formatProblem(p));
  if (!result.policy) {
    const errors = result.problems.filter((p) => p.severity === "error").length;
    throw new Error(`policy ${ref} has ${errors} error${errors === 1 ? "" : "s"}; run \`governance-gate lint --policy ${ref}\``);
  }
  return result.policy;
}
