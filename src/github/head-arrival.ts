import type { TimelineEvent } from "./snapshot.js";

/**
 * When a pull request's head commit arrived on it — the moment after which a
 * sign-off command can be about this commit. Never a commit date (the author
 * chooses those) and never per commit alone (a commit can be a pull request's
 * head twice: push A, push B, force-push back to A).
 *
 * GitHub's timeline dates every force-push, branch restore and retarget of the
 * pull request; nothing before the latest of those (or before the pull request
 * existed) is about the current head. A fast-forward push leaves no timeline
 * event, so its time comes from the `synchronize` delivery (GitHub's
 * `updated_at`, signed with the webhook secret), remembered in our check run.
 * When neither is known, the head is taken to have arrived when the app first
 * saw it: commands made before that are refused and must be posted again —
 * failing closed, and saying so.
 */

export interface ArrivalEvidence {
  /** When GitHub created the pull request. */
  createdAt: string;
  timeline: readonly TimelineEvent[];
  /** The delivery being handled, when it is GitHub's record of a head arriving (opened, synchronize, reopened). */
  delivered?: { head: string; at: string };
  /** What an earlier evaluation recorded for this pull request and head. */
  recorded?: string;
  /**
   * A run written before the app recorded arrivals: its start is when that
   * version first saw the head. Empty when GitHub gave no start: unknown, so
   * the head counts as first seen now.
   */
  legacyRunStartedAt?: string;
  now: Date;
}

export interface HeadArrival {
  /** Commands (sign-offs, emergencies) count only from here. */
  arrivedAt: string;
  /**
   * Reviews name their commit, so they count from the latest force-push,
   * restore or retarget: after one of those, the same commit may be compared
   * against another base or have been replaced and brought back.
   */
  reviewsFrom: string;
  /** How `arrivedAt` was known, for the summary. */
  source: "delivery" | "recorded" | "first-seen";
}

export function headArrival(head: string, evidence: ArrivalEvidence): HeadArrival {
  const bounds = [
    evidence.createdAt,
    ...evidence.timeline
      .filter(
        (e) =>
          e.type === "head-force-pushed" || e.type === "head-restored" || e.type === "base-changed",
      )
      .map((e) => e.at),
  ];
  const reviewsFrom = latest(bounds);
  let claimed: string;
  let source: HeadArrival["source"];
  if (evidence.delivered && evidence.delivered.head === head) {
    claimed = evidence.delivered.at;
    source = "delivery";
  } else if (evidence.recorded !== undefined) {
    claimed = evidence.recorded;
    source = "recorded";
  } else if (evidence.legacyRunStartedAt) {
    claimed = evidence.legacyRunStartedAt;
    source = "recorded";
  } else {
    claimed = evidence.now.toISOString();
    source = "first-seen";
  }
  return { arrivedAt: latest([reviewsFrom, claimed]), reviewsFrom, source };
}

function latest(times: string[]): string {
  let bestAt = parse(times[0]!);
  for (const t of times.slice(1)) bestAt = Math.max(bestAt, parse(t));
  return new Date(bestAt).toISOString();
}

/** An unreadable time is the latest possible: it can only make sign-offs stricter. */
function parse(iso: string): number {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? 8.64e15 : t;
}
