import { describe, expect, it } from "vitest";
import { ourRunOn, type KnownCheckRun } from "../../src/github/apply.js";

/**
 * Two replicas racing on a new head can each create a `governance` run. GitHub
 * shows the newest, so that is the run every later decision must update: if an
 * older one were updated, a stale green newest run would stand. The oldest one's
 * start is when the head first arrived. GitHub lists runs in no promised order.
 * (A survivor of the Stryker run over src/github/apply.ts: without the sort the
 * run updated was whichever GitHub listed last.)
 */
const run = (id: number, startedAt: string, conclusion: "success" | "failure"): KnownCheckRun => ({
  id,
  startedAt,
  conclusion,
  title: conclusion === "success" ? "Level 3: all sign-offs in" : "Level 3: waiting for dba-lead",
  summary: "",
});

describe("our run on a head commit", () => {
  const older = run(7001, "2026-11-23T10:00:00Z", "failure");
  const newer = run(7002, "2026-11-23T10:00:03Z", "success");

  it("is the newest run, dated from the oldest, whichever order GitHub lists them in", () => {
    for (const listed of [
      [older, newer],
      [newer, older],
    ]) {
      expect(ourRunOn(listed)).toEqual({ ...newer, startedAt: older.startedAt });
    }
  });

  it("of two runs started in the same second, the one GitHub numbered later is the newest", () => {
    const twin = run(7003, older.startedAt, "success");
    expect(ourRunOn([twin, older])?.id).toBe(7003);
    expect(ourRunOn([older, twin])?.id).toBe(7003);
  });

  it("is none when there is no run", () => {
    expect(ourRunOn([])).toBeUndefined();
  });
});
