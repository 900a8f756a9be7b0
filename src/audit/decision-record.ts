import { z } from "zod";
import type { Decision } from "../evaluate/decision.js";
import type { Facts } from "../evaluate/facts.js";
import type { BusinessCalendar, Policy } from "../policy/model.js";
import type { PolicyProblem } from "../policy/problems.js";

/**
 * The decision record: what the app decided about a pull request's head, as
 * data an auditor can read back later (issue 13) — the policy it was judged
 * by, its level, areas and requirements, who signed (and by which review or
 * comment, when), which sign-offs were refused and why, an emergency override,
 * a mediator's decision. It rides on the last line of the `governance` check
 * run's summary as a hidden HTML comment: invisible to the reviewer, and kept
 * where only the app can write (a check run is written by the App that owns
 * it; the auditor reads only our App's runs).
 *
 * The record is a pure function of what the decision was made from: no clock.
 * A redelivered event must produce the same summary, or the run would be
 * rewritten on every event.
 *
 * Versioned: `recordVersion` grows when a field changes meaning. A reader meets
 * records of newer versions (a newer app wrote them) and reports them as such
 * instead of guessing at their fields.
 */

export const RECORD_VERSION = 1;
export const RECORD_PREFIX = "<!-- governance-gate:decision ";
const RECORD_SUFFIX = " -->";
/** What the record may take of a check run summary (GitHub: 65,535 characters per field). */
export const RECORD_LIMIT = 16_000;
/** GitHub rejects a check run summary longer than this. */
export const CHECK_FIELD_LIMIT = 65_535;
/** Free text (an emergency reason, a refusal, a rationale) is cut to this many characters. */
const TEXT_LIMIT = 500;
const HOLIDAYS_KEPT = 60;

const sha = z.string().max(64);
const login = z.string().max(100);
const isoTime = z.string().max(40);
const text = z.string().max(TEXT_LIMIT + 1);
const level = z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(4)]);
const businessDuration = z.object({
  businessDays: z.number().optional(),
  businessHours: z.number().optional(),
});

const signOff = z.object({
  requirement: z.string(),
  area: z.string(),
  role: z.string(),
  login,
  via: z.enum(["review", "command"]),
  /** The approving review (REST id) or the comment carrying the command. */
  reviewId: z.number().optional(),
  commentId: z.number().optional(),
  /** When the review was submitted or the comment posted. */
  at: isoTime.optional(),
});

const recordV1 = z.object({
  recordVersion: z.literal(1),
  pullRequest: z.number().int(),
  /** The head commit the decision is about. */
  head: sha,
  base: z.object({ ref: z.string().max(255), sha }),
  /** When the head arrived on the pull request: the sign-off clock starts here. */
  arrivedAt: isoTime.optional(),
  /** This pull request's own conclusion (the run's may be stricter, see check-state.ts). */
  conclusion: z.enum(["success", "failure"]),
  /** `policy-invalid`: the base branch's policy failed lint, nothing could be decided. */
  outcome: z.enum(["decided", "policy-invalid"]),
  policy: z.object({
    source: z.string().max(300),
    /** The base commit the policy was read at. */
    commit: sha,
    lint: z.object({ errors: z.number().int(), warnings: z.number().int() }),
    /** The policy this pull request proposes (an amendment), linted in the same check. */
    proposed: z
      .object({ file: z.string().max(300), errors: z.number().int(), warnings: z.number().int() })
      .optional(),
    sla: z
      .object({
        timezone: z.string(),
        workingDays: z.array(z.enum(["mon", "tue", "wed", "thu", "fri", "sat", "sun"])),
        hours: z.object({ start: z.string(), end: z.string() }),
        holidays: z.array(z.string()),
        review: businessDuration,
        expedited: businessDuration,
      })
      .optional(),
    emergencyReviewWithinHours: z.number().optional(),
  }),
  level: level.optional(),
  areas: z.array(z.object({ id: z.string(), level, accountable: z.string() })),
  requirements: z.array(
    z.object({
      id: z.string(),
      area: z.string(),
      level,
      roles: z.array(z.string()),
      satisfied: z.boolean(),
    }),
  ),
  signoffs: z.array(signOff),
  refused: z.array(z.object({ login, commentId: z.number(), command: text, reason: text })),
  emergency: z
    .object({
      by: login,
      reason: text,
      commentId: z.number(),
      at: isoTime.optional(),
      bypassed: z.array(z.string()),
      ticketBypassed: z.boolean(),
    })
    .optional(),
  /** Mediators' decisions on requirements whose approvers disagreed (`/governance decide`), with their rationale. */
  mediations: z
    .array(
      z.object({
        requirement: z.string(),
        by: login,
        role: z.string(),
        verdict: z.enum(["approve", "reject"]),
        rationale: text,
        commentId: z.number(),
        at: isoTime,
      }),
    )
    .optional(),
  /** Lists cut to fit the check's limits: list name → how many entries were left off. */
  truncated: z.record(z.string(), z.number().int()).optional(),
});

