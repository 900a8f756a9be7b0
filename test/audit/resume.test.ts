import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { auditCommand } from "../../src/audit/command.js";
import type { GraphqlClient } from "../../src/audit/collect.js";
import { busyOrg, graphqlOver } from "./fake-org.js";

/** `--resume`: an export cut off half-way goes on from the periods it had read, and ends as an uninterrupted one would. */

const dir = mkdtempSync(join(tmpdir(), "gg-audit-resume-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ARGS = {
  repo: ["acme/big"],
  since: "2026-07-01",
  until: "2026-09-30",
  "app-id": "4242",
  format: "jsonl",
};
const io = { out: () => undefined, err: () => undefined };

/** The fake GitHub, counting calls; after `failAfter` calls the connection drops. */
function github(failAfter = Infinity) {
  const org = busyOrg(2300);
  const answer = graphqlOver(org);
  const counter = { calls: 0 };
  const graphql = (async (query: string, variables: Record<string, unknown>) => {
    if (++counter.calls > failAfter) throw new Error("read ECONNRESET");
    return answer(query, variables);
  }) as GraphqlClient;
  return {
    counter,
    deps: { env: {}, clientFor: async () => graphql, stderr: { isTTY: false, write: () => true } },
  };
}

it("an interrupted export goes on with --resume without asking again for what it read, and writes what a whole run writes", async () => {
  const whole = github();
  await auditCommand({ ...ARGS, out: join(dir, "whole.jsonl") }, io, whole.deps);
  // The quarter's 2,300 merges: the quarter and its halves split, four quarters of 575 read in 12 pages each.
  expect(whole.counter.calls).toBe(3 + 4 * 12);

  const out = join(dir, "resumed.jsonl");
  const cut = github(20);
  await expect(auditCommand({ ...ARGS, out }, io, cut.deps)).rejects.toThrow("read ECONNRESET");
  // Nothing half-written where the export goes; what it read is beside it.
  expect(existsSync(out)).toBe(false);
  expect(existsSync(`${out}.partial`)).toBe(true);

  const resumed = github();
  await auditCommand({ ...ARGS, out, resume: true }, io, resumed.deps);
  // Read before the cut: the two splits and the first 575 (12 pages); the second 575 had 6 of its pages read, not all.
  expect(resumed.counter.calls).toBe(whole.counter.calls - 2 - 12);
  expect(readFileSync(out, "utf8")).toBe(readFileSync(join(dir, "whole.jsonl"), "utf8"));
  expect(existsSync(`${out}.partial`)).toBe(false);
});

it("without --resume an export starts afresh, whatever an earlier one left", async () => {
  const out = join(dir, "fresh.jsonl");
  await expect(auditCommand({ ...ARGS, out }, io, github(20).deps)).rejects.toThrow(
    "read ECONNRESET",
  );
  const again = github();
  await auditCommand({ ...ARGS, out }, io, again.deps);
  expect(again.counter.calls).toBe(3 + 4 * 12);
});
