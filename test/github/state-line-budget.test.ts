import { describe, expect, it } from "vitest";
import {
  fitHeadState,
  readHeadState,
  STATE_LINE_BUDGET,
  withHeadState,
  type HeadState,
} from "../../src/github/check-state.js";

/**
 * The state line of a commit's run holds one entry per pull request judged
 * there, and anyone can open pull requests on a commit: it is kept within its
 * budget by dropping passes only (a pass holds nothing back; an open pull
 * request with no entry counts as not judged). A failure is never dropped.
 */

const ARRIVED = "2026-11-23T10:00:00.000Z";
/** A branch name as long as GitHub allows (250 characters). */
const longBranch = (n: number) => `scratch/${String(n).padStart(4, "0")}-${"x".repeat(237)}`;

/** #1 failing into main, then #2… passing, each into its own long-named branch. */
function crowdedState(passes: number): HeadState {
  const state: HeadState = {
    prs: { "1": { conclusion: "failure", arrivedAt: ARRIVED, base: "main" } },
  };
  for (let n = 2; n < 2 + passes; n++)
    state.prs[String(n)] = { conclusion: "success", arrivedAt: ARRIVED, base: longBranch(n) };
  return state;
}

const lineLength = (state: HeadState) => withHeadState("", state).length - 1;

describe("the state line within its budget", () => {
  it("is left as it is when it fits", () => {
    const state = crowdedState(40);
    const before = structuredClone(state);
    expect(fitHeadState(state, "2", () => true)).toEqual([]);
    expect(state).toEqual(before);
  });

  it("drops passes only, of pull requests gone from the commit first, then the newest, never the writer's", () => {
    const state = crowdedState(150);
    const gone = new Set(["5", "6", "7"]);
    const dropped = fitHeadState(state, "151", (pr) => !gone.has(pr));

    expect(lineLength(state)).toBeLessThanOrEqual(STATE_LINE_BUDGET);
    expect(dropped.slice(0, 3).sort()).toEqual(["5", "6", "7"]);
    expect(dropped.slice(3)).toEqual(
      Array.from({ length: dropped.length - 3 }, (_, i) => String(150 - i)),
    );
    expect(state.prs["1"]).toEqual({ conclusion: "failure", arrivedAt: ARRIVED, base: "main" });
    expect(state.prs["151"]?.conclusion).toBe("success");
    // What it writes reads back whole.
    expect(readHeadState(withHeadState("body", state))).toEqual(state);
  });

  it("never drops a failure: when failures alone do not fit, nothing is written", () => {
    const state: HeadState = { prs: {} };
    for (let n = 1; n <= 130; n++)
      state.prs[String(n)] = { conclusion: "failure", arrivedAt: ARRIVED, base: longBranch(n) };
    state.prs["131"] = { conclusion: "success", arrivedAt: ARRIVED, base: "scratch" };
    expect(() => fitHeadState(state, "1", () => true)).toThrow(
      "more pull requests fail on this commit than its check run can record",
    );
  });
});