export type DecisionRecord = z.infer<typeof recordV1>;
export type RecordedSignOff = z.infer<typeof signOff>;

export type RecordReading =
  | { status: "ok"; record: DecisionRecord }
  /** Written by a newer app: reported, never guessed at. */
  | { status: "newer"; version: number }
  | { status: "invalid"; reason: string }
  | { status: "absent" };

/** What the record is built from: the decision and what it was decided on. */
export interface RecordInput {
  pullRequest: number;
  base: { ref: string; sha: string };
  /** Where the policy was read from (`.github/governance.yml`, `acme/.github:…`). */
  policySource: string;
  /** The base policy's lint problems (warnings only, for a policy that loaded). */
  policyProblems: readonly PolicyProblem[];
  arrivedAt?: string;
}

export interface DecidedInput extends RecordInput {
  decision: Decision;
  policy: Policy;
  facts: Pick<Facts, "headSha" | "reviews" | "comments" | "proposedPolicy">;
}

/** The record of a decision. */
export function buildDecisionRecord(input: DecidedInput): DecisionRecord {
  const { decision, policy, facts } = input;
  const evidence = { ...facts, counted: decision.commands.filter((c) => c.counted) };
  const signoffs = decision.requirements.flatMap((r) =>
    r.signatures.map((s) => ({
      requirement: r.id,
      area: r.area,
      role: s.role,
      login: s.login,
      via: s.via,
      ...evidenceOf(s.login, s.via, evidence),
    })),
  );
  const commentAt = (id: number) => facts.comments.find((c) => c.id === id)?.createdAt;
  const emergency = decision.emergency;
  const mediations = decision.requirements.flatMap((r) => {
    const decided = r.mediation?.decision;
    return decided
      ? [
          {
            requirement: r.id,
            by: decided.by,
            role: decided.role,
            verdict: decided.verdict,
            rationale: cut(decided.rationale),
            commentId: decided.commentId,
            at: decided.at,
          },
        ]
      : [];
  });
  const proposed = facts.proposedPolicy;
  return {
    recordVersion: RECORD_VERSION,
    pullRequest: input.pullRequest,
    head: facts.headSha,
    base: { ref: cut(input.base.ref, 255), sha: input.base.sha },
    ...(input.arrivedAt ? { arrivedAt: input.arrivedAt } : {}),
    conclusion: decision.conclusion,
    outcome: "decided",
    policy: {
      ...policyHeader(input),
      ...(proposed
        ? { proposed: { file: cut(proposed.file, 300), ...lintCounts(proposed.problems) } }
        : {}),
      sla: slaOf(policy.sla),
      emergencyReviewWithinHours: policy.emergency.reviewWithinHours,
    },
    level: decision.level,
    areas: decision.areas.map((a) => ({ id: a.id, level: a.level, accountable: a.accountable })),
    requirements: decision.requirements.map((r) => ({
      id: r.id,
      area: r.area,
      level: r.level,
      roles: [...new Set(r.clauses.flatMap((c) => c.roles))],
      satisfied: r.satisfied,
    })),
    signoffs,
    refused: decision.commands
      .filter((c) => !c.counted)
      .map((c) => ({
        login: c.login,
        commentId: c.commentId,
        command: cut(c.command),
        reason: cut(c.reason ?? ""),
      })),
    ...(emergency
      ? {
          emergency: {
            by: emergency.by,
            reason: cut(emergency.reason),
            commentId: emergency.commentId,
            ...optionalAt(commentAt(emergency.commentId)),
            bypassed: emergency.bypassed.map((b) => b.id),
            ticketBypassed: emergency.ticketBypassed,
          },
        }
      : {}),
    ...(mediations.length > 0 ? { mediations } : {}),
  };
}

