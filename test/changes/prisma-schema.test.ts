import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  compareContents,
  findingsFromPatch,
  parseSchema,
  prismaSchemaDetector,
} from "../../src/changes/prisma-schema.js";
import type { ChangedFile, DetectionResult, DetectorSettings } from "../../src/changes/types.js";

const SETTINGS: DetectorSettings = {
  cost: { cpuMonth: 0, memoryGiBMonth: 0, threshold: 0, currency: "USD" },
};
const FIXTURES = new URL("../fixtures/changes/prisma/", import.meta.url);
const PATH = "prisma/schema.prisma";

function fixture(name: string): string {
  return readFileSync(new URL(name, FIXTURES), "utf8");
}

const BASE = fixture("schema.base.prisma");

function detect(file: Partial<ChangedFile>): DetectionResult {
  return prismaSchemaDetector.detect({ path: PATH, status: "modified", ...file }, SETTINGS);
}

/** Compares the base chat schema with `head`. */
function against(head: string, base = BASE): DetectionResult {
  return detect({ base, head });
}

/** Replaces text that must be present, so a fixture edit cannot silently do nothing. */
function edit(text: string, from: string, to: string): string {
  if (!text.includes(from)) throw new Error(`fixture does not contain ${JSON.stringify(from)}`);
  return text.replace(from, to);
}

/** [kind, detail, line] triples: every assertion checks all three. */
function summary(result: DetectionResult): Array<[string, string, number | undefined]> {
  return result.findings.map((f) => [f.kind, f.detail, f.line]);
}

describe("prismaSchemaDetector: contract", () => {
  it("declares its id and kinds, needs content, and applies to .prisma files only", () => {
    expect(prismaSchemaDetector.id).toBe("prisma-schema");
    expect(prismaSchemaDetector.kinds).toEqual(["migration-destructive", "migration-index"]);
    expect(prismaSchemaDetector.needsContent).toBe(true);
    expect(prismaSchemaDetector.appliesTo("prisma/schema.prisma")).toBe(true);
    expect(prismaSchemaDetector.appliesTo("prisma/schema/message.prisma")).toBe(true);
    expect(
      prismaSchemaDetector.appliesTo("prisma/migrations/20240301120000_init/migration.sql"),
    ).toBe(false);
    expect(prismaSchemaDetector.appliesTo("docs/prisma.md")).toBe(false);
  });
});

describe("prismaSchemaDetector: additive changes", () => {
  it("reports nothing when the schema is unchanged", () => {
    expect(against(BASE)).toEqual({ findings: [], problems: [] });
  });

  // Seed 000, §3 Prisma Schema & Migrations: "DBA Lead consult required for indexes/constraints".
  it("reports only a new model's unique constraint and foreign keys among optional and defaulted fields, an enum value, widening and client-only renames", () => {
    // schema.additive.prisma: new Reaction model with @@unique/@@index/foreign keys, User.bio (optional),
    // Channel.slowModeSeconds (defaulted), Channel.archivedAt (optional), Role.GUEST, VarChar(80) → VarChar(120),
    // Message.body renamed to `text @map("body")`, a renamed back-relation, new generator settings, realignment.
    // The new model's @@index and @id are free on an empty table and not reported.
    const result = against(fixture("schema.additive.prisma"));
    expect(summary(result)).toEqual([
      ["migration-index", 'new model "Reaction": @@unique([messageId, userId, emoji]) added', 75],
      [
        "migration-index",
        'new model "Reaction": foreign key "message" (messageId) → Message(id) added',
        69,
      ],
      ["migration-index", 'new model "Reaction": foreign key "user" (userId) → User(id) added', 71],
    ]);
    expect(result.problems).toEqual([]);
  });

  it("reports the unique constraints, foreign keys and join tables of a new schema file's models", () => {
    const expected = [
      ["migration-index", 'new model "User": @unique on field "email" added', 22],
      ["migration-index", 'new model "Channel": @@unique([name]) added', 44],
      [
        "migration-index",
        'new model "Message": foreign key "channel" (channelId) → Channel(id) added',
        50,
      ],
      [
        "migration-index",
        'new model "Message": foreign key "author" (authorId) → User(id) added',
        52,
      ],
      [
        "migration-index",
        'new model "Membership": foreign key "user" (userId) → User(id) added',
        61,
      ],
      [
        "migration-index",
        'new model "Membership": foreign key "channel" (channelId) → Channel(id) added',
        63,
      ],
      [
        "migration-index",
        'implicit many-to-many relation added (join table "_ChannelWatchers" with two foreign keys and a unique index)',
        29,
      ],
    ];
    expect(summary(detect({ status: "added", base: null, head: BASE }))).toEqual(expected);
    expect(summary(detect({ status: "added", head: BASE }))).toEqual(expected);
  });

  it("reports nothing when a field becomes optional or a model is renamed but keeps its table via @@map", () => {
    let head = edit(BASE, "  body      String\n", "  body      String?\n");
    head = edit(head, "model Membership {", "model ChannelMember {");
    head = edit(
      head,
      "memberships Membership[]\n  messages    Message[]\n  channels",
      "memberships ChannelMember[]\n  messages    Message[]\n  channels",
    );
    head = edit(
      head,
      "memberships Membership[]\n  messages    Message[]\n  watchers",
      "memberships ChannelMember[]\n  messages    Message[]\n  watchers",
    );
    expect(against(head)).toEqual({ findings: [], problems: [] });
  });

  it("reports nothing when a unique constraint moves between @@unique([x]) and @unique", () => {
    let head = edit(
      BASE,
      "  name        String       @db.VarChar(80)",
      "  name        String       @unique @db.VarChar(80)",
    );
    head = edit(head, "\n  @@unique([name])\n", "\n");
    expect(against(head)).toEqual({ findings: [], problems: [] });
  });
});

