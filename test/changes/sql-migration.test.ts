import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { needsContent } from "../../src/changes/registry.js";
import {
  analyseSql,
  lexSql,
  splitStatements,
  sqlMigrationDetector,
} from "../../src/changes/sql-migration.js";
import type { ChangedFile, DetectionResult, DetectorSettings } from "../../src/changes/types.js";

const SETTINGS: DetectorSettings = {
  cost: { cpuMonth: 0, memoryGiBMonth: 0, threshold: 0, currency: "USD" },
};
const FIXTURES = new URL("../fixtures/changes/sql/", import.meta.url);

function fixture(name: string): string {
  return readFileSync(new URL(name, FIXTURES), "utf8");
}

function detect(file: ChangedFile): DetectionResult {
  return sqlMigrationDetector.detect(file, SETTINGS);
}

/** A migration file new in the pull request, as the app sees it without content: its whole text as a patch. */
function addedMigration(
  text: string,
  path = "prisma/migrations/20240501120000_change/migration.sql",
): DetectionResult {
  const lines = text.replace(/\n$/, "").split("\n");
  const patch = `@@ -0,0 +1,${lines.length} @@\n${lines.map((l) => `+${l}`).join("\n")}`;
  return detect({ path, status: "added", patch });
}

/** [kind, detail, line] triples: every assertion checks all three. */
function summary(result: DetectionResult): Array<[string, string, number | undefined]> {
  return result.findings.map((f) => [f.kind, f.detail, f.line]);
}

describe("sqlMigrationDetector: contract", () => {
  it("declares its id, kinds, and that it works from patches", () => {
    expect(sqlMigrationDetector.id).toBe("sql-migration");
    expect(sqlMigrationDetector.kinds).toEqual(["migration-destructive", "migration-index"]);
    expect(sqlMigrationDetector.needsContent).toBe(false);
  });

  it("applies to .sql files of any migration tool, and nothing else", () => {
    for (const path of [
      "prisma/migrations/20240301120000_init/migration.sql",
      "db/migration/V3__add_index.sql",
      "migrations/0007_users.up.sql",
      "schema/Views.SQL",
    ]) {
      expect(sqlMigrationDetector.appliesTo(path), path).toBe(true);
    }
    for (const path of [
      "prisma/schema.prisma",
      "src/db/migrate.ts",
      "migrations/README.md",
      "sql/notes.sqlite",
    ]) {
      expect(sqlMigrationDetector.appliesTo(path), path).toBe(false);
    }
  });
});