/** The record of a head whose base policy failed lint: nothing was decided, and the check failed. */
export function buildPolicyFailureRecord(input: RecordInput & { head: string }): DecisionRecord {
  return {
    recordVersion: RECORD_VERSION,
    pullRequest: input.pullRequest,
    head: input.head,
    base: { ref: cut(input.base.ref, 255), sha: input.base.sha },
    ...(input.arrivedAt ? { arrivedAt: input.arrivedAt } : {}),
    conclusion: "failure",
    outcome: "policy-invalid",
    policy: policyHeader(input),
    areas: [],
    requirements: [],
    signoffs: [],
    refused: [],
  };
}

/**
 * `summary` with `record` as its last line, the record cut to `budget`
 * characters (lists shortened, what was left off counted in `truncated`). The
 * JSON is never cut: a shorter record is serialised instead.
 */
export function withDecisionRecord(
  summary: string,
  record: DecisionRecord,
  budget = RECORD_LIMIT,
): string {
  return `${summary.trimEnd()}\n\n${recordLine(record, budget)}`;
}

/** The record on the last line of a summary the app wrote. */
export function readDecisionRecord(summary: string | null | undefined): RecordReading {
  const last = (summary ?? "").trimEnd().split(/\r?\n/).at(-1) ?? "";
  if (!last.startsWith(RECORD_PREFIX) || !last.endsWith(RECORD_SUFFIX)) return { status: "absent" };
  let json: unknown;
  try {
    json = JSON.parse(last.slice(RECORD_PREFIX.length, -RECORD_SUFFIX.length));
  } catch (error) {
    return { status: "invalid", reason: `not JSON: ${(error as Error).message}` };
  }
  const version =
    typeof json === "object" && json !== null
      ? (json as { recordVersion?: unknown }).recordVersion
      : undefined;
  if (typeof version === "number" && Number.isInteger(version) && version > RECORD_VERSION)
    return { status: "newer", version };
  const parsed = recordV1.safeParse(json);
  if (!parsed.success)
    return {
      status: "invalid",
      reason: parsed.error.issues
        .map((i) => `${i.path.join(".") || "record"}: ${i.message}`)
        .slice(0, 3)
        .join("; "),
    };
  return { status: "ok", record: parsed.data };
}

/**
 * A summary GitHub accepts (≤ `limit` characters) that keeps what the app
 * reads: the state on its first line and the record on its last. The record
 * shrinks first; only when the text a reviewer reads is itself too long is
 * its middle cut, with a note.
 */
export function boundSummary(summary: string, limit = CHECK_FIELD_LIMIT): string {
  if (summary.length <= limit) return summary;
  const reading = readDecisionRecord(summary);
  const body =
    reading.status === "absent"
      ? summary
      : summary.trimEnd().slice(0, summary.trimEnd().lastIndexOf("\n")).trimEnd();
  const record = reading.status === "ok" ? reading.record : undefined;
  const minimal = record ? recordLine(record, 0).length + 2 : 0;
  const room = limit - body.length;
  if (record && room >= minimal) return withDecisionRecord(body, record, room - 2);
  const firstLineEnd = body.indexOf("\n");
  const keepFirst =
    body.startsWith("<!-- governance-gate:") && firstLineEnd > 0
      ? body.slice(0, firstLineEnd + 1)
      : "";
  const note =
    "\n\n… (summary truncated to fit GitHub's limit; run `governance-gate explain` for the full explanation)";
  const rest = body.slice(
    keepFirst.length,
    Math.max(keepFirst.length, limit - minimal - note.length - keepFirst.length),
  );
  const cutBody = `${keepFirst}${rest}${note}`;
  return record
    ? withDecisionRecord(cutBody, record, limit - cutBody.length - 2)
    : cutBody.slice(0, limit);
}

// ---------------------------------------------------------------------------

/** The record as one comment line, at most `budget` characters unless even the minimal record is longer. */
function recordLine(record: DecisionRecord, budget: number): string {
  const line = (r: DecisionRecord) => {
    // JSON.stringify never emits a newline; escaping `<` and `>` keeps `-->` (and any tag) out of the comment.
    const json = JSON.stringify(r).replace(/</g, "\\u003c").replace(/>/g, "\\u003e");
    return `${RECORD_PREFIX}${json}${RECORD_SUFFIX}`;
  };
  let current = record;
  let out = line(current);
  // Halve the longest list until it fits, counting what was left off; then drop the optional detail.
  while (out.length > budget) {
    const next = shrink(current);
    if (!next) break;
    current = next;
    out = line(current);
  }
  return out;
}

