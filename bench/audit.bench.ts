/**
 * `governance-gate audit` at an organisation's scale (issue 13 "Scale"): 200
 * repositories, 20,000 pull requests merged in a year, each head carrying the
 * check run the app writes (the summary from `decisionOutput` over a real
 * `evaluate`, its decision record included).
 *
 * 1. GitHub calls per merged pull request for the year, against the fake
 *    GitHub of test/audit/fake-org.ts (GraphQL executed over GitHub's schema,
 *    search capped at 1,000 results as GitHub caps it), and the rate-limit
 *    points they cost by GitHub's published formula.
 * 2. Time for 10,000 records: fetched pull requests → audit rows (records
 *    parsed and validated) → CSV, JSON Lines and the HTML report, median of 5,
 *    apart from the time the fake spends answering.
 *
 *   npx tsx bench/audit.bench.ts [--json out.json]
 */
import { performance } from "node:perf_hooks";
import { auditRow, sortRows } from "../src/audit/audit-row.js";
import { collect, type GraphqlClient } from "../src/audit/collect.js";
import { toCsv, toJsonLines } from "../src/audit/formats.js";
import { PAGE_SIZE, type MergedPullRequest } from "../src/audit/github-query.js";
import { htmlReport } from "../src/audit/html-report.js";
import { evaluate } from "../src/evaluate/evaluate.js";
import type { Facts } from "../src/evaluate/facts.js";
import { withHeadState } from "../src/github/check-state.js";
import { decisionOutput } from "../src/github/apply.js";
import { FakeOrg } from "../test/audit/fake-org.js";
import { CHAT_POLICY } from "../test/github-support/repo-world.js";
import { added, fixture } from "../test/helpers/facts.js";
import { policyFrom } from "../test/helpers/policy.js";
import { jsonTarget, median, ms, table, writeJson } from "./lib/report.js";

const REPOSITORIES = 200;
const MERGED_PER_YEAR = 20_000;
const RECORDS_TIMED = 10_000;
const APP_ID = 4242;
const SINCE = new Date("2026-01-01T00:00:00Z");
const UNTIL = new Date("2026-12-31T23:59:59Z");
/** Points an hour for an App installation or a user token (GitHub's primary GraphQL limit). */
const POINTS_PER_HOUR = 5000;

const policy = await policyFrom(CHAT_POLICY);
const migration = added(
  "prisma/migrations/20260701093000_drop_avatar/migration.sql",
  fixture("prs/drop-column.migration.sql"),
);
const readme = {
  path: "README.md",
  status: "modified" as const,
  base: "# chat\n",
  head: "# chat\nMore words.\n",
};

console.log(`building ${MERGED_PER_YEAR} merged pull requests over ${REPOSITORIES} repositories…`);
const org = new FakeOrg();
const span = UNTIL.getTime() - SINCE.getTime();
for (let n = 1; n <= MERGED_PER_YEAR; n++) {
  const head = n.toString(16).padStart(40, "0");
  const mergedAt = new Date(SINCE.getTime() + Math.floor((span * n) / (MERGED_PER_YEAR + 1)));
  const arrivedAt = new Date(mergedAt.getTime() - 26 * 3_600_000).toISOString();
  // Two in three are level-3 migrations signed by review and command, one in three level-1 README edits.
  const level3 = n % 3 !== 0;
  const facts: Facts = {
    files: [level3 ? migration : readme],
    author: "octocat",
    title: `change ${n}`,
    body: "",
    labels: [],
    headSha: head,
    headPushedAt: arrivedAt,
    reviews: level3
      ? [
          {
            id: n * 10 + 1,
            user: "dan",
            state: "APPROVED",
            commitId: head,
            submittedAt: new Date(Date.parse(arrivedAt) + 2 * 3_600_000).toISOString(),
          },
          {
            id: n * 10 + 2,
            user: "sam",
            state: "APPROVED",
            commitId: head,
            submittedAt: new Date(Date.parse(arrivedAt) + 20 * 3_600_000).toISOString(),
          },
        ]
      : [],
    comments: level3
      ? [
          {
            id: n * 10 + 3,
            user: "bea",
            body: "/approve-level3",
            createdAt: new Date(Date.parse(arrivedAt) + 5 * 3_600_000).toISOString(),
            updatedAt: new Date(Date.parse(arrivedAt) + 5 * 3_600_000).toISOString(),
          },
        ]
      : [],
    teamMembers: {},
    requestedReviewers: { users: [], teams: [] },
  };
  const decision = evaluate(policy, facts, mergedAt);
  const output = decisionOutput({
    decision,
    policy,
    facts,
    pullRequest: n,
    base: { ref: "main", sha: "b".repeat(40) },
    policySource: ".github/governance.yml",
    policyProblems: [],
    arrivedAt,
  });
  org.pulls.push({
    repository: `acme/service-${n % REPOSITORIES}`,
    number: n,
    title: facts.title,
    author: "octocat",
    mergedAt: mergedAt.toISOString(),
    mergedBy: "bea",
    head,
    runs: [
      {
        id: n,
        appId: APP_ID,
        appSlug: "governance-gate",
        name: "governance",
        conclusion: output.conclusion === "success" ? "SUCCESS" : "FAILURE",
        summary: withHeadState(output.summary, {
          prs: { [String(n)]: { conclusion: output.conclusion, arrivedAt } },
        }),
        completedAt: mergedAt.toISOString(),
      },
    ],
  });
}

