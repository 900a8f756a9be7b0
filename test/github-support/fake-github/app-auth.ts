/**
 * Authentication as GitHub does it for an App, for real rather than by
 * convention: the token exchange accepts only an RS256 JWT the App's key signed,
 * and every other endpoint only a token that exchange issued, so a broken
 * Probot/Octokit auth setup fails here as it would against GitHub.
 */
import { randomBytes, verify, type KeyObject } from "node:crypto";
import type { IncomingMessage } from "node:http";
import { githubError, header, type JsonObject, type Reply } from "./http.js";

export interface AppIdentity {
  appId: number;
  /** The App's public key (a KeyObject or SPKI PEM). */
  publicKey: KeyObject | string;
}

export const ACCESS_TOKEN_ROUTE = "POST /app/installations/{installation_id}/access_tokens";

/** Why this is not an RS256 JWT of our App that GitHub would accept now, or undefined. */
export function jwtProblem(jwt: string, app: AppIdentity): string | undefined {
  const parts = jwt.split(".");
  if (parts.length !== 3) return "not a JWT";
  const [encodedHeader = "", encodedPayload = "", signature = ""] = parts;
  let head: JsonObject;
  let payload: JsonObject;
  try {
    head = JSON.parse(Buffer.from(encodedHeader, "base64url").toString("utf8")) as JsonObject;
    payload = JSON.parse(Buffer.from(encodedPayload, "base64url").toString("utf8")) as JsonObject;
  } catch {
    return "header or payload is not base64url JSON";
  }
  if (head.alg !== "RS256") return `alg is ${String(head.alg)}, not RS256`;
  const signed = verify(
    "RSA-SHA256",
    Buffer.from(`${encodedHeader}.${encodedPayload}`),
    app.publicKey,
    Buffer.from(signature, "base64url"),
  );
  if (!signed) return "signature does not verify with the App's public key";
  if (String(payload.iss) !== String(app.appId))
    return `iss is ${String(payload.iss)}, not ${app.appId}`;
  const now = Math.floor(Date.now() / 1000);
  if (typeof payload.iat !== "number" || typeof payload.exp !== "number") return "iat/exp missing";
  if (payload.iat > now + 60)
    return "'Issued at' claim ('iat') must be an Integer representing a time in the past";
  if (payload.exp <= now || payload.exp - payload.iat > 600)
    return "'Expiration time' claim ('exp') is too far in the future or in the past";
  return undefined;
}

/** The claims of a JWT `jwtProblem` already accepted. */
export function jwtClaims(jwt: string): JsonObject {
  return JSON.parse(
    Buffer.from(jwt.split(".")[1] ?? "", "base64url").toString("utf8"),
  ) as JsonObject;
}

export function newInstallationToken(): string {
  return `ghs_${randomBytes(18).toString("hex")}`;
}

/** `201` of `POST /app/installations/{id}/access_tokens`, GitHub's shape (expiry without milliseconds). */
export function installationTokenReply(token: string): Reply {
  return {
    status: 201,
    json: {
      token,
      expires_at: new Date(Date.now() + 3600_000).toISOString().replace(/\.\d{3}Z$/, "Z"),
      permissions: {
        checks: "write",
        contents: "read",
        issues: "write",
        members: "read",
        metadata: "read",
        pull_requests: "write",
      },
      repository_selection: "all",
    },
  };
}

/** The token of an `Authorization: token|bearer <token>` header, or "" (fault rules key on it before authentication runs). */
export function presentedToken(req: IncomingMessage): string {
  return (header(req, "authorization") ?? "").split(/\s+/)[1] ?? "";
}

export type Authentication =
  | { accepted: true; auth: "app-jwt" | "installation-token"; credential: string }
  | { accepted: false; auth: "invalid" | "none"; failure: string; reply: Reply };

/**
 * Checks a request's credentials for `route`: the App's JWT where the route
 * wants one, otherwise a token `isIssuedToken` knows. A refusal carries the
 * reply GitHub gives and a line saying why, for the fake's `authFailures`.
 */
export function authenticate(
  req: IncomingMessage,
  route: { name: string; appAuth?: boolean },
  app: AppIdentity,
  isIssuedToken: (token: string) => boolean,
): Authentication {
  const authorization = header(req, "authorization") ?? "";
  const [scheme = "", credential = ""] = authorization.split(/\s+/, 2);
  if (route.appAuth) {
    const problem =
      scheme.toLowerCase() === "bearer"
        ? jwtProblem(credential, app)
        : `expected a bearer JWT, got "${scheme}"`;
    if (problem)
      return {
        accepted: false,
        auth: "invalid",
        failure: `${route.name}: ${problem}`,
        reply: githubError(401, "A JSON web token could not be decoded"),
      };
    return { accepted: true, auth: "app-jwt", credential: "" };
  }
  if (["token", "bearer"].includes(scheme.toLowerCase()) && isIssuedToken(credential))
    return { accepted: true, auth: "installation-token", credential };
  return {
    accepted: false,
    auth: authorization ? "invalid" : "none",
    failure: `${route.name}: no valid installation token (${authorization ? scheme : "no Authorization header"})`,
    reply: githubError(401, "Bad credentials"),
  };
}