describe("sqlMigrationDetector: Prisma migrations for PostgreSQL", () => {
  // Seed 000, §3 Prisma Schema & Migrations: "DBA Lead consult required for indexes/constraints".
  it("reports the unique indexes and foreign keys of new tables, not their plain indexes, primary keys or NOT NULL", () => {
    const result = addedMigration(
      fixture("prisma-postgres-init.sql"),
      "prisma/migrations/20240301120000_init/migration.sql",
    );
    expect(summary(result)).toEqual([
      ["migration-index", 'CREATE UNIQUE INDEX "User_email_key" on new table "User" ("email")', 50],
      [
        "migration-index",
        'CREATE UNIQUE INDEX "Channel_name_key" on new table "Channel" ("name")',
        53,
      ],
      [
        "migration-index",
        'ADD CONSTRAINT "Message_channelId_fkey" FOREIGN KEY ("channelId") REFERENCES "Channel" ("id") on new table "Message"',
        59,
      ],
      [
        "migration-index",
        'ADD CONSTRAINT "Message_authorId_fkey" FOREIGN KEY ("authorId") REFERENCES "User" ("id") on new table "Message"',
        62,
      ],
      [
        "migration-index",
        'ADD CONSTRAINT "memberships_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User" ("id") on new table "memberships"',
        65,
      ],
      [
        "migration-index",
        'ADD CONSTRAINT "memberships_channelId_fkey" FOREIGN KEY ("channelId") REFERENCES "Channel" ("id") on new table "memberships"',
        68,
      ],
    ]);
    expect(result.problems).toEqual([]);
  });

  // Seed 000, §3: "DBA Lead consult required for indexes/constraints", also when they come with a new table.
  it("reports the constraints a CREATE TABLE declares inline: table and column FOREIGN KEY, UNIQUE and CHECK", () => {
    const sql = [
      "CREATE TABLE pins (",
      "  id bigserial PRIMARY KEY,",
      "  message_id bigint NOT NULL REFERENCES messages (id) ON DELETE CASCADE,",
      "  slot int CHECK (slot BETWEEN 1 AND 50),",
      "  note text,",
      "  code text UNIQUE,",
      "  CONSTRAINT pins_channel_fkey FOREIGN KEY (channel_id) REFERENCES channels (id),",
      "  UNIQUE (message_id, slot),",
      "  CONSTRAINT pins_note_len CHECK (length(note) < 500),",
      "  INDEX pins_note_idx (note)",
      ");",
      "CREATE INDEX pins_slot_idx ON pins (slot);",
      "CREATE TEMPORARY TABLE scratch (id int REFERENCES pins (id), UNIQUE (id));",
    ].join("\n");
    expect(summary(addedMigration(sql))).toEqual([
      [
        "migration-index",
        'column "message_id" REFERENCES "messages" on new table "pins" (foreign key)',
        3,
      ],
      ["migration-index", 'column "slot" CHECK on new table "pins"', 4],
      ["migration-index", 'column "code" UNIQUE on new table "pins"', 6],
      [
        "migration-index",
        'CONSTRAINT "pins_channel_fkey" FOREIGN KEY (channel_id) REFERENCES "channels" (id) on new table "pins"',
        7,
      ],
      ["migration-index", 'UNIQUE (message_id, slot) on new table "pins"', 8],
      [
        "migration-index",
        'CONSTRAINT "pins_note_len" CHECK (length(note) < 500) on new table "pins"',
        9,
      ],
    ]);
  });

  it("reports a new table's constraints added after it by ALTER TABLE, not its primary key or plain index", () => {
    const sql = [
      "CREATE TABLE pins (id int, message_id int, code text);",
      "ALTER TABLE pins ADD PRIMARY KEY (id);",
      "ALTER TABLE pins ADD INDEX pins_code_idx (code);",
      "ALTER TABLE pins ADD COLUMN owner_id int REFERENCES users (id);",
      "ALTER TABLE pins ADD CONSTRAINT pins_code_key UNIQUE (code);",
      "ALTER TABLE pins ADD COLUMN label text NOT NULL;",
    ].join("\n");
    expect(summary(addedMigration(sql))).toEqual([
      [
        "migration-index",
        'column "owner_id" REFERENCES "users" on new table "pins" (foreign key)',
        4,
      ],
      ["migration-index", 'ADD CONSTRAINT "pins_code_key" UNIQUE (code) on new table "pins"', 5],
    ]);
  });

  it("reports DROP COLUMN in a multi-action ALTER TABLE, not the nullable ADD COLUMN beside it", () => {
    const result = addedMigration(fixture("prisma-postgres-drop-column.sql"));
    // The "Warnings: You are about to drop the column" comment is not itself a finding.
    expect(summary(result)).toEqual([
      ["migration-destructive", 'DROP COLUMN "editedAt" on table "Message"', 8],
    ]);
    expect(result.problems).toEqual([]);
  });

  it("reports nothing for nullable / defaulted columns and a new enum value; a new table's unique index and keys are migration-index", () => {
    expect(summary(addedMigration(fixture("prisma-postgres-add-columns.sql")))).toEqual([
      [
        "migration-index",
        'CREATE UNIQUE INDEX "Reaction_messageId_userId_emoji_key" on new table "Reaction" ("messageId", "userId", "emoji")',
        24,
      ],
      [
        "migration-index",
        'ADD CONSTRAINT "Reaction_messageId_fkey" FOREIGN KEY ("messageId") REFERENCES "Message" ("id") on new table "Reaction"',
        27,
      ],
      [
        "migration-index",
        'ADD CONSTRAINT "Reaction_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User" ("id") on new table "Reaction"',
        30,
      ],
    ]);
  });

  it("reports a required column added without a default (Prisma's 'Added the required column' warning)", () => {
    expect(summary(addedMigration(fixture("prisma-postgres-required-column.sql")))).toEqual([
      [
        "migration-destructive",
        'ADD COLUMN "slug" NOT NULL without DEFAULT on table "Channel" (fails on a non-empty table: requires a backfill or downtime)',
        8,
      ],
    ]);
  });

  it("reports SET DATA TYPE and SET NOT NULL", () => {
    expect(summary(addedMigration(fixture("prisma-postgres-alter-columns.sql")))).toEqual([
      [
        "migration-destructive",
        'ALTER COLUMN "name" TYPE VARCHAR(40) on table "Channel" (column type change)',
        9,
      ],
      [
        "migration-destructive",
        'ALTER COLUMN "name" SET NOT NULL on table "User" (fails if any row holds NULL)',
        12,
      ],
    ]);
  });

  it("reports the statements of Prisma's enum-value removal, not its DROP DEFAULT / SET DEFAULT", () => {
    expect(summary(addedMigration(fixture("prisma-postgres-enum-value-removed.sql")))).toEqual([
      [
        "migration-destructive",
        'ALTER COLUMN "role" TYPE "Role_new" on table "memberships" (column type change)',
        11,
      ],
      ["migration-destructive", 'RENAME TYPE "Role" TO "Role_old"', 12],
      ["migration-destructive", 'RENAME TYPE "Role_new" TO "Role"', 13],
      ["migration-destructive", 'DROP TYPE "Role_old"', 14],
    ]);
  });

  it("reports DROP TABLE and the foreign keys dropped before it", () => {
    expect(summary(addedMigration(fixture("prisma-postgres-drop-table.sql")))).toEqual([
      ["migration-destructive", 'DROP CONSTRAINT "Reaction_messageId_fkey" on table "Reaction"', 8],
      ["migration-destructive", 'DROP CONSTRAINT "Reaction_userId_fkey" on table "Reaction"', 11],
      ["migration-destructive", 'DROP TABLE "Reaction"', 14],
    ]);
  });

  // Seed 000, §3: indexes/constraints added need the DBA's input; index optimization (a dropped index)
  // is the DBA Lead's with Backend Lead and SRE consulted, the breaking-migration sign-offs.
  it("classifies indexes and constraints added on existing tables as migration-index, a dropped index as destructive", () => {
    expect(summary(addedMigration(fixture("prisma-postgres-index-changes.sql")))).toEqual([
      [
        "migration-destructive",
        'DROP INDEX "Message_channelId_createdAt_idx" (if it was unique, uniqueness is no longer enforced; queries that used it scan instead)',
        2,
      ],
      [
        "migration-index",
        'CREATE INDEX "Message_channelId_createdAt_id_idx" on table "Message" ("channelId", "createdAt" DESC, "id")',
        5,
      ],
      ["migration-index", 'CREATE UNIQUE INDEX "User_email_key" on table "User" ("email")', 8],
      ["migration-index", 'RENAME INDEX "memberships_userId_idx" TO "memberships_user_idx"', 11],
      [
        "migration-index",
        'ADD CONSTRAINT "Message_authorId_fkey" FOREIGN KEY ("authorId") REFERENCES "User" ("id") on table "Message"',
        14,
      ],
    ]);
  });
});

