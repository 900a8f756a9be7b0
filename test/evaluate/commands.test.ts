import { describe, expect, it } from "vitest";
import { parseCommands } from "../../src/evaluate/commands.js";

describe("parseCommands", () => {
  it("finds a command on any line of the comment's own text", () => {
    expect(parseCommands("Reviewed the rollback plan, looks safe.\n\n/approve-level3")).toEqual([
      { type: "approve", level: 3, cancel: false, text: "/approve-level3" },
    ]);
    expect(parseCommands("/APPROVE-LEVEL4  \r\nthanks")).toEqual([
      { type: "approve", level: 4, cancel: false, text: "/APPROVE-LEVEL4" },
    ]);
  });

  it("recognises cancel", () => {
    expect(parseCommands("/approve-level3 cancel")).toEqual([
      { type: "approve", level: 3, cancel: true, text: "/approve-level3 cancel" },
    ]);
  });

  it("ignores quotes, fenced and indented code, inline mentions and look-alikes", () => {
    const body = [
      "> /approve-level3",
      ">> /approve-level4",
      "```",
      "/approve-level3",
      "```",
      "~~~md",
      "/approve-level4",
      "~~~",
      "    /approve-level3",
      "\t/approve-level3",
      "please type `/approve-level3`",
      "I will /approve-level3 later",
      "/approve-level3x",
      "/approve-level5",
      "/approve-levels",
    ].join("\n");
    expect(parseCommands(body)).toEqual([]);
  });

  it("resumes after a fence closes, and only with the same fence character", () => {
    expect(parseCommands("```\n~~~\n/approve-level3\n```\n/approve-level2")).toEqual([
      { type: "approve", level: 2, cancel: false, text: "/approve-level2" },
    ]);
  });

  it("does not count a command a multi-line HTML comment hides, and resumes after the comment", () => {
    const body = [
      "Rollback plan reviewed; the backfill still has to run in staging.",
      "",
      "<!--",
      "Uncomment once the backfill is done:",
      "/approve-level3",
      "-->",
      "Thanks! <!-- reminder to self:",
      "/approve-level3",
      "-->",
      "",
      "/approve-level2",
    ].join("\n");
    expect(parseCommands(body)).toEqual([
      { type: "approve", level: 2, cancel: false, text: "/approve-level2" },
    ]);
    // A comment block spans empty lines too (a paragraph could not).
    expect(parseCommands("<!-- sign-off template\n\n/approve-level3\n\n-->")).toEqual([]);
  });

  it("keeps a fence open past a line with an info string, which cannot close it", () => {
    const body = [
      "Dry run against a staging snapshot:",
      "```",
      "ALTER TABLE users DROP COLUMN avatar_url;",
      "```text",
      "/approve-level3",
      "```",
    ].join("\n");
    expect(parseCommands(body)).toEqual([]);
    // The closing fence may be longer than the opening one and end in spaces; then text resumes.
    expect(parseCommands("```sql\nDROP TABLE sessions;\n````  \n/approve-level3")).toEqual([
      { type: "approve", level: 3, cancel: false, text: "/approve-level3" },
    ]);
    // A backtick line whose info string holds a backtick opens no fence at all.
    expect(parseCommands("``` `npm ci` passes\n/approve-level3")).toEqual([
      { type: "approve", level: 3, cancel: false, text: "/approve-level3" },
    ]);
  });

  it("hides what a code span, a tag or a link definition spans across lines", () => {
    expect(parseCommands("The runbook says to type `then\n/approve-level3` when done")).toEqual([]);
    expect(parseCommands('<span title="sign-off:\n/approve-level3">hover me</span>')).toEqual([]);
    expect(parseCommands("[runbook]:\n/approve-level3")).toEqual([]);
  });

  it("reads fences and continuation lines inside list items as CommonMark does", () => {
    const body = [
      "- checked the plan:",
      "  ```",
      "  /approve-level3",
      "  ```",
      "- and the rollback",
      "  /approve-level2",
      "- /approve-level4",
    ].join("\n");
    // The fenced line is code, the continuation line is the item's text, the bullet line starts with the bullet.
    expect(parseCommands(body)).toEqual([
      { type: "approve", level: 2, cancel: false, text: "/approve-level2" },
    ]);
  });

  it("counts four-space-indented text that continues a paragraph, not an indented code block", () => {
    expect(parseCommands("Looks right to me.\n    /approve-level3")).toEqual([
      { type: "approve", level: 3, cancel: false, text: "/approve-level3" },
    ]);
    expect(parseCommands("Looks right to me.\n\n    /approve-level3")).toEqual([]);
    // An empty list item ends at an empty line, so what follows is indented code, not the item's text.
    expect(parseCommands("-\n  /approve-level3")).toEqual([
      { type: "approve", level: 3, cancel: false, text: "/approve-level3" },
    ]);
    expect(parseCommands("-\n\n    /approve-level3")).toEqual([]);
  });

  it("counts text in an HTML block but not in a <pre> block", () => {
    expect(
      parseCommands("<details>\n<summary>Review notes</summary>\n/approve-level3\n</details>"),
    ).toEqual([{ type: "approve", level: 3, cancel: false, text: "/approve-level3" }]);
    expect(parseCommands("<pre>\n/approve-level3\n</pre>")).toEqual([]);
  });

  it("answers a command written in the lazy continuation of a quote, which GitHub shows inside the quote", () => {
    const body = ["> Can we backfill before dropping the column?", "/approve-level3"].join("\n");
    expect(parseCommands(body)).toEqual([
      {
        type: "unreadable",
        intended: { type: "approve", level: 3, cancel: false, text: "/approve-level3" },
        text: "/approve-level3",
        reason:
          "the line continues the quote above it (a line right after a `>` line is part of the quote); post the command again with an empty line after the quote",
      },
    ]);
    // With an empty line after the quote it is the commenter's own text.
    expect(
      parseCommands("> Can we backfill before dropping the column?\n\n/approve-level3"),
    ).toEqual([{ type: "approve", level: 3, cancel: false, text: "/approve-level3" }]);
    // A line that repeats a `>` is quoting, and not answered.
    expect(parseCommands("> > Can we backfill first?\n> /approve-level3")).toEqual([]);
    // After a fence inside a quote, no lazy continuation: the line is the commenter's.
    expect(parseCommands("> ```\n> psql -f backfill.sql\n/approve-level3")).toEqual([
      { type: "approve", level: 3, cancel: false, text: "/approve-level3" },
    ]);
  });

  it.each([
    ["\u200B", "U+200B", "an invisible character"],
    ["\u200C", "U+200C", "an invisible character"],
    ["\u200D", "U+200D", "an invisible character"],
    ["\u2060", "U+2060", "an invisible character"],
    ["\uFEFF", "U+FEFF", "an invisible character"],
    ["\u00A0", "U+00A0", "a space that is not a plain space"],
  ])("answers, never counts, a command that starts with %j", (prefix, codePoint, what) => {
    expect(parseCommands(`${prefix}/approve-level3`)).toEqual([
      {
        type: "unreadable",
        intended: { type: "approve", level: 3, cancel: false, text: "/approve-level3" },
        text: "/approve-level3",
        reason: `the command starts with ${what} (${codePoint}); post it again as plain text`,
      },
    ]);
    expect(
      parseCommands(`Pager is quiet again.\n${prefix}/emergency payments down, rollback of #812`),
    ).toEqual([
      {
        type: "unreadable",
        intended: {
          type: "emergency",
          reason: "payments down, rollback of #812",
          text: "/emergency payments down, rollback of #812",
        },
        text: "/emergency payments down, rollback of #812",
        reason: `the command starts with ${what} (${codePoint}); post it again as plain text`,
      },
    ]);
  });

  it("answers a command whose word or cancel holds an invisible character, reading it as the reader does", () => {
    expect(parseCommands("/approve-level3\u00A0cancel")).toEqual([
      {
        type: "unreadable",
        intended: { type: "approve", level: 3, cancel: true, text: "/approve-level3 cancel" },
        text: "/approve-level3 cancel",
        reason:
          "the command contains a space that is not a plain space (U+00A0); post it again as plain text",
      },
    ]);
    expect(parseCommands("/approve\u200B-level3")).toMatchObject([
      {
        type: "unreadable",
        reason: "the command contains an invisible character (U+200B); post it again as plain text",
      },
    ]);
    // Invisible characters in an emergency's reason (an emoji's joiner) are the reader's text too.
    expect(parseCommands("/emergency on-call 🧑\u200D💻 says payments are down")).toEqual([
      {
        type: "emergency",
        reason: "on-call 🧑\u200D💻 says payments are down",
        text: "/emergency on-call 🧑\u200D💻 says payments are down",
      },
    ]);
  });

  it("parses /emergency with its reason and /governance with its arguments", () => {
    expect(
      parseCommands("/emergency  payments down, rollback of #812\n/governance explain"),
    ).toEqual([
      {
        type: "emergency",
        reason: "payments down, rollback of #812",
        text: "/emergency  payments down, rollback of #812",
      },
      { type: "governance", args: "explain", text: "/governance explain" },
    ]);
    expect(parseCommands("/emergency")).toEqual([
      { type: "emergency", reason: "", text: "/emergency" },
    ]);
  });

  it("parses /governance decide as a mediator's decision, with its verdict and rationale", () => {
    expect(parseCommands("/governance decide approve  the export job covers it")).toEqual([
      {
        type: "decide",
        verdict: "approve",
        rationale: "the export job covers it",
        text: "/governance decide approve  the export job covers it",
      },
    ]);
    expect(parseCommands("/governance Decide REJECT keep the column")).toEqual([
      {
        type: "decide",
        verdict: "reject",
        rationale: "keep the column",
        text: "/governance Decide REJECT keep the column",
      },
    ]);
    expect(parseCommands("/governance decide")).toEqual([
      { type: "decide", verdict: undefined, rationale: "", text: "/governance decide" },
    ]);
    expect(parseCommands("/governance decide approved ok")).toEqual([
      {
        type: "decide",
        verdict: undefined,
        rationale: "approved ok",
        text: "/governance decide approved ok",
      },
    ]);
    expect(parseCommands("/governance decider")).toEqual([
      { type: "governance", args: "decider", text: "/governance decider" },
    ]);
    // Hidden behind an invisible character, a decision is answered, never counted.
    expect(parseCommands("\u200B/governance decide approve ok")).toEqual([
      expect.objectContaining({
        type: "unreadable",
        intended: expect.objectContaining({ type: "decide", verdict: "approve" }),
      }),
    ]);
  });
});

