import {
  readDecisionRecord,
  type DecisionRecord,
  type RecordedSignOff,
} from "./decision-record.js";
import type { ReviewIssue } from "./collect.js";
import type { MergedPullRequest } from "./github-query.js";

/**
 * One merged pull request as an auditor reads it: the decision that held when
 * it merged, and what about it needs a second look (flags). Pure: the same
 * pull requests, review issues and cut-off give the same rows, so an export
 * can be rerun and compared.
 */

export const FLAGS = {
  "check-failing":
    "merged while the governance check was failing (an admin bypass of branch protection)",
  "check-missing":
    "merged without a governance check from this App on its head (an admin bypass, or the check was not required)",
  emergency: "merged through the emergency path",
  "review-late": "the emergency's post-implementation review was closed after it was due",
  "review-overdue": "the emergency's post-implementation review is still open past its due time",
  "review-missing": "no post-implementation review issue was found for the emergency",
  mediated: "a mediator decided a disagreement between approvers",
  "policy-lint-failed":
    "the decision came from a policy that failed lint (or the pull request proposed one that did)",
  "record-missing": "the check run carries no readable decision record for this pull request",
  "record-newer":
    "the decision record was written by a newer version of the app; upgrade the CLI to read it",
  "updated-after-merge":
    "the check run was last written after the merge: the record may not be the one that held at merge",
} as const;
export type Flag = keyof typeof FLAGS;

export type ReviewStatus = "on-time" | "late" | "overdue" | "open" | "missing";

export interface AuditRow {
  repository: string;
  number: number;
  url: string;
  title: string;
  author: string;
  mergedAt: string;
  mergedBy: string;
  head: string;
  /** The conclusion of our run on the merged head (`missing`: none). */
  check: string;
  /** Whether the run's decision record could be read. */
  record: "ok" | "absent" | "invalid" | "newer" | "other-pull-request";
  level?: number;
  areas: string[];
  requirements: { total: number; satisfied: number };
  signoffs: RecordedSignOff[];
  refused: number;
  emergency?: {
    by: string;
    reason: string;
    declaredAt?: string;
    review: { status: ReviewStatus; issue?: string; dueAt?: string; closedAt?: string };
  };
  mediations: NonNullable<DecisionRecord["mediations"]>;
  policy?: { source: string; commit: string; lintErrors: number; proposedErrors?: number };
  flags: Flag[];
  /** The whole record (JSON Lines and the HTML report's figures read it). */
  decision?: DecisionRecord;
}

/**
 * The row for a merged pull request. `asOf`: when an open review counts as
 * overdue (the end of the audited period, so a rerun gives the same answer).
 */
export function auditRow(
  pull: MergedPullRequest,
  reviews: readonly ReviewIssue[],
  asOf: Date,
): AuditRow {
  const reading = readDecisionRecord(pull.run?.summary);
  const ours =
    reading.status === "ok" &&
    reading.record.pullRequest === pull.number &&
    reading.record.head.toLowerCase() === pull.head.toLowerCase();
  const record = ours ? reading.record : undefined;
  const flags: Flag[] = [];
  const check = pull.run?.conclusion ?? "missing";
  if (!pull.run) flags.push("check-missing");
  else if (check !== "success") flags.push("check-failing");
  if (pull.run && !record)
    flags.push(reading.status === "newer" ? "record-newer" : "record-missing");
  if (pull.run?.completedAt && Date.parse(pull.run.completedAt) > Date.parse(pull.mergedAt))
    flags.push("updated-after-merge");

  let emergency: AuditRow["emergency"];
  if (record?.emergency) {
    flags.push("emergency");
    const review = reviewOf(pull, reviews, asOf);
    if (review.status === "late") flags.push("review-late");
    if (review.status === "overdue") flags.push("review-overdue");
    if (review.status === "missing") flags.push("review-missing");
    emergency = {
      by: record.emergency.by,
      reason: record.emergency.reason,
      ...(record.emergency.at ? { declaredAt: record.emergency.at } : {}),
      review,
    };
  }
  const mediations = record?.mediations ?? [];
  if (mediations.length > 0) flags.push("mediated");
  if (
    record &&
    (record.outcome === "policy-invalid" ||
      record.policy.lint.errors > 0 ||
      (record.policy.proposed?.errors ?? 0) > 0)
  )
    flags.push("policy-lint-failed");

  return {
    repository: pull.repository,
    number: pull.number,
    url: pull.url,
    title: pull.title,
    author: pull.author,
    mergedAt: pull.mergedAt,
    mergedBy: pull.mergedBy,
    head: pull.head,
    check,
    record: record ? "ok" : reading.status === "ok" ? "other-pull-request" : reading.status,
    ...(record?.level !== undefined ? { level: record.level } : {}),
    areas: record?.areas.map((a) => a.id) ?? [],
    requirements: {
      total: record?.requirements.length ?? 0,
      satisfied: record?.requirements.filter((r) => r.satisfied).length ?? 0,
    },
    signoffs: record?.signoffs ?? [],
    refused: record?.refused.length ?? 0,
    ...(emergency ? { emergency } : {}),
    mediations,
    ...(record
      ? {
          policy: {
            source: record.policy.source,
            commit: record.policy.commit,
            lintErrors: record.policy.lint.errors,
            ...(record.policy.proposed ? { proposedErrors: record.policy.proposed.errors } : {}),
          },
        }
      : {}),
    flags,
    ...(record ? { decision: record } : {}),
  };
}

/** Rows in a stable order: repository, merge time, number. */
export function sortRows(rows: AuditRow[]): AuditRow[] {
  return [...rows].sort(
    (a, b) =>
      a.repository.localeCompare(b.repository) ||
      a.mergedAt.localeCompare(b.mergedAt) ||
      a.number - b.number,
  );
}

/** The post-implementation review of an emergency merge, and whether it was done in time. */
function reviewOf(
  pull: MergedPullRequest,
  reviews: readonly ReviewIssue[],
  asOf: Date,
): NonNullable<AuditRow["emergency"]>["review"] {
  const issue = reviews
    .filter(
      (r) =>
        r.of.repository.toLowerCase() === pull.repository.toLowerCase() &&
        r.of.number === pull.number,
    )
    .sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.number - b.number)[0];
  if (!issue) return { status: "missing" };
  const due = Date.parse(issue.dueAt);
  const status: ReviewStatus =
    issue.state === "closed"
      ? Date.parse(issue.closedAt ?? "") <= due // closed at an unknown time: not shown to be on time
        ? "on-time"
        : "late"
      : asOf.getTime() > due
        ? "overdue"
        : "open";
  return {
    status,
    issue: issue.url,
    dueAt: issue.dueAt,
    ...(issue.closedAt ? { closedAt: issue.closedAt } : {}),
  };
}