const LISTS = ["signoffs", "refused", "requirements", "areas", "mediations"] as const;

function shrink(record: DecisionRecord): DecisionRecord | undefined {
  const lengthOf = (list: (typeof LISTS)[number]) => record[list]?.length ?? 0;
  const longest = [...LISTS].sort((a, b) => lengthOf(b) - lengthOf(a))[0]!;
  const length = lengthOf(longest);
  if (length > 0) {
    const keep = Math.floor(length / 2);
    const truncated = {
      ...record.truncated,
      [longest]: (record.truncated?.[longest] ?? 0) + (length - keep),
    };
    return { ...record, [longest]: record[longest]!.slice(0, keep), truncated };
  }
  if (record.policy.sla && record.policy.sla.holidays.length > 0) {
    return {
      ...record,
      policy: { ...record.policy, sla: { ...record.policy.sla, holidays: [] } },
      truncated: { ...record.truncated, holidays: record.policy.sla.holidays.length },
    };
  }
  if (record.emergency && record.emergency.bypassed.length > 0) {
    return {
      ...record,
      emergency: { ...record.emergency, bypassed: [] },
      truncated: { ...record.truncated, bypassed: record.emergency.bypassed.length },
    };
  }
  return undefined;
}

function policyHeader(input: RecordInput): DecisionRecord["policy"] {
  return {
    source: cut(input.policySource, 300),
    commit: input.base.sha,
    lint: lintCounts(input.policyProblems),
  };
}

function lintCounts(problems: readonly { severity: "error" | "warning" }[]): {
  errors: number;
  warnings: number;
} {
  return {
    errors: problems.filter((p) => p.severity === "error").length,
    warnings: problems.filter((p) => p.severity === "warning").length,
  };
}

function slaOf(calendar: BusinessCalendar): NonNullable<DecisionRecord["policy"]["sla"]> {
  return {
    timezone: calendar.timezone,
    workingDays: [...calendar.workingDays],
    hours: { ...calendar.hours },
    // The holidays that matter to an audit are recent ones; a long list is cut to its latest.
    holidays: [...calendar.holidays].sort().slice(-HOLIDAYS_KEPT),
    review: { ...calendar.review },
    expedited: { ...calendar.expedited },
  };
}

/**
 * Which review or comment made a signature, and when. A review signature is
 * the signer's latest approving review of the head; a command signature their
 * counted `/approve-levelN` of the highest level, the latest of those (as
 * evaluate/signoffs.ts keeps it).
 */
function evidenceOf(
  who: string,
  via: "review" | "command",
  facts: EvidenceFacts,
): { reviewId?: number; commentId?: number; at?: string } {
  const same = (other: string) => other.toLowerCase() === who.toLowerCase();
  if (via === "review") {
    const review = facts.reviews
      .filter((r) => same(r.user) && r.state === "APPROVED" && r.commitId === facts.headSha)
      .sort((a, b) => Date.parse(a.submittedAt) - Date.parse(b.submittedAt))
      .at(-1);
    return review ? { reviewId: review.id, at: review.submittedAt } : {};
  }
  const commands = facts.counted
    .filter((c) => same(c.login))
    .map((c) => ({
      id: c.commentId,
      level: Number(/^\/approve-level(\d)/i.exec(c.command)?.[1] ?? 0),
      at: facts.comments.find((m) => m.id === c.commentId)?.createdAt,
    }))
    .filter((c) => c.level > 0)
    .sort(
      (a, b) => a.level - b.level || Date.parse(a.at ?? "") - Date.parse(b.at ?? "") || a.id - b.id,
    );
  const chosen = commands.at(-1);
  return chosen ? { commentId: chosen.id, ...optionalAt(chosen.at) } : {};
}

type EvidenceFacts = DecidedInput["facts"] & { counted: Decision["commands"] };

function optionalAt(at: string | undefined): { at?: string } {
  return at ? { at } : {};
}

function cut(value: string, max = TEXT_LIMIT): string {
  return value.length > max ? `${value.slice(0, max - 1)}…` : value;
}
