import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { ChangedFile } from "../../src/changes/types.js";
import type { Comment, Facts, Review } from "../../src/evaluate/facts.js";

export const HEAD = "9f4c2a7e1b3d5f6a8c0e2d4b6a8f0c1e3d5b7a90";
export const OLD_HEAD = "1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d";
/** When GitHub recorded HEAD's arrival (its check suite). */
export const PUSHED_AT = "2026-11-23T10:00:00Z";

export function fixture(path: string): string {
  return readFileSync(fileURLToPath(new URL(`../fixtures/${path}`, import.meta.url)), "utf8");
}

/** A file added by the pull request, with its content as the detectors see it. */
export function added(path: string, content: string): ChangedFile {
  return { path, status: "added", base: null, head: content };
}

export function modified(path: string, base: string, head: string): ChangedFile {
  return { path, status: "modified", base, head };
}

export function pathOnly(path: string): ChangedFile {
  return { path, status: "modified" };
}

export function prFacts(files: ChangedFile[], overrides: Partial<Facts> = {}): Facts {
  return {
    files,
    author: "octocat",
    title: "Drop avatar URLs",
    body: "",
    labels: [],
    headSha: HEAD,
    headPushedAt: PUSHED_AT,
    reviews: [],
    comments: [],
    teamMembers: {},
    requestedReviewers: { users: [], teams: [] },
    pathsOnly: files.every(
      (f) => f.patch === undefined && f.base === undefined && f.head === undefined,
    ),
    ...overrides,
  };
}

let nextId = 1000;

export function approval(user: string, at = "2026-11-23T11:00:00Z", commitId = HEAD): Review {
  return { id: nextId++, user, state: "APPROVED", commitId, submittedAt: at };
}

export function changesRequested(user: string, at = "2026-11-23T11:00:00Z"): Review {
  return { id: nextId++, user, state: "CHANGES_REQUESTED", commitId: HEAD, submittedAt: at };
}

export function comment(
  user: string,
  body: string,
  at = "2026-11-23T11:00:00Z",
  editedAt?: string,
): Comment {
  return { id: nextId++, user, body, createdAt: at, updatedAt: editedAt ?? at };
}

export const NOW = new Date("2026-11-23T12:00:00Z");
