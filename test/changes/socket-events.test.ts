import { readFileSync } from "node:fs";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { classify } from "../../src/changes/registry.js";
import { isSocketFile, socketEventsDetector } from "../../src/changes/socket-events.js";
import type { ChangedFile, DetectionResult, DetectorSettings } from "../../src/changes/types.js";
import { typescriptContractsDetector } from "../../src/changes/typescript-contracts.js";
import { MAX_NESTING } from "../../src/changes/typescript-source.js";

/**
 * Issue 11 §2: Socket.IO event contracts. Seed 000 (chat backend), line 60:
 * "Socket.IO event contracts | Backend Lead | … | Frontend Team (C)", and line
 * 67: "Event schema changes: Backend Lead (with Frontend consultation)". A
 * client built against an event breaks when it is renamed or removed, or its
 * payload changes. The files are a NestJS gateway and a plain Socket.IO server
 * with typed events, as written in practice.
 */

const SETTINGS: DetectorSettings = {
  cost: { cpuMonth: 25, memoryGiBMonth: 3.5, threshold: 500, currency: "USD" },
};
const fixture = (name: string) =>
  readFileSync(new URL(`../fixtures/changes/nestjs/${name}`, import.meta.url), "utf8");

const GATEWAY = fixture("chat.gateway.ts");
const SERVER = fixture("socket-server.ts");
const GATEWAY_PATH = "src/chat/chat.gateway.ts";
const SERVER_PATH = "src/socket/socket-server.ts";

function detect(
  path: string,
  base: string | null,
  head: string | null,
  extra: Partial<ChangedFile> = {},
): DetectionResult {
  return socketEventsDetector.detect({ path, status: "modified", base, head, ...extra }, SETTINGS);
}
const details = (result: DetectionResult) => result.findings.map((f) => f.detail);
/** Replaces text that must be in the fixture, so that a fixture edit cannot silently make a test vacuous. */
function edit(text: string, from: string, to: string): string {
  expect(text).toContain(from);
  return text.replace(from, to);
}

describe("which files carry events (appliesTo)", () => {
  it.each([
    GATEWAY_PATH,
    "apps/api/src/websocket/presence.gateway.ts",
    "src/websocket/events.ts",
    "src/socket/index.js",
    "server/sockets/handlers.mjs",
    "apps/api/src/realtime/typing.ts",
    "src/chat/chat.socket.ts",
    "packages/shared/src/socket-events.ts",
    SERVER_PATH,
  ])("reads %s", (path) => {
    expect(isSocketFile(path)).toBe(true);
  });

  it.each([
    "src/chat/chat.controller.ts",
    "src/chat/chat.service.ts",
    "src/chat/chat.gateway.spec.ts",
    "src/socket/README.md",
    "src/websocket/socket.d.ts",
    "test/socket/client.ts",
  ])("leaves %s", (path) => {
    expect(isSocketFile(path)).toBe(false);
  });

  it("declares event-schema, reads content, and bounds its input", () => {
    expect([
      socketEventsDetector.kinds,
      socketEventsDetector.needsContent,
      socketEventsDetector.maxInput,
    ]).toEqual([["event-schema"], true, 128 * 1024]);
  });
});

