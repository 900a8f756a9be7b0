/**
 * Real webhook payloads (from `@octokit/webhooks-examples`, the payloads GitHub documents) made
 * coherent for the app under test: one repository (`acme/chat` by default), one pull request,
 * one installation.
 *
 *   const payload = withPullRequest(examplePayload("pull_request", "opened"), { number: 7, labels: ["db"] });
 *   await probot.receive(webhookEvent("pull_request", payload));
 *
 * Where the examples package has no payload for an action GitHub does send (at 7.6.1:
 * `pull_request.edited`, `pull_request_review.edited`), one is derived from a real sibling of
 * the same event: `action` replaced, and for `edited` a `changes` object added the way GitHub
 * shapes it (`{ body: { from } }`). `examplePayloadSource()` tells which it was.
 *
 * The examples package has no `issue_comment` on a pull request. GitHub sends those as an
 * `issue_comment` whose `issue` carries a `pull_request` object
 * (`{ url, html_url, diff_url, patch_url, merged_at }`); `withPullRequest` adds exactly that to
 * a real `issue_comment` example, which is how comment payloads on pull requests are built here.
 */
import { createRequire } from "node:module";
import type { EmitterWebhookEvent, EmitterWebhookEventName } from "@octokit/webhooks";

/** Event names GitHub sends (`pull_request`, `push`, …), without actions. */
export type WebhookName = EmitterWebhookEvent["name"];
type ActionsIn<N, E extends string> = N extends `${E}.${infer A}` ? A : never;
/** Actions of an event, e.g. `ActionOf<"pull_request">` = "opened" | "synchronize" | … */
export type ActionOf<E extends WebhookName> = ActionsIn<EmitterWebhookEventName, E>;
/** Payload type Probot hands to `app.on("pull_request.opened", …)` handlers. */
export type PayloadOf<N extends EmitterWebhookEventName> = EmitterWebhookEvent<N>["payload"];
export type ExamplePayload<E extends WebhookName, A extends string> = PayloadOf<
  Extract<EmitterWebhookEventName, `${E}.${A}`>
>;

interface WebhookDefinition {
  name: string;
  actions: string[];
  examples: Record<string, unknown>[];
}

type Obj = Record<string, unknown>;

let definitions: WebhookDefinition[] | undefined;

function allDefinitions(): WebhookDefinition[] {
  definitions ??= createRequire(import.meta.url)(
    "@octokit/webhooks-examples",
  ) as WebhookDefinition[];
  return definitions;
}

function isObj(value: unknown): value is Obj {
  return value !== null && typeof value === "object" && !Array.isArray(value);
}

/** Preference among several real examples of one event+action: the most useful one wins. */
function preference(event: string, example: Obj): number {
  let score = isObj(example["installation"]) ? 2 : 0;
  if (event === "issue_comment" && isObj(example["issue"]) && example["issue"]["pull_request"])
    score += 4;
  if (event === "push") {
    if (String(example["ref"]).startsWith("refs/heads/") && example["head_commit"]) score += 4;
    if (example["deleted"] === true) score -= 4;
  }
  if (event === "check_run" && isObj(example["check_run"])) {
    const prs = example["check_run"]["pull_requests"];
    if (Array.isArray(prs) && prs.length > 0) score += 1;
  }
  return score;
}

function pick(event: string, examples: Obj[]): Obj | undefined {
  let best: Obj | undefined;
  let bestScore = -Infinity;
  for (const example of examples) {
    const score = preference(event, example);
    if (score > bestScore) {
      best = example;
      bestScore = score;
    }
  }
  return best;
}

/** Whether `examplePayload(event, action)` returns a real example or one derived from a sibling. */
export function examplePayloadSource(event: WebhookName, action?: string): "real" | "derived" {
  const def = allDefinitions().find((d) => d.name === event);
  if (!def) throw new Error(`@octokit/webhooks-examples has no "${event}" event`);
  if (action === undefined) return "real";
  return def.examples.some((e) => e["action"] === action) ? "real" : "derived";
}

/**
 * A deep clone of a real example payload for `event` (and `action`, for events that have them).
 * Throws for events/actions GitHub doesn't send.
 */
