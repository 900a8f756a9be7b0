import { readFile } from "node:fs/promises";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { isDeepStrictEqual } from "node:util";
import { packageRoot } from "../package-root.js";
import { parsePolicyFile, type PolicyReader, type PolicyText } from "./load.js";
import type { PolicyFile } from "./schema.js";

/** The governance documents shipped in `policies/`, one per seed. */
export const PRESETS = ["chat-backend", "platform-engineering", "it-operations"] as const;
export type PresetName = (typeof PRESETS)[number];

/** policies/ at the package root: the same directory from src/, dist/ and an installed package. */
const PRESET_DIR = join(packageRoot(), "policies");

export function isPresetName(ref: string): ref is PresetName {
  return (PRESETS as readonly string[]).includes(ref);
}

/** A preset as the build compiled it: its YAML, and what that parses and validates to. */
export interface CompiledPreset {
  text: string;
  data: PolicyFile;
}

/**
 * The presets compiled by `npm run build` (esbuild.config.mjs defines this as
 * `compilePresets()`'s JSON, so the data is part of the same build as the code
 * that reads it); undefined when running the sources (tsx, tests). Parsing a
 * preset's YAML and validating it was the largest part of `explain`'s start.
 */
declare const GOVERNANCE_GATE_COMPILED_PRESETS: string | undefined;

let compiled: Partial<Record<string, CompiledPreset>> | undefined;

function compiledPresets(): Partial<Record<string, CompiledPreset>> {
  compiled ??=
    typeof GOVERNANCE_GATE_COMPILED_PRESETS === "string"
      ? (JSON.parse(GOVERNANCE_GATE_COMPILED_PRESETS) as Record<string, CompiledPreset>)
      : {};
  return compiled;
}

export async function readPreset(
  name: PresetName,
  presets: Partial<Record<string, CompiledPreset>> = compiledPresets(),
): Promise<PolicyText> {
  const text = await readFile(resolve(PRESET_DIR, `${name}.yml`), "utf8");
  // Only for the very text compiled: a preset edited since the build is parsed as written.
  const preset = presets[name];
  return {
    name: `policies/${name}.yml`,
    text,
    // A copy: loading a policy must never change what the next load of the preset reads.
    ...(preset?.text === text ? { validated: structuredClone(preset.data) } : {}),
  };
}

/**
 * Every preset that loads without a problem, parsed and validated, for the
 * build to embed. Only data that survives JSON unchanged is kept: the build
 * hands it over as JSON.
 */
export async function compilePresets(): Promise<Record<string, CompiledPreset>> {
  const presets: Record<string, CompiledPreset> = {};
  for (const name of PRESETS) {
    const file = await readPreset(name, {});
    const { data, problems } = await parsePolicyFile(file);
    if (data === undefined || problems.length > 0) continue;
    if (!isDeepStrictEqual(JSON.parse(JSON.stringify(data)), data)) continue;
    presets[name] = { text: file.text, data };
  }
  return presets;
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
