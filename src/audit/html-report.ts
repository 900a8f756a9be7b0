import { FLAGS, type AuditRow, type Flag } from "./audit-row.js";
import {
  figures,
  isException,
  type Figures,
  type MonthFigure,
  type WaitFigure,
} from "./figures.js";

/**
 * The audit as one self-contained HTML file: styles inline, charts as inline
 * SVG, no script, and a Content-Security-Policy that forbids loading anything,
 * so it opens offline and from an attachment exactly as it was written. Every
 * piece of text people wrote (titles, reasons, logins) is escaped.
 */

export interface ReportOptions {
  since: Date;
  until: Date;
  /** What was audited, as given (`acme`, `acme/chat`). */
  scopes: string[];
}

const LEVEL_COLOURS = {
  1: "#9ecae1",
  2: "#4292c6",
  3: "#f16913",
  4: "#a50f15",
  unknown: "#bdbdbd",
} as const;

export function htmlReport(rows: readonly AuditRow[], options: ReportOptions): string {
  const f = figures(rows, options);
  const period = `${day(options.since)} – ${day(options.until)}`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Governance audit ${esc(period)}</title>
<style>${STYLE}</style>
</head>
<body>
<header>
<h1>Governance audit</h1>
<p class="meta">${esc(options.scopes.join(", "))} · pull requests merged ${esc(period)}</p>
</header>
${tiles(f)}
<section id="waits">
<h2>Sign-off wait against the review SLA</h2>
<p class="note">Business hours from the head's arrival on the pull request to the approving review or command, on the calendar of the policy that decided. Bars: median (dark) and 90th percentile (light); the dashed line is the SLA.</p>
<div class="pair">
<div><h3>By area</h3>${waitChart(f.byArea, "area")}${waitTable(f.byArea, "Area")}</div>
<div><h3>By role</h3>${waitChart(f.byRole, "role")}${waitTable(f.byRole, "Role")}</div>
</div>
</section>
<section id="months">
<h2>Per month</h2>
<div class="pair">
<div><h3>Emergency overrides</h3>${emergencyChart(f.months)}</div>
<div><h3>Levels of merged pull requests</h3>${levelChart(f.months)}${levelLegend()}</div>
</div>
</section>
<section id="exceptions">
<h2>Exceptions (${f.exceptions})</h2>
${exceptionsTable(rows.filter(isException))}
<details><summary>What each flag means</summary><dl>${Object.entries(FLAGS)
    .map(
      ([flag, meaning]) =>
        `<dt><span class="flag">${esc(flag)}</span></dt><dd>${esc(meaning)}</dd>`,
    )
    .join("")}</dl></details>
</section>
<footer>governance-gate audit · decision records v1 · ${f.merged} merged pull requests</footer>
</body>
</html>
`;
}

function tiles(f: Figures): string {
  const bypasses = (f.flags["check-failing"] ?? 0) + (f.flags["check-missing"] ?? 0);
  const tile = (id: string, label: string, value: number, alert = false) =>
    `<div class="tile${alert && value > 0 ? " alert" : ""}" id="tile-${id}"><span class="value">${value}</span><span class="label">${esc(label)}</span></div>`;
  return `<section id="summary" class="tiles">${[
    tile("merged", "merged pull requests", f.merged),
    tile("exceptions", "exceptions", f.exceptions, true),
    tile("bypasses", "admin bypasses", bypasses, true),
    tile("emergencies", "emergency merges", f.flags["emergency"] ?? 0, true),
    tile(
      "late-reviews",
      "reviews late, overdue or missing",
      (f.flags["review-late"] ?? 0) +
        (f.flags["review-overdue"] ?? 0) +
        (f.flags["review-missing"] ?? 0),
      true,
    ),
    tile("mediated", "mediator decisions", f.flags["mediated"] ?? 0),
  ].join("")}</section>`;
}

function waitChart(items: readonly WaitFigure[], kind: string): string {
  if (items.length === 0) return `<p class="empty">No sign-offs with a recorded time.</p>`;
  const label = 150;
  const width = 520;
  const row = 26;
  const plot = width - label - 20;
  const max = Math.max(...items.flatMap((i) => [i.p90, i.sla ?? 0]), 1);
  const x = (hours: number) => label + (hours / max) * plot;
  const bars = items
    .map((item, n) => {
      const y = 10 + n * row;
      const sla =
        item.sla !== undefined
          ? `<line class="sla" x1="${x(item.sla)}" x2="${x(item.sla)}" y1="${y - 3}" y2="${y + 19}" data-sla="${item.sla}"/>`
          : "";
      return `<g class="wait" data-${kind}="${esc(item.key)}">
<text x="${label - 6}" y="${y + 12}" text-anchor="end">${esc(item.key)}</text>
<rect class="p90" x="${label}" y="${y}" width="${x(item.p90) - label}" height="16" data-value="${item.p90}"><title>${esc(item.key)}: p90 ${item.p90} h</title></rect>
<rect class="median" x="${label}" y="${y + 4}" width="${x(item.median) - label}" height="8" data-value="${item.median}"><title>${esc(item.key)}: median ${item.median} h</title></rect>
${sla}</g>`;
    })
    .join("\n");
  const height = 20 + items.length * row + 16;
  const axis = `<text x="${label}" y="${height - 4}" class="axis">0 h</text><text x="${width - 20}" y="${height - 4}" text-anchor="end" class="axis">${round(max)} h</text>`;
  return `<svg class="chart wait-chart" id="wait-by-${kind}" role="img" aria-label="Sign-off wait by ${kind}" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}">${bars}${axis}</svg>`;
}

