import { execFileSync, spawn } from "node:child_process";
import { createPublicKey } from "node:crypto";
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { FakeGitHub, type FakeGitHubSeed } from "../e2e/fake-github.js";
import {
  APP_ID,
  AUTHOR,
  COLLABORATORS,
  INSTALLATION_ID,
  migrationSeed,
  OWNER,
  PR_NUMBER,
  REPO,
  sha,
} from "../e2e/scenario.js";
import { appKeys } from "../github-support/app-server.js";
import { ROOT } from "../cli/built-package.js";

/**
 * The GitHub Action reads TypeScript contracts (NestJS DTOs) with the compiler,
 * as the App does: the bundle has no node_modules, so the compiler comes from its
 * own chunk beside it, dist/action-typescript.cjs, loaded on the first contract
 * file read. Each test runs the bundle built from the current sources as a runner
 * runs it (a new Node process, no node_modules, the event's JSON at
 * GITHUB_EVENT_PATH) against the e2e tests' fake GitHub.
 */

const keys = appKeys(APP_ID);
const HEAD = sha("action head: messages dto");
const BASE = sha("action base: messages dto");
const DTO = "src/messages/dto/message-response.dto.ts";

/** The tech architect and product owner sign breaking API changes in the chat-backend preset. */
const POLICY = `extends: chat-backend
roles:
  backend-lead:   { users: [bea] }
  backend-team:   { users: [bob] }
  tech-architect: { users: [tara] }
  product-owner:  { users: [pat] }
`;

// A NestJS response DTO as `nest g resource` and @nestjs/swagger users write it.
const DTO_BASE = `import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Expose, Type } from 'class-transformer';
import { AttachmentDto } from './attachment.dto';

export class MessageResponseDto {
  @ApiProperty({ format: 'uuid' })
  @Expose()
  id: string;

  @ApiProperty({ format: 'uuid' })
  @Expose()
  channelId: string;

  @ApiProperty({ format: 'uuid', description: 'The user who sent the message' })
  @Expose()
  authorId: string;

  @ApiProperty({ maxLength: 4000 })
  @Expose()
  text: string;

  @ApiProperty({ type: () => [AttachmentDto] })
  @Expose()
  @Type(() => AttachmentDto)
  attachments: AttachmentDto[];

  @ApiPropertyOptional({ type: String, format: 'date-time' })
  @Expose()
  editedAt?: Date;

  @ApiProperty({ type: String, format: 'date-time' })
  @Expose()
  createdAt: Date;
}
`;

const AUTHOR_FIELD = `  @ApiProperty({ format: 'uuid', description: 'The user who sent the message' })
  @Expose()
  authorId: string;

`;
/** Clients now read the author from the message's sender object: `authorId` is gone. */
const DTO_WITHOUT_AUTHOR = DTO_BASE.replace(AUTHOR_FIELD, "");
/** Threads: a new optional field, which no client reading the response depends on. */
const DTO_WITH_THREAD = DTO_BASE.replace(
  "  @ApiProperty({ type: String, format: 'date-time' })\n  @Expose()\n  createdAt: Date;\n",
  `  @ApiProperty({ type: String, format: 'date-time' })
  @Expose()
  createdAt: Date;

  @ApiPropertyOptional({ format: 'uuid', description: 'The thread this message replies in' })
  @Expose()
  threadId?: string;
`,
);

/** A unified diff of `base` → `head` where only whole lines were removed or added, as GitHub lists it. */
function patchOf(base: string, head: string): string {
  const a = base.trimEnd().split("\n");
  const b = head.trimEnd().split("\n");
  let start = 0;
  while (start < a.length && a[start] === b[start]) start++;
  let end = 0;
  while (end < a.length - start && end < b.length - start && a.at(-1 - end) === b.at(-1 - end))
    end++;
  const removed = a.slice(start, a.length - end).map((l) => `-${l}`);
  const added = b.slice(start, b.length - end).map((l) => `+${l}`);
  const removedCount = a.length - end - start;
  const addedCount = b.length - end - start;
  return [
    `@@ -${start + 1},${removedCount} +${start + 1},${addedCount} @@`,
    ...removed,
    ...added,
  ].join("\n");
}

