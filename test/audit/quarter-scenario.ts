/**
 * A fake organisation's third quarter of 2026, as the app would have left it:
 * each merged pull request's head carries the `governance` check run the app
 * wrote (the summary from `decisionOutput`, the same function the gate calls,
 * over a real `evaluate` of the pull request as it stood when it merged), and
 * the emergency's post-implementation review issue is the one `onMerged`
 * opens. Policy: chat-backend (UTC, Monday–Friday 09:00–17:00, review SLA 2
 * business days = 16 business hours; emergency review within 24 h).
 *
 * | pull request      | merged            | what happened                                                              |
 * |-------------------|-------------------|----------------------------------------------------------------------------|
 * | acme/chat#99      | 2026-06-30        | before the quarter: not in the export                                      |
 * | acme/chat#101     | 2026-07-07        | level 3, signed: dan review +2 h, bea command +6 h, sam review +12 h       |
 * | acme/chat#102     | 2026-07-08        | level 1 README change: nothing to sign                                     |
 * | acme/chat#103     | 2026-08-05        | level 3, only dan (+23 h) signed, check failing: admin bypass              |
 * | acme/billing#7    | 2026-08-12        | emergency by ivy; dan review +1 h; review issue closed 6 h after due: late |
 * | acme/billing#9    | 2026-09-03        | bea +1 h, sam +2 h approve, dan requests changes; vic decides: approve     |
 * | acme/billing#10   | 2026-09-14        | no run of ours (only another App's `governance`): admin bypass             |
 * | acme/chat#104     | 2026-09-21        | base policy failed lint, check failing: admin bypass                       |
 * | acme/chat#105     | open              | not merged: not in the export                                              |
 */
import { auditRow, sortRows, type AuditRow } from "../../src/audit/audit-row.js";
import { collect, type GraphqlClient } from "../../src/audit/collect.js";
import { htmlReport } from "../../src/audit/html-report.js";
import { evaluate } from "../../src/evaluate/evaluate.js";
import type { Comment, Facts, Review } from "../../src/evaluate/facts.js";
import { withHeadState } from "../../src/github/check-state.js";
import {
  decisionOutput,
  withPolicyFailureRecord,
  type CheckOutput,
} from "../../src/github/apply.js";
import { loadPolicy } from "../../src/policy/load.js";
import type { Policy } from "../../src/policy/model.js";
import { postImplementationReview } from "../../src/render/merge.js";
import { CHAT_POLICY } from "../github-support/repo-world.js";
import { added, fixture } from "../helpers/facts.js";
import { memoryReader, policyFrom } from "../helpers/policy.js";
import { FakeOrg, type FakePull } from "./fake-org.js";

export const APP_ID = 4242;
export const APP_SLUG = "governance-gate";
export const QUARTER = { since: "2026-07-01", until: "2026-09-30" };
const BASE = { ref: "main", sha: "0b1c2d3e4f5061728394a5b6c7d8e9f0a1b2c3d4" };
const POLICY_TEXT = `${CHAT_POLICY}  vp-engineering: { users: [vic] }\n`;

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

let nextId = 5000;
const sha = (n: number) => n.toString(16).padStart(40, "a");
const review = (user: string, state: Review["state"], at: string, head: string): Review => ({
  id: nextId++,
  user,
  state,
  commitId: head,
  submittedAt: at,
});
const comment = (user: string, body: string, at: string): Comment => ({
  id: nextId++,
  user,
  body,
  createdAt: at,
  updatedAt: at,
});

interface Merged {
  repository: string;
  number: number;
  title: string;
  author: string;
  arrivedAt: string;
  mergedAt: string;
  mergedBy: string;
  files: Facts["files"];
  reviews?: (head: string) => Review[];
  comments?: Comment[];
}