function waitTable(items: readonly WaitFigure[], heading: string): string {
  if (items.length === 0) return "";
  return `<table class="figures"><thead><tr><th>${heading}</th><th>sign-offs</th><th>median (h)</th><th>p90 (h)</th><th>SLA (h)</th><th>within SLA</th></tr></thead><tbody>${items
    .map(
      (i) =>
        `<tr><td>${esc(i.key)}</td><td>${i.count}</td><td>${i.median}</td><td class="${i.sla !== undefined && i.p90 > i.sla ? "over" : ""}">${i.p90}</td><td>${i.sla ?? "—"}</td><td>${i.withinSla} of ${i.count}</td></tr>`,
    )
    .join("")}</tbody></table>`;
}

function emergencyChart(months: readonly MonthFigure[]): string {
  const { width, height, base, slot, scale } = frame(
    months,
    Math.max(...months.map((m) => m.emergencies), 1),
  );
  const bars = months
    .map((m, n) => {
      const h = m.emergencies * scale;
      return `<g><rect class="emergency" x="${40 + n * slot + 6}" y="${base - h}" width="${slot - 12}" height="${h}" data-month="${m.month}" data-value="${m.emergencies}"><title>${m.month}: ${m.emergencies} emergency override${m.emergencies === 1 ? "" : "s"}</title></rect>
<text x="${40 + n * slot + slot / 2}" y="${base - h - 4}" text-anchor="middle" class="count">${m.emergencies}</text>
<text x="${40 + n * slot + slot / 2}" y="${base + 14}" text-anchor="middle" class="axis">${m.month}</text></g>`;
    })
    .join("\n");
  return `<svg class="chart" id="emergencies-per-month" role="img" aria-label="Emergency overrides per month" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}">${bars}<line class="baseline" x1="36" x2="${width - 4}" y1="${base}" y2="${base}"/></svg>`;
}