describe("sqlMigrationDetector: Prisma migrations for SQLite", () => {
  it("reads RedefineTables as one table rebuild, not as a drop plus a rename", () => {
    // The rebuilt table declares its foreign keys again: constraints of a new table (seed 000, §3).
    expect(summary(addedMigration(fixture("prisma-sqlite-redefine.sql")))).toEqual([
      [
        "migration-index",
        'CONSTRAINT "Message_channelId_fkey" FOREIGN KEY ("channelId") REFERENCES "Channel" ("id") on new table "new_Message"',
        16,
      ],
      [
        "migration-index",
        'CONSTRAINT "Message_authorId_fkey" FOREIGN KEY ("authorId") REFERENCES "User" ("id") on new table "new_Message"',
        17,
      ],
      [
        "migration-destructive",
        'table "Message" rebuilt: original dropped and "new_Message" renamed to "Message" (data not copied into "new_Message" is lost)',
        20,
      ],
    ]);
  });

  it("still reports a plain DROP TABLE and a plain rename", () => {
    const sql = 'DROP TABLE "Pin";\nALTER TABLE "Star" RENAME TO "Favorite";\n';
    expect(summary(addedMigration(sql))).toEqual([
      ["migration-destructive", 'DROP TABLE "Pin"', 1],
      ["migration-destructive", 'RENAME TABLE "Star" TO "Favorite"', 2],
    ]);
  });
});

describe("sqlMigrationDetector: hand-written PostgreSQL", () => {
  it("ignores DROP, TRUNCATE and ; inside function bodies, strings, comments and nested comments", () => {
    expect(
      addedMigration(fixture("postgres-functions.sql"), "db/migrations/0012_message_count.sql"),
    ).toEqual({
      findings: [],
      problems: [],
    });
  });

  it("reads DO blocks, which run immediately, statement by statement", () => {
    expect(
      summary(addedMigration(fixture("postgres-do-block.sql"), "db/migrations/0013_cleanup.sql")),
    ).toEqual([["migration-destructive", 'DROP TABLE "legacy_presence"', 5]]);
  });

  it("classifies a Flyway migration statement by statement, with schema-qualified names", () => {
    const result = addedMigration(
      fixture("V7__split_user_name.sql"),
      "src/main/resources/db/migration/V7__split_user_name.sql",
    );
    expect(summary(result)).toEqual([
      [
        "migration-destructive",
        'ALTER COLUMN "first_name" SET NOT NULL on table "public"."users" (fails if any row holds NULL)',
        9,
      ],
      ["migration-destructive", 'DROP COLUMN "full_name" on table "public"."users"', 10],
      [
        "migration-destructive",
        'RENAME COLUMN "email" TO "email_address" on table "public"."users"',
        11,
      ],
      ["migration-destructive", 'RENAME TABLE "public"."sessions" TO "user_sessions"', 12],
      ["migration-destructive", 'TRUNCATE "public"."login_attempts"', 13],
      [
        "migration-destructive",
        'DELETE FROM "public"."password_resets" without WHERE (deletes every row)',
        14,
      ],
      [
        "migration-destructive",
        'ALTER COLUMN "age" TYPE bigint on table "public"."users" (column type change)',
        16,
      ],
      [
        "migration-destructive",
        'DROP CONSTRAINT "messages_body_check" on table "public"."messages"',
        17,
      ],
      [
        "migration-index",
        'CREATE INDEX CONCURRENTLY "users_last_name_idx" on table "public"."users" (lower(last_name))',
        18,
      ],
      [
        "migration-index",
        'ADD CONSTRAINT "messages_body_length" CHECK (char_length(body) <= 4000) on table "public"."messages"',
        19,
      ],
      [
        "migration-index",
        'ADD COLUMN "thread_id" REFERENCES "public"."threads" on table "public"."messages" (foreign key)',
        20,
      ],
      ["migration-destructive", 'DROP VIEW "public"."active_users"', 21],
      ["migration-destructive", 'DROP SCHEMA "legacy" CASCADE', 22],
      [
        "migration-destructive",
        "DROP FUNCTION IF EXISTS public.old_trigger() CASCADE (CASCADE also drops dependent objects)",
        23,
      ],
    ]);
    // Not reported: the nullable ADD COLUMNs, the UPDATE backfill, DELETE ... WHERE, DROP FUNCTION without CASCADE.
  });

  it("is case-insensitive and accepts every identifier quoting style", () => {
    const sql = [
      "alter table users drop column email;",
      'ALTER TABLE "public"."User" DROP COLUMN IF EXISTS "e;mail" CASCADE;',
      "Alter Table `chat`.`users` Drop Column `nick`;",
      "ALTER TABLE [dbo].[Users] DROP COLUMN [Phone];",
      'alter table only "User" alter "age" type integer using "age"::integer;',
    ].join("\n");
    expect(summary(addedMigration(sql))).toEqual([
      ["migration-destructive", 'DROP COLUMN "email" on table "users"', 1],
      ["migration-destructive", 'DROP COLUMN "e;mail" on table "public"."User"', 2],
      ["migration-destructive", 'DROP COLUMN "nick" on table "chat"."users"', 3],
      ["migration-destructive", 'DROP COLUMN "Phone" on table "dbo"."Users"', 4],
      [
        "migration-destructive",
        'ALTER COLUMN "age" TYPE integer on table "User" (column type change)',
        5,
      ],
    ]);
  });

  it("splits statements only outside strings, E'' escapes, dollar quotes and quoted identifiers", () => {
    const sql = [
      "INSERT INTO notes VALUES ('a;DROP TABLE x;'), (E'it\\'s; TRUNCATE y');",
      'CREATE TABLE "odd;name" (id int);',
      "SELECT $tag$ ; DELETE FROM users; $tag$;",
      "ALTER TABLE t ADD COLUMN c int NOT NULL DEFAULT 0; DELETE FROM sessions",
    ].join("\n");
    expect(summary(addedMigration(sql))).toEqual([
      ["migration-destructive", 'DELETE FROM "sessions" without WHERE (deletes every row)', 4],
    ]);
  });

  it("tells a NOT NULL column that needs a backfill from ones that get a value", () => {
    const sql = [
      "ALTER TABLE users ADD COLUMN a int NOT NULL DEFAULT 0;",
      "ALTER TABLE users ADD COLUMN b bigint GENERATED ALWAYS AS IDENTITY NOT NULL;",
      "ALTER TABLE users ADD COLUMN c bigserial NOT NULL;",
      "ALTER TABLE users ADD COLUMN d text CHECK (d IS NOT NULL);",
      "ALTER TABLE users ADD COLUMN e text NOT NULL;",
      "CREATE TABLE pins (id int);",
      "ALTER TABLE pins ADD COLUMN f text NOT NULL;",
      "ALTER TABLE pins ALTER COLUMN f SET NOT NULL;",
    ].join("\n");
    expect(summary(addedMigration(sql))).toEqual([
      [
        "migration-destructive",
        'ADD COLUMN "e" NOT NULL without DEFAULT on table "users" (fails on a non-empty table: requires a backfill or downtime)',
        5,
      ],
    ]);
  });

  it("reports DELETE without WHERE but not targeted deletes or updates", () => {
    const sql = [
      "DELETE FROM sessions WHERE expires_at < now();",
      "DELETE FROM m USING channels c WHERE m.channel_id = c.id AND c.archived;",
      "UPDATE users SET role = 'member';",
      "DELETE FROM audit_log;",
    ].join("\n");
    expect(summary(addedMigration(sql))).toEqual([
      ["migration-destructive", 'DELETE FROM "audit_log" without WHERE (deletes every row)', 4],
    ]);
  });

  it("relaxing changes are not reported", () => {
    const sql = [
      'ALTER TABLE "User" ALTER COLUMN "name" DROP NOT NULL;',
      'ALTER TABLE "User" ALTER COLUMN "role" SET DEFAULT \'MEMBER\';',
      'ALTER TABLE "User" ALTER COLUMN "role" DROP DEFAULT;',
      "DROP FUNCTION IF EXISTS touch_updated_at();",
      "DROP TRIGGER IF EXISTS users_touch ON users;",
      "COMMENT ON TABLE users IS 'DROP TABLE users; would be bad';",
    ].join("\n");
    expect(addedMigration(sql)).toEqual({ findings: [], problems: [] });
  });
});