// 1. Calls for the year.
let fakeMs = 0;
const graphql = (async (query: string, variables: Record<string, unknown>) => {
  const started = performance.now();
  const answer = org.answer({ query, variables }) as { data: unknown; errors?: unknown[] };
  fakeMs += performance.now() - started;
  if (answer.errors) throw new Error(JSON.stringify(answer.errors));
  return answer.data;
}) as GraphqlClient;
const started = performance.now();
const year = await collect(graphql, {
  scopes: ["org:acme"],
  since: SINCE,
  until: UNTIL,
  appId: APP_ID,
});
const yearMs = performance.now() - started;
const perPull = year.calls / year.pulls.length;
// GitHub's cost: requests each connection needs at its `first`/`last`, summed, over 100 (search 1, commits 50, suites 50, runs 250).
const pointsPerPage = Math.max(1, Math.round((1 + PAGE_SIZE + PAGE_SIZE + PAGE_SIZE * 5) / 100));
const points = year.calls * pointsPerPage;

// 2. Records → rows → outputs, for 10,000 of them.
const sample: MergedPullRequest[] = year.pulls.slice(0, RECORDS_TIMED);
const samples: { rows: number; csv: number; jsonl: number; html: number }[] = [];
for (let i = 0; i < 5; i++) {
  const t0 = performance.now();
  const rows = sortRows(sample.map((p) => auditRow(p, year.reviews, UNTIL)));
  const t1 = performance.now();
  toCsv(rows);
  const t2 = performance.now();
  toJsonLines(rows);
  const t3 = performance.now();
  htmlReport(rows, { since: SINCE, until: UNTIL, scopes: ["acme"] });
  const t4 = performance.now();
  samples.push({ rows: t1 - t0, csv: t2 - t1, jsonl: t3 - t2, html: t4 - t3 });
}
const m = (k: keyof (typeof samples)[number]) => median(samples.map((s) => s[k]));
const totalMs = m("rows") + m("csv") + m("jsonl") + m("html");
const unread = sortRows(sample.map((p) => auditRow(p, year.reviews, UNTIL))).filter(
  (r) => r.record !== "ok",
).length;

console.log("");
console.log(
  table([
    ["a year of acme: 200 repositories", "value"],
    ["merged pull requests exported", year.pulls.length],
    ["GraphQL calls", year.calls],
    ["calls per merged pull request", perPull.toFixed(4)],
    [`rate-limit points (≈${pointsPerPage} a page by GitHub's formula)`, points],
    [
      `share of one hour's ${POINTS_PER_HOUR} points`,
      `${((points / POINTS_PER_HOUR) * 100).toFixed(0)} %`,
    ],
    ["collect, wall time (fake GitHub included)", `${ms(yearMs)} ms`],
    ["of which the fake answering", `${ms(fakeMs)} ms`],
  ]),
);
console.log("");
console.log(
  table([
    [`${RECORDS_TIMED} records, median of 5`, "ms"],
    ["rows (records read and validated, flags)", ms(m("rows"))],
    ["CSV", ms(m("csv"))],
    ["JSON Lines", ms(m("jsonl"))],
    ["HTML report", ms(m("html"))],
    ["total", ms(totalMs)],
  ]),
);
if (unread > 0) console.log(`\n  FAILED: ${unread} records were not read back`);

writeJson(jsonTarget(), {
  repositories: REPOSITORIES,
  merged: year.pulls.length,
  calls: year.calls,
  callsPerMergedPullRequest: perPull,
  points,
  pointsShareOfHour: points / POINTS_PER_HOUR,
  collectMs: yearMs,
  fakeMs,
  records: RECORDS_TIMED,
  rowsMs: m("rows"),
  csvMs: m("csv"),
  jsonlMs: m("jsonl"),
  htmlMs: m("html"),
  totalMs,
  unread,
});
process.exitCode = unread > 0 || year.pulls.length !== MERGED_PER_YEAR ? 1 : 0;
