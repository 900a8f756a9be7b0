import type { ApplicationFunction, ApplicationFunctionOptions, Context, Probot } from "probot";
import { CHECK_NAME } from "./github/apply.js";
import { Gate, type GateOptions } from "./github/gate.js";
import { POLICY_PATH } from "./github/policy-source.js";
import type { PullRequestData } from "./github/types.js";
import { sweepAll } from "./github/sweep.js";
import { sweepInterval } from "./config.js";
import { observed, registerOps } from "./ops/instrument.js";

/**
 * Governance Gate's Probot entry point: wires GitHub events to the gate and
 * nothing else. Every decision is made by `evaluate`; see src/github/gate.ts.
 */
export function createApp(
  gateOptions: GateOptions & {
    /** Tests: the gate, to await its queued work. */ onGate?: (gate: Gate) => void;
  } = {},
): ApplicationFunction {
  return (app: Probot, options?: ApplicationFunctionOptions) => {
    const gate = new Gate({ appId: Number(process.env.APP_ID) || undefined, ...gateOptions });
    gateOptions.onGate?.(gate);
    // /healthz, /readyz, /metrics; every handler's context.log carries the delivery id (src/ops).
    registerOps(app, options);
    wire(app, gate);
    const interval = sweepInterval(process.env.SWEEP_INTERVAL);
    if (interval !== undefined) {
      // Safe on every replica at once: the sweep reads what was escalated back from GitHub.
      setInterval(() => {
        sweepAll(app, gate).then(
          (report) => app.log.info(report, "escalation sweep done"),
          (error: unknown) => app.log.error({ err: error }, "escalation sweep failed"),
        );
      }, interval).unref();
    }
  };
}

export default createApp();

function wire(app: Probot, gate: Gate): void {
  const evaluatePullRequest = async (context: Context<"pull_request">) => {
    const pr = context.payload.pull_request;
    if (pr.state !== "open") return;
    await gate.evaluate(context.octokit, context.log, context.repo(), pr, {});
  };
  // These deliveries are GitHub's record of a head arriving on the pull request,
  // with GitHub's time of it: commands made after it count (src/github/head-arrival.ts).
  const headArrived = async (context: Context<"pull_request">) => {
    const pr = context.payload.pull_request;
    if (pr.state !== "open") return;
    const at = context.payload.action === "opened" ? pr.created_at : pr.updated_at;
    const arrival =
      typeof pr.head?.sha === "string" && typeof at === "string"
        ? { head: pr.head.sha, at }
        : undefined;
    await gate.evaluate(context.octokit, context.log, context.repo(), pr, { arrival });
  };
  // Every handler is `observed`: its log lines carry the delivery id, its API calls are counted.
  app.on(
    ["pull_request.opened", "pull_request.reopened", "pull_request.synchronize"],
    observed(headArrived),
  );
  app.on("pull_request.ready_for_review", observed(evaluatePullRequest));
  app.on(
    ["pull_request.labeled", "pull_request.unlabeled"],
    observed(async (context) => {
      // A label no rule reads changes nothing: no evaluation, no API calls beyond the (cached) policy.
      const label = context.payload.label?.name;
      if (
        label &&
        !(await gate.labelMatters(
          context.octokit,
          context.repo(),
          context.payload.pull_request.base.sha,
          label,
        ))
      )
        return;
      await evaluatePullRequest(context);
    }),
  );
  app.on(
    "pull_request.closed",
    observed(async (context) => {
      const pr = context.payload.pull_request;
      if (!pr.merged) {
        // Pull requests that shared its head were held to its decision: judge them without it.
        await gate.released(context.octokit, context.log, context.repo(), pr.number, pr.head.sha);
        return;
      }
      await gate.merged(
        context.octokit,
        context.log,
        context.repo(),
        pr as PullRequestData & { merged_at: string | null; html_url: string },
      );
    }),
  );
  app.on(
    "pull_request.edited",
    observed(async (context) => {
      const changes = context.payload.changes as {
        title?: unknown;
        body?: unknown;
        base?: unknown;
      };
      if (!changes.title && !changes.body && !changes.base) return;
      await evaluatePullRequest(context);
    }),
  );

  app.on(
    [
      "pull_request_review.submitted",
      "pull_request_review.edited",
      "pull_request_review.dismissed",
    ],
    observed(async (context) => {
      const pr = context.payload.pull_request;
      if (pr.state !== "open") return;
      await gate.evaluate(context.octokit, context.log, context.repo(), pr, {});
    }),
  );

  app.on(
    ["issue_comment.created", "issue_comment.edited", "issue_comment.deleted"],
    observed(async (context) => {
      const { issue, comment, action } = context.payload;
      if (!issue.pull_request || issue.state !== "open") return;
      // Our own replies and other bots' comments never sign anything.
      if (comment.user?.type === "Bot" || context.payload.sender?.type === "Bot") return;
      await gate.evaluate(
        context.octokit,
        context.log,
        context.repo(),
        { number: issue.number },
        {
          commentId: action === "deleted" ? undefined : comment.id,
        },
      );
    }),
  );

  app.on(
    "check_run.rerequested",
    observed(async (context) => {
      const run = context.payload.check_run;
      if (run.name !== CHECK_NAME) return;
      for (const ref of run.pull_requests)
        await gate.evaluate(context.octokit, context.log, context.repo(), ref, {});
    }),
  );

  app.on(
    "merge_group.checks_requested",
    observed(async (context) => {
      await gate.mergeGroup(
        context.octokit,
        context.log,
        context.repo(),
        context.payload.merge_group,
      );
    }),
  );

  app.on(
    "push",
    observed(async (context) => {
      const { ref, repository, commits } = context.payload;
      const branch = repository.default_branch;
      if (ref !== `refs/heads/${branch}`) return;
      const changed = new Set(
        commits.flatMap((c) => [...(c.added ?? []), ...(c.modified ?? []), ...(c.removed ?? [])]),
      );
      const repo = context.repo();
      // Every file the policy is built from counts (the files it extends too), read
      // from the policy before the push; only a YAML change can be one of them.
      let touched = changed.has(POLICY_PATH);
      if (!touched && [...changed].some((path) => /\.ya?ml$/i.test(path))) {
        const before = (await gate.policies.load(context.octokit, repo, context.payload.before))
          .result?.policy;
        touched = (before?.files ?? []).some((path) => changed.has(path));
      }
      if (!touched) return;
      gate.policies.invalidate(repo);
      const open = await context.octokit.paginate(context.octokit.rest.pulls.list, {
        ...repo,
        state: "open",
        base: branch,
        per_page: 100,
      });
      for (const pr of open) await gate.evaluate(context.octokit, context.log, repo, pr, {});
    }),
  );
}
