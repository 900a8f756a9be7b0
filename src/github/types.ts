import type { ProbotOctokit } from "probot";

/** The authenticated client Probot hands each event (retries and throttling included). */
export type GitHub = InstanceType<typeof ProbotOctokit>;

export interface RepoRef {
  owner: string;
  repo: string;
}

/** The parts of a pull request the app reads, as both webhooks and `pulls.get` return them. */
export interface PullRequestData {
  number: number;
  state: string;
  title: string;
  body: string | null;
  user: { login: string } | null;
  labels: { name?: string }[];
  head: { sha: string };
  base: { sha: string; ref: string };
  changed_files?: number;
  requested_reviewers?: ({ login?: string } | null)[] | null;
  requested_teams?: ({ slug?: string } | null)[] | null;
  merged?: boolean | null;
}
