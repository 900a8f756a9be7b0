import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { envFileDetector, parseEnvKeys } from "../../src/changes/env-file.js";
import type { ChangedFile, DetectionResult, DetectorSettings } from "../../src/changes/types.js";

const settings: DetectorSettings = {
  cost: { cpuMonth: 25, memoryGiBMonth: 3, threshold: 500, currency: "USD" },
};

function fixture(name: string): string {
  return readFileSync(new URL(`../fixtures/changes/env/${name}`, import.meta.url), "utf8");
}

const BASE = fixture("base.env.example");
const HEAD = fixture("head.env.example");
const PATH = "services/chat-backend/.env.example";

function detect(file: Partial<ChangedFile>): DetectionResult {
  return envFileDetector.detect({ path: PATH, status: "modified", ...file }, settings);
}

/** Findings as [kind, detail, line] triples: what each assertion checks. */
function summary(result: DetectionResult): [string, string, number | undefined][] {
  return result.findings.map((f) => [f.kind, f.detail, f.line]);
}

function numbered(text: string) {
  return text.split("\n").map((t, i) => ({ line: i + 1, text: t }));
}

/** What the chat-backend head adds to its base, wherever it is read from. */
const EXPECTED_NEW: [string, string, number][] = [
  ["env-var-added", "new variable REDIS_URL", 17],
  ["env-var-added", "new variable REDIS_KEY_PREFIX", 18],
  ["env-var-added", "new variable PUSH_VAPID_PUBLIC_KEY", 31],
  ["env-var-added", "new variable PUSH_VAPID_PRIVATE_KEY", 32],
];

describe("envFileDetector.appliesTo", () => {
  it.each([
    ".env.example",
    "services/chat-backend/.env.example",
    ".env.production.example",
    "deploy/.env.staging.example",
    "api.env.example",
    ".env.sample",
    ".env.template",
    "config/.env.local.template",
  ])("matches %s", (path) => {
    expect(envFileDetector.appliesTo(path)).toBe(true);
  });

  it.each([
    ".env",
    ".env.production",
    "environment.example",
    "src/env.ts",
    ".env.example.bak",
    "docs/env.md",
  ])("ignores %s", (path) => {
    expect(envFileDetector.appliesTo(path)).toBe(false);
  });

  it("works from the patch alone", () => {
    expect(envFileDetector.id).toBe("env-file");
    expect(envFileDetector.kinds).toEqual(["env-var-added"]);
    expect(envFileDetector.needsContent).toBe(false);
  });
});

describe("env-var-added from base and head content", () => {
  it("reports keys present in head but not base, with their head line", () => {
    const result = detect({ base: BASE, head: HEAD });
    expect(summary(result)).toEqual(EXPECTED_NEW);
    expect(result.findings.every((f) => f.path === PATH && f.conservative === undefined)).toBe(
      true,
    );
    expect(result.problems).toEqual([]);
  });

  it("reports nothing when only values and comments change", () => {
    const head = BASE.replace("schema=public", "schema=chat")
      .replace("JWT_EXPIRES_IN=15m", "JWT_EXPIRES_IN=10m # shorter since the 2024 audit")
      .replace(
        "# SENTRY_DSN=https://public@sentry.example.com/1",
        "# SENTRY_DSN=\n# FEATURE_THREADS=true",
      );
    expect(head).not.toBe(BASE);
    expect(detect({ base: BASE, head })).toEqual({ findings: [], problems: [] });
  });

  it("reports every key of a new template", () => {
    const result = detect({ status: "added", base: null, head: BASE });
    expect(summary(result)).toEqual([
      ["env-var-added", "new variable NODE_ENV", 5],
      ["env-var-added", "new variable PORT", 6],
      ["env-var-added", "new variable CORS_ORIGINS", 8],
      ["env-var-added", "new variable LOG_LEVEL", 9],
      ["env-var-added", "new variable DATABASE_URL", 12],
      ["env-var-added", "new variable DIRECT_URL", 14],
      ["env-var-added", "new variable JWT_SECRET", 17],
      ["env-var-added", "new variable JWT_EXPIRES_IN", 18],
      ["env-var-added", "new variable REFRESH_TOKEN_TTL_DAYS", 19],
      ["env-var-added", "new variable JWT_PUBLIC_KEY", 21],
    ]);
  });

  it("reports nothing for a removed template", () => {
    expect(detect({ status: "removed", base: BASE, head: null })).toEqual({
      findings: [],
      problems: [],
    });
  });

  it("handles CRLF line endings", () => {
    const result = detect({
      base: BASE.replaceAll("\n", "\r\n"),
      head: HEAD.replaceAll("\n", "\r\n"),
    });
    expect(summary(result)).toEqual(EXPECTED_NEW);
  });
});

