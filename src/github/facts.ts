import { LRUCache } from "lru-cache";
import { needsContent } from "../changes/registry.js";
import type { ChangedFile, FileStatus } from "../changes/types.js";
import type { Facts } from "../evaluate/facts.js";
import type { PullRequestSnapshot } from "./snapshot.js";
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
  async gather(octokit: GitHub, repo: RepoRef, snapshot: PullRequestSnapshot, options: { headPushedAt?: string } = {}): Promise<Facts> {
    const { pr } = snapshot;
    const changed = await this.changedFiles(octokit, repo, pr);
    return {
      files: changed.files,
      incomplete: changed.incomplete,
      author: pr.user?.login ?? "",
      title: pr.title,
      body: pr.body ?? "",
      labels: pr.labels.map((l) => l.name ?? "").filter(Boolean),
      headSha: pr.head.sha,
      headPushedAt: options.headPushedAt,
      reviews: snapshot.reviews,
      comments: snapshot.comments,
      teamMembers: snapshot.teamMembers,
      requestedReviewers: {
        users: (pr.requested_reviewers ?? []).map((u) => u?.login ?? "").filter(Boolean),
        teams: (pr.requested_teams ?? []).map((t) => t?.slug ?? "").filter(Boolean),
      },
    };
  }

  private async changedFiles(octokit: GitHub, repo: RepoRef, pr: PullRequestData): Promise<{ files: ChangedFile[]; incomplete?: string }> {
    const key = `${repo.owner}/${repo.repo}#${pr.number}@${pr.base.sha}..${pr.head.sha}`;
    const cached = this.files.get(key);
    if (cached) return cached;
    if ((pr.changed_files ?? 0) > MAX_FILES) {
      const result = { files: [], incomplete: `this pull request changes ${pr.changed_files} files; GitHub lists at most ${MAX_FILES}, so it cannot be judged whole` };
      this.files.set(key, result);
      return result;
    }
    const listed = await octokit.paginate(octokit.rest.pulls.listFiles, { owner: repo.owner, repo: repo.repo, pull_number: pr.number, per_page: PER_PAGE });
    const files: ChangedFile[] = listed.map((f) => ({
      path: f.filename,
      previousPath: f.previous_filename,
      status: f.status as FileStatus,
      patch: f.patch,
    }));
    await loadContents(octokit, repo, pr, files.filter(needsContent));
    const result = { files, incomplete: listed.length >= MAX_FILES ? `GitHub listed only the first ${MAX_FILES} files of this pull request` : undefined };
    this.files.set(key, result);
    return result;
  }
}

/**
 * Base and head content of the files a detector reads whole, in one GraphQL
 * query per hundred blobs (REST would cost a call per file and side). A blob
 * GitHub truncates or marks binary stays unloaded, and its detector says so.
 */
async function loadContents(octokit: GitHub, repo: RepoRef, pr: PullRequestData, files: ChangedFile[]): Promise<void> {
  const wanted: { file: ChangedFile; side: "base" | "head"; expression: string }[] = [];
  for (const file of files) {
    if (file.status === "added") file.base = null;
    else wanted.push({ file, side: "base", expression: `${pr.base.sha}:${file.previousPath ?? file.path}` });
    if (file.status === "removed") file.head = null;
    else wanted.push({ file, side: "head", expression: `${pr.head.sha}:${file.path}` });
  }
  for (let start = 0; start < wanted.length; start += BLOBS_PER_QUERY) {
    const chunk = wanted.slice(start, start + BLOBS_PER_QUERY);
    const variables: Record<string, string> = { owner: repo.owner, name: repo.repo };
    chunk.forEach((w, i) => (variables[`e${i}`] = w.expression));
    const query = `query($owner: String!, $name: String!, ${chunk.map((_, i) => `$e${i}: String!`).join(", ")}) {
  repository(owner: $owner, name: $name) {
${chunk.map((_, i) => `    b${i}: object(expression: $e${i}) { ... on Blob { text isBinary isTruncated } }`).join("\n")}
  }
}`;
    const data = await octokit.graphql<{ repository: Record<string, { text: string | null; isBinary: boolean; isTruncated: boolean } | null> }>(query, variables);
    chunk.forEach((w, i) => {
      const blob = data.repository[`b${i}`];
      if (blob === null || blob === undefined) w.file[w.side] = null;
      else if (!blob.isBinary && !blob.isTruncated && blob.text !== null) w.file[w.side] = blob.text;
    });
  }
}