describe("mutants a smoke run of Stryker found surviving, each a way a comment would wrongly sign", () => {
  it("a command mid-line is not a command: /cc … /approve-level3 and /cc … /emergency", () => {
    expect(parseCommands("/cc @dan: once you have read it, /approve-level3")).toEqual([]);
    expect(parseCommands("/cc @sre: payments are down /emergency")).toEqual([]);
  });

  it("a cancel after two spaces is still a cancel, never an approval", () => {
    expect(parseCommands("/approve-level3  cancel")).toEqual([
      { type: "approve", level: 3, cancel: true, text: "/approve-level3  cancel" },
    ]);
  });

  it("a no-break space before cancel or before an emergency's reason makes the command unreadable, answered, not counted", () => {
    const cancel = parseCommands("/approve-level3\u00A0cancel");
    expect(cancel).toHaveLength(1);
    expect(cancel[0]).toMatchObject({
      type: "unreadable",
      intended: { type: "approve", cancel: true },
    });
    const emergency = parseCommands("/emergency\u00A0db is down");
    expect(emergency).toHaveLength(1);
    expect(emergency[0]).toMatchObject({
      type: "unreadable",
      intended: { type: "emergency", reason: "db is down" },
    });
  });
  it("a command the reader does not see as one is answered, never counted: /approve-level3, U+FEFF, 4", () => {
    // JavaScript's \\s takes U+FEFF for a space, so the gate alone would read level 3; a reader sees `/approve-level34`.
    expect(parseCommands("/approve-level3\uFEFF4")).toEqual([
      {
        type: "unreadable",
        intended: { type: "approve", level: 3, cancel: false, text: "/approve-level3\uFEFF4" },
        text: "/approve-level34",
        reason: "the command contains an invisible character (U+FEFF); post it again as plain text",
      },
    ]);
  });

  it("a decision whose verdict hides an invisible character is answered as the verdict the reader reads", () => {
    expect(parseCommands("/governance decide \u200Breject keep the column")).toEqual([
      {
        type: "unreadable",
        intended: {
          type: "decide",
          verdict: "reject",
          rationale: "keep the column",
          text: "/governance decide reject keep the column",
        },
        text: "/governance decide reject keep the column",
        reason: "the command contains an invisible character (U+200B); post it again as plain text",
      },
    ]);
  });

  it("/governance alone, and its arguments after several spaces, are read as written", () => {
    expect(parseCommands("/governance")).toEqual([
      { type: "governance", args: "", text: "/governance" },
    ]);
    expect(parseCommands("/governance decide  approve  covered by the export job")).toEqual([
      {
        type: "decide",
        verdict: "approve",
        rationale: "covered by the export job",
        text: "/governance decide  approve  covered by the export job",
      },
    ]);
  });

  it("a decision or /governance mid-line is not one", () => {
    expect(parseCommands("/cc @mediator: /governance decide approve")).toEqual([]);
    expect(parseCommands("/governance note: decide approve later")).toEqual([
      {
        type: "governance",
        args: "note: decide approve later",
        text: "/governance note: decide approve later",
      },
    ]);
  });
});
