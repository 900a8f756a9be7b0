/**
 * The scenario the e2e test and the reliability suite both play: a Prisma
 * migration that drops `User.avatarUrl` (a destructive change, autonomy level 3:
 * dba-lead + backend-lead + sre-lead must sign off), on one pull request of one
 * repository. Kept in one place so both suites exercise the same change and a
 * fix to the fixture reaches both.
 */
import { createHash, type KeyObject } from "node:crypto";
import type { FakeGitHubSeed, FakePullFile } from "./fake-github.js";

export const APP_ID = 4242;
export const INSTALLATION_ID = 31337;
export const OWNER = "acme";
export const REPO = "chat";
export const PR_NUMBER = 7;
export const AUTHOR = "octocat";
export const MIGRATION = "prisma/migrations/20261120093000_drop_avatar/migration.sql";
export const SCHEMA = "prisma/schema.prisma";

/** The leads the level-3 sign-off needs, and a team member who is not one. */
export const POLICY = `extends: chat-backend
roles:
  backend-lead: { users: [bea] }
  dba-lead:     { users: [dan] }
  sre-lead:     { users: [sam] }
  backend-team: { users: [bob] }
`;

/** Everyone the policy names, and the author: requesting anyone else is GitHub's 422. */
export const COLLABORATORS = ["octocat", "bea", "dan", "sam", "bob"];

// What `prisma migrate dev` writes after removing a field.
export const MIGRATION_SQL = `/*
  Warnings:

  - You are about to drop the column \`avatarUrl\` on the \`User\` table. All the data in the column will be lost.

*/
-- AlterTable
ALTER TABLE "User" DROP COLUMN "avatarUrl";
`;

export const SCHEMA_BASE = `generator client {
  provider = "prisma-client-js"
}

datasource db {
  provider = "postgresql"
  url      = env("DATABASE_URL")
}

model User {
  id        Int      @id @default(autoincrement())
  email     String   @unique
  name      String?
  avatarUrl String?
  createdAt DateTime @default(now())
}
`;
export const SCHEMA_HEAD = SCHEMA_BASE.replace("  avatarUrl String?\n", "");

const SCHEMA_PATCH = `@@ -11,6 +11,5 @@ model User {
   id        Int      @id @default(autoincrement())
   email     String   @unique
   name      String?
-  avatarUrl String?
   createdAt DateTime @default(now())
 }`;

const MIGRATION_PATCH = `@@ -0,0 +1,8 @@\n${MIGRATION_SQL.trimEnd()
  .split("\n")
  .map((line) => `+${line}`)
  .join("\n")}`;

/** Check-run titles the app writes for this change. */
export const TITLE = {
  open: "Level 3 — joint approval: 0 of 3 sign-offs",
  two: "Level 3 — joint approval: 2 of 3 sign-offs",
  done: "Level 3 — joint approval: 3 of 3 sign-offs ✓",
  changesRequested: "Level 3 — joint approval: changes requested",
  couldNotEvaluate: "Governance could not be evaluated",
} as const;

/** A commit id made up from a name, so each scenario step has its own commits. */
export function sha(seed: string): string {
  return createHash("sha1").update(seed).digest("hex");
}

/** Files and blobs of the migration pull request at `head` over `base`, governed by `policy`. */
export function migrationChange(
  head: string,
  base: string,
  policy = POLICY,
): { files: FakePullFile[]; blobs: Record<string, string> } {
  return {
    files: [
      { filename: MIGRATION, status: "added", patch: MIGRATION_PATCH },
      { filename: SCHEMA, status: "modified", patch: SCHEMA_PATCH },
    ],
    blobs: {
      [`${base}:.github/governance.yml`]: policy,
      [`${head}:.github/governance.yml`]: policy,
      [`${base}:${SCHEMA}`]: SCHEMA_BASE,
      [`${head}:${SCHEMA}`]: SCHEMA_HEAD,
      [`${head}:${MIGRATION}`]: MIGRATION_SQL,
    },
  };
}

export const PULL_TITLE = "Drop User.avatarUrl";

/** The fake GitHub holding the migration pull request at `head` over `base`. */
export function migrationSeed(options: {
  publicKey: KeyObject;
  head: string;
  base: string;
  policy?: string;
  collaborators?: string[];
}): FakeGitHubSeed {
  const { head, base } = options;
  return {
    appId: APP_ID,
    publicKey: options.publicKey,
    installationId: INSTALLATION_ID,
    owner: OWNER,
    repo: REPO,
    defaultBranch: "main",
    collaborators: options.collaborators ?? COLLABORATORS,
    pull: {
      number: PR_NUMBER,
      title: PULL_TITLE,
      body: "Avatars moved to the media service.",
      author: AUTHOR,
      headRef: "drop-avatar",
      headSha: head,
      baseSha: base,
    },
    ...migrationChange(head, base, options.policy),
  };
}

/** The `installation` and `organization` of every webhook GitHub sends for this repository (fresh objects: tests may alter a payload). */
export function webhookSource(): {
  installation: Record<string, unknown>;
  organization: Record<string, unknown>;
} {
  return {
    installation: { id: INSTALLATION_ID, node_id: "MDIzOkludGVncmF0aW9uSW5zdGFsbGF0aW9uMzEzMzc=" },
    organization: { login: OWNER, id: 1, node_id: "MDEyOk9yZ2FuaXphdGlvbjE=" },
  };
}
