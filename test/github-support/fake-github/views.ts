/**
 * GitHub-shaped REST objects, built in one place so both fakes answer the app
 * (and feed graphql-world.ts) with the same fields GitHub sends; the fakes only
 * supply the state. URLs point back at the fake, as GitHub's point at GitHub.
 */
import { countPatchLines, gitBlobSha, nodeId, numericId } from "./ids.js";
import type { Json, JsonObject, Reply } from "./http.js";

export interface PullFile {
  filename: string;
  status: "added" | "removed" | "modified" | "renamed" | "copied" | "changed" | "unchanged";
  patch?: string;
  previous_filename?: string;
}

export interface RepositoryFacts {
  id: number;
  owner: string;
  name: string;
  defaultBranch: string;
}

/** What an author gives a pull request: the part of it both fakes are seeded with. */
export interface PullRequestBasics {
  number: number;
  title: string;
  body: string;
  author: string;
  headRef: string;
  headSha: string;
}

export interface PullRequestFacts extends PullRequestBasics {
  repository: RepositoryFacts;
  id: number;
  baseSha: string;
  state: "open" | "closed";
  merged: boolean;
  mergedAt: string | null;
  mergedBy: string | null;
  mergeCommitSha: string | null;
  createdAt: string;
  updatedAt: string;
  requestedReviewers: Iterable<string>;
  requestedTeams: Iterable<string>;
  labels: string[];
  commentCount: number;
  files: PullFile[];
}

export interface ReviewFacts {
  id: number;
  login: string;
  state: string;
  commitId: string;
  submittedAt: string;
  body: string;
}

export interface CommentFacts {
  id: number;
  login: string;
  body: string;
  createdAt: string;
  updatedAt: string;
}

export const APP_BOT_LOGIN = "governance-gate[bot]";

const isBot = (login: string) => login.endsWith("[bot]");

export class GitHubViews {
  /** `host` is read per view: a fake knows its port only once it listens. */
  constructor(private readonly host: () => string) {}

  apiUrl(path: string): string {
    return `http://${this.host()}/api/v3${path}`;
  }

  webUrl(path = ""): string {
    return `http://${this.host()}${path}`;
  }

  user(login: string): JsonObject {
    const id = numericId(login);
    return {
      login,
      id,
      node_id: nodeId("U", id),
      avatar_url: this.webUrl(`/avatars/u/${id}`),
      gravatar_id: "",
      url: this.apiUrl(`/users/${login}`),
      html_url: this.webUrl(`/${login}`),
      type: isBot(login) ? "Bot" : "User",
      site_admin: false,
    };
  }

  org(login: string): JsonObject {
    return { ...this.user(login), type: "Organization" };
  }

  team(slug: string): JsonObject {
    const id = numericId(`team:${slug}`);
    return {
      id,
      node_id: nodeId("T", id),
      slug,
      name: slug,
      privacy: "closed",
      permission: "pull",
      url: this.apiUrl(`/teams/${id}`),
    };
  }

  label(owner: string, repo: string, name: string): JsonObject {
    const id = numericId(`label:${name}`);
    return {
      id,
      node_id: nodeId("LA", id),
      url: this.apiUrl(`/repos/${owner}/${repo}/labels/${encodeURIComponent(name)}`),
      name,
      color: "ededed",
      default: false,
      description: null,
    };
  }

  repository(repo: RepositoryFacts): JsonObject {
    return {
      id: repo.id,
      node_id: nodeId("R", repo.id),
      name: repo.name,
      full_name: `${repo.owner}/${repo.name}`,
      private: true,
      owner: this.org(repo.owner),
      html_url: this.webUrl(`/${repo.owner}/${repo.name}`),
      url: this.apiUrl(`/repos/${repo.owner}/${repo.name}`),
      default_branch: repo.defaultBranch,
      visibility: "private",
    };
  }

  /** `GET /repos/{owner}/{repo}/pulls/{number}`. */
  pullRequest(p: PullRequestFacts): JsonObject {
    const { owner, name, defaultBranch } = p.repository;
    const api = this.apiUrl(`/repos/${owner}/${name}`);
    const html = this.webUrl(`/${owner}/${name}/pull/${p.number}`);
    const repository = this.repository(p.repository);
    return {
      url: `${api}/pulls/${p.number}`,
      id: p.id,
      node_id: nodeId("PR", p.id),
      html_url: html,
      diff_url: `${html}.diff`,
      patch_url: `${html}.patch`,
      issue_url: `${api}/issues/${p.number}`,
      commits_url: `${api}/pulls/${p.number}/commits`,
      review_comments_url: `${api}/pulls/${p.number}/comments`,
      comments_url: `${api}/issues/${p.number}/comments`,
      statuses_url: `${api}/statuses/${p.headSha}`,
      number: p.number,
      state: p.state,
      locked: false,
      title: p.title,
      user: this.user(p.author),
      body: p.body,
      created_at: p.createdAt,
      updated_at: p.updatedAt,
      closed_at: p.mergedAt,
      merged_at: p.mergedAt,
      merge_commit_sha: p.mergeCommitSha,
      assignee: null,
      assignees: [],
      requested_reviewers: [...p.requestedReviewers].map((login) => this.user(login)),
      requested_teams: [...p.requestedTeams].map((slug) => this.team(slug)),
      labels: p.labels.map((label) => this.label(owner, name, label)),
      milestone: null,
      draft: false,
      head: {
        label: `${owner}:${p.headRef}`,
        ref: p.headRef,
        sha: p.headSha,
        user: this.org(owner),
        repo: repository,
      },
      base: {
        label: `${owner}:${defaultBranch}`,
        ref: defaultBranch,
        sha: p.baseSha,
        user: this.org(owner),
        repo: repository,
      },
      _links: {
        self: { href: `${api}/pulls/${p.number}` },
        html: { href: html },
        issue: { href: `${api}/issues/${p.number}` },
        comments: { href: `${api}/issues/${p.number}/comments` },
      },
      author_association: "MEMBER",
      auto_merge: null,
      active_lock_reason: null,
      merged: p.merged,
      mergeable: true,
      rebaseable: true,
      mergeable_state: "blocked",
      merged_by: p.mergedBy === null ? null : this.user(p.mergedBy),
      comments: p.commentCount,
      review_comments: 0,
      maintainer_can_modify: false,
      commits: 1,
      additions: p.files.reduce((n, f) => n + countPatchLines(f.patch, "+"), 0),
      deletions: p.files.reduce((n, f) => n + countPatchLines(f.patch, "-"), 0),
      changed_files: p.files.length,
    };
  }

