/**
 * `REDIS_URL` for real (docs/operations.md, "What Redis adds"): two replicas of
 * the app, each its own Node process building its GitHub client as the server
 * does (Probot reads `REDIS_URL` from the environment, `GateOctokit` on top),
 * share a real `redis-server`, and a burst of writes both make for ONE
 * installation reaches GitHub (a fake on loopback, which times each write as it
 * arrives) at most once a second. The control runs the same burst without
 * `REDIS_URL`: each replica then spaces only its own writes, and the two
 * together write well under a second apart — the difference Redis makes.
 *
 * redis-server comes from Debian's package (`.ci/install-redis`, run by
 * `.ci/run`); without it this test fails rather than skips.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { appKeys, freePort, ROOT, type AppKeys } from "../github-support/app-server.js";
import {
  ACCESS_TOKEN_ROUTE,
  authenticate,
  installationTokenReply,
  newInstallationToken,
} from "../github-support/fake-github/app-auth.js";
import {
  asObject,
  closeServer,
  githubError,
  listenOnLoopback,
  parseJsonBody,
  readRequest,
  sendReply,
  type Json,
  type JsonObject,
  type Reply,
} from "../github-support/fake-github/http.js";
import { APP_BOT_LOGIN, GitHubViews } from "../github-support/fake-github/views.js";
import { validateRestRequest, validateRestResponse } from "../github-support/openapi.js";
import { OWNER, REPO_NAME } from "../github-support/repo-world.js";

const INSTALLATION_ID = 4711;
/** The command comment each replica reacts to. */
const COMMENT_OF_REPLICA: Record<string, number> = { a: 9001, b: 9002 };
const WRITES_PER_REPLICA = 3;
/** GitHub's spacing of writes per installation that the throttle keeps (minTime 1000 ms). */
const WRITE_SPACING_MS = 1000;
/**
 * Jitter between a write's turn and its arrival (the plugin still passes the
 * request through its concurrency limiter, in Redis too, after the turn; about
 * 50 ms on a busy 2-core machine). Two replicas each spacing only their own
 * writes a second apart cannot both keep every gap above 500 ms, so 800 ms
 * still tells the cases apart.
 */
const TOLERANCE_MS = 200;

/**
 * One replica: Probot's `createProbot` reads APP_ID, PRIVATE_KEY, GHE_HOST and
 * REDIS_URL from the environment as the server's `run` does, with the app's
 * Octokit. It authenticates as the installation (what every webhook handler's
 * `context.octokit` is), says "ready", and on "go" makes its burst of writes:
 * the `+1` the app puts on a command comment (src/github/apply.ts), each on
 * the replica's own comment so GitHub can tell whose write arrived. (Comments
 * themselves would measure the plugin's separate three-second limiter for
 * writes that notify people, not the one-second write spacing.)
 */
const REPLICA = `
import { createInterface } from "node:readline";
import { createProbot } from "probot";
import { GateOctokit } from "./src/github/octokit.ts";

const probot = createProbot({ overrides: { Octokit: GateOctokit } });
const octokit = await probot.auth(Number(process.env.INSTALLATION_ID));
const react = () => octokit.rest.reactions.createForIssueComment({ owner: process.env.OWNER, repo: process.env.REPO, comment_id: Number(process.env.COMMENT_ID), content: "+1" });
// One write before the burst, as a replica that has been running has made: it
// fetches the installation token and sets up the limiters (in Redis too). The
// throttle spaces the start of each write's turn; set-up work done after the
// turn starts would delay that one write's arrival and make the next look early.
await react();
const lines = createInterface({ input: process.stdin });
console.log("ready");
for await (const line of lines) if (line === "go") break;
await Promise.all(Array.from({ length: Number(process.env.WRITES) }, react));
console.log("done");
process.exit(0);
`;

interface Write {
  replica: string;
  /** When the fake GitHub received it (ms, monotonic). */
  at: number;
}

/** GitHub for one installation: the token exchange and reactions to comments, checked against GitHub's OpenAPI description. */
class CommentingGitHub {
  readonly writes: Write[] = [];
  readonly problems: string[] = [];
  private readonly tokens = new Set<string>();
  private readonly views = new GitHubViews(() => this.host);
  private server: Server | undefined;
  private port = 0;

  constructor(private readonly keys: AppKeys) {}

  get host(): string {
    return `127.0.0.1:${this.port}`;
  }

  async start(): Promise<void> {
    ({ server: this.server, port: this.port } = await listenOnLoopback(
      (req, res) => void this.handle(req, res),
    ));
  }