describe("a NestJS gateway: @SubscribeMessage, @MessageBody, server.to(room).emit", () => {
  it("an unchanged or only reformatted gateway, and a change inside a handler, have no finding", () => {
    expect(detect(GATEWAY_PATH, GATEWAY, GATEWAY).findings).toEqual([]);
    expect(
      detect(GATEWAY_PATH, GATEWAY, GATEWAY.replace(/"/g, "'").replace(/\n\s*/g, "\n")).findings,
    ).toEqual([]);
    expect(
      detect(
        GATEWAY_PATH,
        GATEWAY,
        edit(GATEWAY, "this.logger.debug(`connected", "this.logger.log(`connected"),
      ).findings,
    ).toEqual([]);
  });

  it("an event the server emits, renamed: removed, with the new name offered", () => {
    expect(
      detect(GATEWAY_PATH, GATEWAY, edit(GATEWAY, '"message:new"', '"message:created"')).findings,
    ).toEqual([
      {
        kind: "event-schema",
        path: GATEWAY_PATH,
        detail:
          "event 'message:new' (server → client) removed (new in this change: 'message:created'; renamed?)",
        line: 57,
      },
    ]);
  });

  it("an event a client sends, removed with its handler", () => {
    const head = edit(
      GATEWAY,
      '  @SubscribeMessage("room:leave")\n  async leaveRoom(@ConnectedSocket() client: Socket, @MessageBody("roomId") roomId: string) {\n    await client.leave(roomId);\n  }\n\n',
      "",
    );
    expect(details(detect(GATEWAY_PATH, GATEWAY, head))).toEqual([
      "event 'room:leave' (client → server) removed",
    ]);
  });

  it("the @MessageBody type of a handler changed, and a body field's type", () => {
    const head = edit(
      edit(GATEWAY, "@MessageBody() dto: CreateMessageDto", "@MessageBody() dto: SendMessageDto"),
      '@MessageBody("roomId") roomId: string',
      '@MessageBody("roomId") roomId: number',
    );
    expect(details(detect(GATEWAY_PATH, GATEWAY, head))).toEqual([
      'payload of event \'room:leave\' (client → server) changed: "roomId": string → "roomId": number',
      "payload of event 'message:send' (client → server) changed: CreateMessageDto → SendMessageDto",
    ]);
  });

  it("the declared type of an emitted payload changed (the variable's annotation), and an object payload's keys", () => {
    const head = edit(
      edit(GATEWAY, "const message: MessageResponseDto", "const message: MessageView"),
      "{ roomId, messageId }",
      "{ roomId, id: messageId }",
    );
    expect(details(detect(GATEWAY_PATH, GATEWAY, head))).toEqual([
      "payload of event 'message:new' (server → client) changed: MessageResponseDto → MessageView",
      "payload of event 'message:deleted' (server → client) changed: {messageId,roomId} → {id,roomId}",
    ]);
  });

  it("a handler's WsResponse reply renamed: return { event, data }", () => {
    expect(
      details(
        detect(
          GATEWAY_PATH,
          GATEWAY,
          edit(GATEWAY, 'event: "room:joined"', 'event: "room:entered"'),
        ),
      ),
    ).toEqual([
      "event 'room:joined' (server → client) removed (new in this change: 'room:entered'; renamed?)",
    ]);
  });

  it("the gateway's namespace moved: every event it serves moved", () => {
    expect(
      details(
        detect(
          GATEWAY_PATH,
          GATEWAY,
          edit(GATEWAY, 'namespace: "/chat"', 'namespace: "/messages"'),
        ),
      ),
    ).toEqual([
      'ChatGateway namespace changed: "/chat" → "/messages": every event it serves moved',
    ]);
  });

  it("a new event is an addition, and another emitter's events are not sockets'", () => {
    const head = edit(
      GATEWAY,
      "  notifyDeleted(roomId: string, messageId: string) {\n",
      '  notifyPinned(roomId: string, messageId: string) {\n    this.server.to(roomId).emit("message:pinned", { roomId, messageId });\n    this.eventEmitter.emit("audit.pinned", { messageId });\n  }\n\n  notifyDeleted(roomId: string, messageId: string) {\n',
    );
    expect(detect(GATEWAY_PATH, GATEWAY, head).findings).toEqual([]);
    const base = edit(
      GATEWAY,
      "    await client.leave(roomId);\n",
      '    await client.leave(roomId);\n    this.eventEmitter.emit("audit.left", { roomId });\n',
    );
    expect(detect(GATEWAY_PATH, base, GATEWAY).findings).toEqual([]);
  });

  it("removing the gateway file removes its events; a new gateway adds only", () => {
    expect(details(detect(GATEWAY_PATH, GATEWAY, null, { status: "removed" }))).toEqual([
      'ChatGateway namespace "/chat" removed: every event it serves moved',
      "event 'room:join' (client → server) removed",
      "event 'room:member-joined' (server → client) removed",
      "event 'room:joined' (server → client) removed",
      "event 'room:leave' (client → server) removed",
      "event 'message:send' (client → server) removed",
      "event 'message:new' (server → client) removed",
      "event 'typing' (client → server) removed",
      "event 'typing' (server → client) removed",
      "event 'message:deleted' (server → client) removed",
    ]);
    expect(detect(GATEWAY_PATH, null, GATEWAY, { status: "added" }).findings).toEqual([]);
  });
});

describe("a plain Socket.IO server: io.on('connection'), socket.on, io.emit and typed events", () => {
  it("a typed event's payload changed in ServerToClientEvents", () => {
    const head = edit(
      SERVER,
      "(payload: { userId: string; online: boolean })",
      '(payload: { userId: string; status: "online" | "offline" })',
    );
    expect(details(detect(SERVER_PATH, SERVER, head))).toEqual([
      'payload of event \'presence:update\' (server → client) changed: (payload:{userId:string;online:boolean})=>void | {online,userId} → (payload:{userId:string;status:"online"|"offline"})=>void | {online,userId}',
    ]);
  });

  it("an event renamed in the interface and its listener", () => {
    const head = edit(
      edit(
        SERVER,
        '"presence:ping": (at: number) => void;',
        '"presence:heartbeat": (at: number) => void;',
      ),
      'socket.on("presence:ping"',
      'socket.on("presence:heartbeat"',
    );
    expect(details(detect(SERVER_PATH, SERVER, head))).toEqual([
      "event 'presence:ping' (client → server) removed (new in this change: 'presence:heartbeat'; renamed?)",
    ]);
  });

  it("the path clients connect to changed", () => {
    expect(
      details(detect(SERVER_PATH, SERVER, edit(SERVER, '{ path: "/ws" }', '{ path: "/socket" }'))),
    ).toEqual(['Server path changed: "/ws" → "/socket": every event it serves moved']);
  });

  it("Socket.IO's reserved lifecycle events (connection, disconnect) are not contracts", () => {
    const head = edit(
      SERVER,
      '    socket.on("disconnect", () => {\n      io.emit("presence:update", { userId: socket.data.userId, online: false });\n    });\n',
      "",
    );
    expect(detect(SERVER_PATH, SERVER, head).findings).toEqual([]);
  });

  it("JavaScript is read too: an event renamed in src/socket/index.js", () => {
    const js =
      'module.exports = (io) => {\n  io.on("connection", (socket) => {\n  socket.on("chat message", (msg) => {\n    io.emit("chat message", msg);\n  });\n  });\n};\n';
    expect(
      details(detect("src/socket/index.js", js, js.replace(/chat message/g, "chat:message"))),
    ).toEqual([
      "event 'chat message' (client → server) removed (new in this change: 'chat:message'; renamed?)",
      "event 'chat message' (server → client) removed (new in this change: 'chat:message'; renamed?)",
    ]);
  });
});

describe("a file that cannot be read is event-schema, conservative, never an exception or a hang", () => {
  it("a syntax error names the version and line", () => {
    const result = detect(
      GATEWAY_PATH,
      GATEWAY,
      edit(GATEWAY, '@SubscribeMessage("typing")', '@SubscribeMessage("typing"'),
    );
    expect(result.findings.map((f) => [f.kind, f.conservative, f.line])).toEqual([
      ["event-schema", true, 61],
    ]);
    expect(
      result.problems.map((p) => [
        p.detector,
        p.message.startsWith("the head version has a syntax error at line 61:"),
      ]),
    ).toEqual([["socket-events", true]]);
  });

  it.each([
    [
      "50,000 nested parentheses",
      `io.emit("x", ${"(".repeat(50_000)}1${")".repeat(50_000)});\n`,
      `the base version nests brackets more than ${MAX_NESTING} deep at line 1 (not read)`,
    ],
    [
      "50,000 chained arrows",
      `socket.on("x", ${"a => ".repeat(50_000)}1);\n`,
      "the base version could not be parsed (Maximum call stack size exceeded)",
    ],
  ])("%s at base", (_, base, message) => {
    const result = detect(SERVER_PATH, base, SERVER);
    expect(result.findings.map((f) => [f.kind, f.conservative])).toEqual([["event-schema", true]]);
    expect(result.problems.map((p) => p.message)).toEqual([message]);
    // The parser keeps no state from the failed parse: the next file reads as itself.
    expect(
      details(detect(GATEWAY_PATH, GATEWAY, edit(GATEWAY, '"message:new"', '"message:created"'))),
    ).toHaveLength(1);
  });

  it("100 KB of unterminated strings is a syntax error, not a crash", () => {
    expect(
      detect(GATEWAY_PATH, GATEWAY, "'".repeat(100_000)).findings.map((f) => [
        f.kind,
        f.conservative,
      ]),
    ).toEqual([["event-schema", true]]);
  });

  it("content not loaded: conservative; through the registry a file over the bound is event-schema, unread", () => {
    const unread = socketEventsDetector.detect(
      { path: GATEWAY_PATH, status: "modified", patch: "@@ -1 +1 @@\n-a\n+b" },
      SETTINGS,
    );
    expect(unread.findings.map((f) => [f.kind, f.conservative])).toEqual([["event-schema", true]]);
    const head = `${GATEWAY}\n${"// padding\n".repeat(12_000)}`;
    const { findings } = classify(
      [{ path: GATEWAY_PATH, status: "modified", base: GATEWAY, head }],
      SETTINGS,
    );
    expect(
      findings
        .filter((f) => f.kind === "event-schema")
        .map((f) => [f.conservative, f.detail.startsWith("not analysed (")]),
    ).toEqual([[true, true]]);
  });
});

describe("seeded hostile text through both TypeScript detectors (issue 10's fuzz-hostile, at detector level)", () => {
  /** Fragments of gateways and DTOs, and the brackets, quotes and arrows that stress a recursive parser. */
  const fragment = fc.constantFrom(
    "(",
    ")",
    "{",
    "}",
    "[",
    "]",
    "<",
    ">",
    "`",
    "${",
    "'",
    '"',
    "/*",
    "*/",
    "//",
    "\n",
    "=>",
    "?",
    ":",
    ",",
    ";",
    "@",
    "@SubscribeMessage('x')",
    "@MessageBody() p: T",
    "socket.on('x', (p: T) => {})",
    "this.server.to(r).emit('y', m as M)",
    "export class A {",
    "@IsString() a: string;",
    "export interface I { a?: number }",
    "export type U = 'a' | 'b';",
    "x => ",
    "async (",
  );
  const hostile = fc
    .array(fragment, { minLength: 1, maxLength: 3000 })
    .map((parts) => parts.join(" "));

  it("never throws: each result is findings of the detector's kinds, and any problem comes with a conservative finding", () => {
    fc.assert(
      fc.property(hostile, (head) => {
        for (const [detector, path, base] of [
          [socketEventsDetector, GATEWAY_PATH, GATEWAY],
          [
            typescriptContractsDetector,
            "src/chat/dto/create-message.dto.ts",
            fixture("create-message.dto.ts"),
          ],
        ] as const) {
          const result = detector.detect({ path, status: "modified", base, head }, SETTINGS);
          expect(
            result.findings.every((f) => detector.kinds.includes(f.kind) && f.path === path),
          ).toBe(true);
          if (result.problems.length > 0)
            expect(result.findings.some((f) => f.conservative === true)).toBe(true);
        }
      }),
      { numRuns: 60, seed: 11_2 },
    );
  });
});
