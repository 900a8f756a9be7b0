import { createHash } from "node:crypto";
import { posix } from "node:path";
import { LRUCache } from "lru-cache";
import {
  loadPolicy,
  unreadable,
  type LoadResult,
  type PolicyReader,
  type PolicyText,
} from "../policy/load.js";
import { isPresetName, readPreset } from "../policy/presets.js";
import { POLICY_FILE } from "../policy/model.js";
import type { ChangedFile } from "../changes/types.js";
import type { Facts } from "../evaluate/facts.js";
import type { GitHub, PullRequestData, RepoRef } from "./types.js";

export const POLICY_PATH = POLICY_FILE;
const ORG_REPOSITORY = ".github";
/** `extends` targets outside the base commit (the org's .github repository) can change; re-read them after this. */
const POLICY_TTL_MS = 5 * 60 * 1000;

export interface RepoPolicy {
  /** Undefined when no policy exists for the repository. */
  result?: LoadResult;
  /** Where the policy was read from, for the check summary. */
  source?: string;
}

/**
 * The policy a pull request is judged by: `.github/governance.yml` **at the
 * base commit** (never the head: a pull request must not weaken its own rules),
 * else the organisation's `.github` repository. Cached per repository and base
 * commit, so events on the same pull request cost no policy reads.
 */
export class PolicySource {
  /** Policies read entirely at a base commit never change. */
  private readonly pinned = new LRUCache<string, RepoPolicy>({ max: 500 });
  /** Policies that read a default branch (the org fallback, `owner/repo:path` extends) can. */
  private readonly mutable = new LRUCache<string, RepoPolicy>({ max: 500, ttl: POLICY_TTL_MS });
  /** Proposed policies' lint, by text (and head, when it read the head's other files); the org files it may read can change. */
  private readonly linted = new LRUCache<string, NonNullable<Facts["proposedPolicy"]>>({
    max: 500,
    ttl: POLICY_TTL_MS,
  });

  /** `baseSha` undefined: the default branch's current policy (cached for a few minutes only). */
  async load(octokit: GitHub, repo: RepoRef, baseSha: string | undefined): Promise<RepoPolicy> {
    const key = `${repo.owner}/${repo.repo}@${baseSha ?? "default"}`;
    const cached = this.pinned.get(key) ?? this.mutable.get(key);
    if (cached) return cached;
    const loaded = await this.read(octokit, repo, baseSha);
    const readDefaultBranch =
      baseSha === undefined ||
      loaded.source?.includes("/.github:") ||
      (loaded.result?.policy?.sources ?? []).some(
        (s) => /^[\w.-]+\/[\w.-]+:/.test(s) && !s.startsWith(`${repo.owner}/${repo.repo}:`),
      );
    (readDefaultBranch ? this.mutable : this.pinned).set(key, loaded);
    return loaded;
  }

  /**
   * The policy a pull request proposes, linted, when it changes any file the
   * base policy is built from (the policy file or a file it extends): the
   * amendment is judged by the base policy, and the policy as it would be with
   * the pull request's versions of those files must itself be valid.
   *
   * The proposal is the author's: its `extends` reaches only this repository and
   * the organisation's `.github` repository, and a file outside this repository
   * it cannot use is named, never quoted (see `apiReader`). Linting is cached per
   * proposed text (and head commit, when it read other files of the pull
   * request), so the many events of one head pay for it once.
   */
  async lintProposed(
    octokit: GitHub,
    repo: RepoRef,
    pr: PullRequestData,
    files: ChangedFile[],
  ): Promise<Facts["proposedPolicy"]> {
    const base = (await this.load(octokit, repo, pr.base.sha)).result?.policy;
    const policyFiles = new Set([POLICY_PATH, ...(base?.files ?? [])]);
    if (
      !files.some(
        (f) =>
          policyFiles.has(f.path) ||
          (f.previousPath !== undefined && policyFiles.has(f.previousPath)),
      )
    )
      return undefined;
    const root = files.find((f) => f.path === POLICY_PATH && f.status !== "removed");
    const text =
      typeof root?.head === "string"
        ? root.head
        : await readFile(octokit, repo.owner, repo.repo, POLICY_PATH, pr.head.sha);
    // Without a policy file at the head the repository falls back to the organisation's, which this pull request cannot change.
    if (text === undefined) return undefined;
    const textKey = `${repo.owner}/${repo.repo}:${createHash("sha256").update(text).digest("hex")}`;
    const cached = this.linted.get(textKey) ?? this.linted.get(`${textKey}@${pr.head.sha}`);
    if (cached) return cached;
    const reader = apiReader(
      octokit,
      repo,
      pr.head.sha,
      { owner: repo.owner, repo: repo.repo, path: POLICY_PATH, at: pr.head.sha },
      { proposed: true },
    );
    const { problems } = await loadPolicy({ name: POLICY_PATH, text, path: POLICY_PATH }, reader);
    const linted = { file: POLICY_PATH, problems };
    // Other files of the pull request it read are the head's: the same text at another head may extend different ones.
    this.linted.set(reader.readAtRef() ? `${textKey}@${pr.head.sha}` : textKey, linted);
    return linted;
  }