describe("sqlMigrationDetector: MySQL and SQL Server", () => {
  it("reads each action of a MySQL ALTER TABLE", () => {
    expect(
      summary(addedMigration(fixture("mysql-alter.sql"), "migrations/20240502_messages.sql")),
    ).toEqual([
      ["migration-destructive", 'DROP COLUMN "legacy_html" on table "messages"', 3],
      ["migration-destructive", 'MODIFY COLUMN "body" on table "messages" (column redefined)', 4],
      [
        "migration-destructive",
        'CHANGE COLUMN "sent_at" on table "messages" (renamed to "created_at" and redefined)',
        5,
      ],
      [
        "migration-index",
        'ADD INDEX "idx_messages_channel_created" ("channel_id", "created_at") on table "messages"',
        7,
      ],
      [
        "migration-index",
        'ADD UNIQUE "uq_messages_client_id" ("client_id") on table "messages"',
        8,
      ],
      [
        "migration-destructive",
        'DROP INDEX "idx_messages_sent_at" on table "messages" (if it was unique, uniqueness is no longer enforced; queries that used it scan instead)',
        9,
      ],
      ["migration-destructive", 'DROP FOREIGN KEY "fk_messages_author" on table "messages"', 10],
      [
        "migration-destructive",
        'ADD COLUMN "tenant_id" NOT NULL without DEFAULT on table "users" (fails on a non-empty table: requires a backfill or downtime)',
        13,
      ],
      ["migration-destructive", 'RENAME TABLE "channel_members" TO "memberships"', 14],
      ["migration-destructive", 'RENAME TABLE "dm_threads" TO "direct_threads"', 14],
      [
        "migration-index",
        'ADD CONSTRAINT "fk_reactions_message" FOREIGN KEY ("message_id") REFERENCES "messages" ("id") on table "reactions"',
        15,
      ],
    ]);
    // Not reported: the nullable edited_at column, the defaulted ENUM column, DROP TEMPORARY TABLE.
  });

  it("reads sp_rename, ALTER COLUMN <type> and GO batches", () => {
    expect(
      summary(addedMigration(fixture("mssql-rename.sql"), "Migrations/20240502_Rename.sql")),
    ).toEqual([
      ["migration-destructive", "sp_rename '[dbo].[Users].[Name]' TO 'DisplayName' (COLUMN)", 2],
      [
        "migration-index",
        "sp_rename '[dbo].[Users].[IX_Users_Name]' TO 'IX_Users_DisplayName' (INDEX)",
        4,
      ],
      [
        "migration-destructive",
        'ALTER COLUMN "Body" nvarchar(2000) NOT NULL on table "dbo"."Messages" (column redefined)',
        6,
      ],
      [
        "migration-index",
        'CREATE INDEX "IX_Messages_ChannelId" on table "dbo"."Messages" ("ChannelId")',
        10,
      ],
    ]);
  });
});

