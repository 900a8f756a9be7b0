import { getTransformStream } from "@probot/pino";
import { pino } from "pino";
import type { Context, Logger } from "probot";

/**
 * The logger for one webhook delivery: every line it writes carries the
 * delivery id GitHub shows under the App's *Advanced → Recent Deliveries* (and
 * sends as `X-GitHub-Delivery`), the event name and its action, so one
 * delivery's handling can be found in JSON logs (`LOG_FORMAT=json`, or
 * `NODE_ENV=production`) with a single filter: `delivery="<id>"`.
 */
export function deliveryLog(context: Pick<Context, "id" | "name" | "log" | "payload">): Logger {
  const payload = context.payload as { action?: unknown };
  return context.log.child({
    delivery: context.id,
    event: context.name,
    ...(typeof payload.action === "string" ? { action: payload.action } : {}),
  });
}

const OMITTED = "[unverified payload omitted]";

/**
 * An error as pino serialises it, without the body of a delivery whose
 * signature did not match. @octokit/webhooks attaches the whole request
 * (`{ id, name, payload, signature }`) to that error, and nests it again in
 * the AggregateError it rethrows; Probot logs both at error level. Anyone can
 * post to the webhook URL: what they post must not land in the logs.
 */
export function withoutUnverifiedPayloads(value: unknown, depth = 0): unknown {
  if (value === null || typeof value !== "object" || depth > 8) return value;
  if (Array.isArray(value)) return value.map((v) => withoutUnverifiedPayloads(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) out[key] = withoutUnverifiedPayloads(v, depth + 1);
  if (typeof out.payload === "string" && typeof out.signature === "string") out.payload = OMITTED;
  return out;
}

/**
 * The server's logger: Probot's own (pino through @probot/pino, configured by
 * the same environment — LOG_LEVEL, LOG_FORMAT, LOG_LEVEL_IN_STRING,
 * LOG_MESSAGE_KEY, SENTRY_DSN; JSON when NODE_ENV=production) that leaves
 * unverified payloads out.
 */
export async function serverLog(env: NodeJS.ProcessEnv = process.env): Promise<Logger> {
  const logFormat = env.LOG_FORMAT
    ? env.LOG_FORMAT === "pretty"
      ? "pretty"
      : "json"
    : env.NODE_ENV === "production"
      ? "json"
      : "pretty";
  const transform = await getTransformStream({
    logFormat,
    logLevelInString: env.LOG_LEVEL_IN_STRING === "true",
    sentryDsn: env.SENTRY_DSN,
  });
  transform.pipe(pino.destination(1) as unknown as NodeJS.WritableStream);
  return pino(
    {
      level: env.LOG_LEVEL || "info",
      name: "probot",
      messageKey: env.LOG_MESSAGE_KEY || "msg",
      serializers: {
        err: (error: Error) => withoutUnverifiedPayloads(pino.stdSerializers.err(error)),
      },
    },
    transform,
  ) as unknown as Logger;
}
