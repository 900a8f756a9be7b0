import type { Logger, Probot } from "probot";
import type { Gate } from "./gate.js";
import { openDueMatrixReview } from "./matrix-review.js";

export interface SweepReport {
  installations: number;
  repositories: number;
  pullRequests: number;
  escalations: number;
  /** Ownership matrix review issues opened (their date had come). */
  matrixReviews: number;
  errors: number;
}

/**
 * One escalation sweep over every installation of the app: each open pull
 * request's pending sign-offs are checked against the SLA, overdue
 * post-implementation reviews are escalated, and a due ownership-matrix review
 * is opened (matrix-review.ts). Stateless: what was
 * already escalated is read back from GitHub, so running it from a cron, a
 * CronJob, an interval, or on two replicas at once escalates each step once.
 */
export async function sweepAll(probot: Probot, gate: Gate, logger?: Logger): Promise<SweepReport> {
  const report: SweepReport = {
    installations: 0,
    repositories: 0,
    pullRequests: 0,
    escalations: 0,
    matrixReviews: 0,
    errors: 0,
  };
  const app = await probot.auth();
  // Probot creates its logger on first authentication.
  const log = logger ?? probot.log;
  const installations = await app.paginate(app.rest.apps.listInstallations, { per_page: 100 });
  for (const installation of installations) {
    report.installations++;
    const octokit = await probot.auth(installation.id);
    const repositories = await octokit.paginate(
      octokit.rest.apps.listReposAccessibleToInstallation,
      { per_page: 100 },
    );
    for (const repository of repositories) {
      if (repository.archived) continue;
      report.repositories++;
      const repo = { owner: repository.owner.login, repo: repository.name };
      try {
        report.escalations += await gate.sweepOverdueReviews(octokit, log, repo);
      } catch (error) {
        report.errors++;
        log.error(
          { err: error, repo: `${repo.owner}/${repo.repo}` },
          "sweep of post-implementation reviews failed",
        );
      }
      try {
        report.matrixReviews += await openDueMatrixReview(gate, octokit, log, repo);
      } catch (error) {
        report.errors++;
        log.error(
          { err: error, repo: `${repo.owner}/${repo.repo}` },
          "ownership matrix review failed",
        );
      }
      const open = await octokit.paginate(octokit.rest.pulls.list, {
        ...repo,
        state: "open",
        per_page: 100,
      });
      for (const pr of open) {
        report.pullRequests++;
        try {
          report.escalations += await gate.sweep(octokit, log, repo, pr.number);
        } catch (error) {
          report.errors++;
          log.error(
            { err: error, repo: `${repo.owner}/${repo.repo}`, pr: pr.number },
            "sweep failed for pull request",
          );
        }
      }
    }
  }
  return report;
}
