import { LRUCache } from "lru-cache";
import { needsContent } from "../changes/registry.js";
import type { ChangedFile, FileStatus } from "../changes/types.js";
import type { Facts } from "../evaluate/facts.js";
import { graphqlRead, type Blob, type PullRequestSnapshot } from "./snapshot.js";
import { heldLabels } from "./held-labels.js";
import type { GitHub, PullRequestData, RepoRef } from "./types.js";

/** GitHub lists at most 3,000 files of a pull request; past that we cannot see the change whole. */
export const MAX_FILES = 3000;
const PER_PAGE = 100;
/** Blob lookups per GraphQL query: well under GitHub's node limits. */
const BLOBS_PER_QUERY = 100;

/**
 * Gathers the facts `evaluate` needs with as few calls as possible: everything
 * but the files comes in the pull request's snapshot (one query); files and
 * their contents are addressed by commit, so they are cached, and a review or
 * a comment on the same head costs no file reads.
 */
export class FactGatherer {
  // Bounded by files held, not pull requests: many small pull requests must not evict each other.
  private readonly files = new LRUCache<string, { files: ChangedFile[]; incomplete?: string }>({
    maxSize: 50_000,
    sizeCalculation: (entry) => Math.max(1, entry.files.length),
  });

  /** The facts of a snapshot: its conversation and teams as read, its files from the cache or GitHub. */
  async gather(
    octokit: GitHub,
    repo: RepoRef,
    snapshot: PullRequestSnapshot,
    options: { headPushedAt?: string; reviewsFrom?: string } = {},
  ): Promise<Facts> {
    const { pr } = snapshot;
    const changed = await this.changedFiles(octokit, repo, pr);
    const author = pr.user?.login ?? "";
    const current = pr.labels.map((l) => l.name ?? "").filter(Boolean);
    const held = heldLabels(current, snapshot.timeline, author, snapshot.contributors);
    return {
      files: changed.files,
      incomplete: changed.incomplete,
      author: pr.user?.login ?? "",
      title: pr.title,
      body: pr.body ?? "",
      labels: [...current, ...held.map((h) => h.name)],
      heldLabels: held,
      headSha: pr.head.sha,
      headPushedAt: options.headPushedAt,
      reviewsFrom: options.reviewsFrom,
      contributors: snapshot.contributors,
      draft: snapshot.draft,
      readyForReviewAt: latestReadyForReview(snapshot),
      labelsFirstAddedAt: labelsFirstAdded(snapshot),
      reviews: snapshot.reviews,
      comments: snapshot.comments,
      teamMembers: snapshot.teamMembers,
      requestedReviewers: {
        users: (pr.requested_reviewers ?? []).map((u) => u?.login ?? "").filter(Boolean),
        teams: (pr.requested_teams ?? []).map((t) => t?.slug ?? "").filter(Boolean),
      },
    };
  }

  /**
   * The files of a head not cached yet, listed ahead of the pull request's
   * snapshot so that the snapshot query can carry the blobs their detectors
   * read (one GraphQL query instead of two). `assumed` is the base and head the
   * event showed: the contents are kept only if the snapshot confirms them.
   */
  async prefetch(
    octokit: GitHub,
    repo: RepoRef,
    number: number,
    assumed: { base: string; head: string; changedFiles?: number },
  ): Promise<Prefetched | undefined> {
    const key = filesKey(repo, number, assumed.base, assumed.head);
    if (this.files.has(key) || (assumed.changedFiles ?? 0) > MAX_FILES) return undefined;
    const listed = await this.list(octokit, repo, number);
    const wanted = contentRequests(listed.files.filter(needsContent), assumed.base, assumed.head);
    return {
      key,
      ...listed,
      base: assumed.base,
      head: assumed.head,
      wanted: wanted.slice(0, BLOBS_PER_QUERY),
      rest: wanted.slice(BLOBS_PER_QUERY),
    };
  }

  /** Keeps prefetched files once the snapshot showed the same base and head (else they may be another commit's). */
  async complete(
    octokit: GitHub,
    repo: RepoRef,
    prefetched: Prefetched,
    pr: PullRequestData,
    blobs: ReadonlyMap<string, Blob | null>,
  ): Promise<void> {
    if (pr.base.sha !== prefetched.base || pr.head.sha !== prefetched.head) return;
    for (const w of prefetched.wanted) applyBlob(w, blobs.get(w.expression));
    await loadContents(octokit, repo, prefetched.rest);
    this.files.set(prefetched.key, { files: prefetched.files, incomplete: prefetched.incomplete });
  }

  private async changedFiles(
    octokit: GitHub,
    repo: RepoRef,
    pr: PullRequestData,
  ): Promise<{ files: ChangedFile[]; incomplete?: string }> {
    const key = filesKey(repo, pr.number, pr.base.sha, pr.head.sha);
    const cached = this.files.get(key);
    if (cached) return cached;
    if ((pr.changed_files ?? 0) > MAX_FILES) {
      const result = {
        files: [],
        incomplete: `this pull request changes ${pr.changed_files} files; GitHub lists at most ${MAX_FILES}, so it cannot be judged whole`,
      };
      this.files.set(key, result);
      return result;
    }
    const result = await this.list(octokit, repo, pr.number);
    await loadContents(
      octokit,
      repo,
      contentRequests(result.files.filter(needsContent), pr.base.sha, pr.head.sha),
    );
    this.files.set(key, result);
    return result;
  }

