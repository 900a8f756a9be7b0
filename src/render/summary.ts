import type { Clause, Policy } from "../policy/model.js";
import type { Decision, MediationStatus, RequirementStatus } from "../evaluate/decision.js";

/**
 * The `governance` check run's title and Markdown summary. Written for the
 * people on the pull request: what the change is, who must sign and why, who
 * has, what is missing, and exactly what to type.
 */

const FILES_SHOWN = 10;
/** GitHub rejects check-run summaries over 65,535 characters. */
export const SUMMARY_LIMIT = 65_000;

export function renderTitle(decision: Decision, policy: Policy): string {
  const name = policy.levels[decision.level].name.toLowerCase();
  const head = `Level ${decision.level} — ${name}`;
  if (decision.emergency) {
    const reason =
      decision.emergency.reason.length > 80
        ? `${decision.emergency.reason.slice(0, 77)}…`
        : decision.emergency.reason;
    return `Emergency override by @${decision.emergency.by}: ${reason}`;
  }
  const total = decision.requirements.reduce((n, r) => n + slotCount(r.clauses), 0);
  const signed = decision.requirements.reduce((n, r) => n + r.signatures.length, 0);
  const errors = decision.problems.filter((p) => p.severity === "error");
  if (errors.length > 0 && errors.every((e) => !e.message.includes("ticket")))
    return `${head}: ${errors.length} problem${errors.length === 1 ? "" : "s"} to fix`;
  const rejected = decision.requirements.find((r) => r.mediation?.decision?.verdict === "reject");
  if (rejected) return `${head}: rejected by the mediator @${rejected.mediation!.decision!.by}`;
  if (decision.requirements.some((r) => r.blockedBy.length > 0 && !r.satisfied))
    return `${head}: changes requested`;
  const decided = decision.requirements.filter((r) => r.mediation?.decision?.verdict === "approve");
  if (decided.length > 0 && decision.conclusion === "success")
    return `${head}: disagreement decided by ${[...new Set(decided.map((r) => `@${r.mediation!.decision!.by}`))].join(", ")} ✓`;
  if (total === 0)
    return decision.conclusion === "success"
      ? `${head}: no sign-off required`
      : `${head}: ticket reference missing`;
  const progress = `${signed} of ${total} sign-off${total === 1 ? "" : "s"}`;
  if (decision.conclusion === "success") return `${head}: ${progress} ✓`;
  if (signed === total && decision.ticket.required && decision.ticket.found.length === 0)
    return `${head}: ${progress}, ticket reference missing`;
  return `${head}: ${progress}`;
}

