import { loadPolicy, type PolicyReader } from "../../src/policy/load.js";
import type { Policy } from "../../src/policy/model.js";
import { fileSystemReader, isPresetName, readPreset } from "../../src/policy/presets.js";
import { formatProblem } from "../../src/policy/problems.js";

/** A reader over in-memory files that still resolves preset names to the shipped presets. */
export function memoryReader(files: Record<string, string>): PolicyReader {
  return {
    async read(ref) {
      if (isPresetName(ref)) return readPreset(ref);
      const text = files[ref];
      if (text === undefined) throw new Error(`no such file ${ref}`);
      return { name: ref, text };
    },
  };
}

/** Loads a policy from YAML text, failing the test with every problem if it does not load. */
export async function policyFrom(
  yaml: string,
  files: Record<string, string> = {},
): Promise<Policy> {
  const result = await loadPolicy(
    { name: ".github/governance.yml", text: yaml },
    memoryReader(files),
  );
  if (!result.policy)
    throw new Error(`policy did not load:\n${result.problems.map(formatProblem).join("\n")}`);
  return result.policy;
}

export async function preset(
  name: "chat-backend" | "platform-engineering" | "it-operations",
): Promise<Policy> {
  const result = await loadPolicy(await readPreset(name), fileSystemReader);
  if (!result.policy) throw new Error(result.problems.map(formatProblem).join("\n"));
  return result.policy;
}
