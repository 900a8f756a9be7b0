import { readFile } from "node:fs/promises";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { packageRoot } from "../package-root.js";
import type { PolicyReader, PolicyText } from "./load.js";

/** The governance documents shipped in `policies/`, one per seed. */
export const PRESETS = ["chat-backend", "platform-engineering", "it-operations"] as const;
export type PresetName = (typeof PRESETS)[number];

/** policies/ at the package root: the same directory from src/, dist/ and an installed package. */
const PRESET_DIR = join(packageRoot(), "policies");

export function isPresetName(ref: string): ref is PresetName {
  return (PRESETS as readonly string[]).includes(ref);
}

export async function readPreset(name: PresetName): Promise<PolicyText> {
  return {
    name: `policies/${name}.yml`,
    text: await readFile(resolve(PRESET_DIR, `${name}.yml`), "utf8"),
  };
}

/**
 * `extends` for policies on disk: a preset name, or a path relative to the file
 * that extends it. Used by the CLI; the app has its own reader over the API.
 */
export const fileSystemReader: PolicyReader = {
  async read(ref, from) {
    if (isPresetName(ref)) return readPreset(ref);
    if (!/[/\\]|\.ya?ml$/.test(ref)) {
      throw new Error(
        `"${ref}" is neither a preset (${PRESETS.join(", ")}) nor a path to a .yml file`,
      );
    }
    const base = from.startsWith("policies/") ? PRESET_DIR : dirname(from);
    const path = isAbsolute(ref) ? ref : resolve(base, ref);
    try {
      return { name: path, text: await readFile(path, "utf8") };
    } catch (error) {
      throw new Error(
        `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
        { cause: error },
      );
    }
  },
};

/** A policy named on the command line: a preset name or a file path. */
export async function readPolicyArgument(ref: string): Promise<PolicyText> {
  if (isPresetName(ref)) return readPreset(ref);
  try {
    return { name: ref, text: await readFile(ref, "utf8") };
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" && !/[/\\]|\.ya?ml$/.test(ref)) {
      throw new Error(`unknown preset "${ref}" (presets: ${PRESETS.join(", ")}) and no such file`, {
        cause: error,
      });
    }
    throw new Error(`cannot read policy ${ref}: ${code ?? (error as Error).message}`, {
      cause: error,
    });
  }
}