  /** Forget a repository's cached policies (its default branch changed the policy). */
  invalidate(repo: RepoRef): void {
    for (const cache of [this.pinned, this.mutable]) {
      for (const key of cache.keys())
        if (key.startsWith(`${repo.owner}/${repo.repo}@`)) cache.delete(key);
    }
  }

  private async read(
    octokit: GitHub,
    repo: RepoRef,
    baseSha: string | undefined,
  ): Promise<RepoPolicy> {
    let root = await readFile(octokit, repo.owner, repo.repo, POLICY_PATH, baseSha);
    let source = `${repo.owner}/${repo.repo}:${POLICY_PATH}${baseSha ? `@${baseSha.slice(0, 7)}` : ""}`;
    // Where the policy file is; its relative `extends` are read next to it, in the same repository.
    let at: FileAt = { owner: repo.owner, repo: repo.repo, path: POLICY_PATH, at: baseSha };
    // The file's path in this repository, when the policy is this repository's own.
    let path: string | undefined = POLICY_PATH;
    if (root === undefined && repo.repo !== ORG_REPOSITORY) {
      root = await readFile(octokit, repo.owner, ORG_REPOSITORY, POLICY_PATH);
      source = `${repo.owner}/${ORG_REPOSITORY}:${POLICY_PATH}`;
      at = { owner: repo.owner, repo: ORG_REPOSITORY, path: POLICY_PATH, at: undefined };
      path = undefined;
    }
    if (root === undefined) return {};
    const result = await loadPolicy(
      { name: POLICY_PATH, text: root, path },
      apiReader(octokit, repo, baseSha, at),
    );
    return { result, source };
  }
}

/** A file in a repository, at a commit (undefined: the default branch). */
interface FileAt {
  owner: string;
  repo: string;
  path: string;
  at: string | undefined;
}

interface ApiReader extends PolicyReader {
  /** Whether it read a file of the governed repository at its commit (besides the root, which the caller has). */
  readAtRef(): boolean;
}

/**
 * `extends` over the API, relative to the file that declares it and in the
 * repository that holds it:
 * - a preset name (`chat-backend`);
 * - a path relative to the declaring file (`governance-base.yml` next to
 *   `.github/governance.yml` is `.github/governance-base.yml`; `../x.yml` climbs,
 *   never above the repository), read in the declaring file's repository at the
 *   same commit — so the organisation's `.github/governance.yml` extends its
 *   siblings in the `.github` repository, never a file of the pull request's;
 * - `owner/repo:path` (root-relative): this repository (at the same commit) or
 *   the organisation's `.github` repository (its default branch). Any other
 *   repository is refused before anything is read: the installation token can
 *   read the organisation's private repositories, and a policy's problems (an
 *   "unknown key" names the key) end up in a check summary that may be public.
 *
 * With `proposed`, the policy is a pull request's: a file outside the governed
 * repository is marked opaque, so loading reports "cannot read" for it instead
 * of its problems, and a missing one is worded the same.
 */