describe("prismaSchemaDetector: destructive changes", () => {
  it("reports removed models, fields, enum values and join tables, retyped and tightened fields, and renames", () => {
    expect(summary(against(fixture("schema.destructive.prisma")))).toEqual([
      ["migration-destructive", 'model "Membership" removed (table "memberships" dropped)', 60],
      [
        "migration-destructive",
        'model "User": field "name" becomes required (String? → String)',
        18,
      ],
      [
        "migration-destructive",
        'model "User": field "avatarUrl" column renamed "avatar_url" → "avatar" (@map changed)',
        19,
      ],
      [
        "migration-destructive",
        'model "Channel": table renamed "Channel" → "channels" (@@map/@@schema changed)',
        26,
      ],
      [
        "migration-destructive",
        'model "Channel": field "name" native type changed @db.VarChar(80) → @db.VarChar(40)',
        28,
      ],
      [
        "migration-destructive",
        'model "Channel": required field "slug" added without @default (NOT NULL column fails on a non-empty table: requires a backfill or downtime)',
        33,
      ],
      [
        "migration-destructive",
        'model "Message": field "editedAt" removed (column "editedAt" dropped)',
        55,
      ],
      [
        "migration-destructive",
        'model "Message": field "createdAt" type changed DateTime → Int',
        48,
      ],
      // The referenced table was renamed (@@map), so the constraint is re-created.
      [
        "migration-destructive",
        'model "Message": foreign key "channel" (channelId) → Channel(id) changed (constraint dropped and re-created)',
        44,
      ],
      ["migration-destructive", 'enum "Role": value "OWNER" removed', 14],
      [
        "migration-destructive",
        'implicit many-to-many relation removed (join table "_ChannelWatchers" dropped)',
        29,
      ],
    ]);
  });

  it("reports a model renamed without @@map as removed (its table is dropped)", () => {
    const head = edit(BASE, "model Message {", "model ChatMessage {");
    expect(summary(against(head))).toEqual([
      ["migration-destructive", 'model "Message" removed (table "Message" dropped)', 47],
      [
        "migration-index",
        'new model "ChatMessage": foreign key "channel" (channelId) → Channel(id) added',
        50,
      ],
      [
        "migration-index",
        'new model "ChatMessage": foreign key "author" (authorId) → User(id) added',
        52,
      ],
    ]);
  });

  it("reports list/scalar changes, native types added, and enum-typed columns changing enum", () => {
    let head = edit(BASE, "  topic       String?\n", "  topic       String[]\n");
    head = edit(head, "  body      String\n", "  body      String    @db.Text\n");
    head = edit(
      head,
      "  role      Role     @default(MEMBER)",
      '  role      String   @default("MEMBER")',
    );
    expect(summary(against(head))).toEqual([
      [
        "migration-destructive",
        'model "Channel": field "topic" type changed String? → String[]',
        35,
      ],
      [
        "migration-destructive",
        'model "Message": field "body" native type changed (default) → @db.Text',
        49,
      ],
      ["migration-destructive", 'model "Membership": field "role" type changed Role → String', 65],
    ]);
  });

  it("does not report widening a VarChar, but does report narrowing it", () => {
    expect(against(edit(BASE, "@db.VarChar(80)", "@db.VarChar(255)"))).toEqual({
      findings: [],
      problems: [],
    });
    expect(summary(against(edit(BASE, "@db.VarChar(80)", "@db.Char(80)")))).toEqual([
      [
        "migration-destructive",
        'model "Channel": field "name" native type changed @db.VarChar(80) → @db.Char(80)',
        34,
      ],
    ]);
  });

  it("reports enum renames at the database level and removed enums", () => {
    let head = edit(BASE, "  OWNER\n", '  OWNER @map("owner")\n');
    head = edit(head, "  MEMBER\n}", '  MEMBER\n\n  @@map("member_role")\n}');
    expect(summary(against(head))).toEqual([
      [
        "migration-destructive",
        'enum "Role": database type renamed "Role" → "member_role" (@@map changed)',
        13,
      ],
      [
        "migration-destructive",
        'enum "Role": value "OWNER" renamed in the database "OWNER" → "owner"',
        14,
      ],
    ]);
    const withoutEnum = edit(
      edit(BASE, "enum Role {\n  OWNER\n  ADMIN\n  MEMBER\n}\n", ""),
      "Role     @default(MEMBER)",
      'String   @default("MEMBER")',
    );
    expect(summary(against(withoutEnum))).toEqual([
      ["migration-destructive", 'model "Membership": field "role" type changed Role → String', 60],
      ["migration-destructive", 'enum "Role" removed', 13],
    ]);
  });

  it("reports a changed primary key and foreign keys removed or redefined", () => {
    let head = edit(
      BASE,
      "  @@id([userId, channelId])\n",
      "  id        String   @id @default(cuid())\n\n  @@unique([userId, channelId])\n",
    );
    head = edit(
      head,
      "  author    User      @relation(fields: [authorId], references: [id])\n",
      "",
    );
    head = edit(
      head,
      "  channel   Channel   @relation(fields: [channelId], references: [id], onDelete: Cascade)",
      "  channel   Channel   @relation(fields: [channelId], references: [id], onDelete: Restrict)",
    );
    expect(summary(against(head))).toEqual([
      [
        "migration-destructive",
        'model "Message": foreign key "channel" (channelId) → Channel(id) changed (constraint dropped and re-created)',
        50,
      ],
      [
        "migration-destructive",
        'model "Message": foreign key "author" (authorId) → User(id) removed',
        52,
      ],
      [
        "migration-destructive",
        'model "Membership": primary key changed (userId, channelId) → (id)',
        67,
      ],
      ["migration-index", 'model "Membership": @@unique([userId, channelId]) added', 69],
    ]);
  });

  it("reports @@schema changes (multiSchema) as a table move", () => {
    const head = edit(
      BASE,
      '  @@map("memberships")\n',
      '  @@map("memberships")\n  @@schema("chat")\n',
    );
    expect(summary(against(head))).toEqual([
      [
        "migration-destructive",
        'model "Membership": table renamed "memberships" → "chat.memberships" (@@map/@@schema changed)',
        60,
      ],
    ]);
  });

  it("reports an existing model gaining an @updatedAt field (no database default)", () => {
    const head = edit(
      BASE,
      "  isPrivate   Boolean      @default(false)\n",
      "  isPrivate   Boolean      @default(false)\n  updatedAt   DateTime     @updatedAt\n",
    );
    expect(summary(against(head))).toEqual([
      [
        "migration-destructive",
        'model "Channel": required field "updatedAt" added without @default (NOT NULL column fails on a non-empty table: requires a backfill or downtime)',
        37,
      ],
    ]);
  });

  it("treats composite types (MongoDB) like models for removed and retyped fields, and ignores views", () => {
    const base = [
      "datasource db {",
      '  provider = "mongodb"',
      '  url      = env("DATABASE_URL")',
      "}",
      "",
      "type Attachment {",
      "  url      String",
      "  mimeType String",
      "  size     Int?",
      "}",
      "",
      "model Message {",
      '  id          String       @id @default(auto()) @map("_id") @db.ObjectId',
      "  body        String",
      "  attachments Attachment[]",
      "}",
      "",
      "view ChannelStats {",
      "  channelId String @id",
      "  messages  Int",
      "}",
      "",
    ].join("\n");
    let head = edit(base, "  mimeType String\n", "");
    head = edit(head, "  size     Int?\n", "  size     Int\n");
    head = edit(head, "  messages  Int\n", "");
    expect(summary(against(head, base))).toEqual([
      ["migration-destructive", 'type "Attachment": field "mimeType" removed', 8],
      ["migration-destructive", 'type "Attachment": field "size" becomes required (Int? → Int)', 8],
    ]);
  });

  it("reports every model of a deleted schema file", () => {
    expect(
      summary(detect({ status: "removed", base: BASE, head: null })).map(([kind, detail]) => [
        kind,
        detail,
      ]),
    ).toEqual([
      ["migration-destructive", 'model "User" removed (table "User" dropped)'],
      ["migration-destructive", 'model "Channel" removed (table "Channel" dropped)'],
      ["migration-destructive", 'model "Message" removed (table "Message" dropped)'],
      ["migration-destructive", 'model "Membership" removed (table "memberships" dropped)'],
      ["migration-destructive", 'enum "Role" removed'],
      [
        "migration-destructive",
        'implicit many-to-many relation removed (join table "_ChannelWatchers" dropped)',
      ],
    ]);
  });
});

