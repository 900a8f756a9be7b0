import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { evaluate } from "../../src/evaluate/evaluate.js";
import { MAX_TICKET_TEXT, TicketMatcher, ticketMatcher } from "../../src/policy/ticket-pattern.js";
import { formatProblem } from "../../src/policy/problems.js";
import { loadPolicy } from "../../src/policy/load.js";
import { NOW, pathOnly, prFacts } from "../helpers/facts.js";
import { memoryReader, policyFrom } from "../helpers/policy.js";

/**
 * Issue 10 item 11: the ticket pattern over an author's title and body.
 * `[A-Z][A-Z0-9]+-\d+` over 65,536 capitals blocked 2.2 s per event with
 * RegExp, even where no area needs a ticket. The pattern now runs only where a
 * ticket is required, over the first 64 KiB, on a linear-time matcher that finds
 * what RegExp finds. Work is asserted through the matcher's step counter.
 */

const PRESET_PATTERN = "\\b[A-Z][A-Z0-9_]+-[1-9][0-9]*\\b";
/** The pattern the presets shipped before issue 11, kept as a hostile case for the matcher. */
const OLD_PRESET_PATTERN = "[A-Z][A-Z0-9]+-\\d+";
const BINDINGS =
  "extends: platform-engineering\nroles:\n  platform-engineering: { users: [pia] }\n  architecture-team: { users: [ari] }\n";
const HOSTILE = "A".repeat(65_536);
const signed = {
  reviews: [
    {
      id: 1,
      user: "pia",
      state: "APPROVED" as const,
      commitId: "head",
      submittedAt: "2026-11-23T11:00:00Z",
    },
  ],
  headSha: "head",
};

describe("10.11: the ticket pattern runs only where a ticket is required", () => {
  it("a hostile body on a pull request no ticket area touches is never scanned", async () => {
    const policy = await policyFrom(BINDINGS);
    const matcher = ticketMatcher(policy.ticket!.pattern);
    const scans = matcher.scans;
    const adr = prFacts([pathOnly("docs/adr/0012-nats-jetstream-backups.md")], {
      title: "Propose NATS backups",
      body: HOSTILE,
    });
    const d = evaluate(policy, adr, NOW);
    // Documentation only: exempt from the preset's every-change ticket (seed 002 lines 226-230).
    expect(d.ticket).toEqual({
      required: false,
      pattern: PRESET_PATTERN,
      found: [],
      areas: [],
      unexempt: [],
    });
    expect(matcher.scans).toBe(scans);
  });

  it("where one is required, the key is found behind a hostile body, in steps linear in the text", async () => {
    const policy = await policyFrom(BINDINGS);
    const matcher = ticketMatcher(policy.ticket!.pattern);
    const before = { scans: matcher.scans, steps: matcher.steps };
    // Capitals up to the end of what is read, the key last: every start position is a near miss.
    const body = `${"A".repeat(MAX_TICKET_TEXT - 40)} LFXV2-302`;
    const workflow = prFacts([pathOnly(".github/workflows/deploy.yml")], {
      title: "Deploy from tags",
      body,
      ...signed,
    });
    const d = evaluate(policy, workflow, NOW);
    expect(d.ticket).toEqual({
      required: true,
      pattern: PRESET_PATTERN,
      found: ["LFXV2-302"],
      areas: ["ci-cd"],
      unexempt: [".github/workflows/deploy.yml"],
    });
    expect(d.conclusion).toBe("success");
    expect(matcher.scans).toBe(before.scans + 1);
    // At most one thread step and one closure step per instruction and character of the scanned text.
    const scanned = "Deploy from tags\n".length + body.length;
    expect(matcher.steps - before.steps).toBeLessThanOrEqual(2 * matcher.size * (scanned + 1));
  });

  it("reads only the first 64 KiB of title and body: a key beyond it is not seen", async () => {
    const policy = await policyFrom(BINDINGS);
    const body = `${"x".repeat(MAX_TICKET_TEXT)} LFXV2-302`;
    const d = evaluate(
      policy,
      prFacts([pathOnly(".github/workflows/deploy.yml")], {
        title: "Deploy from tags",
        body,
        ...signed,
      }),
      NOW,
    );
    expect(d.ticket.found).toEqual([]);
    expect(d.conclusion).toBe("failure");
  });
});