export async function quarterOrg(): Promise<{ org: FakeOrg; policy: Policy }> {
  const policy = await policyFrom(POLICY_TEXT);
  const org = new FakeOrg();
  const decided = (m: Merged): FakePull => {
    const head = sha(m.number + (m.repository.endsWith("billing") ? 1000 : 0));
    const facts: Facts = {
      files: m.files,
      author: m.author,
      title: m.title,
      body: "",
      labels: [],
      headSha: head,
      headPushedAt: m.arrivedAt,
      reviews: m.reviews?.(head) ?? [],
      comments: m.comments ?? [],
      teamMembers: {},
      requestedReviewers: { users: [], teams: [] },
    };
    const decision = evaluate(policy, facts, new Date(m.mergedAt));
    const output = decisionOutput({
      decision,
      policy,
      facts,
      pullRequest: m.number,
      base: BASE,
      policySource: `${m.repository}:.github/governance.yml@${BASE.sha.slice(0, 7)}`,
      policyProblems: [],
      arrivedAt: m.arrivedAt,
    });
    const pull = merged(m, head, output);
    if (decision.emergency) {
      const issue = postImplementationReview(decision, policy, {
        owner: m.repository.split("/")[0]!,
        repo: m.repository.split("/")[1]!,
        number: m.number,
        title: m.title,
        url: `https://github.com/${m.repository}/pull/${m.number}`,
        author: m.author,
        mergedAt: new Date(m.mergedAt),
      })!;
      org.issues.push({
        repository: m.repository,
        number: 8,
        title: issue.title,
        body: issue.body,
        author: `${APP_SLUG}[bot]`,
        labels: ["post-implementation-review"],
        createdAt: "2026-08-12T10:00:05Z",
        closedAt: "2026-08-13T16:00:00Z",
      });
    }
    return pull;
  };
  const merged = (m: Merged, head: string, output: CheckOutput): FakePull => ({
    repository: m.repository,
    number: m.number,
    title: m.title,
    author: m.author,
    mergedAt: m.mergedAt,
    mergedBy: m.mergedBy,
    head,
    runs: [
      {
        id: nextId++,
        appId: APP_ID,
        appSlug: APP_SLUG,
        name: "governance",
        conclusion: output.conclusion === "success" ? "SUCCESS" : "FAILURE",
        summary: withHeadState(output.summary, {
          prs: {
            [String(m.number)]: {
              conclusion: output.conclusion,
              arrivedAt: m.arrivedAt,
              base: "main",
            },
          },
        }),
        completedAt: new Date(Date.parse(m.mergedAt) - 60_000).toISOString(),
      },
    ],
  });

  org.pulls.push(
    decided({
      repository: "acme/chat",
      number: 99,
      title: "Last June change",
      author: "octocat",
      arrivedAt: "2026-06-30T10:00:00Z",
      mergedAt: "2026-06-30T23:00:00Z",
      mergedBy: "octocat",
      files: [readme],
    }),
    decided({
      repository: "acme/chat",
      number: 101,
      title: "Drop avatar URLs",
      author: "octocat",
      arrivedAt: "2026-07-06T09:00:00Z",
      mergedAt: "2026-07-07T14:00:00Z",
      mergedBy: "bea",
      files: [migration],
      reviews: (head) => [
        review("dan", "APPROVED", "2026-07-06T11:00:00Z", head),
        review("sam", "APPROVED", "2026-07-07T13:00:00Z", head),
      ],
      comments: [comment("bea", "/approve-level3", "2026-07-06T15:00:00Z")],
    }),
    decided({
      repository: "acme/chat",
      number: 102,
      title: "Fix a typo in the README",
      author: "octocat",
      arrivedAt: "2026-07-08T10:00:00Z",
      mergedAt: "2026-07-08T10:30:00Z",
      mergedBy: "octocat",
      files: [readme],
    }),
    decided({
      repository: "acme/chat",
      number: 103,
      title: "Drop legacy sessions",
      author: "octocat",
      arrivedAt: "2026-08-03T09:00:00Z",
      mergedAt: "2026-08-05T18:00:00Z",
      mergedBy: "root",
      files: [migration],
      reviews: (head) => [review("dan", "APPROVED", "2026-08-05T16:00:00Z", head)],
    }),
    decided({
      repository: "acme/billing",
      number: 7,
      title: "Roll back the avatar migration",
      author: "octocat",
      arrivedAt: "2026-08-12T09:00:00Z",
      mergedAt: "2026-08-12T10:00:00Z",
      mergedBy: "ivy",
      files: [migration],
      reviews: (head) => [review("dan", "APPROVED", "2026-08-12T10:00:00Z", head)],
      comments: [
        comment(
          "ivy",
          "/emergency rollback of the avatar migration, P0 INC-231",
          "2026-08-12T09:30:00Z",
        ),
      ],
    }),
    decided({
      repository: "acme/billing",
      number: 9,
      title: "Shard the messages table",
      author: "octocat",
      arrivedAt: "2026-09-01T09:00:00Z",
      mergedAt: "2026-09-03T12:30:00Z",
      mergedBy: "vic",
      files: [migration],
      reviews: (head) => [
        review("bea", "APPROVED", "2026-09-01T10:00:00Z", head),
        review("sam", "APPROVED", "2026-09-01T11:00:00Z", head),
        review("dan", "CHANGES_REQUESTED", "2026-09-01T11:30:00Z", head),
      ],
      comments: [
        comment(
          "vic",
          "/governance decide approve The column has had no readers since June; dan's backfill ran on 2026-08-28.",
          "2026-09-03T12:00:00Z",
        ),
      ],
    }),
  );

  // Merged past the check: no run of ours on its head, only another App's `governance`.
  const bypassed = decided({
    repository: "acme/billing",
    number: 10,
    title: "Hotfix billing cron",
    author: "octocat",
    arrivedAt: "2026-09-14T09:00:00Z",
    mergedAt: "2026-09-14T10:00:00Z",
    mergedBy: "root",
    files: [migration],
  });
  bypassed.runs = [
    {
      ...bypassed.runs[0]!,
      appId: 999,
      appSlug: "ci-bot",
      conclusion: "SUCCESS",
      summary: "all good",
    },
  ];
  org.pulls.push(bypassed);

  // The base policy failed lint: nothing was decided, the check failed, an admin merged.
  const broken = await loadPolicy(
    {
      name: ".github/governance.yml",
      text: POLICY_TEXT.replace("dba-lead: { users: [dan] }", "dba-lead: { user: [dan] }"),
    },
    memoryReader({}),
  );
  const invalid = withPolicyFailureRecord(
    {
      conclusion: "failure",
      title: `Invalid governance policy: ${broken.problems.length} problem${broken.problems.length === 1 ? "" : "s"}`,
      summary:
        "**❌ The governance policy (.github/governance.yml) on the base branch is invalid**",
    },
    {
      pullRequest: 104,
      head: sha(104),
      base: BASE,
      policySource: "acme/chat:.github/governance.yml",
      policyProblems: broken.problems,
    },
  );
  org.pulls.push(
    merged(
      {
        repository: "acme/chat",
        number: 104,
        title: "Tune connection pool",
        author: "octocat",
        arrivedAt: "2026-09-21T09:00:00Z",
        mergedAt: "2026-09-21T10:00:00Z",
        mergedBy: "root",
        files: [],
      },
      sha(104),
      invalid,
    ),
  );

  org.pulls.push({
    repository: "acme/chat",
    number: 105,
    title: "Still open",
    author: "octocat",
    mergedAt: null,
    head: sha(105),
    runs: [],
  });
  return { org, policy };
}

/** The quarter's rows and report read straight from the fake (no HTTP): for the browser test and the README's screenshot. */
export async function quarterReport(): Promise<{ rows: AuditRow[]; html: string }> {
  const { org } = await quarterOrg();
  const graphql = (async (query: string, variables: Record<string, unknown>) =>
    (org.answer({ query, variables }) as { data: unknown }).data) as GraphqlClient;
  const since = new Date(`${QUARTER.since}T00:00:00Z`);
  const until = new Date(`${QUARTER.until}T23:59:59Z`);
  const { pulls, reviews } = await collect(graphql, {
    scopes: ["org:acme"],
    since,
    until,
    appId: APP_ID,
  });
  const rows = sortRows(pulls.map((p) => auditRow(p, reviews, until)));
  return { rows, html: htmlReport(rows, { since, until, scopes: ["acme"] }) };
}
