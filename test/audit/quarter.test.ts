import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { auditCommand } from "../../src/audit/command.js";
import { CSV_COLUMNS } from "../../src/audit/formats.js";
import { appKeys } from "../github-support/app-server.js";
import { mockGitHub, setupNock, type GitHubMock } from "../github-support/mock-github.js";
import type { FakeOrg } from "./fake-org.js";
import { APP_ID, APP_SLUG, QUARTER, quarterOrg } from "./quarter-scenario.js";

/**
 * Done when (issue 13): a fake organisation's quarter exported through the
 * CLI, against a GitHub whose GraphQL is executed over GitHub's schema, and
 * every flag and figure in CSV, JSON Lines and HTML matches the scenario
 * (test/audit/quarter-scenario.ts describes it).
 */

setupNock();

let dir: string;
let org: FakeOrg;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "gg-audit-"));
  ({ org } = await quarterOrg());
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const TOKEN_ENV = { GITHUB_TOKEN: "ghp_audit_test", APP_ID: String(APP_ID) };

/** The quarter exported in `format`, with GitHub read through `gh` (one search page of pull requests, one of review issues). */
async function exportQuarter(
  gh: GitHubMock,
  format: string,
  env: NodeJS.ProcessEnv = TOKEN_ENV,
): Promise<{ text: string; stderr: string[] }> {
  org.serve(gh, "AuditMergedPullRequests", { times: 1 });
  org.serve(gh, "AuditReviewIssues", { times: 1 });
  const out = join(dir, `quarter.${format}`);
  const stderr: string[] = [];
  const code = await auditCommand(
    { org: "acme", since: QUARTER.since, until: QUARTER.until, format, out },
    { out: () => undefined, err: (t) => stderr.push(t) },
    { env, stderr: { isTTY: false, write: (t) => stderr.push(t) } },
  );
  expect(code).toBe(0);
  return { text: readFileSync(out, "utf8"), stderr };
}

/** CSV as records by `repository#number` (RFC 4180 quoting). */
function parseCsv(text: string): Map<string, Record<string, string>> {
  const rows: string[][] = [];
  let field = "";
  let row: string[] = [];
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") {
      row.push(field);
      field = "";
    } else if (c === "\r") continue;
    else if (c === "\n") {
      row.push(field);
      rows.push(row);
      row = [];
      field = "";
    } else field += c;
  }
  const [header, ...body] = rows;
  expect(header).toEqual([...CSV_COLUMNS]);
  return new Map(
    body.map((r) => [
      `${r[0]}#${r[1]}`,
      Object.fromEntries(header!.map((h, i) => [h, r[i] ?? ""])),
    ]),
  );
}