  private async list(
    octokit: GitHub,
    repo: RepoRef,
    number: number,
  ): Promise<{ files: ChangedFile[]; incomplete?: string }> {
    const listed = await octokit.paginate(octokit.rest.pulls.listFiles, {
      owner: repo.owner,
      repo: repo.repo,
      pull_number: number,
      per_page: PER_PAGE,
    });
    const files: ChangedFile[] = listed.map((f) => ({
      path: f.filename,
      previousPath: f.previous_filename,
      status: f.status as FileStatus,
      patch: f.patch,
      // GitHub leaves `patch` out of large and binary diffs; a count above 0 proves a rename edited,
      // 0 proves nothing (a binary file counts 0): only equal versions or blobs prove it pure (unread.ts).
      additions: f.additions,
      deletions: f.deletions,
      changes: f.changes,
      headBlob: f.sha ?? undefined,
    }));
    return {
      files,
      incomplete:
        listed.length >= MAX_FILES
          ? `GitHub listed only the first ${MAX_FILES} files of this pull request`
          : undefined,
    };
  }
}

/** One side of one file a detector reads whole, as a `rev:path` expression. */
export interface ContentRequest {
  file: ChangedFile;
  side: "base" | "head";
  expression: string;
}

export interface Prefetched {
  key: string;
  base: string;
  head: string;
  files: ChangedFile[];
  incomplete?: string;
  /** Blobs the snapshot query carries (at most a query's worth). */
  wanted: ContentRequest[];
  /** Blobs past that, read by their own queries. */
  rest: ContentRequest[];
}

function filesKey(repo: RepoRef, number: number, base: string, head: string): string {
  return `${repo.owner}/${repo.repo}#${number}@${base}..${head}`;
}

/** Added files have no base side and removed files no head side: those are known empty without asking. */
function contentRequests(files: ChangedFile[], base: string, head: string): ContentRequest[] {
  const wanted: ContentRequest[] = [];
  for (const file of files) {
    if (file.status === "added") file.base = null;
    else
      wanted.push({ file, side: "base", expression: `${base}:${file.previousPath ?? file.path}` });
    if (file.status === "removed") file.head = null;
    else wanted.push({ file, side: "head", expression: `${head}:${file.path}` });
  }
  return wanted;
}

/**
 * A blob GitHub truncates or marks binary stays unloaded, and its detector says
 * so; the base blob's id is kept all the same (equal to the head's: a pure rename).
 * Only sides the file list says exist are asked (contentRequests), so no blob
 * (`null`, or none in the answer) contradicts the list: the side stays unread,
 * never "absent", which would let a detector compare an edit against nothing.
 */
function applyBlob(w: ContentRequest, blob: Blob | null | undefined): void {
  if (!blob) return;
  if (w.side === "base" && blob.oid) w.file.baseBlob = blob.oid;
  if (!blob.isBinary && !blob.isTruncated && blob.text !== null) w.file[w.side] = blob.text;
}

/**
 * Base and head content of the files a detector reads whole, in one GraphQL
 * query per hundred blobs (REST would cost a call per file and side).
 */
async function loadContents(
  octokit: GitHub,
  repo: RepoRef,
  wanted: ContentRequest[],
): Promise<void> {
  for (let start = 0; start < wanted.length; start += BLOBS_PER_QUERY) {
    const chunk = wanted.slice(start, start + BLOBS_PER_QUERY);
    const variables: Record<string, string> = { owner: repo.owner, name: repo.repo };
    chunk.forEach((w, i) => (variables[`e${i}`] = w.expression));
    const query = `query Blobs($owner: String!, $name: String!, ${chunk.map((_, i) => `$e${i}: String!`).join(", ")}) {
  repository(owner: $owner, name: $name) {
${chunk.map((_, i) => `    b${i}: object(expression: $e${i}) { ... on Blob { oid text isBinary isTruncated } }`).join("\n")}
  }
}`;
    const data = await graphqlRead<{ repository: Record<string, Blob | null> }>(
      octokit,
      query,
      variables,
    );
    chunk.forEach((w, i) => applyBlob(w, data.repository[`b${i}`]));
  }
}

/** When the pull request was last marked ready for review, by GitHub's timeline (undefined: never). */
function latestReadyForReview(snapshot: PullRequestSnapshot): string | undefined {
  let latest: string | undefined;
  for (const e of snapshot.timeline)
    if (
      e.type === "ready-for-review" &&
      (latest === undefined || Date.parse(e.at) > Date.parse(latest))
    )
      latest = e.at;
  return latest;
}

/**
 * When each label was first added, by lower-cased name. The first addition,
 * not the latest: taking a label off and on again must not restart the clock
 * of what it requires.
 */
function labelsFirstAdded(snapshot: PullRequestSnapshot): Record<string, string> {
  // No prototype: a label may be called "constructor".
  const first: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const e of snapshot.timeline) {
    if (e.type !== "labeled") continue;
    const name = e.label.toLowerCase();
    const known = first[name];
    if (known === undefined || Date.parse(e.at) < Date.parse(known)) first[name] = e.at;
  }
  return first;
}
