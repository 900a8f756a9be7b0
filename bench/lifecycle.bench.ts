/**
 * Benchmark: GitHub API calls over one scripted pull-request lifecycle, counted
 * at a fake GitHub (bench/lib/fake-github.ts) while the real server
 * (src/server.ts, production mode) handles signed deliveries over loopback —
 * beside palantir/policy-bot's calls for the same script, derived from its
 * source.
 *
 *   npx tsx bench/lifecycle.bench.ts [--json out.json]
 *
 * The script (12 deliveries): opened; 4 reviews; 3 pushes (synchronize); 2
 * sign-off commands (`/approve-level3`); a label; merge — a destructive Prisma
 * migration that needs dba-lead + backend-lead + sre-lead. It is played twice,
 * side by side: roles bound to users, and to teams (policy-bot's team checks and
 * ours cost differently). Two CI check runs finishing per head are delivered as well and
 * tallied apart: a multi-tenant app receives them whether or not its policy reads CI.
 * Both sides are counted for the same policy, which reads no CI (this app has no
 * equivalent of policy-bot's `has_successful_status`): like for like only.
 *
 * Each delivery's response comes back only once the app's handler finished
 * (@octokit/webhooks' middleware awaits it), so the calls between two
 * deliveries belong to the first. The installation-token exchange is listed
 * apart: it happens once an hour per installation, not per event.
 */
import { performance } from "node:perf_hooks";
import { appKeys, startAppServer } from "./lib/app-server.js";
import { FakeGitHub, sha1, type FileSpec, type WorldSpec } from "./lib/fake-github.js";
import { jsonTarget, shortRoute, table, writeJson } from "./lib/report.js";
import {
  ciCheckRunEvent,
  closeAgent,
  deliver,
  issueCommentEvent,
  pullRequestEvent,
  reviewEvent,
  type Target,
} from "./lib/webhooks.js";

const OWNER = "acme";
const REPO = "chat";
const NUMBER = 7;
const INSTALLATION = 31337;
const AUTHOR = "octocat";
const BASE = sha1("base: main");
const HEADS = ["A", "B", "C", "D"].map((h) => sha1(`head ${h}: drop User.avatarUrl`));
const MIGRATION = "prisma/migrations/20261120093000_drop_avatar/migration.sql";
const SCHEMA = "prisma/schema.prisma";
/** CI check runs finishing per head (tallied apart). */
const CI_CHECKS_PER_HEAD = 2;

const POLICIES = {
  users: `extends: chat-backend
roles:
  backend-lead: { users: [bea] }
  dba-lead:     { users: [dan] }
  sre-lead:     { users: [sam] }
  backend-team: { users: [bob] }
`,
  teams: `extends: chat-backend
roles:
  backend-lead: { teams: [backend-leads] }
  dba-lead:     { teams: [dbas] }
  sre-lead:     { teams: [sres] }
  backend-team: { teams: [backend] }
`,
} as const;
type Variant = keyof typeof POLICIES;
const TEAMS = { "backend-leads": ["bea"], dbas: ["dan"], sres: ["sam"], backend: ["bob"] };

const MIGRATION_SQL = `-- AlterTable\nALTER TABLE "User" DROP COLUMN "avatarUrl";\n`;
const SCHEMA_BASE = `datasource db {\n  provider = "postgresql"\n  url      = env("DATABASE_URL")\n}\n\nmodel User {\n  id        Int     @id @default(autoincrement())\n  email     String  @unique\n  avatarUrl String?\n}\n`;
const SCHEMA_HEAD = SCHEMA_BASE.replace("  avatarUrl String?\n", "");
const patchOf = (text: string) =>
  `@@ -0,0 +1,${text.split("\n").length} @@\n${text
    .trimEnd()
    .split("\n")
    .map((l) => `+${l}`)
    .join("\n")}`;

/** The pull request's files after each push: every push adds a file. */
function filesAt(head: number): FileSpec[] {
  const files: FileSpec[] = [
    { filename: MIGRATION, status: "added", patch: patchOf(MIGRATION_SQL) },
    {
      filename: SCHEMA,
      status: "modified",
      patch:
        "@@ -6,5 +6,4 @@ model User {\n   id        Int     @id @default(autoincrement())\n   email     String  @unique\n-  avatarUrl String?\n }",
    },
    {
      filename: "src/users/avatar.service.ts",
      status: "modified",
      patch:
        "@@ -1,3 +1,2 @@\n-import { avatarUrl } from './avatar';\n export class AvatarService {}",
    },
  ];
  const later: FileSpec[] = [
    {
      filename: "src/users/avatar.service.spec.ts",
      status: "modified",
      patch: "@@ -1 +1 @@\n-it('keeps avatars')\n+it('moves avatars to media')",
    },
    {
      filename: "docs/avatars.md",
      status: "added",
      patch: "@@ -0,0 +1 @@\n+# Avatars live in the media service",
    },
    {
      filename: "src/media/media.client.ts",
      status: "added",
      patch: "@@ -0,0 +1 @@\n+export const media = {};",
    },
  ];
  return [...files, ...later.slice(0, head)];
}

