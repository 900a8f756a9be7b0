/**
 * Signed webhook deliveries shaped like GitHub's: the payloads start from
 * @octokit/webhooks-examples (so they carry GitHub's full repository, user and
 * pull-request objects, 10–26 KB each) with the fake GitHub's objects laid over
 * them.
 */
import { createHmac, randomUUID } from "node:crypto";
import { Agent, request } from "node:http";
import { createRequire } from "node:module";
import type { WebhookDefinition } from "@octokit/webhooks-examples";

type Obj = Record<string, unknown>;

const definitions = createRequire(import.meta.url)(
  "@octokit/webhooks-examples",
) as WebhookDefinition[];
const templates = new Map<string, Obj>();

/** GitHub's own example of `event.action`, deep-copied. */
export function example(event: string, action?: string): Obj {
  const id = `${event}.${action ?? ""}`;
  let template = templates.get(id);
  if (!template) {
    const definition = definitions.find((d) => d.name === event);
    const found = definition?.examples.find(
      (e) => action === undefined || (e as { action?: string }).action === action,
    ) as Obj | undefined;
    if (!found) throw new Error(`@octokit/webhooks-examples has no ${id}`);
    template = found;
    templates.set(id, template);
  }
  return structuredClone(template);
}

export interface Target {
  installationId: number;
  repository: Obj;
  organization: string;
}

function common(target: Target): Obj {
  return {
    repository: target.repository,
    installation: {
      id: target.installationId,
      node_id: `MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9u${target.installationId}`,
    },
    organization: { login: target.organization, id: 1, node_id: "MDEyOk9yZ2FuaXphdGlvbjE=" },
  };
}

export function pullRequestEvent(
  action: string,
  target: Target,
  pull: Obj,
  sender: Obj,
  extra: Obj = {},
): Obj {
  const payload = example(
    "pull_request",
    action === "closed" || action === "labeled" || action === "synchronize" ? action : "opened",
  );
  return {
    ...payload,
    action,
    number: pull.number,
    ...common(target),
    pull_request: { ...(payload.pull_request as Obj), ...pull },
    sender,
    ...extra,
  };
}

export function reviewEvent(target: Target, pull: Obj, review: Obj, sender: Obj): Obj {
  const payload = example("pull_request_review", "submitted");
  return {
    ...payload,
    action: "submitted",
    ...common(target),
    pull_request: { ...(payload.pull_request as Obj), ...pull },
    review: { ...(payload.review as Obj), ...review, state: String(review.state).toLowerCase() },
    sender,
  };
}

export function issueCommentEvent(target: Target, pull: Obj, comment: Obj, sender: Obj): Obj {
  const payload = example("issue_comment", "created");
  const issue = payload.issue as Obj;
  return {
    ...payload,
    action: "created",
    ...common(target),
    issue: {
      ...issue,
      number: pull.number,
      title: pull.title,
      user: pull.user,
      labels: pull.labels,
      state: pull.state,
      body: pull.body,
      pull_request: {
        url: pull.url,
        html_url: pull.html_url,
        diff_url: pull.diff_url,
        patch_url: pull.patch_url,
        merged_at: pull.merged_at ?? null,
      },
    },
    comment: { ...(payload.comment as Obj), ...comment },
    sender,
  };
}

/** A CI check run of another App finishing on the pull request's head (the app subscribes to check_run). */
export function ciCheckRunEvent(target: Target, pull: Obj, name: string, sender: Obj): Obj {
  const payload = example("check_run", "completed");
  const run = payload.check_run as Obj;
  const head = (pull.head as Obj).sha;
  return {
    ...payload,
    action: "completed",
    ...common(target),
    check_run: {
      ...run,
      name,
      head_sha: head,
      status: "completed",
      conclusion: "success",
      pull_requests: [{ number: pull.number, head: { sha: head }, base: pull.base }],
    },
    sender,
  };
}

/** No cap on sockets: GitHub does not queue deliveries behind each other on its side. */
const agent = new Agent({ keepAlive: true, maxSockets: Infinity });

export interface Delivery {
  status: number;
  body: string;
  /** ms from sending the request to the end of the response. */
  ms: number;
}

/**
 * One POST on the shared keep-alive agent. A request sent on a reused socket
 * that the server closed as idle at that moment fails with ECONNRESET before
 * the server read it; it is sent again once on a fresh socket (Node's documented
 * pattern, `req.reusedSocket`).
 */
function post(
  options: { host: string; port: number; path: string; headers: Record<string, string> },
  body: Buffer,
  retried = false,
): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ ...options, method: "POST", agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () =>
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }),
      );
      res.on("error", reject);
    });
    req.on("error", (error: NodeJS.ErrnoException) => {
      if (!retried && req.reusedSocket && (error.code === "ECONNRESET" || error.code === "EPIPE"))
        resolve(post(options, body, true));
      else reject(error);
    });
    req.end(body);
  });
}

/** POSTs a signed delivery to the app's webhook path. */
export async function deliver(
  port: number,
  secret: string,
  event: string,
  payload: object,
): Promise<Delivery> {
  const body = Buffer.from(JSON.stringify(payload));
  const signature = createHmac("sha256", secret).update(body).digest("hex");
  const started = performance.now();
  const response = await post(
    {
      host: "127.0.0.1",
      port,
      path: "/api/github/webhooks",
      headers: {
        "content-type": "application/json",
        "content-length": String(body.length),
        "user-agent": "GitHub-Hookshot/bench",
        "x-github-event": event,
        "x-github-delivery": randomUUID(),
        "x-github-hook-id": "1",
        "x-github-hook-installation-target-id": "4242",
        "x-github-hook-installation-target-type": "integration",
        "x-hub-signature-256": `sha256=${signature}`,
      },
    },
    body,
  );
  return { ...response, ms: performance.now() - started };
}

/** A JSON request to the fake GitHub's `/_bench/` control endpoints. */
export async function control<T>(host: string, verb: string, body: object = {}): Promise<T> {
  const [hostname = "127.0.0.1", port] = host.split(":");
  const data = Buffer.from(JSON.stringify(body));
  const response = await post(
    {
      host: hostname,
      port: Number(port),
      path: `/_bench/${verb}`,
      headers: { "content-type": "application/json", "content-length": String(data.length) },
    },
    data,
  );
  if (response.status >= 400)
    throw new Error(`control ${verb}: ${response.status} ${response.body}`);
  return JSON.parse(response.body) as T;
}

export function closeAgent(): void {
  agent.destroy();
}
