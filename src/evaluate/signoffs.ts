import { isBot } from "../policy/logins.js";
import type { Policy } from "../policy/model.js";
import { parseCommands } from "./commands.js";
import type { Facts } from "./facts.js";

/**
 * Who has signed off, read from reviews and comments with every rule that keeps
 * a sign-off honest: the author never counts, approvals of an earlier commit and
 * commands posted before the latest push do not count, edited commands do not
 * count, a "changes requested" review stands until that person approves or it is
 * dismissed. Which requirement a sign-off fills is decided later, per requirement.
 */

export interface SignerState {
  login: string;
  /** Time of a valid approving review on the head commit. */
  reviewAt?: number;
  /** Highest level signed by a valid `/approve-levelN`, and when. */
  commandLevel: number;
  commandAt?: number;
}

export interface CommandEvent {
  commentId: number;
  login: string;
  text: string;
  level: number;
  cancel: boolean;
  /** Why the command cannot count whatever the requirements (undefined: it may count). */
  invalidReason?: string;
}

export interface EmergencyEvent {
  commentId: number;
  login: string;
  text: string;
  reason: string;
  /** Why it cannot count whatever the roles (undefined: it may count). */
  invalidReason?: string;
}

/** `/governance decide approve|reject <rationale>`: a mediator settling a disagreement (see mediation.ts). */
export interface DecideEvent {
  commentId: number;
  login: string;
  text: string;
  verdict?: "approve" | "reject";
  rationale: string;
  /** When it was posted (ms). */
  at: number;
  /** Why it cannot count whoever posted it (undefined: it may count). */
  invalidReason?: string;
}

export interface SignOffs {
  signers: Map<string, SignerState>;
  /** Logins whose latest decisive review requests changes. */
  blockers: Set<string>;
  /** When each blocker's standing "changes requested" review was submitted (ms). */
  blockedAt: Map<string, number>;
  /** Earliest review or comment of each participant (for "input required before approval"). */
  firstInputAt: Map<string, number>;
  commands: CommandEvent[];
  emergencies: EmergencyEvent[];
  decisions: DecideEvent[];
  notes: string[];
}

export { isBot };