export function examplePayload<E extends WebhookName, A extends ActionOf<E>>(
  event: E,
  action: A,
): ExamplePayload<E, A>;
export function examplePayload<E extends WebhookName>(event: E): PayloadOf<E>;
export function examplePayload(event: string, action?: string): unknown {
  const def = allDefinitions().find((d) => d.name === event);
  if (!def) throw new Error(`@octokit/webhooks-examples has no "${event}" event`);
  if (action === undefined) {
    const example = pick(event, def.examples);
    if (!example) throw new Error(`@octokit/webhooks-examples has no example of "${event}"`);
    return structuredClone(example);
  }
  const real = pick(
    event,
    def.examples.filter((e) => e["action"] === action),
  );
  if (real) return structuredClone(real);
  if (!def.actions.includes(action)) {
    throw new Error(`GitHub sends no "${event}.${action}" (actions: ${def.actions.join(", ")})`);
  }
  // Derived from the most useful sibling of the same event.
  const sibling = pick(event, def.examples);
  if (!sibling) throw new Error(`@octokit/webhooks-examples has no example of "${event}"`);
  const payload = structuredClone(sibling);
  payload["action"] = action;
  if (action === "edited") {
    payload["changes"] = { body: { from: "Previous text." } };
    if (isObj(payload["review"])) payload["review"]["state"] = "commented";
  }
  return payload;
}

/** `{ id, name, payload }` for `probot.receive(...)`. */
export function webhookEvent<E extends WebhookName>(
  name: E,
  payload: unknown,
  id = `test-delivery-${++deliveries}`,
): EmitterWebhookEvent<E> {
  return { id, name, payload } as EmitterWebhookEvent<E>;
}
let deliveries = 0;

// ---------------------------------------------------------------------------------------------
// Coherent pull request coordinates

/** Defaults every payload is rewritten to unless overridden. Same SHAs as test/helpers/facts.ts. */
export const DEFAULT_PR: Readonly<Resolved & { reviewer: string }> = {
  owner: "acme",
  repo: "chat",
  number: 12,
  headSha: "9f4c2a7e1b3d5f6a8c0e2d4b6a8f0c1e3d5b7a90",
  beforeSha: "1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d",
  baseSha: "0b1c2d3e4f5061728394a5b6c7d8e9f0a1b2c3d4",
  headRef: "feature/governance",
  baseRef: "main",
  author: "alice",
  reviewer: "bob",
  installationId: 4242,
};

type Resolved = PullRequestOverrides &
  Required<
    Pick<
      PullRequestOverrides,
      | "owner"
      | "repo"
      | "number"
      | "headSha"
      | "beforeSha"
      | "baseSha"
      | "headRef"
      | "baseRef"
      | "author"
      | "installationId"
    >
  >;

export interface PullRequestOverrides {
  /** Repository owner (an organization unless `ownerType` says otherwise). Default "acme". */
  owner?: string;
  /** Repository name. Default "chat". */
  repo?: string;
  ownerType?: "Organization" | "User";
  /** Pull request number (also issue number for comments). Default 12. */
  number?: number;
  headSha?: string;
  /** `synchronize`/`push`: the previous head. */
  beforeSha?: string;
  baseSha?: string;
  headRef?: string;
  baseRef?: string;
  /** Pull request author (`pull_request.user` / `issue.user`). Default "alice". */
  author?: string;
  /**
   * Who acted (`sender`; and `review.user` / `comment.user` for review and comment events).
   * Default: the author for pull_request/push/check_run events, "bob" for reviews and comments.
   */
  actor?: string;
  /** Label names on the pull request (`pull_request.labels` / `issue.labels`). */
  labels?: string[];
  /** `labeled`/`unlabeled`: the label the event is about (`payload.label`). */
  label?: string;
  installationId?: number;
  title?: string;
  body?: string | null;
  draft?: boolean;
  state?: "open" | "closed";
  /** `pull_request_review`: `review.state` (lower case, as webhooks send it). */
  reviewState?: "approved" | "changes_requested" | "commented" | "dismissed";
  /** `pull_request_review`: `review.body`. */
  reviewBody?: string | null;
  /** `issue_comment`: `comment.body`. */
  commentBody?: string;
  /** `check_run`: `check_run.name`. */
  checkName?: string;
}

const LOGIN_IDS = new Map<string, number>();
function idFor(login: string): number {
  let id = LOGIN_IDS.get(login);
  if (id === undefined) {
    id = 1000;
    for (const ch of login) id = (id * 31 + ch.charCodeAt(0)) % 9_000_000;
    id += 1_000_000;
    LOGIN_IDS.set(login, id);
  }
  return id;
}

