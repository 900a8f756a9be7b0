import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.js";

/** `governance-gate audit`'s arguments: every mistake is one clear line and exit 2, before GitHub is asked anything. */

async function run(
  args: string[],
  env: Record<string, string> = {},
): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const saved = { ...process.env };
  for (const key of ["GITHUB_TOKEN", "APP_ID", "PRIVATE_KEY", "PRIVATE_KEY_PATH"])
    delete process.env[key];
  Object.assign(process.env, env);
  try {
    const code = await main(args, { out: (t) => out.push(t), err: (t) => err.push(t) });
    return { code, out, err };
  } finally {
    process.env = saved;
  }
}

describe("governance-gate audit", () => {
  it("prints its usage with --help: scope, period, format, output, the App's id, credentials", async () => {
    const { code, out } = await run(["audit", "--help"]);
    expect(code).toBe(0);
    const usage = out.join("\n");
    expect(usage.startsWith("Usage: governance-gate audit")).toBe(true);
    for (const option of [
      "--repo",
      "--org",
      "--since",
      "--until",
      "--format",
      "--out",
      "--app-id",
      "GITHUB_TOKEN",
      "PRIVATE_KEY",
    ])
      expect(usage).toContain(option);
  });

  it.each([
    [
      ["audit", "--since", "2026-07-01", "--app-id", "1"],
      "say what to audit: --repo owner/name (repeatable) or --org ORG",
    ],
    [
      ["audit", "--org", "acme", "--app-id", "1"],
      "--since is required (a date such as 2026-07-01, or an ISO 8601 time)",
    ],
    [
      ["audit", "--org", "acme", "--since", "July", "--app-id", "1"],
      '--since "July" is not a date',
    ],
    [
      ["audit", "--org", "acme", "--since", "2026-10-01", "--until", "2026-09-30", "--app-id", "1"],
      "--since (2026-10-01) is after --until (2026-09-30)",
    ],
    [
      ["audit", "--repo", "acme", "--since", "2026-07-01", "--app-id", "1"],
      '--repo "acme" is not owner/name',
    ],
    [
      ["audit", "--org", "acme", "--since", "2026-07-01", "--format", "xlsx", "--app-id", "1"],
      '--format "xlsx" is not csv, jsonl or html',
    ],
    [
      ["audit", "--org", "acme", "--since", "2026-07-01"],
      "the audit reads only this App's check runs: give its id with --app-id or APP_ID (the App's settings page shows it)",
    ],
  ])("%j is refused: %s", async (args, message) => {
    expect(await run(args)).toEqual({ code: 2, out: [], err: [`governance-gate: ${message}`] });
  });

  it("without credentials says which to set", async () => {
    expect(await run(["audit", "--org", "acme", "--since", "2026-07-01", "--app-id", "1"])).toEqual(
      {
        code: 1,
        out: [],
        err: [
          "governance-gate: the audit needs credentials: GITHUB_TOKEN, or the App's APP_ID and PRIVATE_KEY (or PRIVATE_KEY_PATH)",
        ],
      },
    );
  });
});
