/**
 * One repository's GitHub state for nock tests that play a story across several
 * events and pull requests: pull requests (with reviews, comments, commits and
 * timeline), check runs per commit that the app's writes change, reviewer
 * requests and replies. Every call is still answered through a `GitHubMock`, so
 * REST is validated against GitHub's OpenAPI description and GraphQL executed
 * against its schema; the mocks persist (a story makes as many calls as it
 * needs), and a test asserts on the state GitHub ends in, as a user would see it.
 *
 *   const world = new RepoWorld(mockGitHub(), { policy: POLICY });
 *   world.openPull({ number: 1, head: A, baseRef: "main", files: [migration] });
 *   await probot.receive(world.event("pull_request", "opened", 1));
 *   expect(world.checkOn(A)?.conclusion).toBe("failure");
 */
import { Probot, ProbotOctokit } from "probot";
import { createApp } from "../../src/index.js";
import { appKeys } from "./app-server.js";
import { answerGraphql } from "./graphql-world.js";
import type { GitHubMock, RecordedCall } from "./mock-github.js";
import { DEFAULT_PR, prPayload, webhookEvent } from "./webhooks.js";

/* eslint-disable @typescript-eslint/no-explicit-any -- REST JSON as GitHub returns it */
type Rest = any;

export const OWNER = "acme";
export const REPO_NAME = "chat";
const REPO = `/repos/${OWNER}/${REPO_NAME}`;

export interface WorldPull {
  pull: Rest;
  files: Rest[];
  reviews: Rest[];
  comments: Rest[];
  timeline: Rest[];
  commits?: Rest[];
}

export interface CheckRunState {
  id: number;
  head_sha: string;
  conclusion: string;
  started_at: string;
  title: string;
  summary: string;
}

export class RepoWorld {
  readonly pulls = new Map<number, WorldPull>();
  readonly runs: CheckRunState[] = [];
  /** Every conclusion the app wrote, in order, by commit: a pass GitHub showed even briefly is in here. */
  readonly written: { sha: string; conclusion: string; title: string }[] = [];
  /** Replies and notices the app posted, by issue number. */
  readonly posted: { number: number; body: string }[] = [];
  /** Open pull requests GitHub does not associate with their head (a head already on the default branch). */
  readonly unassociated = new Set<number>();
  now: Date;
  private nextId = 1000;
  private readonly shas = new Set<string>();

  constructor(
    readonly gh: GitHubMock,
    readonly options: {
      policy: string;
      appId: number;
      installationId?: number;
      teams?: Record<string, string[]>;
      now: Date;
    },
  ) {
    this.now = options.now;
    gh.installationToken(options.installationId ?? DEFAULT_PR.installationId, { persist: true });
    gh.get(`${REPO}/contents/.github%2Fgovernance.yml`, options.policy, 200, {
      persist: true,
      headers: { "content-type": "application/vnd.github.raw; charset=utf-8" },
    });
    gh.graphql(
      "query ",
      (call: RecordedCall) =>
        answerGraphql(call.body as { query: string }, {
          pullRequest: (owner, repo, number) => {
            const p = owner === OWNER && repo === REPO_NAME ? this.pulls.get(number) : undefined;
            if (!p) return undefined;
            const sameHead = [...this.pulls.values()]
              .filter(
                (o) =>
                  o.pull.state === "open" &&
                  o.pull.head.sha === p.pull.head.sha &&
                  (o === p || !this.unassociated.has(o.pull.number)),
              )
              .map((o) => o.pull);
            return {
              pull: p.pull,
              reviews: p.reviews,
              comments: p.comments,
              timeline: p.timeline,
              commits: p.commits,
              sameHead,
              checkRuns: this.runsView(p.pull.head.sha),
            };
          },
          teamMembers: (org, slug) => (org === OWNER ? options.teams?.[slug] : undefined),
        }),
      { persist: true },
    );
    gh.post(
      `${REPO}/check-runs`,
      undefined,
      (call: RecordedCall) => this.createRun(call.body as Rest),
      201,
      { persist: true },
    );
    for (let id = 1; id <= 20; id++)
      gh.patch(
        `${REPO}/check-runs/${id}`,
        undefined,
        (call: RecordedCall) => this.updateRun(id, call.body as Rest),
        200,
        { persist: true },
      );
  }