function setUser(
  target: unknown,
  login: string,
  type: "User" | "Organization" | "Bot" = "User",
): Obj {
  const user: Obj = isObj(target) ? target : {};
  const id = idFor(login);
  Object.assign(user, {
    login,
    id,
    node_id: Buffer.from(`04:${type}${id}`).toString("base64"),
    avatar_url: `https://avatars.githubusercontent.com/u/${id}?v=4`,
    url: `https://api.github.com/users/${login}`,
    html_url: `https://github.com/${login}`,
    type,
    site_admin: false,
  });
  for (const key of Object.keys(user)) {
    const value = user[key];
    if (
      key.endsWith("_url") &&
      typeof value === "string" &&
      value.includes("api.github.com/users/")
    ) {
      user[key] = value.replace(/\/users\/[^/{]+/, `/users/${login}`);
    }
  }
  if ("name" in user && typeof user["name"] === "string") user["name"] = login;
  if ("email" in user && typeof user["email"] === "string")
    user["email"] = `${id}+${login}@users.noreply.github.com`;
  return user;
}

function labelObject(name: string, fullName: string): Obj {
  const id = idFor(`label:${name}`);
  return {
    id,
    node_id: Buffer.from(`010:Label${id}`).toString("base64"),
    url: `https://api.github.com/repos/${fullName}/labels/${encodeURIComponent(name)}`,
    name,
    color: "ededed",
    default: false,
    description: null,
  };
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/** Rewrites every string in the payload (URLs, labels like "owner:branch") in place. */
function rewriteStrings(node: unknown, rewrite: (s: string) => string): void {
  if (Array.isArray(node)) {
    node.forEach((value, i) => {
      if (typeof value === "string") node[i] = rewrite(value);
      else rewriteStrings(value, rewrite);
    });
  } else if (isObj(node)) {
    for (const [key, value] of Object.entries(node)) {
      if (typeof value === "string") node[key] = rewrite(value);
      else rewriteStrings(value, rewrite);
    }
  }
}

/** Every repository object in the payload (has `full_name` equal to the example's repository). */
function forEachRepository(node: unknown, fullName: string, visit: (repo: Obj) => void): void {
  if (Array.isArray(node)) node.forEach((n) => forEachRepository(n, fullName, visit));
  else if (isObj(node)) {
    if (node["full_name"] === fullName && "name" in node) visit(node);
    for (const value of Object.values(node)) forEachRepository(value, fullName, visit);
  }
}

function setPullRequestFields(pr: Obj, o: Resolved, fullName: string): void {
  pr["number"] = o.number;
  setUser(pr["user"], o.author);
  if (o.title !== undefined) pr["title"] = o.title;
  if (o.body !== undefined) pr["body"] = o.body;
  if (o.draft !== undefined) pr["draft"] = o.draft;
  if (o.state !== undefined) pr["state"] = o.state;
  if (o.labels !== undefined) pr["labels"] = o.labels.map((l) => labelObject(l, fullName));
}

/**
 * Rewrites a payload (in place, and returns it) so that it describes pull request `number` of
 * `owner/repo` with the given head/base, author, labels and installation: repository objects,
 * the pull request (or issue / check run), their URLs, users, `installation.id`, and
 * `before`/`after` for `synchronize`/`push`. Works on pull_request, pull_request_review,
 * pull_request_review_comment, issue_comment (adds `issue.pull_request`), check_run,
 * check_suite and push payloads. Everything not named here keeps the real example's value.
 */
export function withPullRequest<T>(payload: T, overrides: PullRequestOverrides = {}): T {
  if (!isObj(payload)) throw new TypeError("withPullRequest: payload must be an object");
  const p: Obj = payload;
  const { reviewer: defaultReviewer, ...defaults } = DEFAULT_PR;
  const o: Resolved = {
    ...defaults,
    ...(Object.fromEntries(
      Object.entries(overrides).filter(([, v]) => v !== undefined),
    ) as PullRequestOverrides),
  };
  const ownerType = o.ownerType ?? "Organization";
  const fullName = `${o.owner}/${o.repo}`;
  const isReviewish = isObj(p["review"]) || isObj(p["comment"]);
  const actor = o.actor ?? (isReviewish ? defaultReviewer : o.author);

  const repository = p["repository"];
  const oldFullName =
    isObj(repository) && typeof repository["full_name"] === "string"
      ? repository["full_name"]
      : null;
  const pr = isObj(p["pull_request"]) ? p["pull_request"] : null;
  const issue = isObj(p["issue"]) ? p["issue"] : null;
  const checkRun = isObj(p["check_run"]) ? p["check_run"] : null;
  const checkSuite = isObj(p["check_suite"])
    ? p["check_suite"]
    : checkRun && isObj(checkRun["check_suite"])
      ? checkRun["check_suite"]
      : null;
  const oldNumber = pr?.["number"] ?? issue?.["number"] ?? null;

  // 1. Strings: repository paths, PR/issue numbers in URLs, "owner:branch" labels.
  if (oldFullName) {
    const repoPattern = new RegExp(`(^|[/:])${escapeRegExp(oldFullName)}(?=$|[/?#{.])`, "g");
    const numberPattern =
      typeof oldNumber === "number"
        ? new RegExp(
            `(${escapeRegExp(fullName)}/(?:pulls|pull|issues))/${oldNumber}(?=$|[/?#])`,
            "g",
          )
        : null;
    rewriteStrings(p, (s) => {
      let out = s.replace(repoPattern, `$1${fullName}`);
      if (numberPattern) out = out.replace(numberPattern, `$1/${o.number}`);
      return out;
    });
  }

  // 2. Repository objects (payload.repository, head.repo, base.repo, …).
  const repoId = idFor(`repo:${fullName}`);
  const retargetRepo = (repo: Obj): void => {
    repo["id"] = repoId;
    repo["node_id"] = Buffer.from(`010:Repository${repoId}`).toString("base64");
    repo["name"] = o.repo;
    repo["full_name"] = fullName;
    repo["html_url"] = `https://github.com/${fullName}`;
    repo["url"] = `https://api.github.com/repos/${fullName}`;
    if (isObj(repo["owner"])) setUser(repo["owner"], o.owner, ownerType);
    if ("default_branch" in repo) repo["default_branch"] = o.baseRef;
    if ("master_branch" in repo) repo["master_branch"] = o.baseRef;
  };
  if (oldFullName) forEachRepository(p, fullName, retargetRepo);
  if (isObj(repository)) retargetRepo(repository);

  if (ownerType === "Organization") {
    const org = isObj(p["organization"]) ? p["organization"] : {};
    const orgId = idFor(o.owner);
    Object.assign(org, {
      login: o.owner,
      id: orgId,
      node_id: Buffer.from(`012:Organization${orgId}`).toString("base64"),
      url: `https://api.github.com/orgs/${o.owner}`,
      description: org["description"] ?? null,
    });
    for (const [key, value] of Object.entries(org)) {
      if (key.endsWith("_url") && typeof value === "string") {
        org[key] = value.replace(/\/(orgs|users)\/[^/{]+/, `/$1/${o.owner}`);
      }
    }
    p["organization"] = org;
  } else {
    delete p["organization"];
  }

  const installation = isObj(p["installation"]) ? p["installation"] : {};
  installation["id"] = o.installationId;
  installation["node_id"] = Buffer.from(`023:IntegrationInstallation${o.installationId}`).toString(
    "base64",
  );
  p["installation"] = installation;

  p["sender"] = setUser(p["sender"], actor);

  const headLabel = `${o.owner}:${o.headRef}`;
  const baseLabel = `${o.owner}:${o.baseRef}`;

  // 3. The pull request itself.
  if (pr) {
    setPullRequestFields(pr, o, fullName);
    for (const [side, ref, sha, label] of [
      ["head", o.headRef, o.headSha, headLabel],
      ["base", o.baseRef, o.baseSha, baseLabel],
    ] as const) {
      const end = isObj(pr[side]) ? pr[side] : {};
      end["ref"] = ref;
      end["sha"] = sha;
      end["label"] = label;
      if (isObj(end["user"])) setUser(end["user"], o.owner, ownerType);
      if (isObj(end["repo"])) retargetRepo(end["repo"]);
      pr[side] = end;
    }
    if ("number" in p) p["number"] = o.number;
    if (p["action"] === "synchronize") {
      p["before"] = o.beforeSha;
      p["after"] = o.headSha;
    }
    if (
      (p["action"] === "labeled" || p["action"] === "unlabeled") &&
      (o.label !== undefined || isObj(p["label"]))
    ) {
      p["label"] = labelObject(o.label ?? o.labels?.[0] ?? "needs-review", fullName);
    }
  }

  // 4. Reviews and comments.
  if (isObj(p["review"])) {
    const review = p["review"];
    setUser(review["user"], actor);
    review["commit_id"] = o.headSha;
    if (o.reviewState !== undefined) review["state"] = o.reviewState;
    if (o.reviewBody !== undefined) review["body"] = o.reviewBody;
  }
  if (isObj(p["comment"])) {
    const comment = p["comment"];
    setUser(comment["user"], actor);
    if (o.commentBody !== undefined) comment["body"] = o.commentBody;
    if ("commit_id" in comment) comment["commit_id"] = o.headSha;
  }
  if (issue) {
    setPullRequestFields(issue, o, fullName);
    const base = `https://api.github.com/repos/${fullName}`;
    issue["url"] = `${base}/issues/${o.number}`;
    issue["html_url"] = `https://github.com/${fullName}/pull/${o.number}`;
    issue["repository_url"] = base;
    issue["pull_request"] = {
      url: `${base}/pulls/${o.number}`,
      html_url: `https://github.com/${fullName}/pull/${o.number}`,
      diff_url: `https://github.com/${fullName}/pull/${o.number}.diff`,
      patch_url: `https://github.com/${fullName}/pull/${o.number}.patch`,
      merged_at: null,
    };
  }

  // 5. Checks: the run/suite is for the head commit of this pull request.
  const prRef = {
    url: `https://api.github.com/repos/${fullName}/pulls/${o.number}`,
    id: idFor(`pr:${fullName}#${o.number}`),
    number: o.number,
    head: {
      ref: o.headRef,
      sha: o.headSha,
      repo: { id: repoId, url: `https://api.github.com/repos/${fullName}`, name: o.repo },
    },
    base: {
      ref: o.baseRef,
      sha: o.baseSha,
      repo: { id: repoId, url: `https://api.github.com/repos/${fullName}`, name: o.repo },
    },
  };
  if (checkRun) {
    checkRun["head_sha"] = o.headSha;
    checkRun["pull_requests"] = [structuredClone(prRef)];
    if (o.checkName !== undefined) checkRun["name"] = o.checkName;
  }
  if (checkSuite) {
    checkSuite["head_sha"] = o.headSha;
    checkSuite["head_branch"] = o.headRef;
    checkSuite["after"] = o.headSha;
    checkSuite["before"] = o.beforeSha;
    checkSuite["pull_requests"] = [structuredClone(prRef)];
  }

  // 6. Pushes: to the pull request's head branch.
  if (typeof p["ref"] === "string" && "pusher" in p) {
    p["ref"] = `refs/heads/${o.headRef}`;
    p["before"] = o.beforeSha;
    p["after"] = o.headSha;
    p["compare"] =
      `https://github.com/${fullName}/compare/${o.beforeSha.slice(0, 12)}...${o.headSha.slice(0, 12)}`;
    if (isObj(p["pusher"]))
      p["pusher"] = { name: actor, email: `${idFor(actor)}+${actor}@users.noreply.github.com` };
    if (isObj(p["head_commit"])) {
      p["head_commit"]["id"] = o.headSha;
      p["head_commit"]["tree_id"] = p["head_commit"]["tree_id"] ?? o.headSha;
      p["head_commit"]["url"] = `https://github.com/${fullName}/commit/${o.headSha}`;
    }
    const commits = p["commits"];
    if (Array.isArray(commits) && commits.length > 0) {
      const last = commits[commits.length - 1];
      if (isObj(last)) {
        last["id"] = o.headSha;
        last["url"] = `https://github.com/${fullName}/commit/${o.headSha}`;
      }
    }
  }

  return payload;
}

/** `examplePayload(event, action)` + `withPullRequest(…, overrides)` in one call. */
export function prPayload<E extends WebhookName, A extends ActionOf<E>>(
  event: E,
  action: A,
  overrides: PullRequestOverrides = {},
): ExamplePayload<E, A> {
  return withPullRequest(examplePayload(event, action), overrides);
}
