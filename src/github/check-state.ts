/**
 * What the app remembers about a head commit, kept where only the app can
 * write: the first line of its own `governance` check run's summary. A check
 * run belongs to a commit, not to a pull request, so the state is per pull
 * request: when each one's head arrived, and the conclusion each one's own
 * policy reached. The run's conclusion is the strictest of them (no pull
 * request's check is satisfied by another pull request's decision). A merge
 * group's commit also carries the merge queue's verdict on it (`group`): a
 * writer can open a pull request whose head is that commit, and that pull
 * request's pass must not lift the group's failure, nor the group's pass its.
 *
 * Only the first line is read, and the app writes nothing else there: the rest
 * of the summary quotes titles, paths and comments, which anyone controls.
 */

export interface HeadState {
  prs: Record<string, PullRequestState>;
  /** The merge queue's verdict on the pull request it queued in a merge group whose commit this is. */
  group?: MergeGroupState;
}

export interface MergeGroupState {
  /** The queued pull request the group's ref names (none: a ref naming no pull request, which fails). */
  pr?: number;
  /** The queued pull request's own decision at the head it was queued at (the recorded pull requests' not included). */
  conclusion: "success" | "failure";
}

export interface PullRequestState {
  /** The conclusion this pull request's own policy reached on this head. */
  conclusion: "success" | "failure";
  /** When this head arrived on this pull request (ISO 8601), by GitHub's record or our first sight of it. */
  arrivedAt?: string;
  /** The base branch it was judged against. */
  base?: string;
}

const PREFIX = "<!-- governance-gate:state ";
const SUFFIX = " -->";

/** The state on the first line of a summary we wrote; `undefined` when the run predates it or the line is not ours. */
export function readHeadState(summary: string | undefined): HeadState | undefined {
  if (!summary?.startsWith(PREFIX)) return undefined;
  const end = summary.indexOf("\n");
  const line = end === -1 ? summary : summary.slice(0, end);
  if (!line.endsWith(SUFFIX)) return undefined;
  try {
    const parsed = JSON.parse(line.slice(PREFIX.length, -SUFFIX.length)) as unknown;
    return isHeadState(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/** The summary with `state` on its first line (replacing any state line it had). */
export function withHeadState(summary: string, state: HeadState): string {
  const body = readHeadState(summary) ? summary.slice(summary.indexOf("\n") + 1) : summary;
  return `${stateLine(state)}\n${body}`;
}

function stateLine(state: HeadState): string {
  // JSON.stringify never emits a newline; `-->` cannot appear in it unescaped because `>` is escaped below.
  const json = JSON.stringify(state).replace(/>/g, "\\u003e").replace(/</g, "\\u003c");
  return `${PREFIX}${json}${SUFFIX}`;
}

/**
 * The most of a summary the state line may take. GitHub refuses a summary over
 * 65,535 characters, and a summary is cut to fit from its end (`boundSummary`
 * in src/audit/decision-record.ts): a longer line would make every write of
 * the run fail, or be cut itself and forget every pull request's conclusion.
 * The rest is room for the explanation and the decision record.
 */
export const STATE_LINE_BUDGET = 32_000;

/**
 * Makes `state` fit its line within STATE_LINE_BUDGET, in place, and returns
 * the pull requests it dropped. Anyone can open pull requests on a commit (a
 * branch name may be 250 characters long), so the line cannot simply grow with
 * them. Only passes of pull requests other than `keep` are dropped, those no
 * longer `sharing` the commit first: a pass holds nothing back, and an open
 * pull request on the commit with no entry is not judged, which fails the
 * commit. A failure is never dropped, nor the merge queue's `group`; when the
 * failures alone do not fit, this throws, so the run keeps its last write, which those failures failed.
 */
export function fitHeadState(
  state: HeadState,
  keep: string,
  sharing: (pr: string) => boolean,
): string[] {
  const dropped: string[] = [];
  if (stateLine(state).length <= STATE_LINE_BUDGET) return dropped;
  const passes = Object.keys(state.prs)
    .filter((pr) => pr !== keep && state.prs[pr]!.conclusion === "success")
    // Gone from the commit first; then the newest, which a flood of pull requests opened last.
    .sort((a, b) => Number(sharing(a)) - Number(sharing(b)) || Number(b) - Number(a));
  for (const pr of passes) {
    if (stateLine(state).length <= STATE_LINE_BUDGET) break;
    delete state.prs[pr];
    dropped.push(pr);
  }
  if (stateLine(state).length > STATE_LINE_BUDGET)
    throw new Error(
      `more pull requests fail on this commit than its check run can record (${Object.keys(state.prs).length}); give each pull request its own head commit`,
    );
  return dropped;
}

/** How a check names the merge queue's group on this commit. */
export function groupName(group: MergeGroupState): string {
  return group.pr === undefined
    ? "the merge queue's group (its ref names no pull request)"
    : `the merge queue's group for #${group.pr}`;
}

/** The summary a reader sees: without the state line. */
export function visibleSummary(summary: string): string {
  return readHeadState(summary) ? summary.slice(summary.indexOf("\n") + 1) : summary;
}

function isHeadState(value: unknown): value is HeadState {
  if (typeof value !== "object" || value === null) return false;
  const { prs, group } = value as { prs?: unknown; group?: unknown };
  if (typeof prs !== "object" || prs === null || Array.isArray(prs)) return false;
  // A malformed group is not a line we wrote: the whole state is unreadable, never read without it.
  if (group !== undefined && !isMergeGroupState(group)) return false;
  return Object.entries(prs).every(
    ([number, s]) =>
      /^\d+$/.test(number) &&
      typeof s === "object" &&
      s !== null &&
      ((s as PullRequestState).conclusion === "success" ||
        (s as PullRequestState).conclusion === "failure") &&
      ((s as PullRequestState).arrivedAt === undefined ||
        typeof (s as PullRequestState).arrivedAt === "string") &&
      ((s as PullRequestState).base === undefined ||
        typeof (s as PullRequestState).base === "string"),
  );
}

function isMergeGroupState(value: unknown): value is MergeGroupState {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  const { pr, conclusion } = value as { pr?: unknown; conclusion?: unknown };
  return (
    (pr === undefined || (typeof pr === "number" && Number.isSafeInteger(pr) && pr > 0)) &&
    (conclusion === "success" || conclusion === "failure")
  );
}
