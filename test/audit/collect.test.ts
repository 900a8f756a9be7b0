import { describe, expect, it } from "vitest";
import { auditRow } from "../../src/audit/audit-row.js";
import { collect, type GraphqlClient } from "../../src/audit/collect.js";
import { mergedPullRequestOf } from "../../src/audit/github-query.js";
import { progressBar } from "../../src/audit/progress.js";
import { busyOrg, graphqlOver as client, SEARCH_LIMIT } from "./fake-org.js";
import { APP_ID, APP_SLUG, QUARTER, quarterOrg } from "./quarter-scenario.js";

/** How the audit reads GitHub: paging, GitHub's 1,000-result search cap, the rate limit, whose evidence counts. */

const SINCE = new Date(`${QUARTER.since}T00:00:00Z`);
const UNTIL = new Date(`${QUARTER.until}T23:59:59Z`);

describe("collect", () => {
  it("reads a period with more merges than one search returns by splitting it, every pull request once, 50 to a page", async () => {
    const org = busyOrg(2300);
    const { pulls, calls } = await collect(client(org), {
      scopes: ["repo:acme/big"],
      since: SINCE,
      until: UNTIL,
      appId: APP_ID,
    });
    expect(pulls).toHaveLength(2300);
    expect(new Set(pulls.map((p) => p.number)).size).toBe(2300);
    // The quarter (2,300), its halves (1,150 each) and their halves (575 each): only the last are read to the end.
    const windows = [...new Set(org.queries.map((q) => /merged:(\S+)/.exec(q)![1]))];
    expect(windows).toHaveLength(1 + 2 + 4);
    expect(SEARCH_LIMIT).toBe(1000);
    // 12 pages of ≤ 50 for each 575, and the first page of the 3 periods that matched more than 1,000.
    expect(calls).toBe(4 * Math.ceil(575 / 50) + 3);
  });

  it("waits for the rate limit's reset when the points left run low, and asks again after a RATE_LIMITED refusal", async () => {
    const org = busyOrg(120);
    org.rate = { remaining: 40, resetAt: "2026-10-01T00:10:00Z" };
    const waits: number[] = [];
    let refused = false;
    const graphql = client(org);
    const flaky = (async (query: string, variables: Record<string, unknown>) => {
      if (!refused) {
        refused = true;
        throw Object.assign(new Error("API rate limit exceeded"), {
          errors: [{ type: "RATE_LIMITED", message: "API rate limit exceeded" }],
        });
      }
      return graphql(query, variables);
    }) as GraphqlClient;
    const { pulls, calls } = await collect(flaky, {
      scopes: ["repo:acme/big"],
      since: SINCE,
      until: UNTIL,
      appId: APP_ID,
      now: () => new Date("2026-10-01T00:00:00Z"),
      sleep: async (ms) => void waits.push(ms),
    });
    expect(pulls).toHaveLength(120);
    // The refusal, then three pages; each page left 40 points (< the 100 kept in reserve): wait 10 min and a second for the reset.
    expect(calls).toBe(4);
    expect(waits).toEqual([60_000, 601_000, 601_000, 601_000]);
  });

  it("counts only our App's runs and our App's review issues: another App's `governance` run or a person's look-alike issue proves nothing", async () => {
    const { org } = await quarterOrg();
    // A person opens a review issue for the late emergency claiming it was done on time.
    org.issues.unshift({
      ...org.issues[0]!,
      number: 2,
      author: "mallory",
      closedAt: "2026-08-12T12:00:00Z",
      createdAt: "2026-08-12T10:00:01Z",
    });
    const { pulls, reviews } = await collect(client(org), {
      scopes: ["org:acme"],
      since: SINCE,
      until: UNTIL,
      appId: APP_ID,
    });
    expect(reviews.map((r) => `${r.repository}#${r.number}`)).toEqual(["acme/billing#8"]);
    const emergency = pulls.find((p) => p.repository === "acme/billing" && p.number === 7)!;
    expect(auditRow(emergency, reviews, UNTIL).emergency?.review.status).toBe("late");
    const foreign = pulls.find((p) => p.repository === "acme/billing" && p.number === 10)!;
    expect(foreign.run).toBeUndefined();
    expect(auditRow(foreign, reviews, UNTIL).flags).toEqual(["check-missing"]);
  });

  it("calls an emergency's review overdue when it is still open after it was due at the period's end, open before that, missing without one", async () => {
    const { org } = await quarterOrg();
    delete org.issues[0]!.closedAt;
    const { pulls, reviews } = await collect(client(org), {
      scopes: ["org:acme"],
      since: SINCE,
      until: UNTIL,
      appId: APP_ID,
    });
    const emergency = pulls.find((p) => p.number === 7)!;
    expect(auditRow(emergency, reviews, UNTIL)).toMatchObject({
      flags: ["emergency", "review-overdue"],
      emergency: { review: { status: "overdue" } },
    });
    expect(
      auditRow(emergency, reviews, new Date("2026-08-13T09:00:00Z")).emergency?.review.status,
    ).toBe("open");
    expect(auditRow(emergency, [], UNTIL)).toMatchObject({
      flags: ["emergency", "review-missing"],
      emergency: { review: { status: "missing" } },
    });
  });

  it("does not read a record written for another pull request on the same commit as this one's", async () => {
    const { org } = await quarterOrg();
    const { pulls } = await collect(client(org), {
      scopes: ["org:acme"],
      since: SINCE,
      until: UNTIL,
      appId: APP_ID,
    });
    const signed = pulls.find((p) => p.repository === "acme/chat" && p.number === 101)!;
    const row = auditRow({ ...signed, number: 555 }, [], UNTIL);
    expect(row).toMatchObject({
      record: "other-pull-request",
      flags: ["record-missing"],
      signoffs: [],
    });
  });

  it("says when the run was written after the merge: what it shows may not be what held at merge", async () => {
    const { org } = await quarterOrg();
    const { pulls } = await collect(client(org), {
      scopes: ["org:acme"],
      since: SINCE,
      until: UNTIL,
      appId: APP_ID,
    });
    const signed = pulls.find((p) => p.repository === "acme/chat" && p.number === 101)!;
    expect(auditRow(signed, [], UNTIL).flags).toEqual([]);
    const later = { ...signed, run: { ...signed.run!, completedAt: "2026-07-07T14:00:01Z" } };
    expect(auditRow(later, [], UNTIL).flags).toEqual(["updated-after-merge"]);
  });
});

