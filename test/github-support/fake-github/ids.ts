/** Identifiers derived from content or names, so the same world gets the same ids on every run. */
import { createHash } from "node:crypto";

export function sha1(text: string): string {
  return createHash("sha1").update(text).digest("hex");
}

/** The id Git gives a blob with this content. */
export function gitBlobSha(text: string): string {
  const content = Buffer.from(text);
  return createHash("sha1").update(`blob ${content.length}\0`).update(content).digest("hex");
}

export function numericId(seed: string): number {
  return (createHash("sha256").update(seed).digest().readUInt32BE(0) % 90_000_000) + 1_000_000;
}

export function nodeId(prefix: string, id: number): string {
  return `${prefix}_kw${Buffer.from(String(id)).toString("base64url")}`;
}

export function countPatchLines(patch: string | undefined, sign: "+" | "-"): number {
  if (!patch) return 0;
  let n = 0;
  for (const line of patch.split("\n")) if (line.startsWith(sign)) n++;
  return n;
}