describe("the linear-time matcher", () => {
  const patterns = [
    PRESET_PATTERN,
    OLD_PRESET_PATTERN,
    "(?:LFXV2|INC)-\\d{2,4}",
    "\\b[A-Z]{2,}-\\d+\\b",
    "#\\d+",
    "[A-Z][A-Z0-9]+-\\d+?",
    "JIRA-[0-9]+|[A-Z]+-\\d+",
    "(?<key>[A-Z]+)-[0-9]+(?:\\.[0-9]+)*",
    "^[A-Z]+-\\d+",
    "\\d+$",
    "[^\\s-]+-[^\\s]*\\d",
    "a|ab",
    "(a|b)*?c",
  ];
  const text = fc
    .array(fc.constantFrom("A", "B", "Z", "a", "b", "c", "1", "9", "-", "#", ".", " ", "\n", "_"), {
      maxLength: 40,
    })
    .map((c) => c.join(""));

  it.each(patterns)("finds what RegExp finds: %s", (pattern) => {
    const matcher = new TicketMatcher(pattern);
    fc.assert(
      fc.property(text, (t) => {
        const expected = [...t.matchAll(new RegExp(pattern, "g"))]
          .map((m) => m[0])
          .filter((key) => key !== "");
        expect(matcher.scan(t).keys).toEqual(expected);
      }),
      { numRuns: 1500, seed: 10_11 },
    );
  });

  it("scans 64 KiB of near misses in linear steps", () => {
    const matcher = new TicketMatcher(OLD_PRESET_PATTERN);
    for (const hostile of [
      HOSTILE,
      "A1".repeat(32_768),
      "AB-".repeat(21_845),
      "A-".repeat(32_768),
    ]) {
      const scan = matcher.scan(hostile);
      expect(scan.complete).toBe(true);
      expect(scan.steps).toBeLessThanOrEqual(2 * matcher.size * (hostile.length + 1));
    }
  });

  it("stops at its step budget on a pattern whose repeated searches would rescan, keeping what it found", () => {
    // Every search from an `a` runs to the end looking for a `y` before settling on "a".
    const matcher = new TicketMatcher("a[^x]*y|a");
    const scan = matcher.scan("a".repeat(20_000));
    expect(scan.complete).toBe(false);
    expect(scan.keys.every((k) => k === "a")).toBe(true);
    expect(scan.steps).toBeLessThanOrEqual(4 * matcher.size * 20_001 + 2 * matcher.size);
  });
});

describe("a policy's own ticket pattern is linted for the matcher", () => {
  async function ticketProblems(pattern: string) {
    const yaml = `${BINDINGS}ticket:\n  pattern: ${JSON.stringify(pattern)}\n  projects: [LFXV2]\n`;
    const result = await loadPolicy(
      { name: ".github/governance.yml", text: yaml },
      memoryReader({}),
    );
    return result.problems.map(formatProblem);
  }

  it("accepts the presets' pattern and ordinary ones", async () => {
    for (const pattern of [
      PRESET_PATTERN,
      OLD_PRESET_PATTERN,
      "(?:OPS|SEC)-\\d+",
      "\\b[A-Z]{2,10}-[0-9]{1,6}\\b",
    ])
      expect(await ticketProblems(pattern), pattern).toEqual([]);
  });

  it.each([
    [
      "([A-Z]+)-\\1",
      "ticket pattern uses a backreference (\\1); ticket keys are matched in linear time, without backtracking",
    ],
    [
      "(?<p>[A-Z]+)-\\k<p>",
      "ticket pattern uses a named backreference (\\k); ticket keys are matched in linear time, without backtracking",
    ],
    [
      "[A-Z]+(?=-\\d)",
      "ticket pattern uses a lookaround ((?= (?! (?<= (?<!); ticket keys are matched in linear time, without backtracking",
    ],
    [
      "(?<!X)[A-Z]+-\\d+",
      "ticket pattern uses a lookaround ((?= (?! (?<= (?<!); ticket keys are matched in linear time, without backtracking",
    ],
    [
      "[A-Z]*-?\\d*",
      "ticket pattern matches an empty string, so every pull request would reference a ticket",
    ],
    [
      "[A-Z]+-(\\d+",
      "ticket pattern is not a valid regular expression: Invalid regular expression: /[A-Z]+-(\\d+/: Unterminated group",
    ],
    [`[A-Z]+-\\d+${"|X".repeat(130)}`, "ticket pattern is 270 characters long; the limit is 256"],
  ])("refuses %s", async (pattern, message) => {
    expect(await ticketProblems(pattern)).toEqual([
      `.github/governance.yml:6:12: error: ${message} (at ticket.pattern)`,
    ]);
  });
});

