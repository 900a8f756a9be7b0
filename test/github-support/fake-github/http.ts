/**
 * The HTTP side both fake GitHubs share: loopback listening, reading a request,
 * routing it below `/api/v3` (or to `/api/graphql`), and writing GitHub-shaped
 * JSON replies, so the fakes differ only in the state they keep.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface Reply {
  status: number;
  json?: Json;
  text?: string;
  contentType?: string;
  headers?: Record<string, string>;
}

const DOCUMENTATION_URL = "https://docs.github.com/rest";

export const NOT_FOUND: JsonObject = {
  message: "Not Found",
  documentation_url: DOCUMENTATION_URL,
  status: "404",
};

export function ok(json: Json): Reply {
  return { status: 200, json };
}

export function notFound(): Reply {
  return { status: 404, json: NOT_FOUND };
}

/** GitHub's answer to a request it understood but refuses (a missing field, an invalid reviewer). */
export function unprocessable(message: string): Reply {
  return { status: 422, json: { message, documentation_url: DOCUMENTATION_URL } };
}

export function githubError(status: number, message: string): Reply {
  return { status, json: { message, documentation_url: DOCUMENTATION_URL } };
}

export function asObject(value: Json | undefined): JsonObject {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? value : {};
}

/** GitHub's wording for string fields a request body lacks, or undefined when none is missing. */
export function missingFieldsProblem(body: JsonObject, fields: string[]): string | undefined {
  const missing = fields.filter((f) => typeof body[f] !== "string");
  return missing.length > 0
    ? `Invalid request.\n\n${missing.map((f) => `"${f}" wasn't supplied.`).join("\n")}`
    : undefined;
}

export function header(req: IncomingMessage, name: string): string | undefined {
  const value = req.headers[name];
  return Array.isArray(value) ? value.join(", ") : value;
}

export interface IncomingApiRequest {
  method: string;
  url: URL;
  query: Record<string, string>;
  /** The body as received, kept so a retry of the exact same request can be recognised. */
  raw: string;
}

export async function readRequest(req: IncomingMessage): Promise<IncomingApiRequest> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const url = new URL(req.url ?? "/", "http://fake.invalid");
  return {
    method: req.method ?? "GET",
    url,
    query: Object.fromEntries(url.searchParams),
    raw: Buffer.concat(chunks).toString("utf8"),
  };
}

/** The JSON body, or GitHub's 400 for one that does not parse. */
export function parseJsonBody(raw: string): { body: Json | undefined } | { refusal: Reply } {
  if (raw.length === 0) return { body: undefined };
  try {
    return { body: JSON.parse(raw) as Json };
  } catch {
    return { refusal: githubError(400, "Problems parsing JSON") };
  }
}

export interface RequestContext {
  /** The request's path as received, e.g. `/api/v3/repos/o/r/pulls/1/files`. */
  path: string;
  /** The installation token the request carried (empty for App-authenticated routes). */
  credential: string;
  params: string[];
  query: Record<string, string>;
  headers: IncomingMessage["headers"];
  body: Json | undefined;
}

export interface Route<C extends RequestContext = RequestContext> {
  method: string;
  /** Matched against the path below `/api/v3`. */
  pattern: RegExp;
  /** GitHub's name for the endpoint, e.g. `GET /repos/{owner}/{repo}/pulls/{pull_number}/files`. */
  name: string;
  /** Authenticates with the App's JWT rather than an installation token. */
  appAuth?: boolean;
  handle: (c: C) => Reply;
}

export function route<C extends RequestContext>(
  method: string,
  pattern: string,
  name: string,
  handle: Route<C>["handle"],
  appAuth = false,
): Route<C> {
  return { method, pattern: new RegExp(`^${pattern}$`), name, handle, appAuth };
}

export const GRAPHQL_ROUTE = "POST /graphql";

export function isGraphqlRequest(method: string, pathname: string): boolean {
  return method === "POST" && pathname === "/api/graphql";
}

/** The REST route a request reaches, with its URL-decoded captures; undefined for a path GitHub does not have. */
export function matchRestRoute<C extends RequestContext>(
  routes: Route<C>[],
  method: string,
  pathname: string,
): { route: Route<C>; params: string[] } | undefined {
  if (!pathname.startsWith("/api/v3/")) return undefined;
  const path = pathname.slice("/api/v3".length);
  for (const candidate of routes) {
    const match = candidate.method === method ? candidate.pattern.exec(path) : null;
    if (match)
      return { route: candidate, params: match.slice(1).map((p) => decodeURIComponent(p ?? "")) };
  }
  return undefined;
}

/** A handler that throws answers 500 instead of taking the fake down, so the failure shows in the app's logs and the request log. */
export function handleSafely<C extends RequestContext>(route: Route<C>, context: C): Reply {
  try {
    return route.handle(context);
  } catch (error) {
    return { status: 500, json: { message: `fake GitHub failed: ${(error as Error).message}` } };
  }
}

export function renderReply(reply: Reply): { headers: Record<string, string>; text: string } {
  const text = reply.text ?? (reply.json === undefined ? "" : JSON.stringify(reply.json));
  const contentType =
    reply.contentType ??
    (reply.text !== undefined ? "text/plain; charset=utf-8" : "application/json; charset=utf-8");
  return { headers: { "content-type": contentType, ...(reply.headers ?? {}) }, text };
}

export function sendReply(res: ServerResponse, reply: Reply): void {
  const { headers, text } = renderReply(reply);
  res.writeHead(reply.status, headers).end(text);
}

export function escapeRegExp(literal: string): string {
  return literal.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

/**
 * A fake GitHub's server on loopback, for GHE_HOST: a subclass answers
 * requests, this owns the socket.
 */
export abstract class LoopbackFake {
  private server: Server | undefined;
  private port = 0;

  /** For GHE_HOST. */
  get host(): string {
    return `127.0.0.1:${this.port}`;
  }

  async close(): Promise<void> {
    await closeServer(this.server);
  }

  protected async listen(
    options: { port?: number; keepAliveTimeout?: number } = {},
  ): Promise<void> {
    const { server, port } = await listenOnLoopback(
      (req, res) => void this.handle(req, res),
      options,
    );
    this.server = server;
    this.port = port;
  }

  protected abstract handle(req: IncomingMessage, res: ServerResponse): Promise<void>;
}

/** Listens on loopback (port 0: any free one) and resolves once it accepts connections. */
export async function listenOnLoopback(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  options: { port?: number; keepAliveTimeout?: number } = {},
): Promise<{ server: Server; port: number }> {
  const server = createServer(handler);
  if (options.keepAliveTimeout !== undefined) server.keepAliveTimeout = options.keepAliveTimeout;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  return { server, port: (server.address() as AddressInfo).port };
}

/** Closes the server without waiting for the app's keep-alive connections to idle out. */
export async function closeServer(server: Server | undefined): Promise<void> {
  if (!server) return;
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
}
