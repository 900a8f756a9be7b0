import type { Decision } from "../evaluate/decision.js";
import type { Policy, RoleId } from "../policy/model.js";
import { trailingMarker, withMarker } from "./markers.js";
import { describeClause } from "./summary.js";

/**
 * What the app says when a pull request merges: the informed roles are told,
 * and an emergency override gets its post-implementation review. Pure text;
 * src/github/merge.ts posts it.
 */

export const INFORMED_MARKER = "<!-- governance-gate:informed -->";
export const REVIEW_MARKER = "<!-- governance-gate:post-implementation-review -->";
/** The label on post-implementation review issues, so the sweep finds them with one query. */
export const REVIEW_LABEL = "post-implementation-review";
export const OVERDUE_MARKER = "<!-- governance-gate:review-overdue -->";

export interface MergedPullRequest {
  owner: string;
  repo: string;
  number: number;
  title: string;
  url: string;
  author: string;
  mergedAt: Date;
}

/** `@login` for users and `@org/slug` for teams bound to the roles. */
export function mentionsOf(
  policy: Policy,
  roles: RoleId[],
  org: string,
  exclude: string[] = [],
): { mentions: string[]; users: string[] } {
  const users = new Set<string>();
  const mentions = new Set<string>();
  for (const role of roles) {
    const binding = policy.roles.get(role);
    for (const user of binding?.users ?? []) {
      if (exclude.includes(user)) continue;
      users.add(user);
      mentions.add(`@${user}`);
    }
    for (const team of binding?.teams ?? [])
      mentions.add(`@${team.includes("/") ? team : `${org}/${team}`}`);
  }
  return { mentions: [...mentions], users: [...users] };
}

export function informedComment(
  decision: Decision,
  policy: Policy,
  pr: MergedPullRequest,
): string | undefined {
  if (decision.informed.length === 0) return undefined;
  const { mentions } = mentionsOf(policy, decision.informed, pr.owner);
  if (mentions.length === 0) return undefined;
  const areas = decision.areas.map((a) => a.name).join(", ") || "no owned area";
  return withMarker(
    [
      `📣 Merged: a **level ${decision.level}** change to ${areas}.`,
      "",
      `Informed as the governance policy asks (${decision.informed.join(", ")}): ${mentions.join(" ")}`,
    ].join("\n"),
    INFORMED_MARKER,
  );
}

export interface ReviewIssue {
  title: string;
  body: string;
  assignees: string[];
  dueAt: Date;
}

export function postImplementationReview(
  decision: Decision,
  policy: Policy,
  pr: MergedPullRequest,
): ReviewIssue | undefined {
  const emergency = decision.emergency;
  if (!emergency) return undefined;
  const dueAt = new Date(pr.mergedAt.getTime() + policy.emergency.reviewWithinHours * 3_600_000);
  const bypassedRoles = [
    ...new Set(
      emergency.bypassed.flatMap((b) =>
        b.missing.length > 0 ? b.missing.flatMap((c) => c.roles) : b.roles,
      ),
    ),
  ];
  const { mentions, users } = mentionsOf(policy, bypassedRoles, pr.owner, [
    pr.author.toLowerCase(),
  ]);
  // Who hears about it if the review is overdue: the next step of each bypassed area's escalation path.
  const escalateTo = [
    ...new Set(
      emergency.bypassed.flatMap((b) => {
        const path = policy.areas.find((a) => a.id === b.id.split("/")[0])?.escalation ?? [];
        return path.length > 1 ? [path[1]!] : path;
      }),
    ),
  ];
  // The reason is the declarer's own text: `withMarker` makes it inert, and the
  // sweep reads the due time only from the last line, which the app writes.
  const text = [
    `${pr.url} was merged on ${pr.mergedAt.toISOString()} through the **emergency path**.`,
    "",
    `- Declared by: @${emergency.by}`,
    `- Reason: ${emergency.reason}`,
    `- Review due: **${dueAt.toISOString()}** (within ${policy.emergency.reviewWithinHours} h of the merge)`,
    "",
    "Sign-offs that were bypassed:",
    ...(emergency.bypassed.length > 0
      ? emergency.bypassed.map(
          (b) =>
            `- \`${b.id}\`: ${b.missing.map(describeClause).join(" + ") || b.roles.join(" + ")}`,
        )
      : ["- none (every requirement was met)"]),
    ...(emergency.ticketBypassed ? ["- the ticket reference"] : []),
    "",
    `${mentions.join(" ") || "The bypassed approvers"}: please review the change after the fact and close this issue with your conclusion.`,
  ].join("\n");
  const body = withMarker(
    text,
    `<!-- governance-gate:review-of ${pr.owner}/${pr.repo}#${pr.number} due=${dueAt.toISOString()} escalate=${escalateTo.join(",")} -->`,
  );
  return {
    title: `Post-implementation review: #${pr.number} ${pr.title}`,
    body,
    assignees: users.slice(0, 10),
    dueAt,
  };
}

/**
 * Due time and escalation roles written into a review issue, or undefined for
 * other issues. Read from the body's last line only: the lines above quote the
 * declarer's reason. (The caller also checks the app opened the issue.)
 */
export function parseReviewIssue(body: string): { dueAt: Date; escalateTo: string[] } | undefined {
  const match = /^<!-- governance-gate:review-of \S+ due=(\S+) escalate=(\S*) -->$/.exec(
    trailingMarker(body) ?? "",
  );
  if (!match) return undefined;
  const dueAt = new Date(match[1]!);
  if (Number.isNaN(dueAt.getTime())) return undefined;
  return { dueAt, escalateTo: match[2]!.split(",").filter(Boolean) };
}