describe("sqlMigrationDetector: changes to existing files", () => {
  const path = "prisma/migrations/20240301120000_init/migration.sql";

  it("reports an edit of an already-applied migration, and what the edit adds", () => {
    const patch = [
      '@@ -52,7 +52,8 @@ CREATE UNIQUE INDEX "User_email_key" ON "User"("email");',
      " -- CreateIndex",
      ' CREATE INDEX "Message_channelId_createdAt_idx" ON "Message"("channelId", "createdAt");',
      " ",
      "--- AddForeignKey",
      '-ALTER TABLE "Message" ADD CONSTRAINT "Message_channelId_fkey" FOREIGN KEY ("channelId") REFERENCES "Channel"("id") ON DELETE CASCADE ON UPDATE CASCADE;',
      "+-- Drop the unused table",
      '+DROP TABLE "Attachment";',
      "+",
      " ",
      " -- AddForeignKey",
    ].join("\n");
    expect(summary(detect({ path, status: "modified", patch }))).toEqual([
      [
        "migration-destructive",
        "existing migration modified: 2 lines removed or changed (databases that already applied it will not re-run it)",
        55,
      ],
      ["migration-destructive", 'DROP TABLE "Attachment"', 56],
    ]);
  });

  it("with head content, reads the whole statement an added line belongs to", () => {
    const head = [
      "-- AlterTable",
      'ALTER TABLE "Message"',
      '  ADD COLUMN "pinnedAt" TIMESTAMP(3),',
      '  DROP COLUMN "legacyHtml";',
      "",
      "-- CreateIndex",
      'CREATE INDEX "Message_pinnedAt_idx" ON "Message"("pinnedAt");',
      "",
    ].join("\n");
    const patch = [
      "@@ -1,4 +1,7 @@",
      " -- AlterTable",
      ' ALTER TABLE "Message"',
      '   ADD COLUMN "pinnedAt" TIMESTAMP(3),',
      '   DROP COLUMN "legacyHtml";',
      "+",
      "+-- CreateIndex",
      '+CREATE INDEX "Message_pinnedAt_idx" ON "Message"("pinnedAt");',
    ].join("\n");
    // Only appended lines: the earlier ALTER TABLE is untouched, the new index is reported.
    expect(
      summary(detect({ path: "migrations/0042_pins.sql", status: "modified", patch, head })),
    ).toEqual([
      ["migration-index", 'CREATE INDEX "Message_pinnedAt_idx" on table "Message" ("pinnedAt")', 7],
    ]);
  });

  it("does not treat edits of query files or Flyway repeatable migrations as history rewrites", () => {
    const patch =
      "@@ -1 +1 @@\n-SELECT id, email FROM users WHERE id = $1;\n+SELECT id, email, name FROM users WHERE id = $1;";
    expect(detect({ path: "src/queries/get_user.sql", status: "modified", patch })).toEqual({
      findings: [],
      problems: [],
    });
    const view =
      "@@ -1 +1 @@\n-CREATE OR REPLACE VIEW active_users AS SELECT * FROM users;\n+CREATE OR REPLACE VIEW active_users AS SELECT * FROM users WHERE NOT banned;";
    expect(
      detect({ path: "db/migration/R__active_users_view.sql", status: "modified", patch: view }),
    ).toEqual({
      findings: [],
      problems: [],
    });
  });

  it("does not report a deleted migration", () => {
    const patch = `@@ -1,2 +0,0 @@\n--- DropTable\n-DROP TABLE "Legacy";`;
    expect(detect({ path, status: "removed", patch })).toEqual({ findings: [], problems: [] });
    expect(detect({ path, status: "removed", base: 'DROP TABLE "Legacy";\n', head: null })).toEqual(
      {
        findings: [],
        problems: [],
      },
    );
  });

  it("reports a renamed migration, which tools see as a new, unapplied one", () => {
    const previousPath = "prisma/migrations/20240301120000_init/migration.sql";
    const init = 'CREATE TABLE "User" ("id" SERIAL PRIMARY KEY, "email" TEXT NOT NULL);\n';
    const renamed: ChangedFile = {
      path: "prisma/migrations/20240301120000_initial/migration.sql",
      previousPath,
      status: "renamed",
      additions: 0,
      deletions: 0,
      changes: 0,
      base: init,
      head: init,
    };
    expect(summary(detect(renamed))).toEqual([
      [
        "migration-destructive",
        `existing migration renamed from ${previousPath} (tools will see it as a new, unapplied migration)`,
        undefined,
      ],
    ]);
  });

  it("reads whole-file content when there is no patch", () => {
    const result = detect({
      path,
      status: "added",
      base: null,
      head: fixture("prisma-postgres-drop-column.sql"),
    });
    expect(summary(result)).toEqual([
      ["migration-destructive", 'DROP COLUMN "editedAt" on table "Message"', 8],
    ]);
  });
});

describe("sqlMigrationDetector: unreadable input", () => {
  it("reports an unterminated string as a problem and assumes the worst", () => {
    const result = addedMigration("UPDATE users SET bio = 'unterminated;\nDROP TABLE users;\n");
    expect(result.problems).toEqual([
      {
        path: "prisma/migrations/20240501120000_change/migration.sql",
        detector: "sql-migration",
        message:
          "unterminated string starting at line 1; the statements after it could not be read",
      },
    ]);
    expect(result.findings).toEqual([
      {
        kind: "migration-destructive",
        path: "prisma/migrations/20240501120000_change/migration.sql",
        detail:
          "could not read the migration (unterminated string starting at line 1; the statements after it could not be read); assuming it is destructive",
        line: 1,
        conservative: true,
      },
    ]);
  });

  it("reports a file with neither patch nor content as unreadable", () => {
    const result = detect({ path: "migrations/0001_init.sql", status: "modified" });
    expect(result.problems).toEqual([
      {
        path: "migrations/0001_init.sql",
        detector: "sql-migration",
        message:
          "GitHub sent no diff for it (changed lines not counted) and its content was not loaded; split the change (rename or move the file in one pull request and edit it in another, or edit it in smaller steps) so that its diff can be read",
      },
    ]);
    expect(result.findings.map((f) => [f.kind, f.conservative])).toEqual([
      ["migration-destructive", true],
    ]);
  });

  it("keeps the finding of an unterminated string in an earlier run of added lines when a later run is clean", () => {
    // A patch with two separate runs of added lines: the string opened in the first hides its
    // DROP TABLE from the reader; the second run is harmless and must not clear what the first hid.
    const patch = [
      "@@ -1,3 +1,5 @@",
      " -- Backfill display names",
      "+UPDATE users SET bio = 'unterminated;",
      "+DROP TABLE users;",
      " UPDATE users SET display_name = name WHERE display_name IS NULL;",
      " ",
      '@@ -20,2 +22,3 @@ CREATE INDEX "users_name_idx" ON users (name);',
      " -- Keep the old column for one release",
      "+COMMENT ON COLUMN users.name IS 'deprecated';",
      " SELECT 1;",
    ].join("\n");
    const result = detect({ path: "db/migrations/0042_backfill.sql", status: "modified", patch });
    expect(result.findings).toEqual([
      {
        kind: "migration-destructive",
        path: "db/migrations/0042_backfill.sql",
        detail:
          "could not read the migration (unterminated string starting at line 2; the statements after it could not be read); assuming it is destructive",
        line: 2,
        conservative: true,
      },
    ]);
  });
});

