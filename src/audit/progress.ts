import type { Progress } from "./collect.js";

/**
 * A one-line progress bar on stderr, redrawn in place, only when stderr is a
 * terminal: a log or a pipe gets nothing but the final summary line.
 */
export function progressBar(stream: { isTTY?: boolean; write(text: string): unknown }): {
  update(p: Progress): void;
  done(): void;
} {
  if (!stream.isTTY) return { update() {}, done() {} };
  let drawn = false;
  return {
    update(p) {
      const width = 28;
      const share = p.total > 0 ? Math.min(1, p.done / p.total) : 0;
      const filled = Math.round(share * width);
      const rate = p.rateRemaining !== undefined ? ` · ${p.rateRemaining} points left` : "";
      stream.write(
        `\r\x1b[2Kaudit ${"█".repeat(filled)}${"░".repeat(width - filled)} ${p.done}/${p.total} merged · ${p.scope} · ${p.calls} calls${rate}`,
      );
      drawn = true;
    },
    done() {
      if (drawn) stream.write("\r\x1b[2K");
    },
  };
}