function apiReader(
  octokit: GitHub,
  governed: RepoRef,
  governedAt: string | undefined,
  root: FileAt,
  options: { proposed?: boolean } = {},
): ApiReader {
  const org = governed.owner.toLowerCase();
  const isGoverned = (owner: string, name: string) =>
    owner.toLowerCase() === org && name.toLowerCase() === governed.repo.toLowerCase();
  const isOrgRepository = (owner: string, name: string) =>
    owner.toLowerCase() === org && name.toLowerCase() === ORG_REPOSITORY;
  // Where each file read so far is, by the name loadPolicy knows it by (names are unique in a chain).
  const located = new Map<string, FileAt>([[POLICY_PATH, root]]);
  let readAtRef = false;
  return {
    readAtRef: () => readAtRef,
    async read(ref: string, from: string): Promise<PolicyText> {
      if (isPresetName(ref)) return readPreset(ref);
      const declaring = located.get(from);
      // A preset extends only presets; anything else is a file this reader returned.
      if (!declaring) throw new Error(`cannot resolve "${ref}" from ${from}`);
      const target = resolveRef(ref, declaring, governed, governedAt);
      const name = `${target.owner}/${target.repo}:${target.path}`;
      const local = isGoverned(target.owner, target.repo);
      if (!local && !isOrgRepository(target.owner, target.repo)) {
        throw new Error(
          `cannot read ${name}: a policy extends only presets and files of ${governed.owner}/${governed.repo} or ${governed.owner}/${ORG_REPOSITORY}`,
        );
      }
      const opaque = options.proposed === true && !local;
      const text = await readFile(octokit, target.owner, target.repo, target.path, target.at);
      if (text === undefined) {
        if (opaque) throw new Error(unreadable(name));
        throw new Error(
          `${name} does not exist${target.at ? ` at ${target.at.slice(0, 7)}` : ""}${relativeHint(ref, declaring)}`,
        );
      }
      located.set(name, target);
      if (local && target.at !== undefined) readAtRef = true;
      // A file of the governed repository is one its pull requests can change: it is governance.
      return { name, text, ...(local ? { path: target.path } : {}), ...(opaque ? { opaque } : {}) };
    },
  };
}

/**
 * Where `ref`, met in the file at `declaring`, points. `governedAt` is the
 * commit the governed repository is read at. Throws for a path that leaves its
 * repository.
 */
function resolveRef(
  ref: string,
  declaring: FileAt,
  governed: RepoRef,
  governedAt: string | undefined,
): FileAt {
  const remote = /^([\w.-]+)\/([\w.-]+):(.+)$/.exec(ref);
  if (remote) {
    const [owner, repo, path] = [remote[1]!, remote[2]!, remote[3]!];
    const sameRepository =
      owner.toLowerCase() === governed.owner.toLowerCase() &&
      repo.toLowerCase() === governed.repo.toLowerCase();
    // This repository is read at the commit being judged, never its default branch: a pull request is judged by its base.
    return {
      owner,
      repo,
      path: inRepository(path.replace(/^\/+/, ""), ref),
      at: sameRepository ? governedAt : undefined,
    };
  }
  if (ref.startsWith("/"))
    throw new Error(
      `"${ref}" is an absolute path: write it relative to ${declaring.path}, or as owner/repo:path`,
    );
  return { ...declaring, path: inRepository(posix.join(posix.dirname(declaring.path), ref), ref) };
}

function inRepository(path: string, ref: string): string {
  const normal = posix.normalize(path);
  if (normal === ".." || normal.startsWith("../") || normal === "." || normal === "")
    throw new Error(`"${ref}" points outside the repository`);
  return normal;
}

/**
 * Paths used to be read from the repository's root. A ref that repeats the
 * declaring file's directory (`.github/base.yml` from `.github/governance.yml`)
 * most likely still means that: say how to write it now.
 */
function relativeHint(ref: string, declaring: FileAt): string {
  const dir = posix.dirname(declaring.path);
  if (dir === "." || !ref.startsWith(`${dir}/`)) return "";
  return ` (extends paths are relative to the file that declares them: from ${declaring.path} write "${posix.relative(dir, ref)}")`;
}

/** A file's text, or undefined when it (or the repository) does not exist. */
export async function readFile(
  octokit: GitHub,
  owner: string,
  repo: string,
  path: string,
  ref?: string,
): Promise<string | undefined> {
  try {
    const response = await octokit.rest.repos.getContent({
      owner,
      repo,
      path,
      ...(ref ? { ref } : {}),
      mediaType: { format: "raw" },
    });
    // The raw media type comes back as a string, or as bytes when GitHub omits the charset.
    const data: unknown = response.data;
    if (typeof data === "string") return data;
    if (data instanceof ArrayBuffer) return new TextDecoder("utf-8", { fatal: true }).decode(data);
    throw new Error(`unexpected content for ${owner}/${repo}:${path}`);
  } catch (error) {
    if ((error as { status?: number }).status === 404) return undefined;
    throw error;
  }
}
