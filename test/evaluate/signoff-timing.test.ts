import { beforeAll, describe, expect, it } from "vitest";
import { collectSignOffs } from "../../src/evaluate/signoffs.js";
import type { Review } from "../../src/evaluate/facts.js";
import type { Policy } from "../../src/policy/model.js";
import { approval, comment, pathOnly, prFacts } from "../helpers/facts.js";
import { policyFrom } from "../helpers/policy.js";

/**
 * What a review or a command is worth depends on when it happened: against the
 * head's arrival (pushes, force-pushes, retargets), and against the same
 * person's other reviews. These are survivors of the Stryker run over
 * src/evaluate/signoffs.ts with the engine's tests only (docs/mutation-testing.md);
 * the app tests caught some of them, the engine's own tests none. Each case
 * fails on one of them.
 */
const BINDINGS = `extends: chat-backend
roles:
  backend-lead: { users: [bea] }
  dba-lead: { users: [dan] }
  sre-lead: { users: [sam] }
  mediator: { users: [mia] }
`;
const FILES = [pathOnly("src/api/users.ts")];
const review = (user: string, state: Review["state"], at: string): Review => ({
  ...approval(user, at),
  state,
});

let policy: Policy;
beforeAll(async () => {
  policy = await policyFrom(BINDINGS);
});

describe("reviews", () => {
  it("a dismissal after an approval leaves no sign-off, whatever order the facts list them in", () => {
    const s = collectSignOffs(
      prFacts(FILES, {
        reviews: [
          review("dan", "DISMISSED", "2026-11-23T11:30:00Z"),
          approval("dan", "2026-11-23T11:00:00Z"),
        ],
      }),
      policy,
    );
    expect(s.signers.get("dan")?.reviewAt).toBeUndefined();
  });

  it("a comment-only review after an approval keeps the sign-off (GitHub keeps the approval too)", () => {
    const s = collectSignOffs(
      prFacts(FILES, {
        reviews: [
          approval("dan", "2026-11-23T11:00:00Z"),
          review("dan", "COMMENTED", "2026-11-23T11:30:00Z"),
        ],
      }),
      policy,
    );
    expect(s.signers.get("dan")?.reviewAt).toBe(Date.parse("2026-11-23T11:00:00Z"));
  });

  it("an approval of the head submitted before the latest force-push or retarget does not count", () => {
    const facts = prFacts(FILES, {
      reviews: [approval("dan", "2026-11-23T10:30:00Z"), approval("sam", "2026-11-23T11:30:00Z")],
      reviewsFrom: "2026-11-23T11:00:00Z",
    });
    const s = collectSignOffs(facts, policy);
    expect(s.signers.get("dan")?.reviewAt).toBeUndefined();
    expect(s.notes.join("\n")).toContain(
      "@dan's approval came before the pull request's latest force-push",
    );
    expect(s.signers.get("sam")?.reviewAt).toBe(Date.parse("2026-11-23T11:30:00Z"));
  });

  it("a review still pending (not submitted) is nobody's input yet", () => {
    const s = collectSignOffs(
      prFacts(FILES, { reviews: [review("dan", "PENDING", "2026-11-23T11:00:00Z")] }),
      policy,
    );
    expect(s.firstInputAt.has("dan")).toBe(false);
  });
});

describe("emergencies and mediators' decisions are dated against the head's arrival", () => {
  const before = "2026-11-23T09:59:00Z";
  const after = "2026-11-23T10:01:00Z";
  // The facts' head arrived at PUSHED_AT (10:00).

  it("an emergency declared before the current commit arrived does not count; one after does", () => {
    const s = collectSignOffs(
      prFacts(FILES, {
        comments: [
          comment("sam", "/emergency payments are down", before),
          comment("bea", "/emergency payments are still down", after),
        ],
      }),
      policy,
    );
    expect(s.emergencies.map((e) => [e.login, e.invalidReason === undefined])).toEqual([
      ["sam", false],
      ["bea", true],
    ]);
    expect(s.emergencies[0]!.invalidReason).toContain("declared before the current commit arrived");
  });

  it("an emergency when the head's arrival is unknown does not count", () => {
    const s = collectSignOffs(
      prFacts(FILES, {
        headPushedAt: undefined,
        comments: [comment("sam", "/emergency payments are down", after)],
      }),
      policy,
    );
    expect(s.emergencies[0]!.invalidReason).toContain("declared before the current commit arrived");
  });

  it("a decision posted before the current commit arrived does not count; one after does", () => {
    const s = collectSignOffs(
      prFacts(FILES, {
        comments: [
          comment("mia", "/governance decide approve the export job covers it", before),
          comment("mia", "/governance decide reject keep the column", after),
        ],
      }),
      policy,
    );
    expect(s.decisions.map((d) => [d.verdict, d.invalidReason === undefined])).toEqual([
      ["approve", false],
      ["reject", true],
    ]);
  });

  it("a decision when the head's arrival is unknown does not count", () => {
    const s = collectSignOffs(
      prFacts(FILES, {
        headPushedAt: undefined,
        comments: [comment("mia", "/governance decide approve the export job covers it", after)],
      }),
      policy,
    );
    expect(s.decisions[0]!.invalidReason).toContain("posted before the current commit arrived");
  });

  it("a decision hidden behind an invisible character does not count", () => {
    const s = collectSignOffs(
      prFacts(FILES, {
        comments: [
          comment("mia", "\u200B/governance decide approve the export job covers it", after),
        ],
      }),
      policy,
    );
    expect(s.decisions).toHaveLength(1);
    expect(s.decisions[0]!.invalidReason).toContain("invisible character (U+200B)");
  });
});