/** The conservative finding and problem for a statement that runs SQL the detector cannot read. */
function unreadableAt(line: number, what: string): [string, string, number] {
  const message = `line ${line}: ${what} cannot be read here; write the SQL it runs out as plain statements so that they can be classified`;
  return [
    "migration-destructive",
    `could not read the migration (${message}); assuming it is destructive`,
    line,
  ];
}

describe("sqlMigrationDetector: files GitHub lists without a patch", () => {
  const SPLIT =
    "split the change (rename or move the file in one pull request and edit it in another, or edit it in smaller steps) so that its diff can be read";

  it("assumes the worst of an edit whose 5,500 changed lines GitHub did not diff", () => {
    // GitHub's list-files entry for a large diff: status and counts, no `patch`.
    const file: ChangedFile = {
      path: "db/migrations/0007_users.sql",
      status: "modified",
      additions: 5200,
      deletions: 300,
      changes: 5500,
    };
    expect(detect(file)).toEqual({
      findings: [
        {
          kind: "migration-destructive",
          path: "db/migrations/0007_users.sql",
          detail: `could not read the migration (GitHub sent no diff for it (5,500 changed lines) and its content was not loaded; ${SPLIT}); assuming it is destructive`,
          conservative: true,
        },
      ],
      problems: [
        {
          path: "db/migrations/0007_users.sql",
          detector: "sql-migration",
          message: `GitHub sent no diff for it (5,500 changed lines) and its content was not loaded; ${SPLIT}`,
        },
      ],
    });
  });

  it("assumes the worst of a .sql file renamed into prisma/migrations/, whose statements now all run", () => {
    const file: ChangedFile = {
      path: "prisma/migrations/20240601090000_cleanup/migration.sql",
      previousPath: "scripts/cleanup.sql",
      status: "renamed",
      additions: 0,
      deletions: 0,
      changes: 0,
    };
    expect(summary(detect(file))).toEqual([
      [
        "migration-destructive",
        "could not read the migration (moved here from scripts/cleanup.sql into a migrations folder, so all of it now runs as a new migration, and its content was not loaded); assuming it is destructive",
        undefined,
      ],
    ]);
    // The app and the CLI load its content for that reason, and then every statement is read.
    expect(needsContent(file)).toBe(true);
    const loaded = detect({
      ...file,
      base: fixture("prisma-postgres-drop-column.sql"),
      head: fixture("prisma-postgres-drop-column.sql"),
    });
    expect(summary(loaded)).toEqual([
      ["migration-destructive", 'DROP COLUMN "editedAt" on table "Message"', 8],
    ]);
  });

  it("reads a copied migration whole: the copy runs every statement again", () => {
    const copy: ChangedFile = {
      path: "prisma/migrations/20240602090000_again/migration.sql",
      previousPath: "prisma/migrations/20240501120000_change/migration.sql",
      status: "copied",
      patch: "@@ -1,1 +1,1 @@\n--- DropTable\n+-- Drop it again",
      head: fixture("prisma-postgres-drop-table.sql").replace("-- DropTable", "-- Drop it again"),
    };
    expect(summary(detect(copy)).map(([kind, detail]) => [kind, detail])).toEqual([
      ["migration-destructive", 'DROP CONSTRAINT "Reaction_messageId_fkey" on table "Reaction"'],
      ["migration-destructive", 'DROP CONSTRAINT "Reaction_userId_fkey" on table "Reaction"'],
      ["migration-destructive", 'DROP TABLE "Reaction"'],
    ]);
  });

  it("assumes the worst of a rename with edits GitHub did not diff, and reads nothing into a pure rename", () => {
    const moved: ChangedFile = {
      path: "src/db/queries/report.sql",
      previousPath: "src/queries/report.sql",
      status: "renamed",
      changes: 0,
    };
    // 0 counted lines is a pure rename or a binary file's edits: the content tells.
    expect(needsContent(moved)).toBe(true);
    const report = "SELECT channel_id, count(*) FROM messages GROUP BY channel_id;\n";
    expect(detect({ ...moved, base: report, head: report })).toEqual({
      findings: [],
      problems: [],
    });
    const binary = detect(moved);
    expect(binary.findings.map((f) => [f.kind, f.conservative])).toEqual([
      ["migration-destructive", true],
    ]);
    expect(binary.problems[0]?.message).toBe(
      "GitHub sent no diff for it (renamed from src/queries/report.sql, no changed lines counted, as GitHub counts a binary file) and its content was not loaded; keep the file text (no NUL bytes) so that its diff can be read",
    );
    const edited = detect({ ...moved, additions: 800, deletions: 12, changes: 812 });
    expect(edited.findings.map((f) => [f.kind, f.conservative])).toEqual([
      ["migration-destructive", true],
    ]);
    expect(edited.problems[0]?.message).toBe(
      `GitHub sent no diff for it (renamed from src/queries/report.sql, 812 changed lines) and its content was not loaded; ${SPLIT}`,
    );
    expect(needsContent({ ...moved, changes: 812 })).toBe(true);
  });

  it("reads the change from both versions when they were loaded instead of a patch", () => {
    const base = fixture("prisma-postgres-init.sql");
    const head = `${base}\n-- DropTable\nDROP TABLE "Attachment";\n`;
    const result = detect({
      path: "prisma/migrations/20240301120000_init/migration.sql",
      status: "modified",
      changes: 5500,
      base,
      head,
    });
    expect(result.findings.map((f) => [f.kind, f.detail, f.conservative])).toEqual([
      ["migration-destructive", 'DROP TABLE "Attachment"', undefined],
    ]);
  });
});

