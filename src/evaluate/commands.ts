import { visibleLines } from "./visible-lines.js";

/**
 * Slash commands in pull-request comments.
 *
 * A command counts only at the start of a line a reader sees as the comment's
 * own text (see visible-lines.ts): not inside a quote (`> /approve-level3` is
 * somebody quoting), a code block or span (documentation showing the command),
 * an HTML comment, nor mid-sentence.
 *
 * A line that a reader takes for a sign-off or `/emergency` but that is not one
 * as written — it starts with an invisible character or a no-break space, or it
 * sits in the lazy continuation of a quote — is `unreadable`: it never counts
 * (what it would say is not what the gate would read), and it is answered, so
 * nobody believes they signed when they did not.
 */

export type ApproveCommand = { type: "approve"; level: number; cancel: boolean; text: string };
export type EmergencyCommand = { type: "emergency"; reason: string; text: string };
export type GovernanceCommand = { type: "governance"; args: string; text: string };
/** `/governance decide approve|reject <rationale>`: a mediator's decision (mediation.ts); `verdict` is undefined when neither word follows. */
export type DecideCommand = {
  type: "decide";
  verdict?: "approve" | "reject";
  rationale: string;
  text: string;
};

export type Command =
  | ApproveCommand
  | EmergencyCommand
  | GovernanceCommand
  | DecideCommand
  | {
      type: "unreadable";
      /** The command as a reader would read it. */
      intended: ApproveCommand | EmergencyCommand | DecideCommand;
      /** Readable text of the command, for the reply. */
      text: string;
      /** Why it cannot count, with what to do instead. */
      reason: string;
    };

const APPROVE = /^\/approve-level([1-4])(?=\s|$)(?:[ \t]+(\S+))?/i;
const EMERGENCY = /^\/emergency(?=\s|$)(?:[ \t]+(.*))?$/i;
const GOVERNANCE = /^\/governance(?=\s|$)(?:[ \t]+(.*))?$/i;
const DECIDE = /^decide(?=\s|$)(?:[ \t]+(\S+))?(?:[ \t]+(.*))?$/i;

/** Characters that render as nothing (format characters, fillers, variation selectors). */
// Variation selectors are listed on purpose: alone in a class they are what we look for, not a
// modifier of the character before them.
// eslint-disable-next-line no-misleading-character-class
const INVISIBLE = /[\p{Cf}\u115F\u1160\u3164\uFFA0\u180B-\u180F\uFE00-\uFE0F]/u;
/** Spaces other than the plain space and tab: they look like a space and are not one. */
const ODD_SPACE = /(?![ \t])[\s\p{Z}\u0085]/u;

export function parseCommands(body: string): Command[] {
  const commands: Command[] = [];
  for (const { text: line, continuesQuote } of visibleLines(body)) {
    const text = line.trimEnd();
    const readable = asRead(text);
    const intended = readable.startsWith("/") ? parseLine(readable) : undefined;
    if (continuesQuote) {
      if (intended && intended.type !== "governance") {
        commands.push({
          type: "unreadable",
          intended,
          text: intended.text,
          reason:
            "the line continues the quote above it (a line right after a `>` line is part of the quote); post the command again with an empty line after the quote",
        });
      }
      continue;
    }
    const command = text.startsWith("/") ? parseLine(text) : undefined;
    // What the reader reads, or, when the reader sees no command at all (`/approve-level3`
    // then U+FEFF, which JavaScript reads as a space, then `4`), what the gate would read.
    const shown =
      intended && intended.type !== "governance"
        ? intended
        : !intended && command && command.type !== "governance"
          ? command
          : undefined;
    if (shown && (shown !== intended || differs(command, shown))) {
      const odd = [...text].find((c) => INVISIBLE.test(c) || ODD_SPACE.test(c)) ?? text[0]!;
      const what = INVISIBLE.test(odd)
        ? "an invisible character"
        : "a space that is not a plain space";
      const where = text.startsWith(odd) ? "starts with" : "contains";
      commands.push({
        type: "unreadable",
        intended: shown,
        text: shown === intended ? shown.text : asRead(text),
        reason: `the command ${where} ${what} (${codePoint(odd)}); post it again as plain text`,
      });
      continue;
    }
    if (command) commands.push(command);
  }
  return commands;
}

/** The line as a reader reads it: invisible characters gone, odd spaces plain, no leading space. */
function asRead(line: string): string {
  let out = "";
  for (const c of line) {
    if (INVISIBLE.test(c)) continue;
    out += ODD_SPACE.test(c) ? " " : c;
  }
  return out.trim();
}

/** Whether what the gate reads is not what the reader reads (a reason's wording aside). */
function differs(
  read: Command | undefined,
  intended: ApproveCommand | EmergencyCommand | DecideCommand,
): boolean {
  if (read?.type !== intended.type) return true;
  if (read.type === "approve" && intended.type === "approve")
    return read.level !== intended.level || read.cancel !== intended.cancel;
  if (read.type === "decide" && intended.type === "decide")
    return read.verdict !== intended.verdict;
  return false;
}

function codePoint(c: string): string {
  return `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`;
}

function parseLine(
  line: string,
): ApproveCommand | EmergencyCommand | GovernanceCommand | DecideCommand | undefined {
  const approve = APPROVE.exec(line);
  if (approve) {
    const word = approve[2]?.toLowerCase();
    return { type: "approve", level: Number(approve[1]), cancel: word === "cancel", text: line };
  }
  const emergency = EMERGENCY.exec(line);
  if (emergency) return { type: "emergency", reason: (emergency[1] ?? "").trim(), text: line };
  const governance = GOVERNANCE.exec(line);
  if (governance) {
    const args = (governance[1] ?? "").trim();
    // A decision changes the check, as a sign-off does: it is its own command, answered with 👍 or why not.
    const decide = DECIDE.exec(args);
    if (decide) {
      const word = decide[1]?.toLowerCase();
      const verdict = word === "approve" || word === "reject" ? word : undefined;
      const rationale = verdict
        ? (decide[2] ?? "").trim()
        : [decide[1], decide[2]].filter(Boolean).join(" ").trim();
      return { type: "decide", verdict, rationale, text: line };
    }
    return { type: "governance", args, text: line };
  }
  return undefined;
}
