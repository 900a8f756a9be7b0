import { readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { evaluate } from "../../src/evaluate/evaluate.js";
import type { Policy } from "../../src/policy/model.js";
import { NOW, approval, comment, modified, prFacts } from "../helpers/facts.js";
import { explainRange } from "../helpers/git-repo.js";
import { policyFrom } from "../helpers/policy.js";

/**
 * Issue 11 §2 end to end: the chat-backend preset on a NestJS service's own
 * files — DTOs with class-validator and Swagger decorators, an API module's
 * interfaces, a Socket.IO gateway, package.json — in the layouts of
 * test/presets/real-layouts.test.ts (src/<module>/, apps/api/src/, packages/),
 * through the CLI as a user runs it (`explain --json` on a git range), and
 * through the evaluation with roles bound for who signs when. Each scenario
 * names the line of ../shared/seeds/000 it enforces.
 */

const nest = (name: string) =>
  readFileSync(new URL(`../fixtures/changes/nestjs/${name}`, import.meta.url), "utf8");
const DTO = nest("create-message.dto.ts");
const RESPONSE = nest("message-response.dto.ts");
const INTERFACES = nest("chat.interface.ts");
const GATEWAY = nest("chat.gateway.ts");
const SOCKET_SERVER = nest("socket-server.ts");

function edit(text: string, from: string, to: string): string {
  expect(text).toContain(from);
  return text.replace(from, to);
}
const requirementsOf = (json: Awaited<ReturnType<typeof explainRange>>) =>
  json.requirements.map((r) => [r.id, r.level, r.roles]);
const kindsByArea = (json: Awaited<ReturnType<typeof explainRange>>) =>
  json.areas.map((a) => [a.id, a.changes.map((c) => c.kind)]);

const withoutReplyTo = edit(
  DTO,
  '  @ApiPropertyOptional({ format: "uuid", description: "The message this one replies to" })\n  @IsOptional()\n  @IsUUID()\n  replyToId?: string;\n',
  "",
);

describe("line 47: breaking changes (removing fields, changing types) need Tech Architect + Product Owner, in code as in OpenAPI", () => {
  it.each(["src/chat/dto/create-message.dto.ts", "apps/api/src/chat/dto/send-message.dto.ts"])(
    "a field removed from the request DTO %s → level 3",
    async (path) => {
      const json = await explainRange("chat-backend", { [path]: DTO }, { [path]: withoutReplyTo });
      expect(kindsByArea(json)).toEqual([["http-api", ["api-breaking"]]]);
      expect(json.areas[0]!.changes[0]!.detail).toBe(
        "field replyToId removed from class CreateMessageDto (a request type)",
      );
      expect(requirementsOf(json)).toEqual([
        ["http-api/api-breaking", 3, ["tech-architect", "product-owner"]],
      ]);
      expect(json.conclusion).toBe("failure");
    },
  );

  it("a response DTO's field retyped (createdAt Date → number) → level 3", async () => {
    const path = "src/chat/dto/message-response.dto.ts";
    const json = await explainRange(
      "chat-backend",
      { [path]: RESPONSE },
      { [path]: edit(RESPONSE, "  createdAt: Date;", "  createdAt: number;") },
    );
    expect(json.areas[0]!.changes.map((c) => c.detail)).toEqual([
      "field createdAt of class MessageResponseDto retyped: Date → number",
    ]);
    expect(requirementsOf(json)).toEqual([
      ["http-api/api-breaking", 3, ["tech-architect", "product-owner"]],
    ]);
  });

  it.each(["src/chat/interfaces/chat.interface.ts", "packages/contracts/src/chat.ts"])(
    "an exported interface's field removed in %s, which no area's paths match, still reaches them (line 17: no orphaned API)",
    async (path) => {
      const json = await explainRange(
        "chat-backend",
        { [path]: INTERFACES },
        { [path]: edit(INTERFACES, "  memberCount: number;\n", "") },
      );
      expect(json.areas.map((a) => [a.id, a.files])).toEqual([["http-api", [path]]]);
      expect(requirementsOf(json)).toEqual([
        ["http-api/api-breaking", 3, ["tech-architect", "product-owner"]],
      ]);
      expect(json.problems.map((p) => p.message)).toContain(
        `1 changed file no area's paths match, owned only through what changed: ${path} (http-api: api-breaking)`,
      );
    },
  );

  it("lines 46 and 239: a new optional field is additive — level 1, nothing to sign", async () => {
    const path = "src/chat/dto/create-message.dto.ts";
    const head = edit(
      DTO,
      "  content: string;\n",
      '  content: string;\n\n  @ApiPropertyOptional({ description: "Client-side id, echoed back" })\n  @IsOptional()\n  @IsString()\n  clientNonce?: string;\n',
    );
    const json = await explainRange("chat-backend", { [path]: DTO }, { [path]: head });
    expect([json.level, json.requirements, json.conclusion]).toEqual([1, [], "success"]);
  });

  it("a DTO the document's reviewers cannot read (syntax error) is assumed breaking, and says why", async () => {
    const path = "src/chat/dto/create-message.dto.ts";
    const json = await explainRange(
      "chat-backend",
      { [path]: DTO },
      { [path]: edit(DTO, "  roomId: string;", "  roomId: string =;") },
    );
    expect(json.areas[0]!.changes.map((c) => [c.kind, c.detail])).toEqual([
      [
        "api-breaking",
        "could not compare the contracts it declares (the head version has a syntax error at line 36: Expression expected.); assuming a breaking change",
      ],
    ]);
    expect(requirementsOf(json)).toEqual([
      ["http-api/api-breaking", 3, ["tech-architect", "product-owner"]],
    ]);
  });
});

describe("line 67: event schema changes are the Backend Lead's, with Frontend consultation", () => {
  it.each(["src/chat/chat.gateway.ts", "apps/api/src/websocket/presence.gateway.ts"])(
    "an emitted event renamed in %s → level 2, backend-lead, frontend consulted",
    async (path) => {
      const json = await explainRange(
        "chat-backend",
        { [path]: GATEWAY },
        { [path]: edit(GATEWAY, '"message:new"', '"message:created"') },
      );
      expect(kindsByArea(json)).toEqual([["socket-gateway", ["event-schema"]]]);
      expect(requirementsOf(json)).toEqual([["socket-gateway/event-schema", 2, ["backend-lead"]]]);
      // The area consults the frontend team; the rule waits for the Frontend Lead's input.
      expect(json.consulted).toEqual(["frontend-lead", "frontend-team"]);
    },
  );

  it("a handler's @MessageBody DTO changed → the same", async () => {
    const path = "src/chat/chat.gateway.ts";
    const json = await explainRange(
      "chat-backend",
      { [path]: GATEWAY },
      {
        [path]: edit(
          GATEWAY,
          "@MessageBody() dto: CreateMessageDto",
          "@MessageBody() dto: SendMessageDto",
        ),
      },
    );
    expect(json.areas[0]!.changes.map((c) => c.detail)).toEqual([
      "payload of event 'message:send' (client → server) changed: CreateMessageDto → SendMessageDto",
    ]);
    expect(requirementsOf(json)).toEqual([["socket-gateway/event-schema", 2, ["backend-lead"]]]);
  });

  it("a Socket.IO server where no glob looks (server/realtime/presence.ts) still reaches the gateway's owner", async () => {
    const path = "server/realtime/presence.ts";
    const head = edit(
      SOCKET_SERVER,
      "(payload: { userId: string; online: boolean })",
      '(payload: { userId: string; status: "online" | "offline" })',
    );
    const json = await explainRange("chat-backend", { [path]: SOCKET_SERVER }, { [path]: head });
    expect(json.areas.map((a) => [a.id, a.files])).toEqual([["socket-gateway", [path]]]);
    expect(requirementsOf(json)).toEqual([["socket-gateway/event-schema", 2, ["backend-lead"]]]);
  });

  it("a new event is additive: level 1 in the gateway", async () => {
    const path = "src/chat/chat.gateway.ts";
    const head = edit(
      GATEWAY,
      "  notifyDeleted(",
      '  notifyPinned(roomId: string, messageId: string) {\n    this.server.to(roomId).emit("message:pinned", { roomId, messageId });\n  }\n\n  notifyDeleted(',
    );
    const json = await explainRange("chat-backend", { [path]: GATEWAY }, { [path]: head });
    expect([json.level, json.requirements]).toEqual([1, []]);
  });

  describe("who signs, with roles bound: the Backend Lead's approval counts once Frontend has given input", () => {
    let policy: Policy;
    beforeAll(async () => {
      policy = await policyFrom(`extends: chat-backend
roles:
  backend-lead: { users: [bea] }
  backend-team: { users: [bo] }
  frontend-team: { users: [fern] }
  frontend-lead: { users: [flo] }
  tech-architect: { users: [tara] }
  product-owner: { users: [priya] }
`);
    });
    const renamed = modified(
      "src/chat/chat.gateway.ts",
      GATEWAY,
      edit(GATEWAY, '"typing"', '"typing:start"'),
    );

    it("Frontend commented, then the Backend Lead approved → success", () => {
      const d = evaluate(
        policy,
        prFacts([renamed], {
          reviews: [approval("bea", "2026-11-23T11:00:00Z")],
          comments: [comment("fern", "Web client updated in web#812", "2026-11-23T10:30:00Z")],
        }),
        NOW,
      );
      expect(d.requirements.map((r) => [r.id, r.satisfied])).toEqual([
        ["socket-gateway/event-schema", true],
      ]);
      expect(d.conclusion).toBe("success");
    });

    it("the Backend Lead alone → waiting for Frontend's input; an approval before that input must be given again", () => {
      const alone = evaluate(policy, prFacts([renamed], { reviews: [approval("bea")] }), NOW);
      expect(alone.conclusion).toBe("failure");
      expect(alone.requirements[0]!.notes).toContain(
        "waiting for input from frontend-team, frontend-lead before an approval can count",
      );
      const early = evaluate(
        policy,
        prFacts([renamed], {
          reviews: [approval("bea", "2026-11-23T10:15:00Z")],
          comments: [comment("flo", "fine for web", "2026-11-23T11:00:00Z")],
        }),
        NOW,
      );
      expect(early.conclusion).toBe("failure");
      expect(early.requirements[0]!.notes).toContain(
        "an approval came before frontend-team, frontend-lead gave input; approve again after it",
      );
    });

    it("Frontend's approval alone is input, not the decision", () => {
      const d = evaluate(policy, prFacts([renamed], { reviews: [approval("fern")] }), NOW);
      expect(d.conclusion).toBe("failure");
      expect(d.requirements[0]!.missing).toEqual([{ roles: ["backend-lead"], count: 1 }]);
    });
  });
});

describe("line 69: protocol upgrades (Socket.IO v4 → v5) need the Tech Architect", () => {
  const manifest = (versions: Record<string, string>) =>
    `${JSON.stringify({ name: "@acme/chat-api", version: "2.3.0", private: true, dependencies: { "@nestjs/common": "^10.4.15", "@nestjs/core": "^10.4.15", "class-validator": "^0.14.1", ...versions } }, null, 2)}\n`;

  it("socket.io ^4.8.1 → ^5.0.0 → level 3: the major's joint approval (line 255) and the Tech Architect after Frontend Lead input (line 64)", async () => {
    const json = await explainRange(
      "chat-backend",
      { "package.json": manifest({ "socket.io": "^4.8.1" }) },
      { "package.json": manifest({ "socket.io": "^5.0.0" }) },
    );
    expect(kindsByArea(json)).toEqual([["dependencies", ["dependency-major", "protocol-upgrade"]]]);
    expect(requirementsOf(json)).toEqual([
      ["dependencies/dependency-major", 3, ["backend-lead", "tech-architect"]],
      ["dependencies/protocol-upgrade", 3, ["tech-architect"]],
    ]);
  });

  it("with roles bound: the Tech Architect's approval counts once the Frontend Lead has given input on client compatibility", async () => {
    const policy = await policyFrom(`extends: chat-backend
roles:
  backend-lead: { users: [bea] }
  frontend-lead: { users: [flo] }
  tech-architect: { users: [tara] }
`);
    const upgrade = modified(
      "package.json",
      manifest({ "socket.io": "^4.8.1" }),
      manifest({ "socket.io": "^5.0.0" }),
    );
    const without = evaluate(
      policy,
      prFacts([upgrade], { reviews: [approval("bea"), approval("tara")] }),
      NOW,
    );
    expect(without.requirements.map((r) => [r.id, r.satisfied])).toEqual([
      ["dependencies/dependency-major", true],
      ["dependencies/protocol-upgrade", false],
    ]);
    expect(without.requirements[1]!.notes).toContain(
      "waiting for input from frontend-lead before an approval can count",
    );
    const consulted = evaluate(
      policy,
      prFacts([upgrade], {
        reviews: [approval("bea"), approval("tara")],
        comments: [
          comment(
            "flo",
            "web and mobile clients are on socket.io-client 5",
            "2026-11-23T10:30:00Z",
          ),
        ],
      }),
      NOW,
    );
    expect(consulted.conclusion).toBe("success");
  });

  it("@nestjs/platform-socket.io 10 → 11 in apps/api/package.json is one too", async () => {
    const path = "apps/api/package.json";
    const json = await explainRange(
      "chat-backend",
      { [path]: manifest({ "@nestjs/platform-socket.io": "^10.4.15" }) },
      { [path]: manifest({ "@nestjs/platform-socket.io": "^11.0.11" }) },
    );
    expect(requirementsOf(json)).toContainEqual([
      "dependencies/protocol-upgrade",
      3,
      ["tech-architect"],
    ]);
  });

  it("a Socket.IO minor (4.8.1 → 4.8.3) is a minor upgrade (line 248), not a protocol upgrade", async () => {
    const json = await explainRange(
      "chat-backend",
      { "package.json": manifest({ "socket.io": "^4.8.1" }) },
      { "package.json": manifest({ "socket.io": "^4.8.3" }) },
    );
    expect(requirementsOf(json)).toEqual([["dependencies/dependency-update", 2, ["backend-lead"]]]);
  });
});