export function renderSummary(decision: Decision, policy: Policy): string {
  const out: string[] = [];
  const verdict = decision.emergency
    ? "🚨 Passed by emergency override."
    : decision.conclusion === "success"
      ? "✅ All governance requirements are met."
      : "❌ Governance requirements are not met yet.";
  out.push(
    `**${verdict}** This pull request is **level ${decision.level} (${policy.levels[decision.level].name})**.`,
    "",
  );
  if (decision.emergency) out.push(...emergencySection(decision.emergency, policy), "");

  const errors = decision.problems.filter((p) => p.severity === "error");
  if (errors.length > 0) {
    out.push("### Must fix", "");
    for (const p of errors) out.push(`- ❌ ${p.message}${p.fix ? ` — **fix:** ${p.fix}` : ""}`);
    out.push("");
  }

  if (decision.areas.length > 0) {
    out.push(
      "### Areas",
      "",
      "| Area | Level | Accountable | Files | Changes |",
      "|---|---|---|---|---|",
    );
    for (const area of decision.areas) {
      const kinds = [...new Set(area.changes.map((c) => `\`${c.kind}\``))].join(", ") || "—";
      out.push(
        `| ${area.name} (\`${area.id}\`) | ${area.level} | ${area.accountable} | ${filesCell(area.files)} | ${kinds} |`,
      );
    }
    out.push("");
  }

  if (decision.requirements.length > 0) {
    out.push(
      "### Sign-offs",
      "",
      "| | Requirement | Level | Needs | Signed | Missing |",
      "|---|---|---|---|---|---|",
    );
    for (const r of decision.requirements) {
      const signed =
        r.signatures
          .map((s) => `@${s.login} (${s.role}${s.via === "command" ? ", command" : ""})`)
          .join(", ") || "—";
      const missing =
        [
          ...r.missing.map(describeClause),
          ...r.blockedBy.map((b) => `@${b} requested changes`),
          ...(r.inputGiven ? [] : [`input from ${r.requireInputFrom.join("/")}`]),
        ].join("; ") || "—";
      out.push(
        `| ${r.satisfied ? "✅" : "❌"} | \`${r.id}\` | ${r.level} | ${r.clauses.map(describeClause).join(" + ")} | ${signed} | ${missing} |`,
      );
    }
    out.push("");
    for (const r of decision.requirements) {
      for (const e of r.escalations)
        out.push(
          `⤴️ \`${r.id}\`: escalated from **${e.from}** to **${e.to}** because ${e.why}.`,
          "",
        );
      for (const e of r.slaEscalations)
        out.push(
          `⏰ \`${r.id}\`: escalated to **${e.toRole}** (step ${e.step} of the escalation path) because the review SLA passed.`,
          "",
        );
    }
    const disagreements = decision.requirements.filter((r) => r.mediation);
    if (disagreements.length > 0) {
      out.push("### Disagreements", "");
      for (const r of disagreements) out.push(`- ${mediationLine(r.id, r.mediation!)}`);
      out.push("");
    }
    out.push("<details><summary>Why each sign-off is required</summary>", "");
    for (const r of decision.requirements) {
      out.push(`- \`${r.id}\`: ${escapeCell(r.reason)}`);
      for (const n of r.notes) out.push(`  - ${n}`);
    }
    out.push("", "</details>", "");
    const todo = decision.requirements.filter((r) => !r.satisfied);
    if (todo.length > 0) {
      out.push("### How to sign off", "");
      for (const r of todo) out.push(`- ${howToSign(r, policy)}`);
      out.push(
        "- Sign-offs by the pull request's author never count; a new push clears earlier approvals and commands.",
        "",
      );
    }
  }

  if (decision.ticket.required) {
    // Areas name why best; otherwise the policy asks it of every change (ticket.everyChange).
    const { areas } = decision.ticket;
    const [by, need] =
      areas.length > 0
        ? [areas.join(", "), `${areas.join(", ")} require`]
        : [
            "every change outside ticket.exemptPaths",
            "Every change outside the policy's ticket.exemptPaths requires",
          ];
    out.push("### Ticket", "");
    out.push(
      decision.ticket.found.length > 0
        ? `✅ References ${decision.ticket.found.join(", ")} (required by ${by}).`
        : `❌ ${need} a ticket key matching \`${decision.ticket.pattern}\` in the title or description.`,
      "",
    );
  }

  if (decision.unowned.length > 0) {
    out.push("### Files no area owns", "", filesList(decision.unowned), "");
  }

  const warnings = decision.problems.filter((p) => p.severity === "warning");
  if (warnings.length > 0) {
    out.push("### Warnings", "");
    for (const w of warnings) out.push(`- ⚠️ ${w.message}${w.fix ? ` — ${w.fix}` : ""}`);
    out.push("");
  }

  const reviewers = [
    ...decision.reviewersToRequest.users.map((u) => `@${u}`),
    ...decision.reviewersToRequest.teams.map((t) => `team ${t}`),
  ];
  if (reviewers.length > 0)
    out.push(`Reviewers requested for what is missing: ${reviewers.join(", ")}.`, "");
  if (decision.consulted.length > 0)
    out.push(
      `Consulted: ${decision.consulted.join(", ")}. Informed on merge: ${decision.informed.join(", ") || "—"}.`,
      "",
    );

  return truncate(out.join("\n"));
}

function emergencySection(emergency: NonNullable<Decision["emergency"]>, policy: Policy): string[] {
  const lines = [
    "### Emergency override",
    "",
    `@${emergency.by} declared an emergency: _${escapeCell(emergency.reason)}_`,
    "",
  ];
  if (emergency.bypassed.length === 0 && !emergency.ticketBypassed)
    lines.push("Nothing was bypassed: every requirement was already met.");
  else {
    lines.push("Bypassed:");
    for (const b of emergency.bypassed)
      lines.push(
        `- \`${b.id}\`: missing ${b.missing.map(describeClause).join(" + ") || "a blocking review's resolution or required input"}`,
      );
    if (emergency.ticketBypassed) lines.push("- the ticket reference");
  }
  lines.push(
    "",
    `On merge a post-implementation review issue is opened for the bypassed approvers, due within ${policy.emergency.reviewWithinHours} h.`,
  );
  return lines;
}

const CONFLICT_NAMES: Record<MediationStatus["kind"], string> = {
  peer: "peer-level",
  "cross-functional": "cross-functional",
  incident: "incident",
};

