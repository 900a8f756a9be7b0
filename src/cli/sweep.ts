import { createProbot } from "probot";
import { loadHclGrammar } from "../changes/hcl-grammar.js";
import { Gate } from "../github/gate.js";
import { GateOctokit } from "../github/octokit.js";
import { sweepAll } from "../github/sweep.js";
import type { Io } from "./args.js";

/**
 * `governance-gate sweep`: one escalation pass over every installation, with
 * the app's own credentials (APP_ID and PRIVATE_KEY or PRIVATE_KEY_PATH; GHE_HOST
 * for GitHub Enterprise). Meant for a cron, a Kubernetes CronJob or a scheduled
 * Actions workflow. Exit 1 when any pull request could not be swept.
 */
export async function sweepCommand(io: Io, env: NodeJS.ProcessEnv = process.env): Promise<number> {
  const missing = [
    !env.APP_ID && "APP_ID",
    !env.PRIVATE_KEY && !env.PRIVATE_KEY_PATH && "PRIVATE_KEY or PRIVATE_KEY_PATH",
  ].filter(Boolean);
  if (missing.length > 0)
    throw new Error(`sweep needs the app's credentials: set ${missing.join(", ")}`);
  // The sweep runs the app's code, which reads .tf files synchronously: load the grammar first (hcl-grammar.ts).
  await loadHclGrammar();
  const probot = createProbot({ env, overrides: { Octokit: GateOctokit } });
  const gate = new Gate({ appId: Number(env.APP_ID) });
  const report = await sweepAll(probot, gate);
  io.out(JSON.stringify(report));
  return report.errors > 0 ? 1 : 0;
}