  close(): Promise<void> {
    return closeServer(this.server);
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const arrived = performance.now();
    const request = await readRequest(req);
    const parsed = parseJsonBody(request.raw);
    if ("refusal" in parsed) return sendReply(res, parsed.refusal);
    const path = request.url.pathname.replace(/^\/api\/v3/, "");
    this.problems.push(
      ...validateRestRequest({
        method: request.method,
        path: `${path}${request.url.search}`,
        body: parsed.body,
      }),
    );
    const reply = this.answer(req, request.method, path, parsed.body, arrived);
    if (reply.json !== undefined && reply.status < 300)
      this.problems.push(...validateRestResponse(request.method, path, reply.status, reply.json));
    sendReply(res, reply);
  }

  private answer(
    req: IncomingMessage,
    method: string,
    path: string,
    body: unknown,
    arrived: number,
  ): Reply {
    const app = { appId: this.keys.appId, publicKey: this.keys.publicKeyPem };
    if (method === "POST" && path === `/app/installations/${INSTALLATION_ID}/access_tokens`) {
      const auth = authenticate(req, { name: ACCESS_TOKEN_ROUTE, appAuth: true }, app, () => false);
      if (!auth.accepted) return this.refuse(auth.failure, auth.reply);
      const token = newInstallationToken();
      this.tokens.add(token);
      return installationTokenReply(token);
    }
    const reaction = new RegExp(
      `^/repos/${OWNER}/${REPO_NAME}/issues/comments/(\\d+)/reactions$`,
    ).exec(path);
    const replica = Object.entries(COMMENT_OF_REPLICA).find(
      ([, id]) => String(id) === reaction?.[1],
    )?.[0];
    if (method === "POST" && replica) {
      const name = "POST /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions";
      const auth = authenticate(req, { name }, app, (token) => this.tokens.has(token));
      if (!auth.accepted) return this.refuse(auth.failure, auth.reply);
      this.writes.push({ replica, at: arrived });
      const answer = this.views.reaction(
        this.writes.length,
        COMMENT_OF_REPLICA[replica]!,
        asObject(body as Json).content ?? null,
      );
      return {
        ...answer,
        json: { ...asObject(answer.json), user: this.simpleUser(APP_BOT_LOGIN) },
      };
    }
    return this.refuse(
      `${method} ${path}: not a request this test expects`,
      githubError(404, "Not Found"),
    );
  }

  /** A user as GitHub's simple-user describes it (URLs percent-encode a bot's brackets). */
  private simpleUser(login: string): JsonObject {
    const encoded = encodeURIComponent(login);
    const api = (path: string) => this.views.apiUrl(`/users/${encoded}${path}`);
    return {
      ...this.views.user(login),
      url: api(""),
      html_url: this.views.webUrl(`/${encoded}`),
      followers_url: api("/followers"),
      following_url: api("/following{/other_user}"),
      gists_url: api("/gists{/gist_id}"),
      starred_url: api("/starred{/owner}{/repo}"),
      subscriptions_url: api("/subscriptions"),
      organizations_url: api("/orgs"),
      repos_url: api("/repos"),
      events_url: api("/events{/privacy}"),
      received_events_url: api("/received_events"),
    };
  }

  private refuse(problem: string, reply: Reply): Reply {
    this.problems.push(problem);
    return reply;
  }
}

/** A replica process, started and authenticated, waiting for "go". */
async function startReplica(
  name: string,
  github: CommentingGitHub,
  keys: AppKeys,
  redisUrl: string | undefined,
): Promise<{ go(): Promise<void>; stop(): void }> {
  const env: Record<string, string | undefined> = {
    PATH: process.env.PATH,
    HOME: process.env.HOME,
    APP_ID: String(keys.appId),
    PRIVATE_KEY: keys.privateKey,
    WEBHOOK_SECRET: keys.webhookSecret,
    GHE_HOST: github.host,
    GHE_PROTOCOL: "http",
    LOG_LEVEL: "error",
    LOG_FORMAT: "json",
    INSTALLATION_ID: String(INSTALLATION_ID),
    OWNER,
    REPO: REPO_NAME,
    COMMENT_ID: String(COMMENT_OF_REPLICA[name]),
    WRITES: String(WRITES_PER_REPLICA),
    REPLICA_NAME: name,
    ...(redisUrl ? { REDIS_URL: redisUrl } : {}),
  };
  const child = spawn(
    process.execPath,
    ["--import", "tsx", "--input-type=module", "--eval", REPLICA],
    { cwd: ROOT, env: env as NodeJS.ProcessEnv, stdio: ["pipe", "pipe", "pipe"] },
  );
  let output = "";
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const lines = createInterface({ input: child.stdout });
  const said = (word: string) =>
    new Promise<void>((resolve, reject) => {
      const onLine = (line: string) => {
        output += `${line}\n`;
        if (line === word) {
          lines.off("line", onLine);
          resolve();
        }
      };
      lines.on("line", onLine);
      child.once("exit", (code) =>
        reject(new Error(`replica ${name} exited with ${code} before "${word}":\n${output}`)),
      );
    });
  await said("ready");
  const done = said("done");
  return {
    go: () => {
      child.stdin.write("go\n");
      return done;
    },
    stop: () => void (child.exitCode === null && child.kill("SIGKILL")),
  };
}

