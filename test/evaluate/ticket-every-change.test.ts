import { describe, expect, it } from "vitest";
import { evaluate } from "../../src/evaluate/evaluate.js";
import { loadPolicy } from "../../src/policy/load.js";
import { formatProblem } from "../../src/policy/problems.js";
import { renderMatrix } from "../../src/render/matrix.js";
import { renderSummary } from "../../src/render/summary.js";
import { NOW, approval, modified, pathOnly, prFacts } from "../helpers/facts.js";
import { memoryReader, policyFrom } from "../helpers/policy.js";

/**
 * `ticket.everyChange` (issue 11 §5, seed 002 lines 222-230: "All work items must be
 * tracked through Jira tickets"): every pull request cites a ticket, except one whose
 * every changed file matches `ticket.exemptPaths`; an area's own `ticket: true` keeps
 * applying to its files whatever the exemptions say.
 */

const ROLES = `roles:
  platform: { users: [pia] }
  engineers: { users: [eve, erin] }
`;
const AREAS = `areas:
  ci:
    paths: [".github/workflows/**"]
    accountable: platform
    level: 2
    ticket: true
  app:
    paths: ["src/**"]
    accountable: engineers
`;
const EVERY_CHANGE = `${ROLES}${AREAS}ticket:
  pattern: "\\\\b[A-Z][A-Z0-9_]+-[1-9][0-9]*\\\\b"
  projects: [OPS]
  everyChange: true
  exemptPaths: ["docs/**", "**/*.md", "!docs/api/**"]
`;
const PER_AREA = `${ROLES}${AREAS}ticket:
  pattern: "\\\\b[A-Z][A-Z0-9_]+-[1-9][0-9]*\\\\b"
  projects: [OPS]
`;

const SERVICE = "export const pageSize = 50;\n";
const fix = (title: string) =>
  prFacts([modified("src/history.ts", SERVICE, SERVICE.replace("50", "100"))], {
    author: "eve",
    title,
  });