function dtoSeed(head: string): FakeGitHubSeed {
  return {
    appId: APP_ID,
    publicKey: createPublicKey(keys.publicKeyPem),
    installationId: INSTALLATION_ID,
    owner: OWNER,
    repo: REPO,
    defaultBranch: "main",
    collaborators: [...COLLABORATORS, "tara", "pat"],
    pull: {
      number: PR_NUMBER,
      title: "Messages: response changes",
      body: "See the mobile client's release notes.",
      author: AUTHOR,
      headRef: "messages-dto",
      headSha: HEAD,
      baseSha: BASE,
    },
    files: [{ filename: DTO, status: "modified", patch: patchOf(DTO_BASE, head) }],
    blobs: {
      [`${BASE}:.github/governance.yml`]: POLICY,
      [`${HEAD}:.github/governance.yml`]: POLICY,
      [`${BASE}:${DTO}`]: DTO_BASE,
      [`${HEAD}:${DTO}`]: head,
    },
  };
}

// --- the Action's repository as a runner downloads it for `uses:` ----------------

/** What sits beside dist/action.js: the built compiler chunk, one that records its loading, or nothing. */
type Chunk = "built" | "traced" | "missing";

const TRACE_LINE = "action-typescript.cjs loaded";
let built: string;
const checkouts = new Map<Chunk, string>();

beforeAll(() => {
  built = mkdtempSync(join(tmpdir(), "gg-action-ts-"));
  execFileSync(
    process.execPath,
    [join(ROOT, "esbuild.config.mjs"), "--action", "--outdir", join(built, "dist")],
    { cwd: ROOT, stdio: "pipe" },
  );
  for (const chunk of ["built", "traced", "missing"] as const) {
    const dir = join(built, chunk);
    mkdirSync(join(dir, "dist"), { recursive: true });
    for (const file of ["package.json", "action.yml"]) cpSync(join(ROOT, file), join(dir, file));
    symlinkSync(join(ROOT, "policies"), join(dir, "policies"));
    cpSync(join(built, "dist", "action.js"), join(dir, "dist", "action.js"));
    const target = join(dir, "dist", "action-typescript.cjs");
    if (chunk === "built") cpSync(join(built, "dist", "action-typescript.cjs"), target);
    if (chunk === "traced") {
      // The real chunk, behind a line on stderr each time Node loads it.
      writeFileSync(
        target,
        `process.stderr.write(${JSON.stringify(`${TRACE_LINE}\n`)});\nmodule.exports = require(${JSON.stringify(join(built, "dist", "action-typescript.cjs"))});\n`,
      );
    }
    checkouts.set(chunk, dir);
  }
}, 120_000);
afterAll(() => rmSync(built, { recursive: true, force: true }));