function levelChart(months: readonly MonthFigure[]): string {
  const { width, height, base, slot, scale } = frame(
    months,
    Math.max(...months.map((m) => m.merged), 1),
  );
  const bars = months
    .map((m, n) => {
      let top = base;
      const parts = (["1", "2", "3", "4", "unknown"] as const)
        .map((level) => {
          const value =
            m.levels[level === "unknown" ? "unknown" : (Number(level) as 1 | 2 | 3 | 4)];
          const h = value * scale;
          top -= h;
          const name = level === "unknown" ? "no record" : `level ${level}`;
          return `<rect class="level" x="${40 + n * slot + 6}" y="${top}" width="${slot - 12}" height="${h}" fill="${LEVEL_COLOURS[level === "unknown" ? "unknown" : (Number(level) as 1 | 2 | 3 | 4)]}" data-month="${m.month}" data-level="${level}" data-value="${value}"><title>${m.month}: ${value} at ${name}</title></rect>`;
        })
        .join("");
      return `<g>${parts}<text x="${40 + n * slot + slot / 2}" y="${top - 4}" text-anchor="middle" class="count">${m.merged}</text><text x="${40 + n * slot + slot / 2}" y="${base + 14}" text-anchor="middle" class="axis">${m.month}</text></g>`;
    })
    .join("\n");
  return `<svg class="chart" id="levels-per-month" role="img" aria-label="Levels of merged pull requests per month" viewBox="0 0 ${width} ${height}" width="${width}" height="${height}">${bars}<line class="baseline" x1="36" x2="${width - 4}" y1="${base}" y2="${base}"/></svg>`;
}

function levelLegend(): string {
  return `<p class="legend">${(["1", "2", "3", "4", "unknown"] as const)
    .map(
      (l) =>
        `<span><i style="background:${LEVEL_COLOURS[l === "unknown" ? "unknown" : (Number(l) as 1 | 2 | 3 | 4)]}"></i>${l === "unknown" ? "no record" : `level ${l}`}</span>`,
    )
    .join("")}</p>`;
}

function frame(months: readonly MonthFigure[], max: number) {
  const slot = Math.max(48, Math.min(90, 480 / Math.max(months.length, 1)));
  const width = 40 + months.length * slot + 10;
  const height = 180;
  const base = height - 24;
  return { width, height, base, slot, scale: (base - 24) / max };
}

function exceptionsTable(rows: readonly AuditRow[]): string {
  if (rows.length === 0)
    return `<p class="empty">None: every merged pull request had a passing, recorded governance decision.</p>`;
  return `<table class="exceptions"><thead><tr><th>Pull request</th><th>Merged</th><th>Level</th><th>Flags</th><th>Detail</th></tr></thead><tbody>${rows
    .map(
      (r) =>
        `<tr data-pull="${esc(`${r.repository}#${r.number}`)}"><td><a href="${esc(safeUrl(r.url))}">${esc(`${r.repository}#${r.number}`)}</a><br><span class="title">${esc(r.title)}</span></td><td>${esc(r.mergedAt.replace("T", " ").replace(/:\d\dZ$/, " UTC"))}${r.mergedBy ? `<br>by @${esc(r.mergedBy)}` : ""}</td><td>${r.level ?? "—"}</td><td>${r.flags
          .map(
            (f) => `<span class="flag flag-${f}" title="${esc(FLAGS[f as Flag])}">${esc(f)}</span>`,
          )
          .join(" ")}</td><td>${detail(r)}</td></tr>`,
    )
    .join("")}</tbody></table>`;
}

function detail(r: AuditRow): string {
  const parts: string[] = [];
  if (r.flags.includes("check-failing"))
    parts.push(`the check's conclusion at merge: ${esc(r.check)}`);
  if (r.flags.includes("check-missing"))
    parts.push("no governance check of this App on the merged head");
  if (r.flags.includes("record-missing") || r.flags.includes("record-newer"))
    parts.push(`decision record: ${esc(r.record)}`);
  if (r.emergency) {
    const review = r.emergency.review;
    parts.push(`emergency by @${esc(r.emergency.by)}: <q>${esc(r.emergency.reason)}</q>`);
    parts.push(
      review.issue
        ? `review <a href="${esc(safeUrl(review.issue))}">${esc(review.status)}</a> (due ${esc(review.dueAt ?? "")}${review.closedAt ? `, closed ${esc(review.closedAt)}` : ""})`
        : `review ${esc(review.status)}`,
    );
  }
  for (const m of r.mediations)
    parts.push(
      `${esc(m.requirement)}: ${esc(m.verdict)} by @${esc(m.by)} (${esc(m.role)}): <q>${esc(m.rationale)}</q>`,
    );
  if (r.flags.includes("policy-lint-failed"))
    parts.push(`policy ${esc(r.policy?.source ?? "")} failed lint`);
  return parts.join("<br>");
}

