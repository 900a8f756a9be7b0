import { readFileSync } from "node:fs";
import { describe, expect, it, vi } from "vitest";
import { classify } from "../../src/changes/registry.js";
import type { ChangedFile, DetectionResult, DetectorSettings } from "../../src/changes/types.js";
import {
  isContractFile,
  typescriptContractsDetector,
} from "../../src/changes/typescript-contracts.js";
import { MAX_NESTING } from "../../src/changes/typescript-source.js";

/**
 * Issue 11 §2: breaking changes in code, not only in OpenAPI. Seed 000 (chat
 * backend), line 47: "Breaking changes (removing fields, changing types):
 * Requires Tech Architect + Product Owner sign-off"; line 46 / line 239:
 * "Additive changes (new endpoints, optional fields)" and "Backward-compatible
 * API changes (new optional fields)" need no more than the Backend Lead. The
 * files are a NestJS chat module's DTOs and interfaces as written in practice
 * (class-validator and @nestjs/swagger decorators).
 */

const SETTINGS: DetectorSettings = {
  cost: { cpuMonth: 25, memoryGiBMonth: 3.5, threshold: 500, currency: "USD" },
};
const fixture = (name: string) =>
  readFileSync(new URL(`../fixtures/changes/nestjs/${name}`, import.meta.url), "utf8");

const DTO = fixture("create-message.dto.ts");
const RESPONSE = fixture("message-response.dto.ts");
const INTERFACES = fixture("chat.interface.ts");
const DTO_PATH = "src/chat/dto/create-message.dto.ts";
const RESPONSE_PATH = "src/chat/dto/message-response.dto.ts";
const INTERFACE_PATH = "src/chat/interfaces/chat.interface.ts";

function detect(
  path: string,
  base: string | null,
  head: string | null,
  extra: Partial<ChangedFile> = {},
): DetectionResult {
  return typescriptContractsDetector.detect(
    { path, status: "modified", base, head, ...extra },
    SETTINGS,
  );
}
const details = (result: DetectionResult) => result.findings.map((f) => f.detail);
/** Replaces text that must be in the fixture, so that a fixture edit cannot silently make a test vacuous. */
function edit(text: string, from: string, to: string): string {
  expect(text).toContain(from);
  return text.replace(from, to);
}

describe("which files carry a contract (appliesTo)", () => {
  it.each([
    DTO_PATH,
    "apps/api/src/chat/dto/send-message.dto.ts",
    "src/chat/dto/index.ts",
    "src/users/dtos/update-profile.ts",
    "src/chat/message.response.ts",
    INTERFACE_PATH,
    "src/chat/chat.interface.ts",
    "packages/contracts/src/chat.ts",
    "src/api/chat/types.ts",
    "src/modules/rooms/rooms.types.ts",
    "src/chat/chat.types.ts",
  ])("reads %s", (path) => {
    expect(isContractFile(path)).toBe(true);
  });

  it.each([
    "src/chat/chat.service.ts",
    "src/chat/chat.controller.ts",
    "src/chat/chat.gateway.ts",
    "src/utils/types.ts",
    "src/chat/helpers.types.ts",
    "src/chat/dto/create-message.dto.spec.ts",
    "test/chat/dto/fixtures.ts",
    "src/chat/dto/readme.md",
    "apps/web/src/dto/form.tsx",
  ])("leaves %s to the other detectors", (path) => {
    expect(isContractFile(path)).toBe(false);
  });

  it("declares api-breaking, reads content, and bounds its input", () => {
    expect([
      typescriptContractsDetector.kinds,
      typescriptContractsDetector.needsContent,
      typescriptContractsDetector.maxInput,
    ]).toEqual([["api-breaking"], true, 128 * 1024]);
  });
});

