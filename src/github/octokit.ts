import { ProbotOctokit } from "probot";

/** Retries of a secondary rate limit before the evaluation fails closed. */
const SECONDARY_RATE_LIMIT_RETRIES = 3;

/**
 * The GitHub client the server and the sweep use: Probot's, with two changes
 * the reliability suite showed are needed.
 *
 * - A response whose body is cut off mid-way must be an error, not an empty
 *   answer: octokit would otherwise read a truncated file list as "no files"
 *   and pass a destructive change. Reading the whole body first turns a
 *   truncation into a network error, which the retry plugin retries.
 * - Secondary rate limits are retried (Probot's default only logs them, and
 *   the evaluation then fails closed until the next event).
 * - Each installation gets its own throttle queue. Probot builds an event's
 *   client without one, so every installation shared a single queue (one write
 *   a second for the whole process; measured by bench/load.bench.ts).
 */
export const GateOctokit = ProbotOctokit.defaults((options: Record<string, unknown>) => {
  const installationId = (options.auth as { installationId?: number | string } | undefined)?.installationId;
  return {
    ...options,
    request: { ...(options.request as object | undefined), fetch: wholeBodyFetch },
    throttle: {
      ...(options.throttle as object | undefined),
      ...(installationId !== undefined ? { id: `installation-${installationId}` } : {}),
      onSecondaryRateLimit: (_retryAfter: number, _request: unknown, _octokit: unknown, retryCount: number) => retryCount < SECONDARY_RATE_LIMIT_RETRIES,
    },
  };
}) as typeof ProbotOctokit;

/** Statuses whose responses carry no body (the Response constructor refuses one). */
const NULL_BODY = new Set([101, 204, 205, 304]);

export async function wholeBodyFetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
  const response = await fetch(input, init);
  const body = NULL_BODY.has(response.status) ? null : await response.arrayBuffer();
  return new Response(body, { status: response.status, statusText: response.statusText, headers: response.headers });
}