describe("issue 11 §5: names of standards are no tickets; lint asks for the projects", () => {
  // Seed 002, "Ticket Creation Requirements": "All work items must be tracked through Jira
  // tickets ... in the appropriate product Jira board" (example: LFXV2-302).
  const workflow = (title: string, body = "") =>
    prFacts([pathOnly(".github/workflows/deploy.yml")], { title, body, ...signed });

  it.each([
    ["Build with UTF-8 locale", ""],
    ["Pin base images by SHA-256 digest", ""],
    ["Patch CVE-2024-3094 in the build image", "See CVE-2024-3094 and CWE-506."],
    ["Bump node to ES-2022 target", "Dates in ISO-8601, TLS-1.3 only, RFC-9110 caching."],
  ])("the preset finds no ticket in %j", async (title, body) => {
    const policy = await policyFrom(BINDINGS);
    const d = evaluate(policy, workflow(title, body), NOW);
    expect(d.ticket).toEqual({
      required: true,
      pattern: PRESET_PATTERN,
      found: [],
      areas: ["ci-cd"],
      unexempt: [".github/workflows/deploy.yml"],
    });
    expect(d.conclusion).toBe("failure");
  });

  it("a real key beside them is found, alone", async () => {
    const policy = await policyFrom(BINDINGS);
    const d = evaluate(
      policy,
      workflow(
        "LFXV2-302: pin images by SHA-256",
        "Fixes CVE-2024-3094 (UTF-8 paths). Follow-up LFXV2_OPS-17.",
      ),
      NOW,
    );
    expect(d.ticket.found).toEqual(["LFXV2-302", "LFXV2_OPS-17"]);
    expect(d.conclusion).toBe("success");
  });

  it("the preset's pattern takes whole words with an issue number, not a fragment or a zero-padded number", async () => {
    const policy = await policyFrom(BINDINGS);
    const keys = (title: string) => evaluate(policy, workflow(title), NOW).ticket.found;
    expect(keys("XLFXV2-302y build")).toEqual([]);
    expect(keys("release v2-0001 build")).toEqual([]);
    expect(keys("INFRA-07 rotate keys")).toEqual([]);
    expect(keys("(INFRA-1207) rotate keys")).toEqual(["INFRA-1207"]);
  });

  it("lint warns, in the repository's file, while no ticket.projects are named", async () => {
    const result = await loadPolicy(
      { name: ".github/governance.yml", text: BINDINGS },
      memoryReader({}),
    );
    expect(result.policy).toBeDefined();
    expect(result.problems.map(formatProblem)).toEqual([
      ".github/governance.yml:1:1: warning: every change requires a ticket (ticket.everyChange), but ticket.projects names no project: " +
        "any word shaped like a key counts as one; name the boards whose keys count, e.g. ticket: { projects: [LFXV2] } (at ticket)",
    ]);
  });

  it("naming the projects silences the warning", async () => {
    const result = await loadPolicy(
      { name: ".github/governance.yml", text: `${BINDINGS}ticket: { projects: [LFXV2] }\n` },
      memoryReader({}),
    );
    expect(result.problems).toEqual([]);
  });

  it("a policy that requires no ticket is not asked for projects", async () => {
    const result = await loadPolicy(
      {
        name: ".github/governance.yml",
        text: "extends: it-operations\nroles:\n  it-operations: { users: [olga] }\n",
      },
      memoryReader({}),
    );
    expect(result.problems.map(formatProblem).filter((p) => /ticket/.test(p))).toEqual([]);
  });
});
