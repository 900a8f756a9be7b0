/**
 * Preload for the load benchmark's *seeding* server only (never the measured
 * one): makes Probot's throttling plugin run every request at once.
 *
 *   node --import tsx --import ./bench/lib/unthrottle.ts src/server.ts
 *
 * Seeding opens and approves hundreds of pull requests so that the fake GitHub
 * holds their check runs, review requests and reviews, as if the app had
 * evaluated them earlier. With the throttle in place that takes one second per
 * write for the whole process (see bench/load.bench.ts), minutes of waiting
 * that measure nothing. @octokit/plugin-throttling schedules every request
 * through Bottleneck limiters; here `schedule` simply runs the job.
 */
import { createRequire } from "node:module";

type Job = (...args: unknown[]) => unknown;

// The plugin's `import BottleneckLight from "bottleneck/light.js"` goes through the CommonJS cache: same object.
const Bottleneck = createRequire(import.meta.url)("bottleneck/light.js") as {
  prototype: { schedule: (...args: unknown[]) => Promise<unknown> };
};
Bottleneck.prototype.schedule = function schedule(...args: unknown[]): Promise<unknown> {
  const [fn, ...rest] = (typeof args[0] === "function" ? args : args.slice(1)) as [
    Job,
    ...unknown[],
  ];
  return Promise.resolve().then(() => fn(...rest));
};