describe("ticket.everyChange: every pull request cites a ticket", () => {
  it("a change to code no ticketed area owns fails without a key, saying which file needs it and how to cite one", async () => {
    const policy = await policyFrom(EVERY_CHANGE);
    const d = evaluate(policy, fix("Show 100 messages per page"), NOW);
    expect(d.ticket).toEqual({
      required: true,
      pattern: policy.ticket!.pattern,
      found: [],
      areas: [],
      unexempt: ["src/history.ts"],
    });
    expect(d.conclusion).toBe("failure");
    expect(d.problems).toContainEqual({
      severity: "error",
      message:
        "every change needs a ticket reference in the title or body (ticket.everyChange); src/history.ts is not exempt",
      fix: "add a ticket key of OPS (e.g. OPS-123) to the title or description",
    });
    expect(renderSummary(d, policy)).toContain(
      "❌ Every change outside the policy's ticket.exemptPaths requires a ticket key matching",
    );

    const cited = evaluate(policy, fix("OPS-41 Show 100 messages per page"), NOW);
    expect(cited.ticket.found).toEqual(["OPS-41"]);
    expect(cited.conclusion).toBe("success");
    expect(renderSummary(cited, policy)).toContain(
      "✅ References OPS-41 (required by every change outside ticket.exemptPaths).",
    );
  });

  it("the rendered matrix states the rule and its exemptions", async () => {
    expect(renderMatrix(await policyFrom(EVERY_CHANGE)).split("\n")).toContain(
      "- Tickets: any other pull request needs one too, unless every file it changes matches `docs/**`, `**/*.md`, `!docs/api/**`.",
    );
    expect(renderMatrix(await policyFrom(PER_AREA))).not.toContain("any other pull request");
  });

  it("without everyChange the same change needs no ticket: per-area `ticket: true` works as before", async () => {
    const policy = await policyFrom(PER_AREA);
    expect(evaluate(policy, fix("Show 100 messages per page"), NOW).ticket).toMatchObject({
      required: false,
      unexempt: [],
    });
    const pipeline = evaluate(
      policy,
      prFacts([pathOnly(".github/workflows/ci.yml")], {
        author: "eve",
        title: "Cache pnpm",
        reviews: [approval("pia")],
      }),
      NOW,
    );
    expect(pipeline.ticket).toMatchObject({ required: true, areas: ["ci"], unexempt: [] });
    expect(pipeline.problems.map((p) => p.message)).toContain(
      "areas ci require a ticket reference in the title or body",
    );
  });

  it("a change whose every file is exempt needs none; one file outside the exemptions (or excluded by !glob) needs one", async () => {
    const policy = await policyFrom(EVERY_CHANGE);
    const docs = prFacts(
      [pathOnly("docs/guide/setup.md"), pathOnly("README.md"), pathOnly("docs/diagram.svg")],
      { author: "eve", title: "Explain setup" },
    );
    expect(evaluate(policy, docs, NOW).ticket.required).toBe(false);
    expect(evaluate(policy, docs, NOW).conclusion).toBe("success");

    const withSpec = { ...docs, files: [...docs.files, pathOnly("docs/api/openapi.yaml")] };
    expect(evaluate(policy, withSpec, NOW).ticket).toMatchObject({
      required: true,
      unexempt: ["docs/api/openapi.yaml"],
    });
  });

  it("an exempt file in an area with `ticket: true` still needs the area's ticket", async () => {
    const policy = await policyFrom(EVERY_CHANGE);
    const d = evaluate(
      policy,
      prFacts([pathOnly(".github/workflows/README.md")], {
        author: "eve",
        title: "Describe the workflows",
        reviews: [approval("pia")],
      }),
      NOW,
    );
    expect(d.ticket).toMatchObject({ required: true, areas: ["ci"], unexempt: [] });
    expect(d.conclusion).toBe("failure");
  });

  it("code moved into docs/ is still a change to code: a rename is exempt only when both its paths are", async () => {
    const policy = await policyFrom(EVERY_CHANGE);
    const moved = prFacts(
      [{ path: "docs/history.md", previousPath: "src/history.ts", status: "renamed" }],
      { author: "eve", title: "Move history notes" },
    );
    expect(evaluate(policy, moved, NOW).ticket).toMatchObject({
      required: true,
      unexempt: ["docs/history.md"],
    });
    const withinDocs = prFacts(
      [{ path: "docs/history.md", previousPath: "docs/old-history.md", status: "renamed" }],
      { author: "eve", title: "Rename history notes" },
    );
    expect(evaluate(policy, withinDocs, NOW).ticket.required).toBe(false);
  });

  it("a file list GitHub cut short cannot show every file exempt: the ticket is required", async () => {
    const policy = await policyFrom(EVERY_CHANGE);
    const d = evaluate(
      policy,
      prFacts([pathOnly("docs/guide/setup.md")], {
        author: "eve",
        title: "Explain setup",
        incomplete: "GitHub lists at most 3000 files of a pull request; this one changes more",
      }),
      NOW,
    );
    expect(d.ticket).toMatchObject({ required: true, areas: [], unexempt: [] });
    expect(d.problems.map((p) => p.message)).toContain(
      "every change needs a ticket reference in the title or body (ticket.everyChange); not every changed file is listed, so none can be shown to be exempt",
    );
  });

  it("a standard's name (UTF-8, CVE-2024) is no ticket for it either", async () => {
    const policy = await policyFrom(EVERY_CHANGE.replace("  projects: [OPS]\n", ""));
    const d = evaluate(
      policy,
      { ...fix("Fix UTF-8 page titles"), body: "Also CVE-2024-3094." },
      NOW,
    );
    expect(d.ticket).toMatchObject({ required: true, found: [] });
    expect(d.conclusion).toBe("failure");
  });
});

