import { describe, expect, it } from "vitest";
import {
  fitHeadState,
  readHeadState,
  STATE_LINE_BUDGET,
  visibleSummary,
  withHeadState,
  type HeadState,
} from "../../src/github/check-state.js";

/**
 * A merge group's commit carries the merge queue's verdict on its state line
 * (`group`) beside the pull requests whose head it is: read back exactly, never
 * read at all when malformed, and never dropped to make room.
 */

const ARRIVED = "2026-11-23T10:00:00.000Z";
const line = (json: string) => `<!-- governance-gate:state ${json} -->\nbody`;

describe("the merge queue's verdict on the state line", () => {
  it("round-trips beside the pull requests' entries, with or without a queued pull request", () => {
    const state: HeadState = {
      prs: { "2": { conclusion: "success", arrivedAt: ARRIVED, base: "scratch" } },
      group: { pr: 1, conclusion: "failure" },
    };
    const summary = withHeadState("**❌ Merge queue**", state);
    expect(readHeadState(summary)).toEqual(state);
    expect(visibleSummary(summary)).toBe("**❌ Merge queue**");
    // A ref that names no pull request still records the group's failure.
    const unnamed: HeadState = { prs: {}, group: { conclusion: "failure" } };
    expect(readHeadState(withHeadState("body", unnamed))).toEqual(unnamed);
  });

  it("a malformed group is not a line we wrote: the state is unreadable, not read without it", () => {
    const prs = `"prs":{"2":{"conclusion":"success"}}`;
    expect(readHeadState(line(`{${prs},"group":{"pr":1,"conclusion":"success"}}`))).toEqual({
      prs: { "2": { conclusion: "success" } },
      group: { pr: 1, conclusion: "success" },
    });
    for (const group of [
      `{"pr":1,"conclusion":"maybe"}`,
      `{"pr":1}`,
      `{"pr":"1","conclusion":"failure"}`,
      `{"pr":0,"conclusion":"failure"}`,
      `{"pr":-3,"conclusion":"failure"}`,
      `{"pr":1.5,"conclusion":"failure"}`,
      `{"pr":1e300,"conclusion":"failure"}`,
      `[1,"failure"]`,
      `null`,
      `"failure"`,
    ])
      expect(readHeadState(line(`{${prs},"group":${group}}`)), group).toBeUndefined();
  });

  it("is never dropped to fit the line: passes go, the group's failure stays", () => {
    const state: HeadState = { prs: {}, group: { pr: 1, conclusion: "failure" } };
    for (let n = 2; n < 202; n++)
      state.prs[String(n)] = {
        conclusion: "success",
        arrivedAt: ARRIVED,
        base: `scratch/${"x".repeat(230)}`,
      };
    const dropped = fitHeadState(state, "201", () => true);
    expect(dropped.length).toBeGreaterThan(0);
    const summary = withHeadState("body", state);
    expect(summary.indexOf("\n")).toBeLessThanOrEqual(STATE_LINE_BUDGET);
    expect(readHeadState(summary)?.group).toEqual({ pr: 1, conclusion: "failure" });
    expect(readHeadState(summary)?.prs["201"]?.conclusion).toBe("success");
  });
});