describe("prismaSchemaDetector: index changes", () => {
  // Seed 000, §3: indexes/constraints added need the DBA's input; a dropped index is index optimization,
  // the DBA Lead's with Backend Lead and SRE consulted: the breaking-migration sign-offs.
  it("reports @@index, @unique and @relation(fields) added on existing models as migration-index, an index removed as destructive", () => {
    expect(summary(against(fixture("schema.indexes.prisma")))).toEqual([
      ["migration-index", 'model "User": @@index([createdAt]) added', 30],
      ["migration-index", 'model "User": @unique on field "handle" added', 20],
      [
        "migration-destructive",
        'model "Message": @@index([channelId, createdAt(sort: Desc)]) removed (index dropped: queries that used it scan instead)',
        57,
      ],
      ["migration-index", 'model "Message": @@index([authorId]) added', 57],
      [
        "migration-index",
        'model "Message": foreign key "replyTo" (replyToId) → User(id) added',
        52,
      ],
    ]);
  });

  it("reports an index whose sort order changes as removed and added", () => {
    const head = edit(
      BASE,
      "@@index([channelId, createdAt(sort: Desc)])",
      "@@index([channelId, createdAt])",
    );
    expect(summary(against(head))).toEqual([
      [
        "migration-destructive",
        'model "Message": @@index([channelId, createdAt(sort: Desc)]) removed (index dropped: queries that used it scan instead)',
        57,
      ],
      ["migration-index", 'model "Message": @@index([channelId, createdAt]) added', 57],
    ]);
  });

  it("reports a removed @unique or @@unique as destructive: uniqueness is no longer enforced", () => {
    let head = edit(BASE, "  email       String       @unique", "  email       String");
    head = edit(head, "\n  @@unique([name])\n", "\n");
    expect(summary(against(head))).toEqual([
      [
        "migration-destructive",
        'model "User": @unique on field "email" removed (uniqueness no longer enforced; upserts on it fail)',
        22,
      ],
      [
        "migration-destructive",
        'model "Channel": @@unique([name]) removed (uniqueness no longer enforced; upserts on it fail)',
        44,
      ],
    ]);
  });

  it("reads attributes whose arguments span several lines", () => {
    const head = edit(
      BASE,
      "  @@index([channelId, createdAt(sort: Desc)])\n",
      '  @@index([channelId, createdAt(sort: Desc)])\n  @@index(\n    [authorId, createdAt],\n    map: "message_author_recent"\n  )\n',
    );
    expect(summary(against(head))).toEqual([
      [
        "migration-index",
        'model "Message": @@index([authorId, createdAt], map: "message_author_recent") added',
        58,
      ],
    ]);
  });
});