function world(variant: Variant, publicKeyPem: string, appId: number): WorldSpec {
  const blobs: Record<string, string> = {
    [`${BASE}:.github/governance.yml`]: POLICIES[variant],
    [`${BASE}:${SCHEMA}`]: SCHEMA_BASE,
  };
  for (const h of HEADS) {
    blobs[`${h}:${SCHEMA}`] = SCHEMA_HEAD;
    blobs[`${h}:${MIGRATION}`] = MIGRATION_SQL;
  }
  return {
    appId,
    publicKeyPem,
    repos: [
      {
        installationId: INSTALLATION,
        owner: OWNER,
        name: REPO,
        defaultBranch: "main",
        baseSha: BASE,
        collaborators: [AUTHOR, "bea", "dan", "sam", "bob"],
        teams: TEAMS,
        blobs,
        pulls: [
          {
            number: NUMBER,
            title: "Drop User.avatarUrl",
            body: "Avatars moved to the media service.",
            author: AUTHOR,
            headRef: "drop-avatar",
            headSha: HEADS[0]!,
            files: filesAt(0),
          },
        ],
      },
    ],
  };
}

// ---------------------------------------------------------------------------
// policy-bot's calls for the same script, from its source
// ---------------------------------------------------------------------------

/**
 * The policy-bot policy equivalent to ours for this pull request: three
 * approval rules under `and` (dba / backend / sre), each
 *   if: { changed_files: { paths: ["^prisma/migrations/"] } }
 *   requires: { count: 1, users: [dan] }          (teams variant: teams: [acme/dbas])
 *   options: { invalidate_on_push: true, ignore_edited_comments: true,
 *              request_review: { enabled: true },
 *              methods: { github_review: true, comment_patterns: ["^/approve-level3"] } }
 * plus `disapproval` by the same people (changes requested blocks), as ours.
 *
 * Per evaluation (palantir/policy-bot, files and commits as read):
 *   cfg      GET contents/.policy.yml — every event, before the trigger check
 *            (server/handler/base.go NewEvalContext → fetcher.go → go-githubapp
 *            appconfig.Loader.LoadConfig; no cache across events)
 *   files    GET pulls/{n}/files, one per 100 files (pull/github.go ChangedFiles, for `changed_files`)
 *   paged    GraphQL comments + reviews, one query (pull/github.go loadPagedData: approval candidates)
 *   commits  GraphQL commits (pull/github.go loadRawCommits: contributors are banned by
 *            default, and invalidate_on_push needs the head's position)
 *   pushed   GET statuses/{sha}: the head's push time, first evaluation of a head only
 *            (pull/github.go loadPushedAt; then the global cache)
 *   members  teams variant: GET teams/{team}/memberships/{user} per rule × valid candidate,
 *            cached only within one evaluation (pull/github_membership.go IsTeamMember)
 *   status   POST statuses (older) / POST check-runs (current base.go PostCheckRun): every
 *            evaluation, never compared with the previous one (eval_context.go PostStatus)
 *   request  commit/PR triggers while pending (eval_context_reviewers.go requestReviews,
 *            policy/reviewer/reviewer.go SelectReviewers): GraphQL collaborators + GET repo
 *            teams (+ team member lists, teams variant) + GraphQL requested reviewers, and
 *            POST requested_reviewers when someone selected is neither requested nor
 *            has reviewed the head
 *   permission  GraphQL collaborators(query: user): each approval candidate outside a
 *            rule's `users` and `teams` (policy/common/actor.go IsActor reads the user's
 *            collaborator permission before it gives up, whether or not the rule lists
 *            permissions), cached per user within one evaluation (pull/github.go
 *            CollaboratorPermission). Each approver here is named by one rule of three, so
 *            every candidate is outside two: one read per candidate per evaluation
 *   dismiss  GraphQL dismissPullRequestReview per approving review a push made stale, once
 *            (eval_context_dismissal.go, after every evaluation; a dismissed review is no
 *            longer a candidate, and the dismissal's own webhook is ignored as policy-bot's)
 *   pull     issue_comment only: GET pulls/{n} first (server/handler/issue_comment.go);
 *            check_run: the event's pull request is a stub, loaded by GraphQL
 *            (pull/github.go Locator.toV4)
 * Events whose trigger the policy does not use stop after `cfg` (a label without a label
 * predicate; a CI check run, since the policy has no status predicate: `pull` + `cfg`,
 * server/handler/check_run.go, eval_context.go ParseConfig); `pull_request.closed` is not
 * handled at all. Not counted, in policy-bot's favour: HTTP cache revalidations, retries.
 */