describe("env-var-added from a GitHub patch", () => {
  it("reports keys on added lines that are not on removed lines", () => {
    const result = detect({ patch: fixture("head.patch") });
    expect(summary(result)).toEqual(EXPECTED_NEW);
    expect(result.problems).toEqual([]);
  });

  it("reports a renamed key but not a key whose value changed", () => {
    // REDIS_HOST/REDIS_PORT become REDIS_URL; REDIS_PASSWORD only changes its value.
    expect(summary(detect({ patch: fixture("rename-redis.patch") }))).toEqual([
      ["env-var-added", "new variable REDIS_URL", 16],
    ]);
  });

  it("reports nothing for a patch that only changes a value", () => {
    const patch = [
      "@@ -17,3 +17,3 @@ DIRECT_URL=",
      " JWT_SECRET='change-me-to-a-long-random-string'",
      "-JWT_EXPIRES_IN=15m",
      "+JWT_EXPIRES_IN=10m",
      " export REFRESH_TOKEN_TTL_DAYS=30",
    ].join("\n");
    expect(detect({ patch })).toEqual({ findings: [], problems: [] });
  });

  it("prefers content over the patch when both are present", () => {
    // The patch re-adds JWT_SECRET (moved), which content comparison knows is not new.
    const patch = ["@@ -1,2 +1,2 @@", "-JWT_SECRET=a", " PORT=3000", "+JWT_SECRET=a"].join("\n");
    const result = detect({
      patch,
      base: "JWT_SECRET=a\nPORT=3000\n",
      head: "PORT=3000\nJWT_SECRET=a\nSMTP_URL=\n",
    });
    expect(summary(result)).toEqual([["env-var-added", "new variable SMTP_URL", 3]]);
  });

  it("does not let a quote opened in one hunk swallow the next hunk", () => {
    const patch = [
      "@@ -3,2 +3,2 @@",
      '-BANNER="Welcome',
      '+BANNER="Welcome to chat',
      ' on two lines"',
      "@@ -20,1 +20,2 @@",
      " LOG_LEVEL=info",
      '+SMTP_FROM="Chat <noreply@chat.acme.dev>"',
    ].join("\n");
    expect(summary(detect({ patch }))).toEqual([["env-var-added", "new variable SMTP_FROM", 21]]);
  });
});

describe("unreadable templates", () => {
  it("reports a change without patch or content as a problem and a conservative finding", () => {
    // GitHub's list-files entry for an edit too large to diff: counts, no `patch`.
    const result = detect({ additions: 3100, deletions: 2400, changes: 5500 });
    const message =
      "GitHub sent no diff for it (5,500 changed lines) and its content was not loaded; split the change (rename or move the file in one pull request and edit it in another, or edit it in smaller steps) so that its diff can be read";
    expect(result.problems).toEqual([{ path: PATH, detector: "env-file", message }]);
    expect(result.findings).toEqual([
      {
        kind: "env-var-added",
        path: PATH,
        detail: `environment template could not be read (${message}); assuming new variables`,
        conservative: true,
      },
    ]);
  });

  it("reports nothing for a pure rename, but 0 counted lines alone do not make one (a binary file counts 0)", () => {
    const moved = {
      status: "renamed" as const,
      previousPath: ".env.example",
      additions: 0,
      deletions: 0,
      changes: 0,
    };
    expect(detect({ ...moved, base: BASE, head: BASE })).toEqual({ findings: [], problems: [] });
    expect(detect(moved).findings.map((f) => [f.kind, f.conservative])).toEqual([
      ["env-var-added", true],
    ]);
  });

  it("assumes new variables for a rename whose edits GitHub did not diff", () => {
    const result = detect({
      status: "renamed",
      previousPath: ".env.example",
      additions: 40,
      deletions: 2,
      changes: 42,
    });
    expect(result.findings.map((f) => [f.kind, f.conservative])).toEqual([["env-var-added", true]]);
    expect(result.problems[0]?.message).toMatch(
      /^GitHub sent no diff for it \(renamed from \.env\.example, 42 changed lines\)/,
    );
  });

  it("assumes new variables for a rename nobody counted the changes of", () => {
    // A caller that fills no counts cannot tell a pure rename from an edited one.
    const result = detect({ status: "renamed", previousPath: ".env.example" });
    expect(result.findings.map((f) => [f.kind, f.conservative])).toEqual([["env-var-added", true]]);
  });
});

describe("parseEnvKeys", () => {
  it("reads dotenv syntax: export, quotes, empty values, comments", () => {
    const text = [
      "# comment",
      "",
      "PLAIN=value",
      "export EXPORTED=1",
      "  INDENTED = spaced ",
      "EMPTY=",
      "SINGLE='it''s'",
      'DOUBLE="a # not a comment"',
      "BACKTICK=`x`",
      "INLINE=value # trailing comment",
      "# COMMENTED_OUT=bar",
      "#export ALSO_COMMENTED=1",
      "not an assignment",
      "dotted.key-name=ok",
    ].join("\n");
    expect(parseEnvKeys(numbered(text))).toEqual([
      { name: "PLAIN", line: 3 },
      { name: "EXPORTED", line: 4 },
      { name: "INDENTED", line: 5 },
      { name: "EMPTY", line: 6 },
      { name: "SINGLE", line: 7 },
      { name: "DOUBLE", line: 8 },
      { name: "BACKTICK", line: 9 },
      { name: "INLINE", line: 10 },
      { name: "dotted.key-name", line: 14 },
    ]);
  });

  it("skips the lines of a multi-line quoted value, even ones that look like assignments", () => {
    const text = [
      'GOOGLE_CREDENTIALS="{',
      '  \\"type\\": \\"service_account\\",',
      "  PRIVATE_KEY=this-is-inside-the-value",
      '}"',
      "AFTER=1",
    ].join("\n");
    expect(parseEnvKeys(numbered(text))).toEqual([
      { name: "GOOGLE_CREDENTIALS", line: 1 },
      { name: "AFTER", line: 5 },
    ]);
  });

  it("reads an unterminated quote as a one-line value so later keys are still found", () => {
    const text = ['BROKEN="never closed', "NEXT=1", "LAST=2"].join("\n");
    expect(parseEnvKeys(numbered(text)).map((k) => k.name)).toEqual(["BROKEN", "NEXT", "LAST"]);
  });
});