describe("sqlMigrationDetector: SQL it cannot read is assumed destructive", () => {
  it("dynamic SQL in DO blocks: EXECUTE of a string or of format(…)", () => {
    expect(
      summary(
        addedMigration(fixture("postgres-dynamic-sql.sql"), "db/migrations/0051_retire_email.sql"),
      ),
    ).toEqual([
      unreadableAt(9, "dynamic SQL (EXECUTE) in the DO block"),
      unreadableAt(13, "dynamic SQL (EXECUTE) in the DO block"),
      [
        "migration-index",
        'CREATE INDEX CONCURRENTLY "messages_created_at_idx" on table "messages" (created_at)',
        15,
      ],
    ]);
  });

  it("MySQL PREPARE … FROM and EXECUTE of it", () => {
    expect(
      summary(
        addedMigration(fixture("mysql-prepared.sql"), "migrations/20240603_drop_legacy_email.sql"),
      ),
    ).toEqual([unreadableAt(5, 'PREPARE "stmt" FROM'), unreadableAt(6, 'EXECUTE "stmt"')]);
  });

  it("reads PostgreSQL's PREPARE … AS as its statement, and EXECUTE of it as nothing more", () => {
    expect(
      summary(
        addedMigration(
          "PREPARE purge_sessions AS DELETE FROM sessions;\nEXECUTE purge_sessions;\nDEALLOCATE purge_sessions;",
        ),
      ),
    ).toEqual([
      ["migration-destructive", 'DELETE FROM "sessions" without WHERE (deletes every row)', 1],
    ]);
  });

  it("reads the body of a function the migration creates and calls, not of one it only creates", () => {
    expect(
      summary(
        addedMigration(fixture("postgres-called-function.sql"), "db/migrations/0052_archive.sql"),
      ),
    ).toEqual([["migration-destructive", 'DROP TABLE "channel_archive_staging"', 10]]);
    expect(
      addedMigration(
        fixture("postgres-called-function.sql").replace(/^SELECT archive_channels.*$/m, ""),
      ),
    ).toEqual({ findings: [], problems: [] });
  });

  it("procedures it cannot see, bodies in other languages, T-SQL EXEC of a string, and mysql's DELIMITER", () => {
    const sql = [
      "CALL purge_inactive_users(90);",
      "DO LANGUAGE plpython3u $$ plpy.execute('DROP TABLE audit_log') $$;",
      "EXEC ('ALTER TABLE dbo.Users DROP COLUMN Email');",
      "EXEC sp_executesql N'DROP TABLE dbo.Sessions';",
      "EXEC sys.sp_addextendedproperty @name = N'MS_Description', @value = N'Users', @level0type = N'SCHEMA', @level0name = N'dbo';",
      "DELIMITER //",
      "DROP TABLE users //",
      "DELIMITER ;",
    ].join("\n");
    expect(summary(addedMigration(sql))).toEqual([
      unreadableAt(1, 'CALL "purge_inactive_users"'),
      unreadableAt(2, "the DO block in LANGUAGE plpython3u"),
      unreadableAt(3, "EXEC of a string"),
      unreadableAt(4, 'EXEC "sp_executesql"'),
      unreadableAt(6, "DELIMITER (the mysql client then ends statements differently)"),
    ]);
  });

  it("psql: a meta-command ends with its line; \\gexec, \\i and variables run SQL it cannot read", () => {
    const sql = [
      "\\set ON_ERROR_STOP on",
      "DROP TABLE legacy_presence;",
      "SELECT format('DROP TABLE %I', tablename) FROM pg_tables WHERE schemaname = 'legacy' \\gexec",
      "\\i ../shared/cleanup.sql",
      "ALTER TABLE :target_table DROP COLUMN email;",
    ].join("\n");
    expect(summary(addedMigration(sql))).toEqual([
      ["migration-destructive", 'DROP TABLE "legacy_presence"', 2],
      unreadableAt(3, "psql \\gexec"),
      unreadableAt(4, "psql \\i"),
      unreadableAt(5, "psql variable :target_table"),
    ]);
  });

  it("MySQL quoting cannot hide a statement: \\' in strings, # comments, /*! executable comments */", () => {
    const sql = [
      "INSERT INTO notes (body) VALUES ('it\\'s'); DROP TABLE users; -- '",
      "SELECT 1; # it's a comment to MySQL",
      "DROP TABLE sessions; -- '",
      "/*!50001 DROP TABLE audit_log */;",
    ].join("\n");
    expect(summary(addedMigration(sql))).toEqual([
      ["migration-destructive", 'DROP TABLE "users"', 1],
      ["migration-destructive", 'DROP TABLE "sessions"', 3],
      ["migration-destructive", 'DROP TABLE "audit_log"', 4],
    ]);
  });

  it("a DELETE inside WITH or under EXPLAIN ANALYZE runs", () => {
    const sql = [
      "WITH gone AS (DELETE FROM sessions RETURNING user_id) INSERT INTO audit_log (user_id) SELECT user_id FROM gone;",
      "EXPLAIN ANALYZE DELETE FROM login_attempts;",
      "INSERT INTO users (id, name) VALUES (1, 'a') ON CONFLICT (id) DO UPDATE SET name = 'b';",
    ].join("\n");
    expect(summary(addedMigration(sql))).toEqual([
      ["migration-destructive", 'DELETE FROM "sessions" without WHERE (deletes every row)', 1],
      [
        "migration-destructive",
        'DELETE FROM "login_attempts" without WHERE (deletes every row)',
        2,
      ],
    ]);
  });
});