describe("prismaSchemaDetector: unparseable schemas", () => {
  it("reports unbalanced braces as a problem with a conservative destructive finding", () => {
    const result = against(fixture("schema.unbalanced.prisma"));
    const message =
      'cannot parse the schema at head: line 15: unbalanced braces: block "User" (line 10) is not closed before this line';
    expect(result.problems).toEqual([{ path: PATH, detector: "prisma-schema", message }]);
    expect(result.findings).toEqual([
      {
        kind: "migration-destructive",
        path: PATH,
        detail: `could not read the Prisma schema (${message}); assuming a destructive change`,
        line: 15,
        conservative: true,
      },
    ]);
  });

  it("reports other syntax errors at base or head, with their line", () => {
    const cases: Array<[string, string, string]> = [
      [
        BASE + "\n}\n",
        BASE,
        "cannot parse the schema at base: line 72: unbalanced braces: unexpected }",
      ],
      [
        BASE,
        edit(
          BASE,
          '@default("https://chat.example.com/invite")',
          '@default("https://chat.example.com/invite)',
        ),
        "cannot parse the schema at head: line 38: unterminated string",
      ],
      [
        BASE,
        edit(BASE, "  topic       String?\n", '  topic       String? = "general"\n'),
        'cannot parse the schema at head: line 35: unexpected "= "general""',
      ],
      [
        BASE,
        edit(BASE, "  @@unique([name])\n", "  @@unique([name]\n"),
        "cannot parse the schema at head: line 44: unbalanced parentheses or brackets",
      ],
      [
        BASE,
        BASE + "\nmodle Pin {\n  id String @id\n}\n",
        'cannot parse the schema at head: line 72: unknown block type "modle"',
      ],
      [
        BASE,
        BASE + "\nmodel Pin {\n  id String @id\n",
        'cannot parse the schema at head: line 72: unbalanced braces: block "Pin" is never closed',
      ],
    ];
    for (const [base, head, message] of cases) {
      const result = detect({ base, head });
      expect(result.problems.map((p) => p.message)).toEqual([message]);
      expect(result.findings.map((f) => [f.kind, f.conservative])).toEqual([
        ["migration-destructive", true],
      ]);
    }
  });

  it("is not fooled by comments and strings that contain braces or //", () => {
    const head = edit(
      BASE,
      "model Channel {\n",
      'model Channel { // a { brace in a comment\n  /// Shown as "{name} // {topic}" in the sidebar\n  label       String?      @default("{ not a block }")\n',
    );
    expect(against(head)).toEqual({ findings: [], problems: [] });
  });
});

