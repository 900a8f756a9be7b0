import { describe, expect, it } from "vitest";
import { parseCommands } from "../../src/evaluate/commands.js";

describe("parseCommands", () => {
  it("finds a command on any line of the comment's own text", () => {
    expect(parseCommands("Reviewed the rollback plan, looks safe.\n\n/approve-level3")).toEqual([
      { type: "approve", level: 3, cancel: false, text: "/approve-level3" },
    ]);
    expect(parseCommands("/APPROVE-LEVEL4  \r\nthanks")).toEqual([{ type: "approve", level: 4, cancel: false, text: "/APPROVE-LEVEL4" }]);
  });

  it("recognises cancel", () => {
    expect(parseCommands("/approve-level3 cancel")).toEqual([{ type: "approve", level: 3, cancel: true, text: "/approve-level3 cancel" }]);
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
    expect(parseCommands("```\n~~~\n/approve-level3\n```\n/approve-level2")).toEqual([{ type: "approve", level: 2, cancel: false, text: "/approve-level2" }]);
  });

  it("parses /emergency with its reason and /governance with its arguments", () => {
    expect(parseCommands("/emergency  payments down, rollback of #812\n/governance explain")).toEqual([
      { type: "emergency", reason: "payments down, rollback of #812", text: "/emergency  payments down, rollback of #812" },
      { type: "governance", args: "explain", text: "/governance explain" },
    ]);
    expect(parseCommands("/emergency")).toEqual([{ type: "emergency", reason: "", text: "/emergency" }]);
  });
});
