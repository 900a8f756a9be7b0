import { DateTime } from "luxon";
import { LRUCache } from "lru-cache";
import type { Logger } from "probot";
import { governanceOwners } from "../evaluate/governance.js";
import type { Policy } from "../policy/model.js";
import { trailingMarker, withMarker } from "../render/markers.js";
import { mentionsOf } from "../render/merge.js";
import { writtenByApp } from "./app-identity.js";
import type { Gate } from "./gate.js";
import { readFile } from "./policy-source.js";
import type { GitHub, RepoRef } from "./types.js";

/**
 * The ownership matrix's own review (seed 000: "Review Cycle: Quarterly",
 * "Next Review: 2026-01-20"): when the date the matrix states has come, the
 * sweep opens one issue asking its owners to review it, assigned to them. One
 * per date, ever: the app's marker on the issue (open or closed) says it was
 * opened; a new date (the document updated after the review) opens the next.
 */

export const MATRIX_REVIEW_LABEL = "governance-review";

export function matrixReviewMarker(due: string): string {
  return `<!-- governance-gate:matrix-review due=${due} -->`;
}

/** The date on a "Next Review: YYYY-MM-DD" line (Markdown emphasis and table pipes allowed), or undefined. */
export function nextReviewIn(text: string): string | undefined {
  const match = /^[\s>*_|-]*next[ _-]review[*_]*\s*[:|]\s*[*_]*\s*(\d{4}-\d{2}-\d{2})\b/im.exec(
    text,
  );
  const date = match?.[1];
  return date && DateTime.fromISO(date).isValid ? date : undefined;
}

/** Documents' dates, per gate: a sweep every 15 minutes need not read an unchanged file each time. */
const documentDates = new WeakMap<Gate, LRUCache<string, { date: string | null }>>();
const DOCUMENT_TTL_MS = 60 * 60 * 1000;

/**
 * Opens the matrix review issue of a repository whose default-branch policy
 * asks for one (`matrixReview`) when its date has come and the app has not
 * opened one for that date. Returns how many it opened (0 or 1).
 */
export async function openDueMatrixReview(
  gate: Gate,
  octokit: GitHub,
  log: Logger,
  repo: RepoRef,
): Promise<number> {
  const { result } = await gate.policies.load(octokit, repo, undefined);
  const policy = result?.policy;
  if (!policy?.matrixReview) return 0;
  const due = await reviewDate(gate, octokit, repo, policy);
  if (!due) {
    log.warn(
      { repo: `${repo.owner}/${repo.repo}`, document: policy.matrixReview.document },
      'matrixReview: no "Next Review: YYYY-MM-DD" found and no matrixReview.next',
    );
    return 0;
  }
  // Due from the start of that day in the policy's time zone.
  if (
    DateTime.fromISO(due, { zone: policy.sla.timezone }).startOf("day").toMillis() >
    gate.now().getTime()
  )
    return 0;

  const marker = matrixReviewMarker(due);
  if ((await oursFor(octokit, repo, marker)).length > 0) return 0;
  const owners =
    policy.matrixReview.owners.length > 0 ? policy.matrixReview.owners : governanceOwners(policy);
  const { mentions, users } = mentionsOf(policy, owners, repo.owner);
  const where = policy.matrixReview.document
    ? `\`${policy.matrixReview.document}\``
    : "the governance policy";
  const text = [
    `The ownership matrix (${where}) is due for review: its next review date is **${due}**.`,
    "",
    `${mentions.join(" ") || `The owners (${owners.join(", ")}; nobody is bound)`}: please review who owns what, and amend the matrix and \`.github/governance.yml\` through the amendment process. Update the next review date when you are done, then close this issue.`,
  ].join("\n");
  const created = await createIssue(octokit, repo, {
    title: `Ownership matrix review due ${due}`,
    body: withMarker(text, marker),
    assignees: users.slice(0, 10),
  });
  // Two sweeps at once (two replicas) may both open one: the earliest stays, a later one closes itself.
  const first = (await oursFor(octokit, repo, marker)).sort((a, b) => a.number - b.number)[0];
  if (first && first.number !== created) {
    await octokit.rest.issues.update({
      ...repo,
      issue_number: created,
      state: "closed",
      state_reason: "not_planned",
    });
    return 0;
  }
  log.info(
    { repo: `${repo.owner}/${repo.repo}`, issue: created, due },
    "ownership matrix review opened",
  );
  return 1;
}

/** The document's "Next Review" date when it states one; otherwise the policy's `next`. */
async function reviewDate(
  gate: Gate,
  octokit: GitHub,
  repo: RepoRef,
  policy: Policy,
): Promise<string | undefined> {
  const { document, next } = policy.matrixReview!;
  if (document) {
    let cache = documentDates.get(gate);
    if (!cache)
      documentDates.set(gate, (cache = new LRUCache({ max: 5000, ttl: DOCUMENT_TTL_MS })));
    const key = `${repo.owner}/${repo.repo}:${document}`;
    let known = cache.get(key);
    if (!known) {
      const text = await readFile(octokit, repo.owner, repo.repo, document);
      known = { date: (text !== undefined ? nextReviewIn(text) : undefined) ?? null };
      cache.set(key, known);
    }
    if (known.date) return known.date;
  }
  return next;
}

/** The app's review issues for this date, open or closed (anyone can type a marker). */
async function oursFor(octokit: GitHub, repo: RepoRef, marker: string) {
  const labelled = await octokit.paginate(octokit.rest.issues.listForRepo, {
    ...repo,
    state: "all",
    labels: MATRIX_REVIEW_LABEL,
    per_page: 100,
  });
  const marked = labelled.filter((i) => !i.pull_request && trailingMarker(i.body ?? "") === marker);
  return writtenByApp(octokit, marked, (i) => i.user?.login);
}

/** The issue's number; owners GitHub cannot assign are mentioned in the body instead of failing the issue. */
async function createIssue(
  octokit: GitHub,
  repo: RepoRef,
  issue: { title: string; body: string; assignees: string[] },
): Promise<number> {
  try {
    const { data } = await octokit.rest.issues.create({
      ...repo,
      title: issue.title,
      body: issue.body,
      assignees: issue.assignees,
      labels: [MATRIX_REVIEW_LABEL],
    });
    return data.number;
  } catch (error) {
    if ((error as { status?: number }).status !== 422 || issue.assignees.length === 0) throw error;
    const { data } = await octokit.rest.issues.create({
      ...repo,
      title: issue.title,
      body: issue.body,
      labels: [MATRIX_REVIEW_LABEL],
    });
    return data.number;
  }
}