/**
 * Hostile schemas fed to the parser and the comparison themselves: the detector
 * catches every error, so a test through it could not see one.
 */
describe("prismaSchemaDetector: hostile input (the parser and comparison, without the catch-all)", () => {
  /** Schema-like text: keywords, names, attributes, braces, strings and comments in any order. */
  const schemaish = fc
    .array(
      fc.constantFrom(
        "model",
        "enum",
        "type",
        "view",
        "datasource",
        " User",
        " Message",
        " Role",
        " {",
        "}",
        "\n",
        "  ",
        "id",
        " Int",
        " String",
        "?",
        "[]",
        " @id",
        " @unique",
        " @default(",
        "cuid()",
        ")",
        " @relation(fields: [",
        "]",
        ", references: [id])",
        " @@index([",
        "@@map(",
        '"',
        '"users"',
        "//",
        "///",
        "\\",
        "@db.VarChar(",
        "255",
        "=",
        "\u0000",
        "\t",
        "ADMIN",
        "1A",
      ),
      { maxLength: 60 },
    )
    .map((parts) => parts.join(""));
  const anyText = fc.oneof(schemaish, fc.string({ unit: "grapheme", maxLength: 200 }));

  it("parses any text or reports a syntax error on one of its lines", () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const parsed = parseSchema(text);
        // Blocks read, or the error, are placed on lines the text has.
        const lines = parsed.ok ? parsed.schema.map((block) => block.line) : [parsed.line];
        for (const line of lines) {
          expect(line).toBeGreaterThanOrEqual(1);
          expect(line).toBeLessThanOrEqual(text.split("\n").length + 1);
        }
      }),
      { numRuns: 400 },
    );
  });

  it("never loses a removed column: a head without User.email is destructive, read or not", () => {
    fc.assert(
      fc.property(anyText, (head) => {
        fc.pre(!head.includes("email"));
        const result = compareContents({ path: PATH, status: "modified" }, BASE, head);
        expect(result.findings.some((f) => f.kind === "migration-destructive")).toBe(true);
        // What it could not read it says so, with a conservative finding.
        for (const problem of result.problems) {
          expect(result.findings).toContainEqual(
            expect.objectContaining({
              kind: "migration-destructive",
              conservative: true,
              detail: expect.stringContaining(problem.message),
            }),
          );
        }
      }),
      { numRuns: 400 },
    );
  });

  it("reads a patch that removes User.email as destructive, whatever the added lines say", () => {
    const lines = fc.array(
      schemaish.map((t) => t.replace(/\n/g, " ")),
      { maxLength: 12 },
    );
    fc.assert(
      fc.property(lines, (added) => {
        fc.pre(added.every((l) => !l.includes("email")));
        const patch = [
          `@@ -22,1 +22,${added.length} @@ model User {`,
          "-  email       String       @unique",
          ...added.map((l) => `+${l}`),
        ].join("\n");
        const findings = findingsFromPatch({ path: PATH, status: "modified", patch });
        expect(findings.map((f) => [f.kind, f.line])).toContainEqual(["migration-destructive", 22]);
      }),
      { numRuns: 300 },
    );
  });
});

