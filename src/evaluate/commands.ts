/**
 * Slash commands in pull-request comments.
 *
 * A command counts only at the start of a line of the comment's own text: not
 * inside a quote (`> /approve-level3` is somebody quoting), not inside a fenced
 * or indented code block (documentation showing the command), not mid-sentence.
 */

export type Command =
  | { type: "approve"; level: number; cancel: boolean; text: string }
  | { type: "emergency"; reason: string; text: string }
  | { type: "governance"; args: string; text: string };

const APPROVE = /^\/approve-level([1-4])(?=\s|$)(?:[ \t]+(\S+))?/i;
const EMERGENCY = /^\/emergency(?=\s|$)(?:[ \t]+(.*))?$/i;
const GOVERNANCE = /^\/governance(?=\s|$)(?:[ \t]+(.*))?$/i;

export function parseCommands(body: string): Command[] {
  const commands: Command[] = [];
  let fence: string | undefined;
  for (const rawLine of body.split(/\r?\n/)) {
    const fenceMatch = /^ {0,3}(`{3,}|~{3,})/.exec(rawLine);
    if (fence !== undefined) {
      if (fenceMatch && fenceMatch[1]![0] === fence[0] && fenceMatch[1]!.length >= fence.length) fence = undefined;
      continue;
    }
    if (fenceMatch) {
      fence = fenceMatch[1]!;
      continue;
    }
    // Four spaces or a tab start an indented code block; `>` starts a quote.
    if (/^( {4}|\t)/.test(rawLine) || /^ {0,3}>/.test(rawLine)) continue;
    const line = rawLine.trim();
    if (!line.startsWith("/")) continue;
    const command = parseLine(line);
    if (command) commands.push(command);
  }
  return commands;
}

function parseLine(line: string): Command | undefined {
  const approve = APPROVE.exec(line);
  if (approve) {
    const word = approve[2]?.toLowerCase();
    return { type: "approve", level: Number(approve[1]), cancel: word === "cancel", text: line };
  }
  const emergency = EMERGENCY.exec(line);
  if (emergency) return { type: "emergency", reason: (emergency[1] ?? "").trim(), text: line };
  const governance = GOVERNANCE.exec(line);
  if (governance) return { type: "governance", args: (governance[1] ?? "").trim(), text: line };
  return undefined;
}
