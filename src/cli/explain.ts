import { loadHclGrammar } from "../changes/hcl-grammar.js";
import { detectorsFor } from "../changes/registry.js";
import { terraformDetector } from "../changes/terraform.js";
import { terraformSizingDetector } from "../changes/terraform-sizing.js";
import type { ChangedFile } from "../changes/types.js";
import type { Decision } from "../evaluate/decision.js";
import { evaluate } from "../evaluate/evaluate.js";
import { emptyFacts } from "../evaluate/facts.js";
import type { Policy } from "../policy/model.js";
import { describeClause } from "../render/summary.js";
import { readRange } from "./git.js";
import { UsageError, type ExplainArgs, type Io } from "./args.js";
import { requirePolicy } from "./policy.js";

export async function explainCommand(args: ExplainArgs, io: Io): Promise<number> {
  const files = changedFiles(args);
  const policy = await requirePolicy(args.policy, io);
  const pathsOnly = args.files !== undefined;
  // The Terraform detectors read synchronously with a grammar loaded beforehand (hcl-grammar.ts);
  // the sizing one also reads .tfvars files, which no other detector parses.
  const readsHcl = [terraformDetector, terraformSizingDetector];
  if (!pathsOnly && files.some((f) => detectorsFor(f).some((d) => readsHcl.includes(d))))
    await loadHclGrammar();
  const facts = emptyFacts(files, {
    author: args.author ?? "",
    title: args.title ?? "",
    body: args.body ?? "",
    labels: args.label ?? [],
    pathsOnly,
  });
  const decision = evaluate(policy, facts, new Date());
  io.out(
    args.json ? JSON.stringify(explainJson(decision), null, 2) : explainTable(decision, policy),
  );
  return 0;
}

function changedFiles(args: ExplainArgs): ChangedFile[] {
  const range = args.base !== undefined || args.head !== undefined || args.repo !== undefined;
  if (args.files && range)
    throw new UsageError("give either --files or --repo/--base/--head, not both");
  if (args.files) {
    // `--files a b c`: the first path is the option's value, the rest positionals.
    return [...args.files, ...args.positionals].map((path) => ({
      path,
      status: "modified" as const,
    }));
  }
  if (args.positionals.length > 0)
    throw new UsageError(`unexpected argument "${args.positionals[0]}"`);
  if (!args.base || !args.head)
    throw new UsageError(
      "explain needs --base REF and --head REF (with --repo DIR, default .) or --files PATH...",
    );
  return readRange(args.repo ?? ".", args.base, args.head);
}

/** The CLI's stable JSON contract (see README): every field a script may rely on. */
export function explainJson(decision: Decision) {
  return {
    conclusion: decision.conclusion,
    level: decision.level,
    areas: decision.areas.map((a) => ({
      id: a.id,
      level: a.level,
      files: a.files,
      changes: a.changes.map((c) => ({
        kind: c.kind,
        path: c.path,
        detail: c.detail,
        line: c.line,
        conservative: c.conservative,
      })),
    })),
    requirements: decision.requirements.flatMap((r) => {
      const allOf = r.clauses
        .filter((c) => c.roles.length === 1 && c.count === 1)
        .map((c) => c.roles[0]!);
      const anyOf = r.clauses.filter((c) => !(c.roles.length === 1 && c.count === 1));
      const base = {
        id: r.id,
        area: r.area,
        rule: r.rule,
        level: r.level,
        reason: r.reason,
        satisfied: r.satisfied,
      };
      return [
        ...(allOf.length > 0 ? [{ ...base, roles: allOf, count: allOf.length }] : []),
        ...anyOf.map((c) => ({ ...base, roles: c.roles, count: c.count })),
      ];
    }),
    requiredRoles: decision.requiredRoles,
    consulted: decision.consulted,
    informed: decision.informed,
    unowned: decision.unowned,
    ticket: {
      required: decision.ticket.required,
      pattern: decision.ticket.pattern ?? null,
      found: decision.ticket.found,
      areas: decision.ticket.areas,
    },
    reviewersToRequest: decision.reviewersToRequest,
    problems: decision.problems,
  };
}

function explainTable(decision: Decision, policy: Policy): string {
  const lines: string[] = [];
  lines.push(
    `Level ${decision.level} — ${policy.levels[decision.level].name} (${decision.conclusion === "success" ? "passes" : "does not pass yet"})`,
    "",
  );
  if (decision.areas.length > 0) {
    lines.push(
      ...table(
        ["AREA", "LEVEL", "FILES", "CHANGES"],
        decision.areas.map((a) => [
          a.id,
          String(a.level),
          String(a.files.length),
          [...new Set(a.changes.map((c) => c.kind))].join(", ") || "-",
        ]),
      ),
      "",
    );
  }
  if (decision.requirements.length > 0) {
    lines.push(
      ...table(
        ["REQUIREMENT", "LEVEL", "WHO MUST SIGN", "MISSING"],
        decision.requirements.map((r) => [
          r.id,
          String(r.level),
          r.clauses.map(describeClause).join(" + "),
          r.missing.map(describeClause).join(" + ") || "-",
        ]),
      ),
      "",
    );
    for (const r of decision.requirements) lines.push(`  ${r.id}: ${r.reason}`);
    lines.push("");
  } else {
    lines.push("No sign-off required.", "");
  }
  for (const area of decision.areas) {
    for (const change of area.changes)
      lines.push(
        `  ${change.kind.padEnd(22)} ${change.path}${change.line ? `:${change.line}` : ""}  ${change.detail}`,
      );
  }
  if (decision.areas.some((a) => a.changes.length > 0)) lines.push("");
  if (decision.consulted.length > 0) {
    lines.push(
      `Consulted: ${decision.consulted.join(", ")}. Informed on merge: ${decision.informed.join(", ") || "-"}.`,
    );
    for (const r of decision.requirements.filter((r) => r.requireInputFrom.length > 0))
      lines.push(
        `  ${r.id}: input from ${r.requireInputFrom.join(" or ")} ${r.inputGiven ? "given" : "must come before an approval counts"}`,
      );
    lines.push("");
  }
  if (decision.unowned.length > 0) lines.push(`Unowned: ${decision.unowned.join(", ")}`, "");
  if (decision.ticket.required) {
    lines.push(
      `Ticket: required by ${decision.ticket.areas.join(", ") || "every change outside ticket.exemptPaths"}; ${decision.ticket.found.length > 0 ? `found ${decision.ticket.found.join(", ")}` : `none found (pattern ${decision.ticket.pattern})`}`,
      "",
    );
  }
  for (const p of decision.problems)
    lines.push(`${p.severity}: ${p.message}${p.fix ? ` (fix: ${p.fix})` : ""}`);
  return lines.join("\n").trimEnd();
}

function table(header: string[], rows: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join("  ")
      .trimEnd();
  return [line(header), ...rows.map(line)];
}