/** Runs the Action of one checkout on `pull_request` opened; resolves with its exit code and output. */
function runOpened(
  github: FakeGitHub,
  chunk: Chunk,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const dir = checkouts.get(chunk)!;
  const eventPath = join(dir, `event-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(
    eventPath,
    JSON.stringify({
      action: "opened",
      number: PR_NUMBER,
      repository: github.repositoryView(),
      pull_request: github.pullRequestView(),
      sender: github.user(AUTHOR),
    }),
  );
  return new Promise((resolve) => {
    // cwd: a directory without node_modules, as on a runner.
    const child = spawn(process.execPath, [join(dir, "dist", "action.js")], {
      cwd: dir,
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        GITHUB_EVENT_NAME: "pull_request",
        GITHUB_EVENT_PATH: eventPath,
        GITHUB_API_URL: `http://${github.host}/api/v3`,
        GITHUB_RUN_ID: "4712",
        GITHUB_JOB: "governance",
        INPUT_TOKEN: github.issueToken(),
        "INPUT_APP-ID": String(APP_ID),
        "INPUT_LOG-LEVEL": "warn",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d.toString()));
    child.stderr.on("data", (d: Buffer) => (stderr += d.toString()));
    child.once("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

let github: FakeGitHub | undefined;
afterEach(async () => {
  await github?.close();
  github = undefined;
});

async function governanceCheck(seed: FakeGitHubSeed, chunk: Chunk) {
  github = await FakeGitHub.start(seed);
  const run = await runOpened(github, chunk);
  const checks = github.checkRuns.filter((r) => r.name === "governance" && r.head_sha === HEAD);
  expect(checks).toHaveLength(1);
  return { run, check: checks[0]!, github };
}

describe("the Action reads a NestJS DTO with the compiler, as the App does", () => {
  it("a field removed from a response DTO is api-breaking with the precise reason: the tech architect and the product owner must sign", async () => {
    const { run, check } = await governanceCheck(dtoSeed(DTO_WITHOUT_AUTHOR), "built");
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(check).toMatchObject({ conclusion: "failure" });
    expect(check.output.title).toBe("Level 3 — joint approval: 0 of 2 sign-offs");
    expect(check.output.summary).toContain(
      "field authorId removed from class MessageResponseDto (a response type)",
    );
    expect(check.output.summary).toMatch(/tech-architect \+ product-owner/);
    expect(check.output.summary).not.toContain("could not compare the contracts");
  });

  it("an optional field added to a response DTO is not api-breaking: the backend lead's level 1 alone", async () => {
    const { run, check } = await governanceCheck(dtoSeed(DTO_WITH_THREAD), "built");
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(check).toMatchObject({ conclusion: "success" });
    expect(check.output.title).toBe("Level 1 — full autonomy: no sign-off required");
    expect(check.output.summary).not.toContain("api-breaking");
    expect(check.output.summary).not.toContain("could not compare the contracts");
  });
});

describe("the compiler chunk is loaded only when a contract file is read", () => {
  it("a pull request changing a Prisma migration and schema never loads it", async () => {
    const head = sha("action head: drop User.avatarUrl");
    const base = sha("action base: main");
    github = await FakeGitHub.start(
      migrationSeed({ publicKey: createPublicKey(keys.publicKeyPem), head, base }),
    );
    const run = await runOpened(github, "traced");
    expect(run.code).toBe(0);
    expect(run.stderr).toBe("");
    expect(github.checkRuns.filter((r) => r.head_sha === head)).toMatchObject([
      { name: "governance", conclusion: "failure" },
    ]);
  });

  it("a pull request changing a DTO loads it, once for both versions", async () => {
    const { run, check } = await governanceCheck(dtoSeed(DTO_WITHOUT_AUTHOR), "traced");
    expect(run.code).toBe(0);
    expect(run.stderr).toBe(`${TRACE_LINE}\n`);
    expect(check.output.summary).toContain(
      "field authorId removed from class MessageResponseDto (a response type)",
    );
  });
});

describe("without the compiler chunk (not committed, or unreadable)", () => {
  it("fail closed: the DTO is api-breaking, conservative, and the reason says the compiler could not be loaded", async () => {
    // Only an optional field added, which the compiler reads as level 1: unread, it cannot pass.
    const { run, check } = await governanceCheck(dtoSeed(DTO_WITH_THREAD), "missing");
    expect(run.stderr).toBe("");
    expect(run.code).toBe(0);
    expect(check).toMatchObject({ conclusion: "failure" });
    expect(check.output.title).toBe("Level 3 — joint approval: 0 of 2 sign-offs");
    expect(check.output.summary).toMatch(/tech-architect \+ product-owner/);
    expect(check.output.summary).toContain(
      "api-breaking: could not compare the contracts it declares (the TypeScript compiler could not be loaded (Cannot find module './action-typescript.cjs')); assuming a breaking change",
    );
    expect(check.output.summary).toContain(
      `${DTO}: the TypeScript compiler could not be loaded (Cannot find module './action-typescript.cjs') (typescript-contracts); classified conservatively`,
    );
  });
});