/** Only GitHub's own web addresses become links: a record's URL is data, not a place to send a reader. */
function safeUrl(url: string): string {
  return /^https:\/\/[\w.-]+\/[^\s"'<>]*$/.test(url) ? url : "#";
}

function esc(text: string): string {
  return text
    .replace(/&/g, "&amp;")
    .replace(/</g, "&lt;")
    .replace(/>/g, "&gt;")
    .replace(/"/g, "&quot;")
    .replace(/'/g, "&#39;");
}

function day(date: Date): string {
  return date.toISOString().slice(0, 10);
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

const STYLE = `
:root{--ink:#1f2328;--muted:#59636e;--line:#d1d9e0;--accent:#0969da;--alert:#cf222e}
*{box-sizing:border-box}
body{font:14px/1.45 -apple-system,"Segoe UI",Helvetica,Arial,sans-serif;color:var(--ink);margin:0 auto;max-width:1180px;padding:24px}
h1{margin:0 0 4px;font-size:26px}h2{margin:28px 0 8px;font-size:19px;border-bottom:1px solid var(--line);padding-bottom:4px}h3{font-size:15px;margin:8px 0}
.meta,.note,footer{color:var(--muted)}footer{margin-top:32px;font-size:12px}
.tiles{display:grid;grid-template-columns:repeat(6,1fr);gap:10px;margin-top:16px}
.tile{border:1px solid var(--line);border-radius:8px;padding:10px 12px;display:flex;flex-direction:column}
.tile .value{font-size:26px;font-weight:600}.tile .label{color:var(--muted);font-size:12px}
.tile.alert{border-color:var(--alert)}.tile.alert .value{color:var(--alert)}
.pair{display:grid;grid-template-columns:1fr 1fr;gap:24px}
.chart text{font-size:11px;fill:var(--ink)}.chart .axis{fill:var(--muted);font-size:10px}.chart .count{font-size:10px;fill:var(--muted)}
.chart .median{fill:#0550ae}.chart .p90{fill:#9ec5fe}.chart .sla{stroke:var(--alert);stroke-dasharray:3 2;stroke-width:1.5}
.chart .emergency{fill:var(--alert)}.chart .baseline{stroke:var(--line)}
table{border-collapse:collapse;width:100%;margin-top:8px}th,td{border-bottom:1px solid var(--line);padding:5px 8px;text-align:left;vertical-align:top}
th{font-weight:600;color:var(--muted);font-size:12px}td.over{color:var(--alert);font-weight:600}
.figures td:not(:first-child),.figures th:not(:first-child){text-align:right}
a{color:var(--accent)}.title{color:var(--muted)}
.flag{display:inline-block;border-radius:10px;padding:0 7px;font-size:11px;background:#eef1f4;margin:1px 0}
.flag-check-failing,.flag-check-missing,.flag-review-late,.flag-review-overdue,.flag-review-missing,.flag-policy-lint-failed{background:#ffebe9;color:var(--alert)}
.flag-emergency{background:#fff1e5;color:#953800}.flag-mediated{background:#ddf4ff;color:#0550ae}
.legend span{margin-right:12px;font-size:12px}.legend i{display:inline-block;width:10px;height:10px;margin-right:4px;border-radius:2px}
.empty{color:var(--muted);font-style:italic}dl{display:grid;grid-template-columns:max-content 1fr;gap:4px 12px}dd{margin:0}
`;