/**
 * One disagreement as the check (and the merge notices) tell it: who disagreed,
 * and either the mediator's decision with its rationale or who may decide,
 * from when and how. The rationale and logins are quoted as written.
 */
export function mediationLine(id: string, m: MediationStatus): string {
  const who = `${m.blockedBy.map((b) => `@${b}`).join(", ")} requested changes while ${m.approvedBy.map((a) => `@${a}`).join(", ")} approved`;
  const head = `⚖️ \`${id}\`: ${who} (a ${CONFLICT_NAMES[m.kind]} disagreement)`;
  if (m.decision) {
    const verdict =
      m.decision.verdict === "approve"
        ? "**approved** (this replaces the requirement)"
        : "**rejected** (the requirement stays unmet: address the objection in a new push)";
    const retrospective =
      m.kind === "incident" && m.decision.verdict === "approve"
        ? " A retrospective (post-implementation) review is opened on merge."
        : "";
    return `${head}. Decided by @${m.decision.by} (${m.decision.role}, mediator) on ${m.decision.at}: ${verdict}. Rationale: _${escapeCell(m.decision.rationale)}_${retrospective}`;
  }
  const moved = m.movedFrom ? ` (${m.movedFrom.role} cannot: ${m.movedFrom.why})` : "";
  if (!m.mediator)
    return `${head}. No mediator can decide it${moved}: ${m.undecidable ?? "the policy names nobody who can"}.`;
  const how =
    "comment `/governance decide approve <rationale>` or `/governance decide reject <rationale>`";
  if (m.overdue)
    return m.escalatesTo
      ? `${head}. **${m.mediator}**${moved} was to decide by ${m.dueBy} and has not: the decision is escalated to **${m.escalatesTo}**, who may decide as well: ${how}.`
      : `${head}. **${m.mediator}**${moved} was to decide by ${m.dueBy} and has not, and no role above it on the area's escalation path has anyone independent to take the decision over: ${m.mediator} still decides (${how}); bind someone to a role above it on the escalation path to escalate further.`;
  const due = m.dueBy ? `; the decision is due by ${m.dueBy}` : "";
  return `${head}. Unless the parties settle it, **${m.mediator}**${moved} may decide from ${m.decidableFrom}${due}: comment \`/governance decide approve <rationale>\` or \`/governance decide reject <rationale>\`.`;
}

export function describeClause(clause: Clause): string {
  if (clause.roles.length === 1)
    return clause.count === 1 ? clause.roles[0]! : `${clause.count} × ${clause.roles[0]}`;
  return `${clause.count} of ${clause.roles.join("/")}`;
}

function howToSign(r: RequirementStatus, policy: Policy): string {
  const roles = [...new Set(r.missing.flatMap((c) => c.roles))];
  const who =
    roles.length > 0
      ? `members of ${roles.map((x) => `**${x}**`).join(", ")}`
      : "the required approvers";
  if (r.blockedBy.length > 0 && roles.length === 0) {
    return `\`${r.id}\`: ${r.blockedBy.map((b) => `@${b}`).join(", ")} requested changes; they approve, or their review is dismissed`;
  }
  const ways = policy.levels[r.level].commandOnly
    ? `comment \`/approve-level${r.level}\``
    : `approve the pull request, or comment \`/approve-level${r.level}\``;
  const input = r.inputGiven
    ? ""
    : ` after ${r.requireInputFrom.join("/")} has reviewed or commented`;
  return `\`${r.id}\`: ${who} ${ways}${input}`;
}

function slotCount(clauses: Clause[]): number {
  return clauses.reduce((n, c) => n + c.count, 0);
}

function filesCell(files: string[]): string {
  const shown = files
    .slice(0, 3)
    .map((f) => `\`${escapeCell(f)}\``)
    .join("<br>");
  return files.length > 3 ? `${shown}<br>and ${files.length - 3} more` : shown;
}

function filesList(files: string[]): string {
  const shown = files.slice(0, FILES_SHOWN).map((f) => `- \`${f}\``);
  if (files.length > FILES_SHOWN) shown.push(`- … and ${files.length - FILES_SHOWN} more`);
  return shown.join("\n");
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, "\\|").replace(/\n/g, " ");
}

function truncate(text: string): string {
  if (text.length <= SUMMARY_LIMIT) return text;
  return `${text.slice(0, SUMMARY_LIMIT - 200)}\n\n… (summary truncated; run \`governance-gate explain\` for the full explanation)`;
}
