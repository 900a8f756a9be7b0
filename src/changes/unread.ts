/**
 * When a detector cannot see what a change did.
 *
 * GitHub's file list leaves `patch` out for large diffs and binary files, and a
 * pure rename has none either; content is loaded only for some files, and a blob
 * GitHub marks binary or truncated stays unloaded. A missing patch therefore says
 * nothing about what changed: a detector that can read neither the patch nor the
 * content must not conclude "nothing changed". It classifies the file as its
 * most severe kind (conservative) and says why, and how to make it readable.
 *
 * GitHub counts no changed lines (and sends no patch) both for a pure rename and
 * for a file it treats as binary (a NUL byte, or `binary` in .gitattributes)
 * renamed with edits, so the count alone never proves a rename pure: only both
 * versions, loaded and equal, do, or the same Git blob on both sides (GitHub
 * gives the blobs' ids even when it gives no text). The app loads both versions
 * of such a rename; when neither proves it pure the rename is read as
 * unreadable, never as nothing.
 */
import { sideContent } from "./diff.js";
import type { ChangedFile } from "./types.js";

export function hasPatch(file: Pick<ChangedFile, "patch">): boolean {
  return file.patch !== undefined && file.patch !== "";
}

/**
 * The content did not change: a file listed as unchanged, or a rename whose two
 * versions are loaded and equal, or whose two blobs are one Git object.
 */
export function contentUnchanged(
  file: Pick<ChangedFile, "status" | "changes" | "base" | "head" | "baseBlob" | "headBlob">,
): boolean {
  if (file.status === "unchanged") return true;
  if (file.status !== "renamed" || (file.changes ?? 0) > 0) return false;
  if (file.baseBlob !== undefined && file.baseBlob === file.headBlob) return true;
  return typeof file.base === "string" && file.base === file.head;
}

/** Both versions are known (an added file's base and a removed file's head are known not to exist). */
export function hasBothSides(file: ChangedFile): boolean {
  return sideContent(file, "base") !== undefined && sideContent(file, "head") !== undefined;
}

/**
 * For detectors that read the patch (or both versions when they are loaded): why
 * this change cannot be read, or undefined when it can, or when nothing changed.
 */
export function unreadChange(file: ChangedFile): string | undefined {
  if (hasPatch(file) || hasBothSides(file) || contentUnchanged(file)) return undefined;
  return `GitHub sent no diff for it (${describeChange(file)}) and its content was not loaded; ${advice(file)}`;
}

/** For detectors that compare both versions whole: why they cannot, or undefined when they can or nothing changed. */
export function unreadContent(file: ChangedFile): string | undefined {
  if (hasBothSides(file) || contentUnchanged(file)) return undefined;
  const missing = (["base", "head"] as const).filter(
    (side) => sideContent(file, side) === undefined,
  );
  return `its content at ${missing.join(" and ")} could not be loaded (GitHub gives no text for binary or very large files); keep the file text (no NUL bytes) and small enough for GitHub to return it`;
}

function describeChange(file: ChangedFile): string {
  const renamed =
    file.previousPath !== undefined && file.status === "renamed"
      ? `renamed from ${file.previousPath}, `
      : "";
  if (file.changes === undefined) return `${renamed}changed lines not counted`;
  if (file.changes === 0)
    return `${renamed}no changed lines counted, as GitHub counts a binary file`;
  return `${renamed}${file.changes.toLocaleString("en-US")} changed line${file.changes === 1 ? "" : "s"}`;
}

function advice(file: ChangedFile): string {
  if (file.changes === 0) return "keep the file text (no NUL bytes) so that its diff can be read";
  return "split the change (rename or move the file in one pull request and edit it in another, or edit it in smaller steps) so that its diff can be read";
}
