import { AsyncLocalStorage, AsyncResource } from "node:async_hooks";
import Bottleneck from "bottleneck";
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
 * - Read-only GraphQL queries (`readOnlyQuery`) skip the write queue. The
 *   throttling plugin cannot tell a query from a mutation, so it spaces every
 *   GraphQL request a second apart per installation like a write; with the
 *   pull request read in one query, every evaluation waited in that queue
 *   (bench/load.bench.ts: p99 7 s instead of 0.2 s). They still pass the
 *   plugin's concurrency limit and its rate-limit handling. The plugin's retry
 *   limiter is given one that runs each request in its caller's async context,
 *   or the read-only mark is lost (see contextKeepingRetryLimiter).
 */
export const GateOctokit = ProbotOctokit.defaults((options: Record<string, unknown>) => {
  const installationId = (options.auth as { installationId?: number | string } | undefined)
    ?.installationId;
  return {
    ...options,
    request: { ...(options.request as object | undefined), fetch: wholeBodyFetch },
    throttle: {
      ...(options.throttle as object | undefined),
      ...(installationId !== undefined ? { id: `installation-${installationId}` } : {}),
      onSecondaryRateLimit: (
        _retryAfter: number,
        _request: unknown,
        _octokit: unknown,
        retryCount: number,
      ) => retryCount < SECONDARY_RATE_LIMIT_RETRIES,
      write: writeQueue(options.throttle as ThrottleOptions | undefined),
      retryLimiter: contextKeepingRetryLimiter(options.throttle as ThrottleOptions | undefined),
    },
  };
}) as typeof ProbotOctokit;

const readOnly = new AsyncLocalStorage<true>();

/** Runs `query` (GraphQL reads only, never a mutation) outside the write queue. */
export function readOnlyQuery<T>(query: () => Promise<T>): Promise<T> {
  return readOnly.run(true, query);
}

interface ThrottleOptions {
  Bottleneck?: typeof Bottleneck;
  connection?: Bottleneck.RedisConnection | Bottleneck.IORedisConnection;
}
type Schedule = (options: Bottleneck.JobOptions, task: () => Promise<unknown>) => Promise<unknown>;

const writeQueues = new Map<unknown, { key(id: string): { schedule: Schedule } }>();

/**
 * The plugin's write queue (one request at a time, a second apart, per id;
 * shared through Redis when Probot has a connection), except for requests
 * made inside `readOnlyQuery`.
 */
function writeQueue(throttle: ThrottleOptions | undefined) {
  const connection = throttle?.connection;
  let queue = writeQueues.get(connection);
  if (!queue) {
    const Limiter = throttle?.Bottleneck ?? Bottleneck;
    const group = new Limiter.Group({
      id: "octokit-write",
      maxConcurrent: 1,
      minTime: 1000,
      timeout: 120_000,
      ...(connection ? { connection } : {}),
    });
    queue = {
      key(id: string) {
        const limiter = group.key(id);
        return {
          schedule: (options, task) =>
            readOnly.getStore() ? task() : limiter.schedule(options, task),
        };
      },
    };
    writeQueues.set(connection, queue);
  }
  return queue;
}

/**
 * The limiter every request of one client passes first (the plugin makes one per
 * client), except that each job runs in the async context of the request that
 * scheduled it. Bottleneck runs a job from whichever call drains its queue: a
 * read-only query started while another request of the client was being queued
 * ran in that request's context, lost its `readOnlyQuery` mark and waited for a
 * turn in the write queue.
 */
function contextKeepingRetryLimiter(throttle: ThrottleOptions | undefined): Bottleneck {
  const limiter = new (throttle?.Bottleneck ?? Bottleneck)();
  const schedule = limiter.schedule.bind(limiter) as (...args: unknown[]) => Promise<unknown>;
  limiter.schedule = ((...args: unknown[]) => {
    // schedule(task, ...args) or schedule(jobOptions, task, ...args)
    const task = typeof args[0] === "function" ? 0 : 1;
    args[task] = AsyncResource.bind(args[task] as (...a: unknown[]) => unknown);
    return schedule(...args);
  }) as Bottleneck["schedule"];
  return limiter;
}

/** Statuses whose responses carry no body (the Response constructor refuses one). */
const NULL_BODY = new Set([101, 204, 205, 304]);

export async function wholeBodyFetch(
  input: RequestInfo | URL,
  init?: RequestInit,
): Promise<Response> {
  const response = await fetch(input, init);
  const body = NULL_BODY.has(response.status) ? null : await response.arrayBuffer();
  return new Response(body, {
    status: response.status,
    statusText: response.statusText,
    headers: response.headers,
  });
}
