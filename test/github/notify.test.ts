import { createServer, type Server } from "node:http";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { evaluate } from "../../src/evaluate/evaluate.js";
import { chatWebhook, mergedChatMessage, type ChatMessage } from "../../src/github/notify.js";
import type { Policy } from "../../src/policy/model.js";
import type { MergedPullRequest } from "../../src/render/merge.js";
import {
  NOW,
  added,
  approval,
  changesRequested,
  comment,
  fixture,
  modified,
  prFacts,
} from "../helpers/facts.js";
import { policyFrom } from "../helpers/policy.js";

let server: Server | undefined;
afterEach(
  () => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())),
);

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
    await chatWebhook(endpoint.url)!("Merged acme/chat#12" as ChatMessage);
    expect(endpoint.bodies).toEqual([
      { text: "Merged acme/chat#12" },
      { text: "Merged acme/chat#12" },
      { text: "Merged acme/chat#12" },
    ]);
  });

  it("gives up with an error after its retries", async () => {
    const endpoint = await chatEndpoint([500]);
    await expect(chatWebhook(endpoint.url, 2)!("x" as ChatMessage)).rejects.toThrow(
      "chat webhook answered 500",
    );
    expect(endpoint.bodies).toHaveLength(3);
  });
});

describe("the chat notice of a merged pull request", () => {
  const BINDINGS = `extends: chat-backend
roles:
  backend-lead: { users: [bea] }
  dba-lead: { users: [dan] }
  sre-lead: { users: [sam] }
  incident-commander: { users: [ivy] }
`;
  const migration = added(
    "prisma/migrations/20261120093000_drop_avatar/migration.sql",
    fixture("prs/drop-column.migration.sql"),
  );
  const URL = "https://github.com/acme/chat/pull/12";
  const APP_LINK = `<${URL}|acme/chat#12>`;
  let policy: Policy;
  beforeAll(async () => {
    policy = await policyFrom(BINDINGS);
  });

  function mergedPull(title: string, url = URL): MergedPullRequest {
    return {
      owner: "acme",
      repo: "chat",
      number: 12,
      title,
      url,
      author: "octocat",
      mergedAt: new Date("2026-11-23T13:00:00Z"),
    };
  }
  /** Every Slack control sequence (`<…>`: links, mentions, `<!channel>`) in a message. */
  const controlSequences = (text: string) => [...text.matchAll(/<[^>]*>/g)].map((m) => m[0]);

  it("names the pull request with the app's own link and the title outside it", () => {
    const decision = evaluate(policy, prFacts([migration], { reviews: [approval("dan")] }), NOW);
    expect(mergedChatMessage(decision, mergedPull("Drop avatar URLs"))).toBe(
      `Merged ${APP_LINK} "Drop avatar URLs" — level 3, areas: prisma.`,
    );
  });

  it("delivers a hostile title as text: no @channel, no link labelled by the author", async () => {
    const title = "<!channel> <https://evil.example|✅ signed off by security-lead> & <@U024BE7LH>";
    const decision = evaluate(policy, prFacts([migration], { title }), NOW);
    const endpoint = await chatEndpoint([200]);
    await chatWebhook(endpoint.url)!(mergedChatMessage(decision, mergedPull(title)));

    const [{ text }] = endpoint.bodies as [{ text: string }];
    expect(controlSequences(text)).toEqual([APP_LINK]);
    expect(text).not.toContain("<!channel>");
    expect(text).not.toContain("<https://evil.example");
    expect(text).toContain(
      `Merged ${APP_LINK} "&lt;!channel&gt; &lt;https://evil.example|✅ signed off by security-lead&gt; &amp; &lt;@U024BE7LH&gt;"`,
    );
  });

  it("escapes the emergency declarer's reason", () => {
    const reason = "<!here> rollback <https://evil.example|approved by cto>";
    const decision = evaluate(
      policy,
      prFacts([migration], { comments: [comment("ivy", `/emergency ${reason}`)] }),
      NOW,
    );
    const text = mergedChatMessage(decision, mergedPull("Drop avatar URLs"));
    expect(controlSequences(text)).toEqual([APP_LINK]);
    expect(text).toContain(
      "🚨 emergency override by ivy: &lt;!here&gt; rollback &lt;https://evil.example|approved by cto&gt;",
    );
  });

  it('records a mediator\'s decision and its rationale, escaped (seed 000 "Cross-functional conflicts: Tech Architect mediates")', async () => {
    const mediated = await policyFrom(
      `${BINDINGS}  tech-architect: { users: [tara] }\n  finance: { users: [fin] }\n`,
    );
    const rationale = "<!channel> launch traffic needs 20 replicas <https://evil.example|signed>";
    const deployment = fixture("repo/deployment.yaml");
    const scaleUp = modified(
      "k8s/chat-api/deployment.yaml",
      deployment,
      deployment.replace("replicas: 3", "replicas: 20"),
    );
    const decision = evaluate(
      mediated,
      prFacts([scaleUp], {
        reviews: [approval("sam"), changesRequested("fin")],
        comments: [
          comment("tara", `/governance decide approve ${rationale}`, "2026-11-23T11:30:00Z"),
        ],
      }),
      NOW,
    );
    expect(decision.conclusion).toBe("success");
    const text = mergedChatMessage(decision, mergedPull("Scale the chat API for launch"));
    expect(controlSequences(text)).toEqual([APP_LINK]);
    expect(text).toContain(
      "⚖️ infra/cost-increase approved by mediator tara (tech-architect): &lt;!channel&gt; launch traffic needs 20 replicas &lt;https://evil.example|signed&gt;",
    );
  });

  it("links nothing when the URL could end the link early, but still names the pull request", () => {
    const decision = evaluate(policy, prFacts([migration]), NOW);
    const text = mergedChatMessage(
      decision,
      mergedPull("Drop avatar URLs", `${URL}?x=|✅ approved`),
    );
    expect(controlSequences(text)).toEqual([]);
    expect(text).toMatch(/^Merged acme\/chat#12 "Drop avatar URLs"/);
  });
});
