import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { wholeBodyFetch } from "../../src/github/octokit.js";

let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

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
