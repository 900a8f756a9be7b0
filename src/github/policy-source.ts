import { LRUCache } from "lru-cache";
import { loadPolicy, type LoadResult, type PolicyReader, type PolicyText } from "../policy/load.js";
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

  /** `baseSha` undefined: the default branch's current policy (cached for a few minutes only). */
  async load(octokit: GitHub, repo: RepoRef, baseSha: string | undefined): Promise<RepoPolicy> {
    const key = `${repo.owner}/${repo.repo}@${baseSha ?? "default"}`;
    const cached = this.pinned.get(key) ?? this.mutable.get(key);
    if (cached) return cached;
    const loaded = await this.read(octokit, repo, baseSha);
    const readDefaultBranch = baseSha === undefined || loaded.source?.includes("/.github:") || (loaded.result?.policy?.sources ?? []).some((s) => /^[\w.-]+\/[\w.-]+:/.test(s) && !s.startsWith(`${repo.owner}/${repo.repo}:`));
    (readDefaultBranch ? this.mutable : this.pinned).set(key, loaded);
    return loaded;
  }

  /**
   * The policy a pull request proposes, linted, when it changes any file the
   * base policy is built from (the policy file or a file it extends): the
   * amendment is judged by the base policy, and the policy as it would be with
   * the pull request's versions of those files must itself be valid.
   */
  async lintProposed(octokit: GitHub, repo: RepoRef, pr: PullRequestData, files: ChangedFile[]): Promise<Facts["proposedPolicy"]> {
    const base = (await this.load(octokit, repo, pr.base.sha)).result?.policy;
    const policyFiles = new Set([POLICY_PATH, ...(base?.files ?? [])]);
    if (!files.some((f) => policyFiles.has(f.path) || (f.previousPath !== undefined && policyFiles.has(f.previousPath)))) return undefined;
    const root = files.find((f) => f.path === POLICY_PATH && f.status !== "removed");
    const text = typeof root?.head === "string" ? root.head : await readFile(octokit, repo.owner, repo.repo, POLICY_PATH, pr.head.sha);
    // Without a policy file at the head the repository falls back to the organisation's, which this pull request cannot change.
    if (text === undefined) return undefined;
    const { problems } = await loadPolicy({ name: POLICY_PATH, text, path: POLICY_PATH }, apiReader(octokit, repo, pr.head.sha));
    return { file: POLICY_PATH, problems };
  }

  /** Forget a repository's cached policies (its default branch changed the policy). */
  invalidate(repo: RepoRef): void {
    for (const cache of [this.pinned, this.mutable]) {
      for (const key of cache.keys()) if (key.startsWith(`${repo.owner}/${repo.repo}@`)) cache.delete(key);
    }
  }

  private async read(octokit: GitHub, repo: RepoRef, baseSha: string | undefined): Promise<RepoPolicy> {
    let root = await readFile(octokit, repo.owner, repo.repo, POLICY_PATH, baseSha);
    let source = `${repo.owner}/${repo.repo}:${POLICY_PATH}${baseSha ? `@${baseSha.slice(0, 7)}` : ""}`;
    // The file's path in this repository, when the policy is this repository's own.
    let path: string | undefined = POLICY_PATH;
    if (root === undefined && repo.repo !== ORG_REPOSITORY) {
      root = await readFile(octokit, repo.owner, ORG_REPOSITORY, POLICY_PATH);
      source = `${repo.owner}/${ORG_REPOSITORY}:${POLICY_PATH}`;
      path = undefined;
    }
    if (root === undefined) return {};
    const result = await loadPolicy({ name: POLICY_PATH, text: root, path }, apiReader(octokit, repo, baseSha));
    return { result, source };
  }
}

/**
 * `extends` over the API: a preset name; `owner/repo:path` (another repository's
 * default branch, typically the org's `.github`); or a path in the same
 * repository, read at the same base commit.
 */
function apiReader(octokit: GitHub, repo: RepoRef, baseSha: string | undefined): PolicyReader {
  return {
    async read(ref: string): Promise<PolicyText> {
      if (isPresetName(ref)) return readPreset(ref);
      const remote = /^([\w.-]+)\/([\w.-]+):(.+)$/.exec(ref);
      const [owner, name, path, at] = remote ? [remote[1]!, remote[2]!, remote[3]!, undefined] : [repo.owner, repo.repo, ref.replace(/^\.\//, ""), baseSha];
      const text = await readFile(octokit, owner, name, path, at);
      if (text === undefined) throw new Error(`${owner}/${name}:${path} does not exist${at ? ` at ${at.slice(0, 7)}` : ""}`);
      // A file of the governed repository is one its pull requests can change: it is governance.
      const local = owner.toLowerCase() === repo.owner.toLowerCase() && name.toLowerCase() === repo.repo.toLowerCase();
      return { name: `${owner}/${name}:${path}`, text, ...(local ? { path } : {}) };
    },
  };
}

/** A file's text, or undefined when it (or the repository) does not exist. */
export async function readFile(octokit: GitHub, owner: string, repo: string, path: string, ref?: string): Promise<string | undefined> {
  try {
    const response = await octokit.rest.repos.getContent({ owner, repo, path, ...(ref ? { ref } : {}), mediaType: { format: "raw" } });
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
