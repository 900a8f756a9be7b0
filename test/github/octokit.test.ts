import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { GateOctokit, readOnlyQuery, wholeBodyFetch } from "../../src/github/octokit.js";

let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? (server.closeAllConnections(), server.close(() => resolve())) : resolve())));

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  server = createServer(handler);
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as { port: number }).port}/repos/acme/chat/pulls/12/files`;
}

describe("wholeBodyFetch", () => {
  it("passes a complete response through unchanged", async () => {
    const url = await serve((_req, res) => res.writeHead(200, { "content-type": "application/json", link: '<x?page=2>; rel="next"' }).end('[{"filename":"a.sql"}]'));
    const response = await wholeBodyFetch(url);
    expect(response.status).toBe(200);
    expect(response.headers.get("link")).toBe('<x?page=2>; rel="next"');
    expect(await response.json()).toEqual([{ filename: "a.sql" }]);
  });

  it("turns a body cut off mid-way into an error instead of a short answer", async () => {
    const url = await serve((_req, res) => {
      res.writeHead(200, { "content-type": "application/json", "content-length": "500" });
      res.write('[{"filename":"prisma/migrations/');
      setTimeout(() => res.destroy(), 20);
    });
    await expect(wholeBodyFetch(url)).rejects.toThrow();
  });

  it("keeps bodiless statuses bodiless", async () => {
    const url = await serve((_req, res) => res.writeHead(204).end());
    const response = await wholeBodyFetch(url);
    expect(response.status).toBe(204);
    expect(await response.text()).toBe("");
  });
});

describe("the write queue", () => {
  /** A GitHub that holds the answer to a write until the test releases it. */
  async function github() {
    const seen: string[] = [];
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let arrived!: () => void;
    const writeArrived = new Promise<void>((resolve) => (arrived = resolve));
    const base = await serve((req, res) => {
      let body = "";
      req.on("data", (chunk) => (body += chunk));
      req.on("end", () => {
        const name = req.url === "/graphql" ? (JSON.parse(body) as { query: string }).query.split(" ").slice(0, 2).join(" ") : `${req.method} ${req.url}`;
        seen.push(name);
        const answer = () => res.writeHead(200, { "content-type": "application/json" }).end(req.url === "/graphql" ? '{"data":{"viewer":{"login":"x"}}}' : '{"id":1}');
        if (req.url === "/graphql") answer();
        else {
          arrived();
          released.then(answer);
        }
      });
    });
    const octokit = new GateOctokit({
      auth: { token: "ghs_test" },
      baseUrl: new URL(base).origin,
      retry: { enabled: false },
      throttle: { onRateLimit: () => false },
    });
    return { octokit, seen, release, writeArrived };
  }

  it("lets a read-only GraphQL query pass a write in progress; other GraphQL requests wait their turn", async () => {
    const { octokit, seen, release, writeArrived } = await github();
    const write = octokit.request("PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}", { owner: "acme", repo: "chat", check_run_id: 1, status: "completed" });
    await writeArrived;
    // The write is still unanswered, and the read is answered anyway.
    await readOnlyQuery(() => octokit.graphql("query Snapshot { viewer { login } }"));
    expect(seen).toEqual(["PATCH /repos/acme/chat/check-runs/1", "query Snapshot"]);

    // Anything not marked read-only (a mutation, say) queues behind the write as the throttling plugin intends.
    const queued = octokit.graphql("mutation Other { __typename }");
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(seen).not.toContain("mutation Other");
    release();
    await write;
    await queued;
    expect(seen.at(-1)).toBe("mutation Other");
  });
});