/**
 * Hostile text fed to the reader itself (lexer, splitter, classifier): the
 * detector catches every error and reports the file as unreadable, so a test
 * through it could not see the reader fail.
 */
describe("sqlMigrationDetector: hostile input (the reader, without the catch-all)", () => {
  /** SQL-like text: quotes, dollar tags, comment openers, separators and keywords in any order. */
  const sqlish = fc
    .array(
      fc.constantFrom(
        "'",
        '"',
        "`",
        "$$",
        "$a$",
        "$",
        "--",
        "/*",
        "*/",
        "/*!",
        "#",
        "\\",
        "\\\\",
        ";",
        "\n",
        "\r\n",
        " ",
        "E'",
        "N'",
        "[",
        "]",
        "(",
        ")",
        ":",
        "::",
        "DO",
        "BEGIN",
        "END",
        "EXECUTE",
        "EXEC",
        "PREPARE",
        "CALL",
        "LANGUAGE",
        "DELIMITER",
        "GO",
        "DROP",
        "TABLE",
        "ALTER",
        "users",
        "CREATE FUNCTION f() AS ",
        "SELECT f()",
        "WITH",
        "DELETE",
        "FROM",
        "\u0000",
        "é",
      ),
      { maxLength: 50 },
    )
    .map((parts) => parts.join(""));
  const anyText = fc.oneof(sqlish, fc.string({ unit: "grapheme", maxLength: 300 }));

  it("lexes any text into tokens on the lines they stand on, in order", () => {
    fc.assert(
      fc.property(
        anyText,
        fc.integer({ min: 1, max: 500 }),
        fc.constantFrom("standard" as const, "mysql" as const),
        (text, firstLine, dialect) => {
          const { tokens } = lexSql(text, firstLine, dialect);
          const lastLine = firstLine + (text.match(/\n/g)?.length ?? 0);
          let previous = firstLine;
          for (const token of tokens) {
            expect(token.line).toBeGreaterThanOrEqual(previous);
            expect(token.line).toBeLessThanOrEqual(lastLine);
            previous = token.line;
          }
        },
      ),
      { numRuns: 400 },
    );
  });

  it("puts every token in exactly one statement, except the separators", () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const { tokens } = lexSql(text, 1);
        const statements = splitStatements(tokens);
        const kept = statements.flatMap((s) => s.tokens);
        const separators = tokens.filter((t) => !kept.includes(t));
        expect(new Set(kept).size).toBe(kept.length);
        for (const t of separators) expect(t.value === ";" || t.upper === "GO").toBe(true);
        for (const s of statements) expect(s.tokens.length).toBeGreaterThan(0);
      }),
      { numRuns: 300 },
    );
  });

  it("fails closed: whatever comes before it, a DROP TABLE is found or the text is reported unreadable", () => {
    fc.assert(
      fc.property(anyText, (noise) => {
        const analysis = analyseSql([{ text: `${noise}\n;\nDROP TABLE users;\n`, firstLine: 1 }]);
        const destructive = analysis.hits.some((h) => h.kind === "migration-destructive");
        expect(destructive || analysis.unterminated !== undefined).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  /** Statements with what each alone is classified as: together they must be classified the same, one by one. */
  const POOL: Array<[string, string[]]> = [
    ["ALTER TABLE users DROP COLUMN email", ["migration-destructive"]],
    ['CREATE INDEX "messages_channel_idx" ON messages (channel_id)', ["migration-index"]],
    ["TRUNCATE sessions", ["migration-destructive"]],
    ["UPDATE users SET role = 'member' WHERE role IS NULL", []],
    ["INSERT INTO notes (body) VALUES ('DROP TABLE users; -- not SQL')", []],
    ["DO $$ BEGIN EXECUTE 'DROP TABLE t'; END $$", ["migration-destructive"]],
    [
      "DO $$ BEGIN IF to_regclass('legacy') IS NOT NULL THEN DROP TABLE legacy; END IF; END $$",
      ["migration-destructive"],
    ],
    ["DELETE FROM audit_log", ["migration-destructive"]],
    ["DELETE FROM audit_log WHERE created_at < now() - interval '90 days'", []],
    ["ALTER TABLE users ADD COLUMN bio text", []],
    ["CALL refresh_materialized_views()", ["migration-destructive"]],
    ["COMMENT ON TABLE users IS 'it''s; DROP TABLE users'", []],
    ["SELECT $x$ ; DROP TABLE users; $x$", []],
    [
      'ALTER TABLE "Message" ADD CONSTRAINT "Message_authorId_fkey" FOREIGN KEY ("authorId") REFERENCES "User"("id")',
      ["migration-index"],
    ],
  ];
  const SEPARATORS = [";\n", ";  -- done\n", "; /* next; DROP TABLE x */\n", ";\r\n", ";\n\n"];

  it("classifies every statement of a migration as it would alone, on its own line", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.tuple(
            fc.integer({ min: 0, max: POOL.length - 1 }),
            fc.integer({ min: 0, max: SEPARATORS.length - 1 }),
          ),
          { minLength: 1, maxLength: 12 },
        ),
        (picks) => {
          let text = "";
          const expected: Array<[string, number]> = [];
          for (const [statement, separator] of picks) {
            const line = (text.match(/\n/g)?.length ?? 0) + 1;
            const [sql, kinds] = POOL[statement]!;
            for (const kind of kinds) expected.push([kind, line]);
            text += sql + SEPARATORS[separator]!;
          }
          const analysis = analyseSql([{ text, firstLine: 1 }]);
          expect(analysis.unterminated).toBeUndefined();
          expect(analysis.hits.map((h) => [h.kind, h.line])).toEqual(expected);
        },
      ),
      { numRuns: 300 },
    );
  });
});