describe("ticket.everyChange and ticket.exemptPaths in a policy file", () => {
  const problems = async (ticket: string) => {
    const result = await loadPolicy(
      { name: ".github/governance.yml", text: `${ROLES}${AREAS}ticket:\n${ticket}` },
      memoryReader({}),
    );
    return { policy: result.policy, lines: result.problems.map(formatProblem) };
  };
  const PATTERN = '  pattern: "[A-Z]+-[0-9]+"\n  projects: [OPS]\n';

  it("refuses values of the wrong type, each at its line and path", async () => {
    const { policy, lines } = await problems(
      `${PATTERN}  everyChange: "yes"\n  exemptPaths: "docs/**"\n`,
    );
    expect(policy).toBeUndefined();
    expect(lines).toEqual([
      ".github/governance.yml:16:16: error: Invalid input: expected boolean, received string (at ticket.everyChange)",
      ".github/governance.yml:17:16: error: Invalid input: expected array, received string (at ticket.exemptPaths)",
    ]);
  });

  it("refuses an exempt glob that cannot match as written, one that exempts everything, and a list that only excludes", async () => {
    expect(
      (await problems(`${PATTERN}  everyChange: true\n  exemptPaths: ["/docs/**"]\n`)).lines,
    ).toEqual([
      ".github/governance.yml:17:17: error: glob \"/docs/**\" starts with '/': paths are relative to the repository root, write it without the leading '/' (at ticket.exemptPaths[0])",
    ]);
    expect(
      (await problems(`${PATTERN}  everyChange: true\n  exemptPaths: ["docs/**", "**"]\n`)).lines,
    ).toEqual([
      '.github/governance.yml:17:16: error: ticket.exemptPaths exempts application code, pipelines and deployment files alike (src/index.ts, .github/workflows/ci.yml, Dockerfile), so no pull request would need a ticket; list only what needs none, e.g. "docs/**", "**/*.md" (at ticket.exemptPaths)',
    ]);
    expect(
      (await problems(`${PATTERN}  everyChange: true\n  exemptPaths: ["!docs/api/**"]\n`)).lines,
    ).toEqual([
      '.github/governance.yml:17:16: error: ticket.exemptPaths only excludes ("!glob"), so it exempts nothing; list what needs no ticket, e.g. "docs/**" (at ticket.exemptPaths)',
    ]);
  });

  it("warns when exemptions have no rule to exempt from, but not when a policy turns everyChange off on purpose", async () => {
    expect((await problems(`${PATTERN}  exemptPaths: ["docs/**"]\n`)).lines).toEqual([
      ".github/governance.yml:16:16: warning: ticket.exemptPaths has no effect without ticket.everyChange: true (an area's `ticket: true` applies to every file it owns) (at ticket.exemptPaths)",
    ]);
    const off = await loadPolicy(
      {
        name: ".github/governance.yml",
        text: "extends: platform-engineering\nticket: { everyChange: false, projects: [LFXV2] }\n",
      },
      memoryReader({}),
    );
    expect(off.policy?.ticket?.everyChange).toBeUndefined();
    expect(off.problems.map(formatProblem).filter((l) => l.includes("exemptPaths"))).toEqual([]);
  });

  it("needs a pattern, and warns until the projects whose keys count are named", async () => {
    expect((await problems("  everyChange: true\n")).lines).toEqual([
      `.github/governance.yml:9:13: error: area "ci" requires a ticket but the policy has no ticket.pattern (at areas.ci.ticket)`,
      '.github/governance.yml:14:3: error: ticket needs a pattern (for example "[A-Z][A-Z0-9]+-\\\\d+") (at ticket)',
    ]);
    // No area asks for a ticket: everyChange alone must bring the warning.
    const { lines } = await loadPolicy(
      {
        name: ".github/governance.yml",
        text: `roles:\n  engineers: { users: [eve] }\nareas:\n  app: { paths: ["src/**"], accountable: engineers }\nticket:\n  pattern: "[A-Z]+-[0-9]+"\n  everyChange: true\n`,
      },
      memoryReader({}),
    ).then((r) => ({ lines: r.problems.map(formatProblem) }));
    expect(lines).toEqual([
      ".github/governance.yml:6:3: warning: every change requires a ticket (ticket.everyChange), but ticket.projects names no project: any word shaped like a key counts as one; name the boards whose keys count, e.g. ticket: { projects: [LFXV2] } (at ticket)",
    ]);
  });
});