interface PolicyBotState {
  variant: Variant;
  headsSeen: Set<string>;
  head: string;
  requested: Set<string>;
  reviewedHead: Set<string>;
  /** Valid approvals (reviews and commands) on the current head. */
  candidates: Set<string>;
  /** Approving reviews not dismissed yet (any head): a push makes them stale, and policy-bot dismisses them. */
  approvingReviews: Set<string>;
}

const SELECTION = ["dan", "bea", "sam"];
/** Who each approval rule's `requires` names (dba, backend, sre), directly or through its one team: the same people in both variants. */
const RULE_ACTORS: readonly (readonly string[])[] = [
  TEAMS.dbas,
  TEAMS["backend-leads"],
  TEAMS.sres,
];
const RULES = RULE_ACTORS.length;

function policyBotEvaluation(
  s: PolicyBotState,
  files: number,
  requestReviews: boolean,
): Record<string, number> {
  const parts: Record<string, number> = {
    cfg: 1,
    files: Math.ceil(files / 100),
    paged: 1,
    commits: 1,
  };
  if (!s.headsSeen.has(s.head)) {
    parts.pushed = 1;
    s.headsSeen.add(s.head);
  }
  if (s.variant === "teams" && s.candidates.size > 0) parts.members = RULES * s.candidates.size;
  const outsideSomeRule = [...s.candidates].filter((user) =>
    RULE_ACTORS.some((actors) => !actors.includes(user)),
  );
  if (outsideSomeRule.length > 0) parts.permission = outsideSomeRule.length;
  parts.status = 1;
  const approved = s.candidates.size >= RULES;
  if (requestReviews && !approved) {
    parts.request = 2 + (s.variant === "teams" ? Object.keys(TEAMS).length : 0) + 1;
    const missing = SELECTION.filter((u) => !s.requested.has(u) && !s.reviewedHead.has(u));
    if (missing.length > 0) {
      parts.request += 1;
      missing.forEach((u) => s.requested.add(u));
    }
  }
  // After the evaluation: approving reviews older than the head's push that nobody re-gave on it.
  const stale = [...s.approvingReviews].filter((u) => !s.reviewedHead.has(u));
  if (stale.length > 0) {
    parts.dismiss = stale.length;
    stale.forEach((u) => s.approvingReviews.delete(u));
  }
  return parts;
}

/** A CI check run finishing, for a policy without a status predicate: the stub pull request loaded, the policy read, nothing to evaluate. */
function policyBotCheckRun(): Record<string, number> {
  return { pull: 1, cfg: 1 };
}

// ---------------------------------------------------------------------------
// The script
// ---------------------------------------------------------------------------

interface StepResult {
  step: string;
  ours: number;
  oursRoutes: string[];
  ms: number;
  policyBot: number;
  policyBotParts: Record<string, number>;
  ci: boolean;
}

