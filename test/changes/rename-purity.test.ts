import { describe, expect, it } from "vitest";
import { classify, needsContent } from "../../src/changes/registry.js";
import type { ChangedFile, DetectorSettings } from "../../src/changes/types.js";
import { contentUnchanged, unreadChange } from "../../src/changes/unread.js";

/**
 * Which changes GitHub sends without a patch are read as "nothing changed"
 * (src/changes/unread.ts): only a file GitHub lists as unchanged, and a rename
 * whose two versions are proven equal, by loaded text or by one Git blob. A
 * count of 0 changed lines proves nothing (GitHub counts 0 for a binary file),
 * and nothing but a rename is ever passed on blob ids.
 */

const SETTINGS: DetectorSettings = {
  cost: { cpuMonth: 30, memoryGiBMonth: 4, threshold: 500, currency: "USD" },
};
const BLOB = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";
const OTHER_BLOB = "7e3c1f09a2b4d6e8f0a1c3e5b7d9f1a3c5e7b9d0";
const DROP = "ALTER TABLE users DROP COLUMN email;\n";

/** db/scripts/purge.sql renamed, as GitHub lists a binary file (NUL byte): no patch, 0 lines counted. */
function binaryRename(extra: Partial<ChangedFile> = {}): ChangedFile {
  return {
    path: "db/scripts/purge-users.sql",
    previousPath: "db/scripts/purge.sql",
    status: "renamed",
    additions: 0,
    deletions: 0,
    changes: 0,
    headBlob: BLOB,
    ...extra,
  };
}

describe("a rename counted 0 changed lines", () => {
  it("is pure with the same blob on both sides, whether GitHub counted its lines or not", () => {
    expect(contentUnchanged(binaryRename({ baseBlob: BLOB }))).toBe(true);
    expect(
      contentUnchanged(
        binaryRename({
          baseBlob: BLOB,
          additions: undefined,
          deletions: undefined,
          changes: undefined,
        }),
      ),
    ).toBe(true);
  });

  it("is not pure with another blob on the base side, or none read, however the text compares", () => {
    expect(contentUnchanged(binaryRename({ baseBlob: OTHER_BLOB }))).toBe(false);
    expect(contentUnchanged(binaryRename())).toBe(false);
    // Text loaded for one side only proves nothing about the other.
    expect(contentUnchanged(binaryRename({ head: DROP }))).toBe(false);
    expect(contentUnchanged(binaryRename({ base: null, head: null }))).toBe(false);
  });

  it("with edits read as binary, is classified as its most severe kind, never as nothing", () => {
    const file = binaryRename({ baseBlob: OTHER_BLOB });
    expect(needsContent(file)).toBe(true);
    expect(unreadChange(file)).toContain("GitHub sent no diff for it");
    const { findings } = classify([file], SETTINGS);
    expect(findings.map((f) => [f.kind, f.conservative])).toEqual([
      ["migration-destructive", true],
    ]);
  });
});

describe("a rename GitHub counted edited", () => {
  it("is never pure, whatever its blob ids say", () => {
    const edited = binaryRename({ additions: 1, deletions: 0, changes: 1, baseBlob: BLOB });
    expect(contentUnchanged(edited)).toBe(false);
    expect(unreadChange(edited)).toContain("renamed from db/scripts/purge.sql, 1 changed line)");
  });
});

describe("a file GitHub lists as changed (a mode or type change) with 0 lines counted", () => {
  // `chmod +x`, or a file turned into a symlink: GitHub sends status "changed" and no patch.
  const chmod: ChangedFile = {
    path: "db/scripts/purge.sql",
    status: "changed",
    additions: 0,
    deletions: 0,
    changes: 0,
  };

  it("is not passed on its count or on its blob ids: its content is loaded, and unloaded it is unreadable", () => {
    for (const file of [chmod, { ...chmod, headBlob: BLOB, baseBlob: BLOB }]) {
      expect(contentUnchanged(file)).toBe(false);
      expect(needsContent(file)).toBe(true);
      expect(unreadChange(file)).toContain("GitHub sent no diff for it");
      expect(classify([file], SETTINGS).findings.map((f) => f.conservative)).toEqual([true]);
    }
  });

  it("loaded and equal on both sides, has nothing for the detectors", () => {
    const file = { ...chmod, base: DROP, head: DROP };
    expect(unreadChange(file)).toBeUndefined();
    expect(classify([file], SETTINGS).findings).toEqual([]);
  });
});
