/**
 * Check runs kept in the shape GitHub answers with, so a fake can hand a stored
 * run out as is and tests can read `run.output.title` directly.
 */
import {
  asObject,
  missingFieldsProblem,
  unprocessable,
  type Json,
  type JsonObject,
  type Reply,
} from "./http.js";
import { nodeId } from "./ids.js";
import type { GitHubViews } from "./views.js";

export interface CheckRun {
  id: number;
  node_id: string;
  head_sha: string;
  external_id: string;
  url: string;
  html_url: string;
  details_url: string;
  status: string;
  conclusion: string | null;
  started_at: string;
  completed_at: string | null;
  output: {
    title: string | null;
    summary: string | null;
    text: string | null;
    annotations_count: number;
    annotations_url: string;
  };
  name: string;
  check_suite: { id: number };
  app: JsonObject;
  pull_requests: Json[];
}

/** `POST /repos/{owner}/{repo}/check-runs`: the new run, or GitHub's 422 for a body it refuses. */
export function newCheckRun(
  views: GitHubViews,
  where: { owner: string; repo: string; appId: number },
  nextId: () => number,
  requestBody: Json | undefined,
): { run: CheckRun } | { refusal: Reply } {
  const body = asObject(requestBody);
  const problem = missingFieldsProblem(body, ["name", "head_sha"]);
  if (problem) return { refusal: unprocessable(problem) };
  const status = typeof body.status === "string" ? body.status : "queued";
  if (status === "completed" && typeof body.conclusion !== "string")
    return { refusal: unprocessable("conclusion is required when status is completed") };
  const { owner, repo } = where;
  // Taken only once the request is accepted: a refused one leaves no gap in the fake's ids.
  const id = nextId();
  const now = new Date().toISOString();
  const output = asObject(body.output);
  const run: CheckRun = {
    id,
    node_id: nodeId("CR", id),
    head_sha: String(body.head_sha),
    external_id: typeof body.external_id === "string" ? body.external_id : "",
    url: views.apiUrl(`/repos/${owner}/${repo}/check-runs/${id}`),
    html_url: views.webUrl(`/${owner}/${repo}/runs/${id}`),
    details_url: views.webUrl(`/${owner}/${repo}/runs/${id}`),
    status,
    conclusion: typeof body.conclusion === "string" ? body.conclusion : null,
    started_at: typeof body.started_at === "string" ? body.started_at : now,
    completed_at: status === "completed" ? now : null,
    output: {
      title: typeof output.title === "string" ? output.title : null,
      summary: typeof output.summary === "string" ? output.summary : null,
      text: typeof output.text === "string" ? output.text : null,
      annotations_count: 0,
      annotations_url: views.apiUrl(`/repos/${owner}/${repo}/check-runs/${id}/annotations`),
    },
    name: String(body.name),
    check_suite: { id: 7_000 + id },
    app: {
      id: where.appId,
      slug: "governance-gate",
      name: "Governance Gate",
      owner: views.org(owner),
    },
    pull_requests: [],
  };
  return { run };
}

/** `PATCH /repos/{owner}/{repo}/check-runs/{id}`: a conclusion completes the run, as on GitHub. */
export function updateCheckRun(run: CheckRun, requestBody: Json | undefined): void {
  const body = asObject(requestBody);
  if (typeof body.name === "string") run.name = body.name;
  if (typeof body.status === "string") run.status = body.status;
  if (typeof body.conclusion === "string") {
    run.conclusion = body.conclusion;
    run.status = "completed";
  }
  if (run.status === "completed") run.completed_at = new Date().toISOString();
  const output = asObject(body.output);
  if (typeof output.title === "string") run.output.title = output.title;
  if (typeof output.summary === "string") run.output.summary = output.summary;
  if (typeof output.text === "string") run.output.text = output.text;
}

/**
 * `GET /repos/{owner}/{repo}/commits/{ref}/check-runs` over the runs on that
 * commit (oldest first): `check_name`, `app_id` and `filter` (default `latest`:
 * one run a name) applied, newest first, as GitHub lists them.
 */
export function listedCheckRuns(
  runsOnCommit: CheckRun[],
  query: Record<string, string>,
): CheckRun[] {
  let runs = runsOnCommit;
  if (query.check_name) runs = runs.filter((r) => r.name === query.check_name);
  if (query.app_id) runs = runs.filter((r) => String(r.app.id) === query.app_id);
  if ((query.filter ?? "latest") === "latest") {
    const latest = new Map<string, CheckRun>();
    for (const r of runs) latest.set(r.name, r);
    runs = [...latest.values()];
  }
  return [...runs].reverse();
}