describe("a quarter of acme, exported", () => {
  it("CSV: one row per pull request merged in the quarter, each flag and the emergency's late review as the scenario has them", async () => {
    const gh = mockGitHub();
    const { text, stderr } = await exportQuarter(gh, "csv");
    // Two GraphQL calls for the organisation's whole quarter: the merged pull requests with their runs, and the review issues.
    expect(gh.count({ kind: "graphql" })).toBe(2);
    expect(gh.count()).toBe(2);
    expect(stderr.at(-1)).toBe(
      `audit: 7 merged pull requests, 5 exceptions, 2 GitHub calls → ${join(dir, "quarter.csv")}`,
    );

    const rows = parseCsv(text);
    // June's merge and the open pull request are not in the quarter; the order is repository, then merge time.
    expect([...rows.keys()]).toEqual([
      "acme/billing#7",
      "acme/billing#9",
      "acme/billing#10",
      "acme/chat#101",
      "acme/chat#102",
      "acme/chat#103",
      "acme/chat#104",
    ]);
    expect(Object.fromEntries([...rows].map(([k, r]) => [k, r.flags]))).toEqual({
      "acme/billing#7": "emergency;review-late",
      "acme/billing#9": "mediated",
      "acme/billing#10": "check-missing",
      "acme/chat#101": "",
      "acme/chat#102": "",
      "acme/chat#103": "check-failing",
      "acme/chat#104": "check-failing;policy-lint-failed",
    });
    expect(rows.get("acme/chat#101")).toMatchObject({
      check: "success",
      record: "ok",
      level: "3",
      areas: "prisma",
      requirements: "1",
      requirements_satisfied: "1",
      signoffs:
        "dan (dba-lead, review 2026-07-06T11:00:00Z); bea (backend-lead, command 2026-07-06T15:00:00Z); sam (sre-lead, review 2026-07-07T13:00:00Z)",
      merged_by: "bea",
      policy_lint_errors: "0",
    });
    expect(rows.get("acme/chat#102")).toMatchObject({
      check: "success",
      level: "1",
      requirements: "0",
      signoffs: "",
    });
    expect(rows.get("acme/chat#103")).toMatchObject({
      check: "failure",
      record: "ok",
      level: "3",
      requirements_satisfied: "0",
      signoffs: "dan (dba-lead, review 2026-08-05T16:00:00Z)",
      merged_by: "root",
    });
    expect(rows.get("acme/billing#7")).toMatchObject({
      emergency_by: "ivy",
      emergency_reason: "rollback of the avatar migration, P0 INC-231",
      review_status: "late",
      review_issue: "https://github.com/acme/billing/issues/8",
      review_due_at: "2026-08-13T10:00:00.000Z",
      review_closed_at: "2026-08-13T16:00:00Z",
    });
    expect(rows.get("acme/billing#9")).toMatchObject({
      check: "success",
      mediations:
        "prisma/migration-destructive: approve by vic (vp-engineering): The column has had no readers since June; dan's backfill ran on 2026-08-28.",
    });
    expect(rows.get("acme/billing#10")).toMatchObject({
      check: "missing",
      record: "absent",
      level: "",
      merged_by: "root",
    });
    expect(rows.get("acme/chat#104")).toMatchObject({ check: "failure", record: "ok", level: "" });
    expect(Number(rows.get("acme/chat#104")!.policy_lint_errors)).toBeGreaterThan(0);
  });

  it("JSON Lines as the App (one installation token for the organisation): the decision records whole, with the review and comment ids that signed", async () => {
    const gh = mockGitHub();
    const keys = appKeys(APP_ID);
    gh.get("/app/installations", [
      {
        id: 77,
        account: { login: "acme", id: 1, type: "Organization" },
        app_id: APP_ID,
        app_slug: APP_SLUG,
        target_type: "Organization",
      },
    ]);
    gh.installationToken(77);
    const { text } = await exportQuarter(gh, "jsonl", {
      APP_ID: String(APP_ID),
      PRIVATE_KEY: keys.privateKey,
    });
    expect(gh.count({ kind: "graphql" })).toBe(2);

    const rows = text
      .trimEnd()
      .split("\n")
      .map(
        (line) =>
          JSON.parse(line) as Record<string, unknown> & { decision?: Record<string, unknown> },
      );
    expect(rows.map((r) => `${r.repository}#${r.number}`)).toEqual([
      "acme/billing#7",
      "acme/billing#9",
      "acme/billing#10",
      "acme/chat#101",
      "acme/chat#102",
      "acme/chat#103",
      "acme/chat#104",
    ]);
    const byKey = new Map(rows.map((r) => [`${r.repository}#${r.number}`, r]));
    expect(byKey.get("acme/chat#101")).toMatchObject({
      url: "https://github.com/acme/chat/pull/101",
      check: "success",
      flags: [],
      signoffs: [
        {
          login: "dan",
          role: "dba-lead",
          via: "review",
          reviewId: expect.any(Number),
          at: "2026-07-06T11:00:00Z",
        },
        {
          login: "bea",
          role: "backend-lead",
          via: "command",
          commentId: expect.any(Number),
          at: "2026-07-06T15:00:00Z",
        },
        {
          login: "sam",
          role: "sre-lead",
          via: "review",
          reviewId: expect.any(Number),
          at: "2026-07-07T13:00:00Z",
        },
      ],
      decision: {
        recordVersion: 1,
        pullRequest: 101,
        arrivedAt: "2026-07-06T09:00:00Z",
        conclusion: "success",
        policy: { commit: "0b1c2d3e4f5061728394a5b6c7d8e9f0a1b2c3d4" },
      },
    });
    expect(byKey.get("acme/billing#7")).toMatchObject({
      flags: ["emergency", "review-late"],
      emergency: {
        by: "ivy",
        declaredAt: "2026-08-12T09:30:00Z",
        review: {
          status: "late",
          dueAt: "2026-08-13T10:00:00.000Z",
          closedAt: "2026-08-13T16:00:00Z",
        },
      },
      decision: { emergency: { by: "ivy", bypassed: ["prisma/migration-destructive"] } },
    });
    expect(byKey.get("acme/billing#9")).toMatchObject({
      flags: ["mediated"],
      mediations: [
        {
          requirement: "prisma/migration-destructive",
          by: "vic",
          role: "vp-engineering",
          verdict: "approve",
          at: "2026-09-03T12:00:00.000Z",
          commentId: expect.any(Number),
        },
      ],
    });
    expect(byKey.get("acme/billing#10")).toMatchObject({
      check: "missing",
      record: "absent",
      flags: ["check-missing"],
    });
    expect(byKey.get("acme/billing#10")!.decision).toBeUndefined();
    expect(byKey.get("acme/chat#104")).toMatchObject({
      flags: ["check-failing", "policy-lint-failed"],
      decision: { outcome: "policy-invalid" },
    });
  });

  it("rerun, the export is the same byte for byte", async () => {
    const first = await exportQuarter(mockGitHub(), "jsonl");
    const second = await exportQuarter(mockGitHub(), "jsonl");
    expect(second.text).toBe(first.text);
  });

  it("HTML: the figures of the scenario — sign-off waits per area and role against the 16 h SLA, per-month emergencies and levels, the exceptions with links", async () => {
    const { text: html } = await exportQuarter(mockGitHub(), "html");
    // Nothing is fetched when the report is opened.
    expect(html).not.toMatch(/<script|<link|src="http|url\(/i);
    expect(html).toContain(
      `content="default-src 'none'; style-src 'unsafe-inline'; img-src data:"`,
    );
    const tile = (id: string) =>
      new RegExp(`id="tile-${id}"><span class="value">(\\d+)<`).exec(html)?.[1];
    expect({
      merged: tile("merged"),
      exceptions: tile("exceptions"),
      bypasses: tile("bypasses"),
      emergencies: tile("emergencies"),
      late: tile("late-reviews"),
      mediated: tile("mediated"),
    }).toEqual({
      merged: "7",
      exceptions: "5",
      bypasses: "3",
      emergencies: "1",
      late: "1",
      mediated: "1",
    });
    // dba-lead waited 1, 2 and 23 business hours (median 2, p90 23); backend-lead 1 and 6; sre-lead 2 and 12.
    const waits = (kind: string) =>
      [
        ...html.matchAll(
          new RegExp(
            `data-${kind}="([^"]+)">[\\s\\S]*?class="p90"[^>]*data-value="([\\d.]+)"[\\s\\S]*?class="median"[^>]*data-value="([\\d.]+)"[\\s\\S]*?data-sla="([\\d.]+)"`,
            "g",
          ),
        ),
      ].map((m) => [m[1], Number(m[3]), Number(m[2]), Number(m[4])]);
    expect(waits("role")).toEqual([
      ["backend-lead", 3.5, 6, 16],
      ["dba-lead", 2, 23, 16],
      ["sre-lead", 7, 12, 16],
    ]);
    expect(waits("area")).toEqual([["prisma", 2, 23, 16]]);
    expect(html).toContain(
      '<tr><td>dba-lead</td><td>3</td><td>2</td><td class="over">23</td><td>16</td><td>2 of 3</td></tr>',
    );
    const bars = (re: RegExp) => [...html.matchAll(re)].map((m) => m.slice(1).join(" "));
    expect(bars(/class="emergency"[^>]*data-month="([\d-]+)" data-value="(\d+)"/g)).toEqual([
      "2026-07 0",
      "2026-08 1",
      "2026-09 0",
    ]);
    expect(
      bars(/class="level"[^>]*data-month="([\d-]+)" data-level="(\w+)" data-value="(\d+)"/g).filter(
        (b) => !b.endsWith(" 0"),
      ),
    ).toEqual(["2026-07 1 1", "2026-07 3 1", "2026-08 3 2", "2026-09 3 1", "2026-09 unknown 2"]);
    const exceptions = bars(/<tr data-pull="([^"]+)"><td><a href="([^"]+)">/g);
    expect(exceptions).toEqual([
      "acme/billing#7 https://github.com/acme/billing/pull/7",
      "acme/billing#9 https://github.com/acme/billing/pull/9",
      "acme/billing#10 https://github.com/acme/billing/pull/10",
      "acme/chat#103 https://github.com/acme/chat/pull/103",
      "acme/chat#104 https://github.com/acme/chat/pull/104",
    ]);
    expect(html).toContain(
      `review <a href="https://github.com/acme/billing/issues/8">late</a> (due 2026-08-13T10:00:00.000Z, closed 2026-08-13T16:00:00Z)`,
    );
    expect(html).toContain(
      "approve by @vic (vp-engineering): <q>The column has had no readers since June; dan&#39;s backfill ran on 2026-08-28.</q>",
    );
  });
});
