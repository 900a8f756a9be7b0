import { writeFileSync } from "node:fs";

/** `--json <path>`: where a bench writes its figures for bench/run.ts. */
export function jsonTarget(argv = process.argv): string | undefined {
  const at = argv.indexOf("--json");
  return at >= 0 ? argv[at + 1] : undefined;
}

export function writeJson(path: string | undefined, value: unknown): void {
  if (path) writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
}

export const ms = (n: number) => (n >= 100 ? n.toFixed(0) : n >= 10 ? n.toFixed(1) : n.toFixed(2));

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank]!;
}

export function median(samples: readonly number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** A plain-text table: first column left-aligned, the rest right-aligned. */
export function table(rows: (string | number)[][], indent = "  "): string {
  const cells = rows.map((r) => r.map(String));
  const widths = cells[0]!.map((_, i) => Math.max(...cells.map((r) => (r[i] ?? "").length)));
  return cells
    .map(
      (r) =>
        indent +
        r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join("  "),
    )
    .join("\n");
}

/** Short names for the GitHub routes the app calls. */
const SHORT: Record<string, string> = {
  "GET /repos/{owner}/{repo}/contents/{path}": "policy",
  "GET /repos/{owner}/{repo}/pulls/{pull_number}/files": "files",
  // GraphQL, by operation (bench/lib/fake-github.ts graphqlRoute): src/github/snapshot.ts and the blob query of src/github/facts.ts.
  "POST /graphql PullRequestSnapshot": "snapshot",
  "POST /graphql PullRequestPage": "snapshot page",
  "POST /graphql TeamMembers": "team members",
  "POST /graphql TeamMembersPage": "team members page",
  "POST /graphql Blobs": "graphql blobs",
  "POST /graphql": "graphql (anonymous)",
  "GET /repos/{owner}/{repo}/commits/{ref}/check-runs": "find check",
  "POST /repos/{owner}/{repo}/check-runs": "create check",
  "PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}": "update check",
  "POST /repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers": "request reviewers",
  "GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews": "reviews",
  "GET /repos/{owner}/{repo}/issues/{issue_number}/comments": "comments",
  "GET /repos/{owner}/{repo}/pulls/{pull_number}": "pull",
  "POST /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions": "reaction",
  "POST /repos/{owner}/{repo}/issues/{issue_number}/comments": "comment",
  "GET /orgs/{org}/teams/{team_slug}/members": "team members (REST)",
};
export const shortRoute = (route: string) =>
  SHORT[route] ?? route.replace(/^POST \/graphql (\w+)$/, "graphql $1");

/** A read, though not a GET: a GraphQL query (the app sends no mutations; src/github/octokit.ts keeps them out of the write queue). */
export const isGraphqlRoute = (route: string) =>
  route === "POST /graphql" || route.startsWith("POST /graphql ");
/** A REST write: anything but GET and GraphQL. */
export const isWriteRoute = (route: string) => !route.startsWith("GET ") && !isGraphqlRoute(route);
