import { createServer, type Server } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { chatWebhook } from "../../src/github/notify.js";

let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

/** A chat endpoint on loopback answering with the given statuses in turn. */
async function chatEndpoint(statuses: number[]): Promise<{ url: string; bodies: unknown[] }> {
  const bodies: unknown[] = [];
  server = createServer((req, res) => {
    let data = "";
    req.on("data", (chunk) => (data += chunk));
    req.on("end", () => {
      bodies.push(JSON.parse(data));
      res.writeHead(statuses[Math.min(bodies.length - 1, statuses.length - 1)]!).end();
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}/hooks/T000/B000`, bodies };
}

describe("chat webhook", () => {
  it("is off without CHAT_WEBHOOK_URL", () => {
    expect(chatWebhook(undefined)).toBeUndefined();
  });

  it("posts a Slack-compatible message and retries failures", async () => {
    const endpoint = await chatEndpoint([502, 503, 200]);
    await chatWebhook(endpoint.url)!("Merged acme/chat#12");
    expect(endpoint.bodies).toEqual([{ text: "Merged acme/chat#12" }, { text: "Merged acme/chat#12" }, { text: "Merged acme/chat#12" }]);
  });

  it("gives up with an error after its retries", async () => {
    const endpoint = await chatEndpoint([500]);
    await expect(chatWebhook(endpoint.url, 2)!("x")).rejects.toThrow("chat webhook answered 500");
    expect(endpoint.bodies).toHaveLength(3);
  });
});
