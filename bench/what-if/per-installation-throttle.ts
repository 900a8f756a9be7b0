/**
 * What-if entry point (not the product): src/server.ts with one change, the fix
 * the load benchmark suggests for Probot's shared throttle — every event's
 * Octokit gets its installation as throttle id, so each installation has its
 * own write queue (1 s apart) and its own 10 requests in flight, as
 * `app.auth(installationId)` clients already do (probot's
 * get-authenticated-octokit.js). The event Octokit is built with the
 * installation id in `auth.installationId` (octokit-auth-probot), which the
 * defaults below copy into `throttle.id`.
 *
 *   BENCH_SERVER_ENTRY=bench/what-if/per-installation-throttle.ts npx tsx bench/load.bench.ts
 */
import { ProbotOctokit, run } from "probot";
import { productionConfigProblem } from "../../src/config.js";
import governanceGate from "../../src/index.js";

type Options = { auth?: { installationId?: number | string }; throttle?: Record<string, unknown> };

const problem = productionConfigProblem(process.env);
if (problem) {
  process.stderr.write(`governance-gate: ${problem}\n`);
  process.exit(1);
}
if (!process.env.WEBHOOK_PROXY_URL) process.env.NO_SMEE_SETUP ??= "true";

const PerInstallationOctokit = ProbotOctokit.defaults((options: Options) => {
  const installationId = options.auth?.installationId;
  return installationId === undefined
    ? options
    : { ...options, throttle: { ...options.throttle, id: `installation-${installationId}` } };
});

await run(governanceGate, { Octokit: PerInstallationOctokit as typeof ProbotOctokit });