  /** An item of `GET .../pulls/{number}/files`; `headText` is the file at the head, when it exists there. */
  pullFile(
    owner: string,
    repo: string,
    headSha: string,
    f: PullFile,
    headText: string | undefined,
  ): JsonObject {
    const additions = countPatchLines(f.patch, "+");
    const deletions = countPatchLines(f.patch, "-");
    const view: JsonObject = {
      sha:
        headText === undefined ? "0000000000000000000000000000000000000000" : gitBlobSha(headText),
      filename: f.filename,
      status: f.status,
      additions,
      deletions,
      changes: additions + deletions,
      blob_url: this.webUrl(`/${owner}/${repo}/blob/${headSha}/${f.filename}`),
      raw_url: this.webUrl(`/${owner}/${repo}/raw/${headSha}/${f.filename}`),
      contents_url: this.apiUrl(
        `/repos/${owner}/${repo}/contents/${encodeURIComponent(f.filename)}?ref=${headSha}`,
      ),
    };
    if (f.patch !== undefined) view.patch = f.patch;
    if (f.previous_filename !== undefined) view.previous_filename = f.previous_filename;
    return view;
  }

  review(owner: string, repo: string, number: number, r: ReviewFacts): JsonObject {
    const html = this.webUrl(`/${owner}/${repo}/pull/${number}#pullrequestreview-${r.id}`);
    const pullUrl = this.apiUrl(`/repos/${owner}/${repo}/pulls/${number}`);
    return {
      id: r.id,
      node_id: nodeId("PRR", r.id),
      user: this.user(r.login),
      body: r.body,
      state: r.state,
      html_url: html,
      pull_request_url: pullUrl,
      author_association: "MEMBER",
      _links: { html: { href: html }, pull_request: { href: pullUrl } },
      submitted_at: r.submittedAt,
      commit_id: r.commitId,
    };
  }

  /** An issue comment; GitHub marks a bot's comment with no association to the organisation. */
  issueComment(owner: string, repo: string, number: number, c: CommentFacts): JsonObject {
    return {
      id: c.id,
      node_id: nodeId("IC", c.id),
      url: this.apiUrl(`/repos/${owner}/${repo}/issues/comments/${c.id}`),
      html_url: this.webUrl(`/${owner}/${repo}/pull/${number}#issuecomment-${c.id}`),
      issue_url: this.apiUrl(`/repos/${owner}/${repo}/issues/${number}`),
      body: c.body,
      user: this.user(c.login),
      created_at: c.createdAt,
      updated_at: c.updatedAt,
      author_association: isBot(c.login) ? "NONE" : "MEMBER",
    };
  }

  /** The app's reaction to a comment, as `POST .../comments/{id}/reactions` answers it. */
  reaction(id: number, commentId: number, content: Json): Reply {
    return {
      status: 201,
      json: {
        id,
        node_id: nodeId("REA", commentId),
        user: this.user(APP_BOT_LOGIN),
        content,
        created_at: new Date().toISOString(),
      },
    };
  }

  /**
   * `GET /repos/{owner}/{repo}/contents/{path}`: the raw file for the raw media
   * types (`application/vnd.github.raw`, `.v3.raw`, `.raw+json`), else the JSON
   * object with base64 content.
   */
  contents(
    owner: string,
    repo: string,
    path: string,
    ref: string,
    text: string,
    accept: string,
  ): Reply {
    if (/application\/vnd\.github(\.v3)?\.raw/.test(accept)) {
      return { status: 200, text, contentType: "application/vnd.github.raw; charset=utf-8" };
    }
    const api = this.apiUrl(`/repos/${owner}/${repo}/contents/${path}?ref=${ref}`);
    return {
      status: 200,
      json: {
        type: "file",
        encoding: "base64",
        size: Buffer.byteLength(text),
        name: path.split("/").pop() ?? path,
        path,
        content: Buffer.from(text).toString("base64"),
        sha: gitBlobSha(text),
        url: api,
        git_url: null,
        html_url: null,
        download_url: null,
        _links: { self: api, git: null, html: null },
      },
    };
  }
}
