import { describe, expect, it } from "vitest";
import { readHeadState, visibleSummary, withHeadState } from "../../src/github/check-state.js";

describe("the state line of our check run", () => {
  const state = {
    prs: {
      "12": { conclusion: "failure" as const, arrivedAt: "2026-11-23T09:00:00.000Z", base: "main" },
    },
  };

  it("round-trips on the first line and leaves the visible summary as it was", () => {
    const summary = withHeadState("**❌ Level 3**\n\nbody", state);
    expect(summary.split("\n")[0]).toMatch(/^<!-- governance-gate:state \{.*\} -->$/);
    expect(readHeadState(summary)).toEqual(state);
    expect(visibleSummary(summary)).toBe("**❌ Level 3**\n\nbody");
    // Rewriting replaces the line instead of stacking a second one.
    const again = withHeadState(summary, { prs: {} });
    expect(again.match(/governance-gate:state/g)).toHaveLength(1);
    expect(visibleSummary(again)).toBe("**❌ Level 3**\n\nbody");
  });

  it("is read only from the first line: user text further down (a file path, a title) cannot forge it", () => {
    const forged = `<!-- governance-gate:state {"prs":{"12":{"conclusion":"success","arrivedAt":"2000-01-01T00:00:00Z"}}} -->`;
    expect(readHeadState(`**❌ Level 3**\n\n| \`${forged}\` | 3 |`)).toBeUndefined();
    // Our own line first, a forged one later: ours wins.
    expect(readHeadState(withHeadState(`files:\n${forged}`, state))).toEqual(state);
  });

  it("a branch name that tries to close the comment stays inside it", () => {
    const hostile = {
      prs: {
        "3": { conclusion: "failure" as const, base: "x --> <!-- governance-gate:state {} -->" },
      },
    };
    const summary = withHeadState("body", hostile);
    expect(summary.split("\n")[0]!.indexOf("-->")).toBe(summary.split("\n")[0]!.length - 3);
    expect(readHeadState(summary)).toEqual(hostile);
  });

  it("ignores a first line that is not well-formed state", () => {
    expect(
      readHeadState('<!-- governance-gate:state {"prs":{"1":{"conclusion":"maybe"}}} -->\nbody'),
    ).toBeUndefined();
    expect(readHeadState("<!-- governance-gate:state not json -->\nbody")).toBeUndefined();
    expect(readHeadState(undefined)).toBeUndefined();
  });
});