describe("the run that held at merge", () => {
  const node = (suites: { appId: number; oid?: string }[]) => ({
    __typename: "PullRequest",
    number: 3,
    url: "https://github.com/acme/chat/pull/3",
    title: "t",
    mergedAt: "2026-08-01T10:00:00Z",
    headRefOid: "c".repeat(40),
    repository: { nameWithOwner: "acme/chat" },
    commits: {
      nodes: suites.map((s, i) => ({
        commit: {
          oid: s.oid ?? "c".repeat(40),
          checkSuites: {
            nodes: [
              {
                app: { databaseId: s.appId, slug: s.appId === APP_ID ? APP_SLUG : "other" },
                checkRuns: {
                  nodes: [
                    {
                      databaseId: 10 + i,
                      conclusion: "SUCCESS",
                      status: "COMPLETED",
                      summary: "",
                      completedAt: null,
                    },
                  ],
                },
              },
            ],
          },
        },
      })),
    },
  });

  it("is our App's newest run on the merged head, even if an answer carried another App's suite or another commit's", () => {
    expect(mergedPullRequestOf(node([{ appId: APP_ID }]), APP_ID)?.run).toEqual({
      id: 10,
      conclusion: "success",
      summary: "",
    });
    expect(mergedPullRequestOf(node([{ appId: 999 }]), APP_ID)?.run).toBeUndefined();
    expect(
      mergedPullRequestOf(node([{ appId: APP_ID, oid: "d".repeat(40) }]), APP_ID)?.run,
    ).toBeUndefined();
  });
});

describe("the progress bar", () => {
  it("redraws one line on a terminal and clears it at the end; writes nothing to a pipe", () => {
    const written: string[] = [];
    const bar = progressBar({ isTTY: true, write: (t) => written.push(t) });
    bar.update({ scope: "org:acme", done: 25, total: 100, calls: 2, rateRemaining: 4990 });
    bar.done();
    expect(written).toEqual([
      `\r\x1b[2Kaudit ${"█".repeat(7)}${"░".repeat(21)} 25/100 merged · org:acme · 2 calls · 4990 points left`,
      "\r\x1b[2K",
    ]);

    const piped: string[] = [];
    const quiet = progressBar({ isTTY: false, write: (t) => piped.push(t) });
    quiet.update({ scope: "org:acme", done: 1, total: 1, calls: 1 });
    quiet.done();
    expect(piped).toEqual([]);
  });
});