async function play(variant: Variant): Promise<{
  steps: StepResult[];
  tokenExchanges: number;
  problems: string[];
  wallMs: number;
  unexpected: string[];
  failed: string[];
}> {
  const keys = appKeys();
  const fake = await FakeGitHub.start(world(variant, keys.publicKeyPem, keys.appId), {
    keepLog: true,
  });
  const server = await startAppServer({ keys, githubHost: fake.host, logLevel: "warn" });
  const wallStart = performance.now();
  const steps: StepResult[] = [];
  const pb: PolicyBotState = {
    variant,
    headsSeen: new Set(),
    head: HEADS[0]!,
    requested: new Set(),
    reviewedHead: new Set(),
    candidates: new Set(),
    approvingReviews: new Set(),
  };
  let head = 0;
  const target = (): Target => ({
    installationId: INSTALLATION,
    organization: OWNER,
    repository: fake.repositoryView({ owner: OWNER, name: REPO, defaultBranch: "main" }),
  });
  const pull = () => fake.pullView(OWNER, REPO, NUMBER);
  const pullState = () => fake.pull(OWNER, REPO, NUMBER);

  const step = async (
    name: string,
    event: string,
    payload: () => object,
    policyBot: () => Record<string, number>,
    ci = false,
  ) => {
    // GitHub's timestamps must order the events as they happened.
    await new Promise((resolve) => setTimeout(resolve, 15));
    const before = fake.log.length;
    const delivery = await deliver(server.port, keys.webhookSecret, event, payload());
    if (delivery.status !== 200)
      throw new Error(`${name}: the server answered ${delivery.status} ${delivery.body}`);
    const calls = fake.log
      .slice(before)
      .filter((c) => c.route !== "POST /app/installations/{installation_id}/access_tokens");
    const parts = policyBot();
    steps.push({
      step: name,
      ours: calls.length,
      oursRoutes: calls.map((c) => shortRoute(c.route)),
      ms: delivery.ms,
      policyBot: Object.values(parts).reduce((a, b) => a + b, 0),
      policyBotParts: parts,
      ci,
    });
  };
  const sender = (login: string) => fake.user(login);

  const review = async (login: string) => {
    const r = fake.addReview(OWNER, REPO, NUMBER, login, "APPROVED");
    pb.requested.delete(login);
    pb.reviewedHead.add(login);
    pb.candidates.add(login);
    pb.approvingReviews.add(login);
    await step(
      `review: ${login} approves`,
      "pull_request_review",
      () => reviewEvent(target(), pull(), fake.reviewView(OWNER, REPO, NUMBER, r), sender(login)),
      () => policyBotEvaluation(pb, pullState().files.length, false),
    );
  };
  const push = async () => {
    head++;
    fake.push(OWNER, REPO, NUMBER, HEADS[head]!, filesAt(head));
    pb.head = HEADS[head]!;
    pb.reviewedHead.clear();
    pb.candidates.clear();
    await step(
      `push ${head} (synchronize)`,
      "pull_request",
      () =>
        pullRequestEvent("synchronize", target(), pull(), sender(AUTHOR), {
          before: HEADS[head - 1],
          after: HEADS[head],
        }),
      () => policyBotEvaluation(pb, pullState().files.length, true),
    );
  };
  const command = async (login: string) => {
    const c = fake.addComment(
      OWNER,
      REPO,
      NUMBER,
      login,
      "/approve-level3\n\nSRE: rollout plan reviewed.",
    );
    pb.candidates.add(login);
    await step(
      `comment: ${login} /approve-level3`,
      "issue_comment",
      () =>
        issueCommentEvent(
          target(),
          pull(),
          fake.commentView(OWNER, REPO, NUMBER, c),
          sender(login),
        ),
      () => ({
        pull: 1,
        ...policyBotEvaluation(pb, pullState().files.length, false),
      }),
    );
  };
  const ci = async () => {
    for (let i = 0; i < CI_CHECKS_PER_HEAD; i++) {
      // The same policy on both sides reads no CI: policy-bot stops at the trigger check.
      await step(
        `  CI check ${i + 1} completed`,
        "check_run",
        () =>
          ciCheckRunEvent(
            target(),
            pull(),
            i === 0 ? "build" : "test",
            sender("github-actions[bot]"),
          ),
        policyBotCheckRun,
        true,
      );
    }
  };

  await step(
    "opened",
    "pull_request",
    () => pullRequestEvent("opened", target(), pull(), sender(AUTHOR)),
    () => policyBotEvaluation(pb, pullState().files.length, true),
  );
  await ci();
  await review("dan");
  await push();
  await ci();
  await review("dan");
  await push();
  await ci();
  await command("sam");
  await push();
  await ci();
  await review("dan");
  await review("bea");
  await command("sam");
  fake.label(OWNER, REPO, NUMBER, "expedited");
  await step(
    "label: expedited",
    "pull_request",
    () =>
      pullRequestEvent("labeled", target(), pull(), sender(AUTHOR), {
        label: { name: "expedited", color: "ededed" },
      }),
    () => ({ cfg: 1 }),
  );
  fake.merge(OWNER, REPO, NUMBER);
  await step(
    "merged (closed)",
    "pull_request",
    () => pullRequestEvent("closed", target(), pull(), sender("bea")),
    () => ({}),
  );

  const wallMs = performance.now() - wallStart;
  const stats = fake.snapshot();
  const problems = server.problems();
  const failed = fake.log.filter((c) => c.status >= 400).map((c) => `${c.route} → ${c.status}`);
  await server.stop();
  await fake.close();
  return {
    steps,
    tokenExchanges: stats.tokenExchanges,
    problems,
    wallMs,
    unexpected: stats.unexpected,
    failed,
  };
}

