import { run } from "probot";
import { productionConfigProblem } from "./config.js";
import { GateOctokit } from "./github/octokit.js";
import governanceGate from "./index.js";
import { serverLog } from "./ops/logging.js";
import { shutDownGracefully } from "./ops/shutdown.js";

const problem = productionConfigProblem(process.env);
if (problem) {
  process.stderr.write(`governance-gate: ${problem}\n`);
  process.exit(1);
}
// Without a webhook proxy URL, Probot's first-run setup would try to create a
// smee.io channel over the network and, where that is unreachable, stall the
// registration page. Registration works without one; set WEBHOOK_PROXY_URL to
// receive webhooks on a development machine.
if (!process.env.WEBHOOK_PROXY_URL) process.env.NO_SMEE_SETUP ??= "true";

shutDownGracefully(await run(governanceGate, { Octokit: GateOctokit, log: await serverLog() }));
