import type { AuditRow } from "./audit-row.js";

/**
 * The export as CSV (one row per merged pull request, for a spreadsheet) or
 * JSON Lines (one object per line with the whole decision record, for tools).
 * Both are deterministic: the same rows give the same bytes.
 */

export const CSV_COLUMNS = [
  "repository",
  "number",
  "url",
  "title",
  "author",
  "merged_at",
  "merged_by",
  "head",
  "check",
  "record",
  "level",
  "areas",
  "requirements",
  "requirements_satisfied",
  "signoffs",
  "refused",
  "emergency_by",
  "emergency_reason",
  "review_status",
  "review_issue",
  "review_due_at",
  "review_closed_at",
  "mediations",
  "policy_source",
  "policy_commit",
  "policy_lint_errors",
  "flags",
] as const;

export function toCsv(rows: readonly AuditRow[]): string {
  const lines = [CSV_COLUMNS.join(",")];
  for (const row of rows) {
    const values: Record<(typeof CSV_COLUMNS)[number], string | number | undefined> = {
      repository: row.repository,
      number: row.number,
      url: row.url,
      title: row.title,
      author: row.author,
      merged_at: row.mergedAt,
      merged_by: row.mergedBy,
      head: row.head,
      check: row.check,
      record: row.record,
      level: row.level,
      areas: row.areas.join(";"),
      requirements: row.requirements.total,
      requirements_satisfied: row.requirements.satisfied,
      signoffs: row.signoffs
        .map((s) => `${s.login} (${s.role}, ${s.via}${s.at ? ` ${s.at}` : ""})`)
        .join("; "),
      refused: row.refused,
      emergency_by: row.emergency?.by,
      emergency_reason: row.emergency?.reason,
      review_status: row.emergency?.review.status,
      review_issue: row.emergency?.review.issue,
      review_due_at: row.emergency?.review.dueAt,
      review_closed_at: row.emergency?.review.closedAt,
      mediations: row.mediations
        .map((m) => `${m.requirement}: ${m.verdict} by ${m.by} (${m.role}): ${m.rationale}`)
        .join("; "),
      policy_source: row.policy?.source,
      policy_commit: row.policy?.commit,
      policy_lint_errors: row.policy
        ? row.policy.lintErrors + (row.policy.proposedErrors ?? 0)
        : undefined,
      flags: row.flags.join(";"),
    };
    lines.push(CSV_COLUMNS.map((c) => csvField(values[c])).join(","));
  }
  return `${lines.join("\r\n")}\r\n`;
}

export function toJsonLines(rows: readonly AuditRow[]): string {
  return rows.map((row) => JSON.stringify(row)).join("\n") + (rows.length > 0 ? "\n" : "");
}

/**
 * RFC 4180 quoting; a field a spreadsheet would run as a formula (`=`, `+`,
 * `-`, `@` first: titles and reasons are anyone's text) is prefixed with `'`.
 */
function csvField(value: string | number | undefined): string {
  if (value === undefined) return "";
  let text = String(value);
  if (typeof value === "string" && /^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}
