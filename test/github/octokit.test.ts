import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { afterEach, describe, expect, it, vi } from "vitest";
import { GateOctokit, readOnlyQuery, wholeBodyFetch } from "../../src/github/octokit.js";

let server: Server | undefined;
afterEach(
  () =>
    new Promise<void>((resolve) =>
      server ? (server.closeAllConnections(), server.close(() => resolve())) : resolve(),
    ),
);

async function serve(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
): Promise<string> {
  server = createServer(handler);
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}/repos/acme/chat/pulls/12/files`;
}

const FILES = [
  {
    sha: "1".repeat(40),
    filename: "prisma/migrations/20261120093000_drop_avatar/migration.sql",
    status: "added",
    additions: 8,
    deletions: 0,
    changes: 8,
  },
];

/**
 * Answers 200 with the headers and the first half of the file list, then drops the
 * connection once that half has left (as when a proxy or GitHub's edge dies mid-answer).
 */
function cutOff(res: ServerResponse): void {
  const body = JSON.stringify(FILES);
  res.writeHead(200, {
    "content-type": "application/json; charset=utf-8",
    "content-length": String(Buffer.byteLength(body)),
  });
  res.write(body.slice(0, body.length / 2), () => res.destroy());
}

describe("wholeBodyFetch", () => {
  it("passes a complete response through unchanged", async () => {
    const url = await serve((_req, res) =>
      res
        .writeHead(200, { "content-type": "application/json", link: '<x?page=2>; rel="next"' })
        .end('[{"filename":"a.sql"}]'),
    );
    const response = await wholeBodyFetch(url);
    expect(response.status).toBe(200);
    expect(response.headers.get("link")).toBe('<x?page=2>; rel="next"');
    expect(await response.json()).toEqual([{ filename: "a.sql" }]);
  });

  it("turns a body cut off mid-way into an error instead of a short answer", async () => {
    const url = await serve((_req, res) => cutOff(res));
    await expect(wholeBodyFetch(url)).rejects.toThrow();
  });

  it("keeps bodiless statuses bodiless", async () => {
    const url = await serve((_req, res) => res.writeHead(204).end());
    const response = await wholeBodyFetch(url);
    expect(response.status).toBe(204);
    expect(await response.text()).toBe("");
  });
});

describe("the app's GitHub client reads whole bodies", () => {
  // @octokit/request alone swallows the read error and answers data "": an empty file list, which passes a destructive migration.
  const listFiles = (octokit: InstanceType<typeof GateOctokit>) =>
    octokit.request("GET /repos/{owner}/{repo}/pulls/{pull_number}/files", {
      owner: "acme",
      repo: "chat",
      pull_number: 12,
    });

  it("a file list cut off mid-body is an error, never an empty answer", async () => {
    const url = await serve((_req, res) => cutOff(res));
    const octokit = new GateOctokit({
      auth: { token: "ghs_test" },
      baseUrl: new URL(url).origin,
      retry: { enabled: false },
      throttle: { onRateLimit: () => false },
    });
    await expect(listFiles(octokit)).rejects.toThrow();
  });

  it("a file list cut off mid-body is read again, and the caller gets the whole list", async () => {
    let requests = 0;
    const url = await serve((_req, res) => {
      requests++;
      if (requests === 1) cutOff(res);
      else
        res
          .writeHead(200, { "content-type": "application/json; charset=utf-8" })
          .end(JSON.stringify(FILES));
    });
    const octokit = new GateOctokit({
      auth: { token: "ghs_test" },
      baseUrl: new URL(url).origin,
      retry: { retryAfterBaseValue: 1 },
      throttle: { onRateLimit: () => false },
    });
    const { data } = await listFiles(octokit);
    expect(data).toEqual(FILES);
    expect(requests).toBe(2);
  });
});

describe("the write queue", () => {
  /**
   * The throttling plugin gives writes (and every GraphQL request, which it cannot
   * tell from a mutation) one turn a second per installation: a request waits for
   * its turn, not for the previous write's answer. So the clock is fake (Bottleneck
   * schedules with setTimeout and Date) and GitHub answers in memory: the test alone
   * moves the clock, so a turn a second away comes exactly when the test says.
   */
  function github() {
    const sent: string[] = [];
    vi.stubGlobal("fetch", async (input: RequestInfo | URL, init?: RequestInit) => {
      const url = new URL(String(input));
      const graphql = url.pathname === "/graphql";
      sent.push(
        graphql
          ? (JSON.parse(String(init?.body)) as { query: string }).query
              .split(" ")
              .slice(0, 2)
              .join(" ")
          : `${init?.method} ${url.pathname}`,
      );
      const body = graphql ? { data: { viewer: { login: "x" } } } : { id: 1 };
      return new Response(JSON.stringify(body), {
        status: 200,
        headers: { "content-type": "application/json; charset=utf-8" },
      });
    });
    const octokit = new GateOctokit({
      auth: { token: "ghs_test" },
      baseUrl: "https://api.github.com",
      retry: { enabled: false },
      throttle: { onRateLimit: () => false },
    });
    return { octokit, sent };
  }

  /**
   * Moves the fake clock a millisecond at a time (Bottleneck's "now" timers are 1 ms
   * once the clock ticks) until `promise` settles, for at most 100 ms: a request that
   * waits for a turn a second away fails. Everything is in memory, so the same steps
   * settle a request every time.
   */
  async function settleSoon<T>(promise: Promise<T>, what: string): Promise<T> {
    let settled = false;
    void promise.then(
      () => (settled = true),
      () => (settled = true),
    );
    for (let ms = 0; ms < 100 && !settled; ms++) await vi.advanceTimersByTimeAsync(1);
    if (!settled)
      throw new Error(`${what} is still waiting for its turn after 100 ms on the fake clock`);
    return promise;
  }

  afterEach(() => {
    vi.useRealTimers();
    vi.unstubAllGlobals();
  });

  it("lets a read-only GraphQL query through at once; other GraphQL requests wait their turn after a write", async () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "Date"] });
    const { octokit, sent } = github();
    await settleSoon(
      octokit.request("PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}", {
        owner: "acme",
        repo: "chat",
        check_run_id: 1,
        status: "completed",
      }),
      "the write",
    );

    // Anything not marked read-only (a mutation, say) takes the next turn, a second after the write …
    const mutation = octokit.graphql("mutation Other { __typename }");
    // … while a read-only query, asked for later, goes at once.
    await settleSoon(
      readOnlyQuery(() => octokit.graphql("query Snapshot { viewer { login } }")),
      "the read-only query",
    );
    expect(sent).toEqual(["PATCH /repos/acme/chat/check-runs/1", "query Snapshot"]);

    await vi.advanceTimersByTimeAsync(1000);
    await settleSoon(mutation, "the mutation, a second after the write");
    expect(sent).toEqual([
      "PATCH /repos/acme/chat/check-runs/1",
      "query Snapshot",
      "mutation Other",
    ]);
  });
});