describe("prismaSchemaDetector: patch only (no base/head content)", () => {
  it("reports removed fields and a required field added without default, and only a new model's constraints, ignoring realignment", () => {
    // As `prisma format` leaves it: adding `handle` realigned the User fields.
    const patch = [
      "@@ -20,7 +20,7 @@ enum Role {",
      " model User {",
      "-  id          String       @id @default(cuid())",
      "-  email       String       @unique",
      "-  name        String?",
      "+  id            String       @id @default(cuid())",
      "+  email         String       @unique",
      "+  name          String?",
      "+  handle        String       @unique",
      '   avatarUrl   String?      @map("avatar_url")',
      "-  legacyId    Int?",
      "   createdAt   DateTime     @default(now())",
      "@@ -58,2 +58,9 @@ model Message {",
      "   @@index([channelId, createdAt(sort: Desc)])",
      " }",
      "+",
      "+model Pin {",
      "+  id        String   @id @default(cuid())",
      "+  messageId String   @unique",
      "+  message   Message  @relation(fields: [messageId], references: [id])",
      "+  pinnedAt  DateTime",
      "+}",
    ].join("\n");
    const note = "(seen in the patch only; the enclosing block is not known)";
    expect(summary(detect({ patch }))).toEqual([
      ["migration-destructive", `field "legacyId" removed ${note}`, 25],
      ["migration-index", `@unique added on field "handle" ${note}`, 24],
      [
        "migration-destructive",
        `required field "handle" added without @default (NOT NULL column fails on a non-empty table: requires a backfill or downtime) ${note}`,
        24,
      ],
      // Seed 000, §3: "DBA Lead consult required for indexes/constraints", also on a new table.
      ["migration-index", `@unique added on field "messageId" in a new model ${note}`, 63],
      [
        "migration-index",
        `foreign key added: relation field "message" → Message in a new model ${note}`,
        64,
      ],
    ]);
  });

  it("reports retyped fields, removed enum values and models, and added indexes", () => {
    const patch = [
      "@@ -13,5 +13,4 @@ datasource db {",
      " enum Role {",
      "-  OWNER",
      "   ADMIN",
      "   MEMBER",
      " }",
      "@@ -46,12 +45,13 @@ model Channel {",
      " model Message {",
      "   id        String    @id @default(cuid())",
      "-  body      String",
      "+  body      String    @db.VarChar(4000)",
      "   channel   Channel   @relation(fields: [channelId], references: [id], onDelete: Cascade)",
      "   channelId String",
      "   author    User      @relation(fields: [authorId], references: [id])",
      "   authorId  String",
      "   createdAt DateTime  @default(now())",
      "   editedAt  DateTime?",
      " ",
      "   @@index([channelId, createdAt(sort: Desc)])",
      "+  @@index([authorId])",
      " }",
      "@@ -60,12 +58,0 @@ model Message {",
      "-model Membership {",
      "-  user      User     @relation(fields: [userId], references: [id], onDelete: Cascade)",
      "-  userId    String",
      "-  channel   Channel  @relation(fields: [channelId], references: [id], onDelete: Cascade)",
      "-  channelId String",
      "-  role      Role     @default(MEMBER)",
      "-  joinedAt  DateTime @default(now())",
      "-",
      "-  @@id([userId, channelId])",
      '-  @@map("memberships")',
      "-}",
      "-",
    ].join("\n");
    const note = "(seen in the patch only; the enclosing block is not known)";
    expect(summary(detect({ patch }))).toEqual([
      ["migration-destructive", `enum value "OWNER" removed ${note}`, 14],
      [
        "migration-destructive",
        `field "body" native type changed (default) → @db.VarChar(4000) ${note}`,
        47,
      ],
      ["migration-destructive", `model "Membership" removed ${note}`, 60],
      ["migration-destructive", `relation field "user" removed ${note}`, 61],
      ["migration-destructive", `field "userId" removed ${note}`, 62],
      ["migration-destructive", `relation field "channel" removed ${note}`, 63],
      ["migration-destructive", `field "channelId" removed ${note}`, 64],
      ["migration-destructive", `field "role" removed ${note}`, 65],
      ["migration-destructive", `field "joinedAt" removed ${note}`, 66],
      [
        "migration-destructive",
        `@@id([userId, channelId]) removed or changed: primary key changed ${note}`,
        68,
      ],
      [
        "migration-destructive",
        `@@map("memberships") removed or changed: table renamed ${note}`,
        69,
      ],
      ["migration-index", `@@index([authorId]) added ${note}`, 56],
    ]);
  });

  it("reports an index or @unique removed in a patch as destructive", () => {
    const patch = [
      "@@ -20,4 +20,4 @@ enum Role {",
      " model User {",
      "   id          String       @id @default(cuid())",
      "-  email       String       @unique",
      "+  email       String",
      "   name        String?",
      "@@ -42,3 +42,2 @@ model Channel {",
      '   watchers    User[]       @relation("ChannelWatchers")',
      "-  @@unique([name])",
      " }",
    ].join("\n");
    const note = "(seen in the patch only; the enclosing block is not known)";
    expect(summary(detect({ patch }))).toEqual([
      [
        "migration-destructive",
        `field "email" @unique removed (uniqueness no longer enforced; upserts on it fail) ${note}`,
        22,
      ],
      [
        "migration-destructive",
        `@@unique([name]) removed (uniqueness no longer enforced; upserts on it fail) ${note}`,
        43,
      ],
    ]);
  });

  it("reports nothing for comment and formatting changes", () => {
    const patch = [
      "@@ -19,3 +19,3 @@ enum Role {",
      "-/// A person who can sign in. Emails are unique across the workspace.",
      "+/// A person who can sign in. Emails are unique per workspace.",
      " model User {",
      "-  id          String       @id @default(cuid())",
      "+  id String @id @default(cuid()) // primary key",
    ].join("\n");
    expect(detect({ patch })).toEqual({ findings: [], problems: [] });
  });

  it("reports a file with neither content nor patch as unreadable", () => {
    // GitHub's entry for a schema edit too large to diff: counts, no `patch`.
    const result = detect({ additions: 2900, deletions: 2600, changes: 5500 });
    expect(result.problems).toEqual([
      {
        path: PATH,
        detector: "prisma-schema",
        message:
          "GitHub sent no diff for it (5,500 changed lines) and its content was not loaded; split the change (rename or move the file in one pull request and edit it in another, or edit it in smaller steps) so that its diff can be read",
      },
    ]);
    expect(result.findings.map((f) => [f.kind, f.conservative])).toEqual([
      ["migration-destructive", true],
    ]);
  });

  it("reads nothing into a pure rename, but assumes the worst of a rename with edits it cannot see", () => {
    const moved = { status: "renamed" as const, previousPath: "schema.prisma" };
    const pure = { ...moved, additions: 0, deletions: 0, changes: 0 };
    expect(detect({ ...pure, base: BASE, head: BASE })).toEqual({ findings: [], problems: [] });
    // GitHub counts a binary file's edits as 0 lines too: unseen, it is not known to be pure.
    expect(detect(pure).findings.map((f) => [f.kind, f.conservative])).toEqual([
      ["migration-destructive", true],
    ]);
    const edited = detect({ ...moved, additions: 3, deletions: 40, changes: 43 });
    expect(edited.findings.map((f) => [f.kind, f.conservative])).toEqual([
      ["migration-destructive", true],
    ]);
    expect(edited.problems[0]?.message).toMatch(
      /^GitHub sent no diff for it \(renamed from schema\.prisma, 43 changed lines\)/,
    );
    // Without counts a rename is not known to be pure.
    expect(detect(moved).findings.map((f) => [f.kind, f.conservative])).toEqual([
      ["migration-destructive", true],
    ]);
  });
});
