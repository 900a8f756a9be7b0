import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { sqlMigrationDetector } from "../../src/changes/sql-migration.js";
import type { ChangedFile, DetectionResult, DetectorSettings } from "../../src/changes/types.js";

const SETTINGS: DetectorSettings = { cost: { cpuMonth: 0, memoryGiBMonth: 0, threshold: 0, currency: "USD" } };
const FIXTURES = new URL("../fixtures/changes/sql/", import.meta.url);

function fixture(name: string): string {
  return readFileSync(new URL(name, FIXTURES), "utf8");
}

function detect(file: ChangedFile): DetectionResult {
  return sqlMigrationDetector.detect(file, SETTINGS);
}

/** A migration file new in the pull request, as the app sees it without content: its whole text as a patch. */
function addedMigration(text: string, path = "prisma/migrations/20240501120000_change/migration.sql"): DetectionResult {
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
    for (const path of ["prisma/schema.prisma", "src/db/migrate.ts", "migrations/README.md", "sql/notes.sqlite"]) {
      expect(sqlMigrationDetector.appliesTo(path), path).toBe(false);
    }
  });
});

describe("sqlMigrationDetector: Prisma migrations for PostgreSQL", () => {
  it("reports nothing for an initial migration: new tables, their indexes and foreign keys are free", () => {
    const result = addedMigration(fixture("prisma-postgres-init.sql"), "prisma/migrations/20240301120000_init/migration.sql");
    expect(result).toEqual({ findings: [], problems: [] });
  });

  it("reports DROP COLUMN in a multi-action ALTER TABLE, not the nullable ADD COLUMN beside it", () => {
    const result = addedMigration(fixture("prisma-postgres-drop-column.sql"));
    // The "Warnings: You are about to drop the column" comment is not itself a finding.
    expect(summary(result)).toEqual([["migration-destructive", 'DROP COLUMN "editedAt" on table "Message"', 8]]);
    expect(result.problems).toEqual([]);
  });

  it("reports nothing for nullable / defaulted columns, a new enum value and a new table with its index and keys", () => {
    expect(addedMigration(fixture("prisma-postgres-add-columns.sql"))).toEqual({ findings: [], problems: [] });
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
      ["migration-destructive", 'ALTER COLUMN "name" TYPE VARCHAR(40) on table "Channel" (column type change)', 9],
      ["migration-destructive", 'ALTER COLUMN "name" SET NOT NULL on table "User" (fails if any row holds NULL)', 12],
    ]);
  });

  it("reports the statements of Prisma's enum-value removal, not its DROP DEFAULT / SET DEFAULT", () => {
    expect(summary(addedMigration(fixture("prisma-postgres-enum-value-removed.sql")))).toEqual([
      ["migration-destructive", 'ALTER COLUMN "role" TYPE "Role_new" on table "memberships" (column type change)', 11],
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

  it("classifies index work on existing tables (including DROP INDEX and renames) as migration-index only", () => {
    expect(summary(addedMigration(fixture("prisma-postgres-index-changes.sql")))).toEqual([
      ["migration-index", 'DROP INDEX "Message_channelId_createdAt_idx"', 2],
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
  it("reads RedefineTables as one table rebuild, not as a drop plus a rename plus index work", () => {
    expect(summary(addedMigration(fixture("prisma-sqlite-redefine.sql")))).toEqual([
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
    expect(addedMigration(fixture("postgres-functions.sql"), "db/migrations/0012_message_count.sql")).toEqual({
      findings: [],
      problems: [],
    });
  });

  it("reads DO blocks, which run immediately, statement by statement", () => {
    expect(summary(addedMigration(fixture("postgres-do-block.sql"), "db/migrations/0013_cleanup.sql"))).toEqual([
      ["migration-destructive", 'DROP TABLE "legacy_presence"', 5],
    ]);
  });

  it("classifies a Flyway migration statement by statement, with schema-qualified names", () => {
    const result = addedMigration(fixture("V7__split_user_name.sql"), "src/main/resources/db/migration/V7__split_user_name.sql");
    expect(summary(result)).toEqual([
      ["migration-destructive", 'ALTER COLUMN "first_name" SET NOT NULL on table "public"."users" (fails if any row holds NULL)', 9],
      ["migration-destructive", 'DROP COLUMN "full_name" on table "public"."users"', 10],
      ["migration-destructive", 'RENAME COLUMN "email" TO "email_address" on table "public"."users"', 11],
      ["migration-destructive", 'RENAME TABLE "public"."sessions" TO "user_sessions"', 12],
      ["migration-destructive", 'TRUNCATE "public"."login_attempts"', 13],
      ["migration-destructive", 'DELETE FROM "public"."password_resets" without WHERE (deletes every row)', 14],
      ["migration-destructive", 'ALTER COLUMN "age" TYPE bigint on table "public"."users" (column type change)', 16],
      ["migration-destructive", 'DROP CONSTRAINT "messages_body_check" on table "public"."messages"', 17],
      ["migration-index", 'CREATE INDEX CONCURRENTLY "users_last_name_idx" on table "public"."users" (lower(last_name))', 18],
      [
        "migration-index",
        'ADD CONSTRAINT "messages_body_length" CHECK (char_length(body) <= 4000) on table "public"."messages"',
        19,
      ],
      ["migration-index", 'ADD COLUMN "thread_id" REFERENCES "public"."threads" on table "public"."messages" (foreign key)', 20],
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
      ["migration-destructive", 'ALTER COLUMN "age" TYPE integer on table "User" (column type change)', 5],
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
    expect(summary(addedMigration(fixture("mysql-alter.sql"), "migrations/20240502_messages.sql"))).toEqual([
      ["migration-destructive", 'DROP COLUMN "legacy_html" on table "messages"', 3],
      ["migration-destructive", 'MODIFY COLUMN "body" on table "messages" (column redefined)', 4],
      ["migration-destructive", 'CHANGE COLUMN "sent_at" on table "messages" (renamed to "created_at" and redefined)', 5],
      ["migration-index", 'ADD INDEX "idx_messages_channel_created" ("channel_id", "created_at") on table "messages"', 7],
      ["migration-index", 'ADD UNIQUE "uq_messages_client_id" ("client_id") on table "messages"', 8],
      ["migration-index", 'DROP INDEX "idx_messages_sent_at" on table "messages"', 9],
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
    expect(summary(addedMigration(fixture("mssql-rename.sql"), "Migrations/20240502_Rename.sql"))).toEqual([
      ["migration-destructive", "sp_rename '[dbo].[Users].[Name]' TO 'DisplayName' (COLUMN)", 2],
      ["migration-index", "sp_rename '[dbo].[Users].[IX_Users_Name]' TO 'IX_Users_DisplayName' (INDEX)", 4],
      ["migration-destructive", 'ALTER COLUMN "Body" nvarchar(2000) NOT NULL on table "dbo"."Messages" (column redefined)', 6],
      ["migration-index", 'CREATE INDEX "IX_Messages_ChannelId" on table "dbo"."Messages" ("ChannelId")', 10],
    ]);
  });
});

describe("sqlMigrationDetector: changes to existing files", () => {
  const path = "prisma/migrations/20240301120000_init/migration.sql";

  it("reports an edit of an already-applied migration, and what the edit adds", () => {
    const patch = [
      "@@ -52,7 +52,8 @@ CREATE UNIQUE INDEX \"User_email_key\" ON \"User\"(\"email\");",
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
    expect(summary(detect({ path: "migrations/0042_pins.sql", status: "modified", patch, head }))).toEqual([
      ["migration-index", 'CREATE INDEX "Message_pinnedAt_idx" on table "Message" ("pinnedAt")', 7],
    ]);
  });

  it("does not treat edits of query files or Flyway repeatable migrations as history rewrites", () => {
    const patch = "@@ -1 +1 @@\n-SELECT id, email FROM users WHERE id = $1;\n+SELECT id, email, name FROM users WHERE id = $1;";
    expect(detect({ path: "src/queries/get_user.sql", status: "modified", patch })).toEqual({ findings: [], problems: [] });
    const view = "@@ -1 +1 @@\n-CREATE OR REPLACE VIEW active_users AS SELECT * FROM users;\n+CREATE OR REPLACE VIEW active_users AS SELECT * FROM users WHERE NOT banned;";
    expect(detect({ path: "db/migration/R__active_users_view.sql", status: "modified", patch: view })).toEqual({
      findings: [],
      problems: [],
    });
  });

  it("does not report a deleted migration", () => {
    const patch = `@@ -1,2 +0,0 @@\n--- DropTable\n-DROP TABLE "Legacy";`;
    expect(detect({ path, status: "removed", patch })).toEqual({ findings: [], problems: [] });
    expect(detect({ path, status: "removed", base: 'DROP TABLE "Legacy";\n', head: null })).toEqual({
      findings: [],
      problems: [],
    });
  });

  it("reports a renamed migration, which tools see as a new, unapplied one", () => {
    const previousPath = "prisma/migrations/20240301120000_init/migration.sql";
    expect(summary(detect({ path: "prisma/migrations/20240301120000_initial/migration.sql", previousPath, status: "renamed" }))).toEqual([
      [
        "migration-destructive",
        `existing migration renamed from ${previousPath} (tools will see it as a new, unapplied migration)`,
        undefined,
      ],
    ]);
  });

  it("reads whole-file content when there is no patch", () => {
    const result = detect({ path, status: "added", base: null, head: fixture("prisma-postgres-drop-column.sql") });
    expect(summary(result)).toEqual([["migration-destructive", 'DROP COLUMN "editedAt" on table "Message"', 8]]);
  });
});

describe("sqlMigrationDetector: unreadable input", () => {
  it("reports an unterminated string as a problem and assumes the worst", () => {
    const result = addedMigration("UPDATE users SET bio = 'unterminated;\nDROP TABLE users;\n");
    expect(result.problems).toEqual([
      {
        path: "prisma/migrations/20240501120000_change/migration.sql",
        detector: "sql-migration",
        message: "unterminated string starting at line 1; the statements after it could not be read",
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
      { path: "migrations/0001_init.sql", detector: "sql-migration", message: "neither a patch nor the file's content is available" },
    ]);
    expect(result.findings.map((f) => [f.kind, f.conservative])).toEqual([["migration-destructive", true]]);
  });

  it("never throws on odd input", () => {
    for (const text of ["", ";;;", "$$", "/*", "ALTER", "ALTER TABLE", "DROP", "CREATE INDEX ON", "EXEC sp_rename", '"']) {
      expect(() => addedMigration(text)).not.toThrow();
    }
  });
});