  /** Adds an open pull request (GitHub's REST shape) with its files. */
  openPull(p: {
    number: number;
    head: string;
    base?: string;
    baseRef?: string;
    author?: string;
    title?: string;
    files: Rest[];
    createdAt?: string;
    labels?: string[];
  }): WorldPull {
    const pull = prPayload("pull_request", "opened", {
      number: p.number,
      headSha: p.head,
      baseSha: p.base ?? DEFAULT_PR.baseSha,
      baseRef: p.baseRef ?? "main",
      author: p.author ?? "octocat",
      title: p.title ?? `Pull request ${p.number}`,
      labels: p.labels ?? [],
    }).pull_request as Rest;
    Object.assign(pull, {
      requested_reviewers: [],
      requested_teams: [],
      changed_files: p.files.length,
      state: "open",
      created_at: p.createdAt ?? this.now.toISOString(),
      updated_at: p.createdAt ?? this.now.toISOString(),
    });
    const entry: WorldPull = { pull, files: p.files, reviews: [], comments: [], timeline: [] };
    this.pulls.set(p.number, entry);
    const n = p.number;
    this.gh.get(`${REPO}/pulls/${n}/files`, () => this.pulls.get(n)!.files, 200, {
      persist: true,
      optional: true,
    });
    this.gh.get(`${REPO}/pulls/${n}`, () => this.pulls.get(n)!.pull, 200, {
      persist: true,
      optional: true,
    });
    this.gh.post(`${REPO}/pulls/${n}/requested_reviewers`, undefined, { number: n }, 201, {
      persist: true,
      optional: true,
    });
    this.gh.post(
      `${REPO}/issues/${n}/comments`,
      undefined,
      (call: RecordedCall) => this.post(n, call.body as Rest),
      201,
      { persist: true, optional: true },
    );
    this.commitKnown(p.head);
    return entry;
  }

  /** A push to a pull request's head: fast-forward, or forced (GitHub adds a timeline event). */
  push(number: number, head: string, options: { force?: boolean; files?: Rest[] } = {}): void {
    const p = this.pulls.get(number)!;
    p.pull.head.sha = head;
    p.pull.updated_at = this.now.toISOString();
    if (options.files) p.files = options.files;
    this.commitKnown(head);
    if (options.force)
      p.timeline.push({
        event: "head_ref_force_pushed",
        created_at: this.now.toISOString(),
        actor: p.pull.user,
      });
  }

  /** Retargets a pull request to another base (GitHub adds a timeline event). */
  retarget(number: number, baseRef: string, baseSha: string, files: Rest[]): void {
    const p = this.pulls.get(number)!;
    p.timeline.push({
      event: "base_ref_changed",
      created_at: this.now.toISOString(),
      actor: p.pull.user,
      from: p.pull.base.ref,
      to: baseRef,
    });
    p.pull.base.ref = baseRef;
    p.pull.base.sha = baseSha;
    p.files = files;
  }

  comment(number: number, login: string, body: string): Rest {
    const c = {
      id: this.nextId++,
      user: { login, id: 2, type: "User" },
      body,
      created_at: this.now.toISOString(),
      updated_at: this.now.toISOString(),
      html_url: "",
      issue_url: "",
      author_association: "MEMBER",
    };
    this.pulls.get(number)!.comments.push(c);
    this.gh.post(
      `${REPO}/issues/comments/${c.id}/reactions`,
      undefined,
      { id: 1, content: "+1" },
      201,
      { persist: true, optional: true },
    );
    return c;
  }

  review(
    number: number,
    login: string,
    state: "APPROVED" | "CHANGES_REQUESTED" | "COMMENTED" | "DISMISSED",
    commit?: string,
  ): Rest {
    const p = this.pulls.get(number)!;
    const r = {
      id: this.nextId++,
      user: { login, id: 1, type: "User" },
      body: "",
      state,
      commit_id: commit ?? p.pull.head.sha,
      submitted_at: this.now.toISOString(),
      html_url: "",
      pull_request_url: "",
      author_association: "MEMBER",
      _links: {},
    };
    p.reviews.push(r);
    return r;
  }

  label(number: number, name: string, actor: string, action: "labeled" | "unlabeled"): void {
    const p = this.pulls.get(number)!;
    if (action === "labeled")
      p.pull.labels.push({
        id: this.nextId++,
        name,
        color: "ededed",
        default: false,
        description: null,
        node_id: "L",
        url: "",
      });
    else p.pull.labels = p.pull.labels.filter((l: Rest) => l.name !== name);
    p.timeline.push({
      event: action,
      created_at: this.now.toISOString(),
      actor: { login: actor },
      label: { name },
    });
  }

  close(number: number): void {
    this.pulls.get(number)!.pull.state = "closed";
  }