/** Both replicas post their burst for the one installation at the same moment; the writes in the order GitHub received them. */
async function burstFromTwoReplicas(
  redisUrls: [string | undefined, string | undefined],
): Promise<{ writes: Write[]; problems: string[] }> {
  const keys = appKeys();
  const github = new CommentingGitHub(keys);
  await github.start();
  const replicas: Awaited<ReturnType<typeof startReplica>>[] = [];
  try {
    replicas.push(
      ...(await Promise.all([
        startReplica("a", github, keys, redisUrls[0]),
        startReplica("b", github, keys, redisUrls[1]),
      ])),
    );
    // The warm-up writes are done (each replica said "ready" after its own): only the burst counts.
    github.writes.length = 0;
    await Promise.all(replicas.map((replica) => replica.go()));
    return { writes: [...github.writes].sort((x, y) => x.at - y.at), problems: github.problems };
  } finally {
    for (const replica of replicas) replica.stop();
    await github.close();
  }
}

function gaps(writes: Write[]): number[] {
  return writes.slice(1).map((write, i) => write.at - writes[i]!.at);
}

/** A throwaway redis-server on a free loopback port. */
async function startRedisServer(): Promise<{ url: string; stop(): Promise<void> }> {
  const found = spawnSync("redis-server", ["--version"]);
  if (found.error || found.status !== 0) {
    throw new Error(
      "redis-server is not on PATH: run .ci/install-redis (as root; .ci/run does) to install Debian's redis-server package",
    );
  }
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), "governance-gate-redis-"));
  // Nothing persisted: no RDB snapshots, no append-only file, its files in a scratch directory.
  const child: ChildProcess = spawn(
    "redis-server",
    [
      "--port",
      String(port),
      "--bind",
      "127.0.0.1",
      "--save",
      "",
      "--appendonly",
      "no",
      "--dir",
      dir,
    ],
    { stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  await new Promise<void>((resolve, reject) => {
    child.stdout!.on("data", (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes("Ready to accept connections")) resolve();
    });
    child.once("exit", (code) => reject(new Error(`redis-server exited with ${code}:\n${output}`)));
  });
  return {
    url: `redis://127.0.0.1:${port}`,
    async stop() {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once("exit", resolve));
        child.kill("SIGTERM");
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

describe("REDIS_URL: two replicas sharing a real redis-server", () => {
  let redis: { url: string; stop(): Promise<void> } | undefined;

  beforeAll(async () => {
    redis = await startRedisServer();
  }, 15_000);

  afterAll(async () => {
    await redis?.stop();
  });

  it("keeps writes to one installation at least a second apart across both replicas", async () => {
    const { writes, problems } = await burstFromTwoReplicas([redis!.url, redis!.url]);

    expect(problems).toEqual([]);
    expect(writes.filter((w) => w.replica === "a")).toHaveLength(WRITES_PER_REPLICA);
    expect(writes.filter((w) => w.replica === "b")).toHaveLength(WRITES_PER_REPLICA);
    expect(Math.min(...gaps(writes))).toBeGreaterThanOrEqual(WRITE_SPACING_MS - TOLERANCE_MS);
  }, 60_000);

  it("without REDIS_URL each replica spaces only its own writes, so the two together write closer than a second apart", async () => {
    const { writes, problems } = await burstFromTwoReplicas([undefined, undefined]);

    expect(problems).toEqual([]);
    const own = (replica: string) => writes.filter((w) => w.replica === replica);
    expect(own("a")).toHaveLength(WRITES_PER_REPLICA);
    expect(own("b")).toHaveLength(WRITES_PER_REPLICA);
    expect(Math.min(...gaps(own("a")), ...gaps(own("b")))).toBeGreaterThanOrEqual(
      WRITE_SPACING_MS - TOLERANCE_MS,
    );
    expect(Math.min(...gaps(writes))).toBeLessThan(WRITE_SPACING_MS - TOLERANCE_MS);
  }, 60_000);
});