function sum(steps: StepResult[], pick: (s: StepResult) => number): number {
  return steps.reduce((n, s) => n + pick(s), 0);
}

async function main(): Promise<number> {
  const results: Record<string, unknown> = {};
  let status = 0;
  console.log(
    "Governance Gate — API calls over one pull-request lifecycle (real server, fake GitHub on loopback)",
  );
  console.log(
    "  script: opened, 4 reviews, 3 pushes, 2 sign-off commands, a label, merge (12 deliveries);",
  );
  console.log(
    `          + ${CI_CHECKS_PER_HEAD} CI check runs finishing per head (8 deliveries), tallied apart`,
  );
  // The two plays are independent (own fake GitHub, own server): run side by side to save time.
  const plays = await Promise.all(
    (["users", "teams"] as const).map(async (variant) => [variant, await play(variant)] as const),
  );
  for (const [variant, run] of plays) {
    const script = run.steps.filter((s) => !s.ci);
    const ciSteps = run.steps.filter((s) => s.ci);
    const ours = sum(script, (s) => s.ours);
    const theirs = sum(script, (s) => s.policyBot);
    const oursCi = sum(ciSteps, (s) => s.ours);
    const theirsCi = sum(ciSteps, (s) => s.policyBot);
    const ratio = ours / theirs;
    console.log("");
    console.log(
      `  roles bound to ${variant}  (played in ${(run.wallMs / 1000).toFixed(1)} s: Probot's throttle spaces an installation's writes 1 s apart, comments and review requests 3 s; GraphQL reads are not queued)`,
    );
    const rows: (string | number)[][] = [
      ["step", "ours", "ms", "policy-bot", "= policy-bot arithmetic", "ours: which calls"],
    ];
    for (const s of run.steps) {
      const arithmetic =
        Object.entries(s.policyBotParts)
          .map(([k, v]) => (v === 1 ? k : `${v} ${k}`))
          .join(" + ") || "not handled";
      rows.push([s.step, s.ours, s.ms.toFixed(0), s.policyBot, arithmetic, compress(s.oursRoutes)]);
    }
    rows.push([
      "lifecycle total (12 deliveries)",
      ours,
      "",
      theirs,
      `${script.map((s) => s.policyBot).join(" + ")}`,
      "",
    ]);
    rows.push([
      `CI check runs (${ciSteps.length} deliveries), the same policy reading no CI`,
      oursCi,
      "",
      theirsCi,
      `${ciSteps.map((s) => s.policyBot).join(" + ")}`,
      "",
    ]);
    console.log(table(rows, "    "));
    console.log(
      `    installation token exchanges (once per hour per installation, not in the totals): ${run.tokenExchanges}`,
    );
    console.log(
      `    ours / policy-bot = ${ours} / ${theirs} = ${ratio.toFixed(2)}  →  goal ≤ 0.50: ${ratio <= 0.5 ? "PASS" : "MISS"}` +
        `;  with the CI check runs: (${ours} + ${oursCi}) / (${theirs} + ${theirsCi}) = ${((ours + oursCi) / (theirs + theirsCi)).toFixed(2)}`,
    );
    if (run.unexpected.length > 0 || run.failed.length > 0 || run.problems.length > 0) {
      console.log(
        `    ! unexpected routes: ${run.unexpected.join(", ") || "none"}; failed calls: ${run.failed.join(", ") || "none"}; server warnings: ${run.problems.length}`,
      );
      for (const p of run.problems.slice(0, 5)) console.log(`      ${p.slice(0, 300)}`);
      status = 1;
    }
    results[variant] = {
      ours,
      policyBot: theirs,
      ratio,
      oursWithCi: ours + oursCi,
      policyBotWithCi: theirs + theirsCi,
      tokenExchanges: run.tokenExchanges,
      wallSeconds: run.wallMs / 1000,
      steps: run.steps,
    };
  }
  closeAgent();
  writeJson(jsonTarget(), results);
  return status;
}

/** `GET reviews, GET comments, GET reviews` → `2× GET reviews, GET comments`, in first-seen order. */
function compress(routes: string[]): string {
  const counts = new Map<string, number>();
  for (const r of routes) counts.set(r, (counts.get(r) ?? 0) + 1);
  return [...counts].map(([r, n]) => (n > 1 ? `${n}× ${r}` : r)).join(", ") || "—";
}

process.exitCode = await main();