describe("request DTOs (class-validator): line 47, removing fields and changing types is breaking", () => {
  it("an unchanged file, or one only reformatted (quotes, line breaks, semicolons), has no finding", () => {
    expect(detect(DTO_PATH, DTO, DTO).findings).toEqual([]);
    const reformatted = DTO.replace(/"/g, "'")
      .replace(/;\n/g, "\n")
      .replace(/: string/g, ":   string");
    expect(reformatted).not.toBe(DTO);
    expect(detect(DTO_PATH, DTO, reformatted).findings).toEqual([]);
  });

  it("removing a field", () => {
    const head = edit(
      DTO,
      '  @ApiPropertyOptional({ format: "uuid", description: "The message this one replies to" })\n  @IsOptional()\n  @IsUUID()\n  replyToId?: string;\n',
      "",
    );
    expect(detect(DTO_PATH, DTO, head).findings).toEqual([
      {
        kind: "api-breaking",
        path: DTO_PATH,
        detail: "field replyToId removed from class CreateMessageDto (a request type)",
        line: 50,
      },
    ]);
  });

  it("retyping a field, and a retyped array element", () => {
    const head = edit(
      edit(DTO, "  roomId: string;", "  roomId: number;"),
      "attachments?: AttachmentDto[];",
      "attachments?: string[];",
    );
    expect(details(detect(DTO_PATH, DTO, head))).toEqual([
      "field roomId of class CreateMessageDto retyped: string → number",
      "field attachments of class CreateMessageDto retyped: AttachmentDto[] → string[]",
    ]);
  });

  it("an optional field made required: @IsOptional dropped (what the validation pipe enforces, whatever the `?` says)", () => {
    const head = edit(
      DTO,
      "  @IsOptional()\n  @IsUUID()\n  replyToId?: string;",
      "  @IsUUID()\n  replyToId?: string;",
    );
    expect(details(detect(DTO_PATH, DTO, head))).toEqual([
      "field replyToId of class CreateMessageDto became required (a request type)",
    ]);
  });

  it("a required field added to a request, and a validation rule tightened", () => {
    const head = edit(
      edit(
        DTO,
        "  @MaxLength(4000)\n  content: string;\n",
        "  @MaxLength(2000)\n  content: string;\n\n  @ApiProperty()\n  @IsString()\n  clientNonce: string;\n",
      ),
      "  @IsUrl()\n  url: string;",
      '  @IsUrl({ protocols: ["https"] })\n  url: string;',
    );
    expect(details(detect(DTO_PATH, DTO, head))).toEqual([
      'validation of field url of class AttachmentDto changed: @IsUrl() → @IsUrl({protocols:["https"]}) (a request type)',
      "validation of field content of class CreateMessageDto changed: @MaxLength(4000) → @MaxLength(2000) (a request type)",
      "required field clientNonce added to class CreateMessageDto (a request type): clients that do not send it are refused",
    ]);
  });

  it("line 46: adding an optional field, making a field optional, or dropping a rule is additive", () => {
    const head = edit(
      edit(
        DTO,
        "  @MaxLength(4000)\n  content: string;\n",
        "  content: string;\n\n  @ApiPropertyOptional()\n  @IsOptional()\n  @IsString()\n  clientNonce?: string;\n",
      ),
      "  @IsUUID()\n  roomId: string;",
      "  @IsOptional()\n  @IsUUID()\n  roomId?: string;",
    );
    expect(detect(DTO_PATH, DTO, head).findings).toEqual([]);
  });

  it("renaming an exported class names the new name; removing one says removed", () => {
    expect(
      details(
        detect(
          DTO_PATH,
          DTO,
          edit(DTO, "export class CreateMessageDto", "export class SendMessageDto"),
        ),
      ),
    ).toEqual(["exported class CreateMessageDto renamed to SendMessageDto"]);
    expect(
      details(detect(DTO_PATH, DTO, edit(DTO, "export enum MessageKind", "enum MessageKind"))),
    ).toEqual(["exported enum MessageKind removed"]);
    expect(
      details(
        detect(DTO_PATH, DTO, edit(DTO, "export class CreateMessageDto", "class CreateMessageDto")),
      ),
    ).toEqual(["class CreateMessageDto is no longer exported"]);
    expect(
      details(
        detect(
          DTO_PATH,
          DTO,
          edit(
            DTO,
            "export class CreateMessageDto {",
            "export class CreateMessageDto extends BaseDto {",
          ),
        ),
      ),
    ).toEqual(["class CreateMessageDto now declares extends BaseDto (was none)"]);
  });

  it("an enum value removed or changed is breaking; one added is not", () => {
    expect(details(detect(DTO_PATH, DTO, edit(DTO, '  System = "system",\n', "")))).toEqual([
      "member System removed from enum MessageKind",
    ]);
    expect(details(detect(DTO_PATH, DTO, edit(DTO, 'Image = "image"', 'Image = "img"')))).toEqual([
      'member Image of enum MessageKind changed value: "image" → "img"',
    ]);
    expect(
      detect(
        DTO_PATH,
        DTO,
        edit(DTO, '  System = "system",\n', '  System = "system",\n  Poll = "poll",\n'),
      ).findings,
    ).toEqual([]);
  });

  it("a nested DTO nobody exports is still read through its decorators (AttachmentDto.url → href)", () => {
    expect(details(detect(DTO_PATH, DTO, edit(DTO, "  url: string;", "  href: string;")))).toEqual([
      "field url removed from class AttachmentDto (a request type)",
      "required field href added to class AttachmentDto (a request type): clients that do not send it are refused",
    ]);
  });

  it("removing the file removes every exported contract; adding one adds nothing", () => {
    expect(details(detect(DTO_PATH, DTO, null, { status: "removed" }))).toEqual([
      "exported enum MessageKind removed",
      "exported class CreateMessageDto removed",
    ]);
    expect(detect(DTO_PATH, null, DTO, { status: "added" }).findings).toEqual([]);
  });
});

describe("response DTOs: what clients read", () => {
  it("a required field made optional breaks clients reading it; a new field, required or not, does not", () => {
    expect(
      details(
        detect(
          RESPONSE_PATH,
          RESPONSE,
          edit(RESPONSE, "  createdAt: Date;", "  createdAt?: Date;"),
        ),
      ),
    ).toEqual([
      "field createdAt of class MessageResponseDto became optional (a response type): clients reading it may get nothing",
    ]);
    const added = edit(
      RESPONSE,
      "  editedAt?: Date;\n",
      "  editedAt?: Date;\n\n  @ApiProperty()\n  pinned: boolean;\n",
    );
    expect(detect(RESPONSE_PATH, RESPONSE, added).findings).toEqual([]);
    expect(
      detect(RESPONSE_PATH, RESPONSE, edit(RESPONSE, "  editedAt?: Date;", "  editedAt: Date;"))
        .findings,
    ).toEqual([]);
  });

  it("a field removed from a class documented only by @ApiProperty (AuthorDto.avatarUrl)", () => {
    const head = edit(
      RESPONSE,
      "  @ApiPropertyOptional({ nullable: true })\n  avatarUrl?: string | null;\n",
      "",
    );
    expect(details(detect(RESPONSE_PATH, RESPONSE, head))).toEqual([
      "field avatarUrl removed from class AuthorDto",
    ]);
  });
});

describe("exported interfaces and types of an API module", () => {
  it("an optional field made required, a union narrowed, an object type's field removed", () => {
    const head = edit(
      edit(
        edit(INTERFACES, "lastMessageAt?: string;", "lastMessageAt: string;"),
        '"owner" | "moderator" | "member"',
        '"owner" | "member"',
      ),
      "createdAt: string; id: string",
      "id: string",
    );
    expect(details(detect(INTERFACE_PATH, INTERFACES, head))).toEqual([
      "field lastMessageAt of interface RoomSummary became required",
      "field createdAt removed from type MessageCursor",
      'type RoomRole changed: "owner"|"moderator"|"member" → "owner"|"member"',
    ]);
  });

  it("a required field added to an interface that may be sent is breaking; the module's unexported interface is not a contract", () => {
    expect(
      details(
        detect(
          INTERFACE_PATH,
          INTERFACES,
          edit(INTERFACES, "  isTyping: boolean;\n", "  isTyping: boolean;\n  since: string;\n"),
        ),
      ),
    ).toEqual([
      "required field since added to interface TypingIndicator: if clients send it, those that do not are refused",
    ]);
    expect(
      detect(INTERFACE_PATH, INTERFACES, edit(INTERFACES, "  expiresAt: number;\n", "")).findings,
    ).toEqual([]);
  });

  it("a renamed interface, and one no longer exported", () => {
    expect(
      details(
        detect(
          INTERFACE_PATH,
          INTERFACES,
          edit(INTERFACES, "export interface TypingIndicator", "export interface TypingEvent"),
        ),
      ),
    ).toEqual(["exported interface TypingIndicator renamed to TypingEvent"]);
    expect(
      details(
        detect(
          INTERFACE_PATH,
          INTERFACES,
          edit(INTERFACES, "export interface ChatMessage", "interface ChatMessage"),
        ),
      ),
    ).toEqual(["exported interface ChatMessage removed"]);
  });
});

describe("a file that cannot be read is api-breaking, conservative, never an exception or a hang", () => {
  const conservative = (result: DetectionResult) =>
    result.findings.map((f) => [f.kind, f.conservative, f.detail]);

  it("a syntax error at head names the line", () => {
    const result = detect(DTO_PATH, DTO, edit(DTO, "  roomId: string;", "  roomId: string =;"));
    expect(conservative(result)).toEqual([
      [
        "api-breaking",
        true,
        "could not compare the contracts it declares (the head version has a syntax error at line 36: Expression expected.); assuming a breaking change",
      ],
    ]);
    expect(result.findings[0]?.line).toBe(36);
    expect(result.problems).toEqual([
      {
        path: DTO_PATH,
        detector: "typescript-contracts",
        message: "the head version has a syntax error at line 36: Expression expected.",
      },
    ]);
  });

  it("50,000 nested parentheses are refused before the parser sees them", () => {
    const head = `export const x = ${"(".repeat(50_000)}1${")".repeat(50_000)};\n`;
    expect(conservative(detect(DTO_PATH, DTO, head))).toEqual([
      [
        "api-breaking",
        true,
        `could not compare the contracts it declares (the head version nests brackets more than ${MAX_NESTING} deep at line 1 (not read)); assuming a breaking change`,
      ],
    ]);
  });

  it.each([
    [
      "a chain of 50,000 arrows (no brackets to count)",
      `export const f = ${"x => ".repeat(50_000)}1;\n`,
    ],
    ["50,000 conditionals", `export const c = ${"a ? ".repeat(50_000)}1;\n`],
    ["40,000 unclosed type arguments", `export type T = ${"Array<".repeat(40_000)}\n`],
  ])("%s: the parser's stack overflow is caught", (_, head) => {
    const result = detect(DTO_PATH, DTO, head);
    expect(result.findings.map((f) => [f.kind, f.conservative])).toEqual([["api-breaking", true]]);
    expect(result.problems).toHaveLength(1);
    // The parser keeps no state from the failed parse: the next file reads as itself.
    expect(
      details(detect(DTO_PATH, DTO, edit(DTO, "  roomId: string;", "  roomId: number;"))),
    ).toEqual(["field roomId of class CreateMessageDto retyped: string → number"]);
  });

  it("text that is not TypeScript at all (100 KB of quotes) is a syntax error, not a crash", () => {
    const result = detect(DTO_PATH, DTO, '"'.repeat(100_000));
    expect(result.findings.map((f) => [f.kind, f.conservative])).toEqual([["api-breaking", true]]);
  });

  it("content not loaded: conservative, with how to make it readable; a pure rename loaded equal is no change", () => {
    const result = typescriptContractsDetector.detect(
      { path: DTO_PATH, status: "modified", patch: "@@ -1 +1 @@\n-a\n+b" },
      SETTINGS,
    );
    expect(result.findings.map((f) => [f.kind, f.conservative])).toEqual([["api-breaking", true]]);
    expect(result.problems[0]?.message).toMatch(
      /^its content at base and head could not be loaded/,
    );
    const moved = {
      path: DTO_PATH,
      previousPath: "src/chat/dto/send.dto.ts",
      status: "renamed" as const,
      changes: 0,
    };
    const dto = "export class SendMessageDto {\n  channelId!: string;\n  text!: string;\n}\n";
    expect(
      typescriptContractsDetector.detect({ ...moved, base: dto, head: dto }, SETTINGS),
    ).toEqual({ findings: [], problems: [] });
    // GitHub counts a binary file's edits as 0 lines too: unseen, a rename is not known to be pure.
    expect(
      typescriptContractsDetector
        .detect(moved, SETTINGS)
        .findings.map((f) => [f.kind, f.conservative]),
    ).toEqual([["api-breaking", true]]);
  });

  it("through the registry, a file over the bound is classified unread as api-breaking", () => {
    const head = `${DTO}\n${"// padding\n".repeat(12_000)}`;
    const { findings, problems } = classify(
      [{ path: DTO_PATH, status: "modified", base: DTO, head }],
      SETTINGS,
    );
    const ours = findings.filter((f) => f.kind === "api-breaking");
    expect(ours.map((f) => [f.conservative, f.detail.startsWith("not analysed (")])).toEqual([
      [true, true],
    ]);
    expect(problems.map((p) => p.detector)).toContain("typescript-contracts");
  });
});

describe("the compiler is loaded only when a file needs it", () => {
  it("classifying a migration, a service and a package.json does not load typescript; the first contract file does", async () => {
    vi.resetModules();
    const source = await import("../../src/changes/typescript-source.js");
    const registry = await import("../../src/changes/registry.js");
    registry.classify(
      [
        {
          path: "prisma/migrations/20250301090000_drop_avatar/migration.sql",
          status: "added",
          base: null,
          head: 'ALTER TABLE "User" DROP COLUMN "avatarUrl";\n',
        },
        {
          path: "src/chat/chat.service.ts",
          status: "modified",
          patch: "@@ -1 +1 @@\n-export class ChatService {}\n+export class ChatService { x = 1 }",
        },
        {
          path: "package.json",
          status: "modified",
          base: '{"dependencies":{"zod":"^3.23.8"}}',
          head: '{"dependencies":{"zod":"^3.24.1"}}',
        },
      ],
      SETTINGS,
    );
    expect(source.typescriptLoaded()).toBe(false);
    registry.classify([{ path: DTO_PATH, status: "modified", base: DTO, head: DTO }], SETTINGS);
    expect(source.typescriptLoaded()).toBe(true);
  });
});

describe("without the compiler (a bundle that carries no node_modules)", () => {
  it("a contract file is api-breaking, conservative, and the reason names the missing compiler", async () => {
    vi.resetModules();
    vi.doMock("node:module", () => ({
      createRequire: () => () => {
        throw new Error(
          "Cannot find module 'typescript'\nRequire stack:\n- /action/dist/action.js",
        );
      },
    }));
    try {
      const { typescriptContractsDetector: detector } =
        await import("../../src/changes/typescript-contracts.js");
      const result = detector.detect(
        { path: DTO_PATH, status: "modified", base: DTO, head: DTO },
        SETTINGS,
      );
      expect(result.findings.map((f) => [f.kind, f.conservative])).toEqual([
        ["api-breaking", true],
      ]);
      expect(result.problems.map((p) => p.message)).toEqual([
        "the TypeScript compiler could not be loaded (Cannot find module 'typescript')",
      ]);
    } finally {
      vi.doUnmock("node:module");
      vi.resetModules();
    }
  });
});