  /** The webhook delivery GitHub would send now about pull request `number`. */
  event(
    event: "pull_request",
    action: "opened" | "reopened" | "synchronize" | "edited" | "labeled" | "unlabeled" | "closed",
    number: number,
    extra?: Record<string, unknown>,
  ): ReturnType<typeof webhookEvent>;
  event(
    event: "issue_comment",
    action: "created",
    number: number,
    extra: { comment: Rest },
  ): ReturnType<typeof webhookEvent>;
  event(
    event: "pull_request_review",
    action: "submitted",
    number: number,
    extra: { review: Rest },
  ): ReturnType<typeof webhookEvent>;
  event(
    event: string,
    action: string,
    number: number,
    extra: Record<string, unknown> = {},
  ): ReturnType<typeof webhookEvent> {
    const p = this.pulls.get(number)!;
    const payload = prPayload(event as never, action as never, {
      number,
      headSha: p.pull.head.sha,
      baseSha: p.pull.base.sha,
      baseRef: p.pull.base.ref,
      author: p.pull.user.login,
      actor: (extra.comment as Rest)?.user?.login ?? (extra.review as Rest)?.user?.login,
    }) as Rest;
    if (payload.pull_request) Object.assign(payload.pull_request, structuredClone(p.pull));
    if (payload.issue)
      Object.assign(payload.issue, {
        number,
        state: p.pull.state,
        pull_request: { url: "" },
        user: p.pull.user,
      });
    if (extra.comment) payload.comment = { ...payload.comment, ...(extra.comment as Rest) };
    if (extra.review)
      payload.review = {
        ...payload.review,
        ...(extra.review as Rest),
        state: String((extra.review as Rest).state).toLowerCase(),
      };
    for (const [k, v] of Object.entries(extra))
      if (k !== "comment" && k !== "review") payload[k] = v;
    return webhookEvent(event as never, payload);
  }

  /** The check GitHub shows on a commit: the latest of our runs there. */
  checkOn(sha: string): CheckRunState | undefined {
    return this.runs.filter((r) => r.head_sha === sha).at(-1);
  }

  private runsView(sha: string): Rest[] {
    return this.runs
      .filter((r) => r.head_sha === sha)
      .map((r) => ({
        id: r.id,
        head_sha: r.head_sha,
        name: "governance",
        app: { id: this.options.appId },
        status: "completed",
        conclusion: r.conclusion,
        started_at: r.started_at,
        output: { title: r.title, summary: r.summary, text: null, annotations_count: 0 },
      }));
  }

  /** Our check runs on `sha` over REST (forks, the error path and merge groups look them up there). */
  private commitKnown(sha: string): void {
    if (this.shas.has(sha)) return;
    this.shas.add(sha);
    this.gh.get(
      `${REPO}/commits/${sha}/check-runs`,
      () => {
        const runs = this.runsView(sha);
        return { total_count: runs.length, check_runs: runs };
      },
      200,
      { persist: true, optional: true },
    );
  }

  private createRun(body: Rest): Rest {
    const run: CheckRunState = {
      id: this.runs.length + 1,
      head_sha: body.head_sha,
      conclusion: body.conclusion,
      started_at: this.now.toISOString(),
      title: body.output.title,
      summary: body.output.summary,
    };
    this.runs.push(run);
    this.written.push({ sha: run.head_sha, conclusion: run.conclusion, title: run.title });
    return { id: run.id, head_sha: run.head_sha, started_at: run.started_at, name: "governance" };
  }

  private updateRun(id: number, body: Rest): Rest {
    const run = this.runs.find((r) => r.id === id);
    if (!run) throw new Error(`no check run ${id}`);
    Object.assign(run, {
      conclusion: body.conclusion,
      title: body.output.title,
      summary: body.output.summary,
    });
    this.written.push({ sha: run.head_sha, conclusion: run.conclusion, title: run.title });
    return { id };
  }

  private post(number: number, body: Rest): Rest {
    this.posted.push({ number, body: body.body });
    return { id: this.nextId++, body: body.body };
  }
}

/** chat-backend with every role these stories sign with bound to one person. */
export const CHAT_POLICY = `extends: chat-backend
roles:
  backend-lead: { users: [bea] }
  dba-lead: { users: [dan] }
  sre-lead: { users: [sam] }
  backend-team: { users: [bob] }
  tech-architect: { users: [tara] }
  security-lead: { users: [sid] }
  devops-lead: { users: [dev] }
  incident-commander: { users: [ivy] }
  product-owner: { users: [pat] }
`;

/** A level-1 change: one line of README.md, as GitHub lists it. */
export const README_FILE = {
  sha: "0c1d2e3f40516273849a0b1c2d3e4f5061728394",
  filename: "README.md",
  status: "modified",
  additions: 1,
  deletions: 0,
  changes: 1,
  blob_url: "",
  raw_url: "",
  contents_url: "",
  patch: "@@ -1 +1,2 @@\n # chat\n+More words.",
};

/**
 * The app through Probot's `receive()` on `world`, on its clock. `receive`
 * resolves once the event and every evaluation it queued (pull requests on the
 * same commit) are done.
 */
export function appOn(
  world: RepoWorld,
): (event: Parameters<Probot["receive"]>[0]) => Promise<void> {
  const probot = new Probot({
    appId: world.options.appId,
    privateKey: appKeys().privateKey,
    // The function form: the object form leaves throttling on in tests.
    Octokit: ProbotOctokit.defaults((options: Record<string, unknown>) => ({
      ...options,
      retry: { enabled: false },
      throttle: { enabled: false },
    })),
    logLevel: "fatal",
  });
  let settled = async () => {};
  probot.load(
    createApp({
      appId: world.options.appId,
      now: () => world.now,
      onGate: (gate) => (settled = () => gate.settled()),
    }),
  );
  return async (event) => {
    await probot.receive(event);
    await settled();
  };
}