export function collectSignOffs(facts: Facts, policy: Policy): SignOffs {
  const author = facts.author.toLowerCase();
  const signers = new Map<string, SignerState>();
  const blockers = new Set<string>();
  const firstInputAt = new Map<string, number>();
  const notes: string[] = [];
  const commands: CommandEvent[] = [];
  const emergencies: EmergencyEvent[] = [];
  const decisions: DecideEvent[] = [];
  const blockedAt = new Map<string, number>();
  const signer = (login: string): SignerState => {
    let s = signers.get(login);
    if (!s) {
      s = { login, commandLevel: 0 };
      signers.set(login, s);
    }
    return s;
  };
  // People who pushed commits to the change are no more independent than its author.
  const contributors = new Set(
    policy.signoff.contributorsCanSign
      ? []
      : (facts.contributors ?? []).map((c) => c.toLowerCase()).filter((c) => c !== author),
  );
  const contributed = (login: string) => contributors.has(login);
  const reviewsFrom = facts.reviewsFrom === undefined ? undefined : time(facts.reviewsFrom);
  const input = (login: string, at: number) => {
    if (login === author || contributed(login) || isBot(login)) return;
    const prev = firstInputAt.get(login);
    if (prev === undefined || at < prev) firstInputAt.set(login, at);
  };

  const reviews = [...facts.reviews].sort((a, b) => time(a.submittedAt) - time(b.submittedAt));
  const decisive = new Map<string, (typeof reviews)[number]>();
  for (const review of reviews) {
    const login = review.user.toLowerCase();
    if (review.state === "PENDING") continue;
    input(login, time(review.submittedAt));
    if (
      review.state === "APPROVED" ||
      review.state === "CHANGES_REQUESTED" ||
      review.state === "DISMISSED"
    ) {
      decisive.set(login, review);
    }
  }
  for (const [login, review] of decisive) {
    if (login === author || isBot(login)) continue;
    if (review.state === "CHANGES_REQUESTED") {
      blockers.add(login);
      blockedAt.set(login, time(review.submittedAt));
    }
    if (review.state !== "APPROVED") continue;
    if (policy.signoff.invalidateOnPush && review.commitId !== facts.headSha) {
      notes.push(
        `@${review.user}'s approval was for an earlier commit (${review.commitId.slice(0, 7)}) and no longer counts`,
      );
      continue;
    }
    if (
      policy.signoff.invalidateOnPush &&
      reviewsFrom !== undefined &&
      time(review.submittedAt) < reviewsFrom
    ) {
      notes.push(
        `@${review.user}'s approval came before the pull request's latest force-push or change of base and no longer counts`,
      );
      continue;
    }
    if (contributed(login)) {
      notes.push(
        `@${review.user}'s approval does not count: they authored or committed commits of this pull request (signoff.contributorsCanSign is off)`,
      );
      continue;
    }
    signer(login).reviewAt = time(review.submittedAt);
  }

  const pushedAt = facts.headPushedAt === undefined ? undefined : time(facts.headPushedAt);
  const comments = [...facts.comments].sort(
    (a, b) => time(a.createdAt) - time(b.createdAt) || a.id - b.id,
  );
  for (const comment of comments) {
    const login = comment.user.toLowerCase();
    if (isBot(login)) continue;
    const createdAt = time(comment.createdAt);
    input(login, createdAt);
    const edited = time(comment.updatedAt) > createdAt;
    for (const parsed of parseCommands(comment.body)) {
      // A command a reader sees but the gate cannot read as written (an invisible
      // character, a quote's continuation) is answered with why, and never counts.
      const unreadable = parsed.type === "unreadable" ? parsed.reason : undefined;
      const command = parsed.type === "unreadable" ? parsed.intended : parsed;
      if (command.type === "emergency") {
        const event: EmergencyEvent = {
          commentId: comment.id,
          login: comment.user,
          text: command.text,
          reason: command.reason,
        };
        emergencies.push(event);
        if (login === author && !policy.emergency.allowAuthor)
          event.invalidReason =
            "the pull request's author cannot declare an emergency for their own change";
        else if (contributed(login) && !policy.emergency.allowAuthor)
          event.invalidReason =
            "a contributor to the pull request cannot declare an emergency for it";
        else if (unreadable) event.invalidReason = unreadable;
        else if (command.reason === "")
          event.invalidReason =
            "a reason is required: `/emergency <what is broken and why this cannot wait>`";
        else if (edited)
          event.invalidReason =
            "the comment was edited after it was posted; post `/emergency <reason>` in a new comment";
        else if (
          policy.signoff.invalidateOnPush &&
          (pushedAt === undefined || createdAt < pushedAt)
        ) {
          event.invalidReason =
            "it was declared before the current commit arrived on this pull request (its latest push, force-push or change of base); declare it again for the current commit";
        }
        continue;
      }
      if (command.type === "decide") {
        const event: DecideEvent = {
          commentId: comment.id,
          login: comment.user,
          text: command.text,
          verdict: command.verdict,
          rationale: command.rationale,
          at: createdAt,
        };
        decisions.push(event);
        // The mediator is independent of the change: its author and contributors decide nothing about it.
        if (login === author)
          event.invalidReason =
            "the pull request's author cannot decide a disagreement about their own change";
        else if (contributed(login))
          event.invalidReason =
            "a contributor to the pull request cannot decide a disagreement about it";
        else if (unreadable) event.invalidReason = unreadable;
        else if (!command.verdict)
          event.invalidReason =
            "say what you decide: `/governance decide approve <rationale>` or `/governance decide reject <rationale>`";
        else if (command.rationale === "")
          event.invalidReason = `a rationale is required: \`/governance decide ${command.verdict} <why>\` (the decision and its rationale are recorded)`;
        else if (edited)
          event.invalidReason =
            "the comment was edited after it was posted; post the decision in a new comment";
        else if (
          policy.signoff.invalidateOnPush &&
          (pushedAt === undefined || createdAt < pushedAt)
        ) {
          event.invalidReason =
            "it was posted before the current commit arrived on this pull request (its latest push, force-push or change of base); decide again on the current commit";
        }
        continue;
      }
      if (command.type !== "approve") continue;
      const event: CommandEvent = {
        commentId: comment.id,
        login: comment.user,
        text: command.text,
        level: command.level,
        cancel: command.cancel,
      };
      commands.push(event);
      if (login === author) {
        event.invalidReason = "the pull request's author cannot sign off their own change";
        continue;
      }
      if (contributed(login) && !command.cancel) {
        event.invalidReason =
          "contributors cannot sign off a change they authored or committed to (signoff.contributorsCanSign is off)";
        continue;
      }
      const state = signer(login);
      if (command.cancel) {
        // A withdrawal is honoured even from an edited or unreadable comment:
        // honouring it can only make the check stricter. Whatever its level, it
        // withdraws everything the person signed before it: one sign-off covers
        // every level up to its own, so a partial withdrawal cannot be kept, and
        // an approving review left standing would sign what they took back.
        state.commandLevel = 0;
        state.commandAt = undefined;
        if (state.reviewAt !== undefined && state.reviewAt <= createdAt) {
          state.reviewAt = undefined;
          notes.push(
            `@${comment.user}'s approving review was withdrawn by their later \`${command.text}\`; approve again to sign`,
          );
        }
        continue;
      }
      if (unreadable) {
        event.invalidReason = unreadable;
        continue;
      }
      if (edited) {
        event.invalidReason =
          "the comment was edited after it was posted; edited comments do not count — post the command in a new comment";
        continue;
      }
      if (policy.signoff.invalidateOnPush) {
        if (pushedAt === undefined) {
          event.invalidReason =
            "the time the head commit was pushed is unknown, so the command cannot be dated after it";
          continue;
        }
        if (createdAt < pushedAt) {
          event.invalidReason =
            "it was posted before the current commit arrived on this pull request (its latest push, force-push or change of base); sign off again on the current commit";
          continue;
        }
      }
      if (command.level >= state.commandLevel) {
        state.commandLevel = command.level;
        state.commandAt = createdAt;
      }
    }
  }
  return { signers, blockers, blockedAt, firstInputAt, commands, emergencies, decisions, notes };
}

function time(iso: string): number {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? 0 : t;
}
