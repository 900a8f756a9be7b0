import { describe, expect, it } from "vitest";
import { loadPolicy, parsePolicyFile } from "../../src/policy/load.js";
import {
  compilePresets,
  fileSystemReader,
  PRESETS,
  readPreset,
  type CompiledPreset,
} from "../../src/policy/presets.js";

/**
 * `npm run build` embeds every preset parsed and validated (compilePresets), so
 * the compiled CLI and app read no YAML for one (src/policy/presets.ts). What
 * they load from it must be what loading the YAML gives, and only while the
 * YAML is the text that was compiled.
 */
describe("presets compiled at build time", () => {
  it("holds every preset as its YAML parses and validates, unchanged through JSON", async () => {
    const compiled = await compilePresets();
    expect(Object.keys(compiled).sort()).toEqual([...PRESETS].sort());
    for (const name of PRESETS) {
      const file = await readPreset(name, {});
      const parsed = await parsePolicyFile(file);
      expect(parsed.problems).toEqual([]);
      expect(compiled[name]!.text).toBe(file.text);
      expect(compiled[name]!.data).toStrictEqual(parsed.data);
      // The build hands the data over as JSON.
      expect(JSON.parse(JSON.stringify(compiled[name]))).toStrictEqual(compiled[name]);
    }
  });

  it("hands each load its own copy: what one load does to its data never reaches the next", async () => {
    const compiled = await compilePresets();
    const pristine = structuredClone(compiled["chat-backend"]!.data);
    const first = await readPreset("chat-backend", compiled);
    // A server loads a preset once per repository and policy change, from the same compiled data.
    (first.validated as { roles: unknown }).roles = {};
    const second = await readPreset("chat-backend", compiled);
    expect(second.validated).toStrictEqual(pristine);
    expect(compiled["chat-backend"]!.data).toStrictEqual(pristine);
  });

  it("loads to the same policy and the same problems, with their lines, as the YAML does", async () => {
    const compiled = await compilePresets();
    for (const name of PRESETS) {
      const fromYaml = await loadPolicy(await readPreset(name, {}), fileSystemReader);
      const fromBuild = await readPreset(name, compiled);
      expect(fromBuild.validated).toBeDefined();
      const loaded = await loadPolicy(fromBuild, fileSystemReader);
      expect(loaded.problems).toEqual(fromYaml.problems);
      expect(loaded.policy).toEqual(fromYaml.policy);
    }
    // platform-engineering names no ticket projects: a warning with a position in the preset.
    const warned = await loadPolicy(
      await readPreset("platform-engineering", compiled),
      fileSystemReader,
    );
    expect(warned.problems).toMatchObject([
      { file: "policies/platform-engineering.yml", severity: "warning", line: expect.any(Number) },
    ]);
    expect(warned.problems[0]!.line).toBeGreaterThan(1);
  });

  it("is not used for a preset whose YAML differs from the text compiled: an edit after the build is read as written", async () => {
    const file = await readPreset("chat-backend", {});
    const data = (await compilePresets())["chat-backend"]!.data;
    const stale: Record<string, CompiledPreset> = {
      "chat-backend": { text: `${file.text}\n# an older build`, data },
    };
    expect((await readPreset("chat-backend", stale)).validated).toBeUndefined();
    expect(
      (await readPreset("chat-backend", { "chat-backend": { text: file.text, data } })).validated,
    ).toStrictEqual(data);
  });
});
