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
