import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { openApiDetector } from "../../src/changes/openapi.js";
import type { ChangedFile, DetectionResult, DetectorSettings } from "../../src/changes/types.js";

const SETTINGS: DetectorSettings = {
  cost: { cpuMonth: 30, memoryGiBMonth: 4, threshold: 500, currency: "USD" },
};

function fixture(name: string): string {
  return readFileSync(new URL(`../fixtures/changes/openapi/${name}`, import.meta.url), "utf8");
}

function detect(file: Partial<ChangedFile> & Pick<ChangedFile, "status">): DetectionResult {
  return openApiDetector.detect({ path: "api/openapi.yaml", ...file }, SETTINGS);
}

function modified(base: string, head: string): DetectionResult {
  return detect({ status: "modified", base, head });
}

function details(result: DetectionResult, kind?: string): string[] {
  return result.findings.filter((f) => kind === undefined || f.kind === kind).map((f) => f.detail);
}

/** 1-based line of the first line containing `needle` at or after line `from`. */
function lineOf(text: string, needle: string, from = 1): number {
  const index = text.split("\n").findIndex((l, i) => i + 1 >= from && l.includes(needle));
  if (index < 0) throw new Error(`fixture has no line containing ${needle}`);
  return index + 1;
}

/** `text` with `from` replaced; throws when nothing matched, so a negative case can't pass vacuously. */
function edit(text: string, from: string | RegExp, to: string): string {
  const result = text.replace(from, to);
  if (result === text) throw new Error(`edit did not apply: ${String(from)}`);
  return result;
}

/** Everything chat-api.head-breaking changes that a client of 1.4.0 would notice. */
const CHAT_BREAKING = [
  'GET /users response field "data[].email" removed',
  'POST /users request field "tenantId" is newly required',
  'POST /users response field "email" removed',
  'GET /users/{userId} response field "email" removed',
  'PATCH /users/{userId} response field "email" removed',
  "DELETE /users/{userId} removed",
  'GET /channels query parameter "workspaceId" is newly required',
  'GET /channels response field "createdBy.email" removed',
  'POST /channels request field "isPrivate" became required',
  'POST /channels response field "createdBy.email" removed',
  'GET /channels/{channelId}/messages response field "data[].attachments[].sizeBytes" changed type integer → string',
  'GET /channels/{channelId}/messages response field "data[].author.email" removed',
  'POST /channels/{channelId}/messages request field "attachments[].caption" became required',
  "POST /channels/{channelId}/messages response 201 removed",
  "DELETE /channels/{channelId}/messages/{messageId} removed",
];

describe("openApiDetector.appliesTo", () => {
  it.each([
    "openapi.yaml",
    "openapi.yml",
    "openapi.json",
    "swagger.json",
    "docs/swagger.yaml",
    "api/openapi.v1.yaml",
    "services/chat/chat.openapi.yaml",
    "specs/public-openapi.json",
  ])("reads %s", (path) => {
    expect(openApiDetector.appliesTo(path)).toBe(true);
  });

  it.each([
    "src/openapi.ts",
    "src/openapi/generate.ts",
    "api/myopenapi.yaml",
    "docs/api.yaml",
    "openapi.yaml.bak",
    "openapi/README.md",
  ])("ignores %s", (path) => {
    expect(openApiDetector.appliesTo(path)).toBe(false);
  });

  it("declares its kinds, most severe first, and needs content", () => {
    expect(openApiDetector.id).toBe("openapi");
    expect(openApiDetector.kinds).toEqual(["api-breaking", "endpoint-added"]);
    expect(openApiDetector.needsContent).toBe(true);
  });
});

describe("openApiDetector on the chat service API (OpenAPI 3.0, YAML)", () => {
  const base = fixture("chat-api.base.yaml");

  it("reports every breaking change of the 2.0.0 head, and nothing else", () => {
    const result = modified(base, fixture("chat-api.head-breaking.yaml"));
    expect(result.problems).toEqual([]);
    expect(
      result.findings.every((f) => f.kind === "api-breaking" && f.conservative === undefined),
    ).toBe(true);
    expect(details(result).sort()).toEqual([...CHAT_BREAKING].sort());
  });

  it("does not call the optional response field it adds (User.pronouns) breaking", () => {
    const result = modified(base, fixture("chat-api.head-breaking.yaml"));
    expect(details(result).filter((d) => d.includes("pronouns"))).toEqual([]);
  });

  it("gives removed operations their base line and changed operations their head line", () => {
    const head = fixture("chat-api.head-breaking.yaml");
    const result = modified(base, head);
    const removed = result.findings.find((f) => f.detail === "DELETE /users/{userId} removed");
    expect(removed?.line).toBe(lineOf(base, "operationId: deactivateUser") - 2);
    const retyped = result.findings.find((f) =>
      f.detail.startsWith('POST /users request field "tenantId"'),
    );
    expect(retyped?.line).toBe(lineOf(head, "operationId: createUser") - 2);
  });

  it("finds only the added endpoints in a compatible head (reordered paths, renamed template, optional fields)", () => {
    const head = fixture("chat-api.head-compatible.yaml");
    const result = modified(base, head);
    expect(result.problems).toEqual([]);
    expect(details(result, "api-breaking")).toEqual([]);
    expect(details(result, "endpoint-added")).toEqual([
      "PATCH /channels/{channelId}/messages/{messageId} added",
      "GET /channels/{channelId}/members added",
      "POST /channels/{channelId}/members added",
    ]);
    const edit = result.findings.find((f) => f.detail.startsWith("PATCH"));
    expect(edit?.line).toBe(lineOf(head, "operationId: editMessage") - 2);
  });

  it("finds nothing when the document did not change", () => {
    expect(modified(base, base)).toEqual({ findings: [], problems: [] });
  });
});

describe("openApiDetector on the JSON variant", () => {
  it("reads JSON (tab-indented at head) like YAML", () => {
    const head = fixture("chat-api.head-breaking.json");
    const result = detect({
      path: "api/openapi.json",
      status: "modified",
      base: fixture("chat-api.base.json"),
      head,
    });
    expect(result.problems).toEqual([]);
    expect(details(result).sort()).toEqual([...CHAT_BREAKING].sort());
    const createUser = result.findings.find((f) => f.detail.startsWith("POST /users request"));
    expect(createUser?.line).toBe(lineOf(head, '"post": {', lineOf(head, '"/users": {')));
  });
});

describe("openApiDetector on a Swagger 2.0 petstore", () => {
  it("follows #/definitions, body and formData parameters and plain response schemas", () => {
    const result = detect({
      path: "petstore/swagger.yaml",
      status: "modified",
      base: fixture("petstore.swagger.base.yaml"),
      head: fixture("petstore.swagger.head.yaml"),
    });
    expect(result.problems).toEqual([]);
    expect(details(result, "api-breaking").sort()).toEqual(
      [
        'POST /pet request field "category" became required',
        'POST /pet response field "tags" removed',
        'PUT /pet request field "category" became required',
        'PUT /pet response field "tags" removed',
        'GET /pet/findByStatus response field "tags" removed',
        'GET /pet/{petId} response field "tags" removed',
        'POST /pet/{petId} formData parameter "name" became required',
        "DELETE /pet/{petId} removed",
        'GET /store/order/{orderId} response field "quantity" changed type integer → number',
      ].sort(),
    );
    expect(details(result, "endpoint-added")).toEqual(["POST /pet/{petId}/uploadImage added"]);
  });
});

describe("openApiDetector on added and removed documents", () => {
  const petstore = fixture("petstore.swagger.base.yaml");
  const operations = [
    "POST /pet",
    "PUT /pet",
    "GET /pet/findByStatus",
    "GET /pet/{petId}",
    "POST /pet/{petId}",
    "DELETE /pet/{petId}",
    "GET /store/order/{orderId}",
  ];

  it("reports every operation of a new document as an added endpoint", () => {
    const result = detect({ status: "added", base: null, head: petstore });
    expect(result.findings.map((f) => [f.kind, f.detail])).toEqual(
      operations.map((o) => ["endpoint-added", `${o} added`]),
    );
  });

  it("treats an added file whose base was not loaded as new", () => {
    const result = detect({ status: "added", head: petstore });
    expect(details(result, "endpoint-added")).toHaveLength(operations.length);
    expect(result.problems).toEqual([]);
  });

  it("reports every operation of a removed document as breaking, at its base line", () => {
    const result = detect({ status: "removed", base: petstore, head: null });
    expect(result.findings.map((f) => [f.kind, f.detail])).toEqual(
      operations.map((o) => ["api-breaking", `${o} removed`]),
    );
    expect(result.findings[0]?.line).toBe(lineOf(petstore, "operationId: addPet") - 3);
  });
});

describe("openApiDetector on unreadable documents", () => {
  const base = fixture("chat-api.base.yaml");

  it("turns a YAML syntax error into a problem and a conservative breaking finding", () => {
    const broken = edit(
      base,
      "      tags: [users]\n      operationId: listUsers",
      "      tags: [users\n      operationId: listUsers",
    );
    const result = modified(base, broken);
    expect(result.findings).toHaveLength(1);
    expect(result.findings[0]).toMatchObject({
      kind: "api-breaking",
      conservative: true,
      path: "api/openapi.yaml",
    });
    expect(result.findings[0]?.detail).toMatch(
      /^could not read the OpenAPI document \(head: .*line \d+/,
    );
    expect(result.problems).toHaveLength(1);
    expect(result.problems[0]).toMatchObject({ path: "api/openapi.yaml", detector: "openapi" });
    expect(result.problems[0]?.message).toContain("head:");
  });

  it("refuses a document that is not a mapping", () => {
    const result = modified("- just\n- a list\n", base);
    expect(result.findings).toEqual([
      {
        kind: "api-breaking",
        path: "api/openapi.yaml",
        detail:
          "could not read the OpenAPI document (base: the document is not a mapping); assuming a breaking API change",
        conservative: true,
      },
    ]);
    expect(result.problems.map((p) => p.message)).toEqual([
      "cannot parse OpenAPI document, base: the document is not a mapping",
    ]);
  });

  it("reports both sides when neither parses", () => {
    const result = modified("openapi: [", "paths: {");
    expect(result.findings).toHaveLength(1);
    expect(result.problems.map((p) => p.message.split(":")[0])).toEqual([
      "cannot parse OpenAPI document, base",
      "cannot parse OpenAPI document, head",
    ]);
  });

  it("treats an empty document as an API without operations", () => {
    const result = modified("", fixture("petstore.swagger.base.yaml"));
    expect(result.problems).toEqual([]);
    expect(details(result, "endpoint-added")).toHaveLength(7);
  });

  it("does not throw on odd but valid YAML", () => {
    const odd = [
      "openapi: 3.0.0\npaths: 42\n",
      "openapi: 3.0.0\npaths:\n  /x: just a string\n  /y:\n    get: [1, 2]\n",
      "openapi: 3.0.0\npaths:\n  /x:\n    get:\n      responses:\n        '200':\n          content:\n            application/json:\n              schema:\n                $ref: 'other.yaml#/User'\n",
      "openapi: 3.0.0\npaths:\n  /x:\n    get:\n      parameters: [{ $ref: '#/nowhere' }, 7, null]\n      responses: {'200': {$ref: '#/components/responses/Missing'}}\n",
    ];
    for (const a of odd) for (const b of odd) expect(() => modified(a, b)).not.toThrow();
  });
});

/** A small OpenAPI 3 document around one operation, for focused cases. */
function doc(operation: string, schemas = ""): string {
  return `openapi: 3.1.0
info: { title: Reactions, version: 1.0.0 }
paths:
  /messages/{messageId}/reactions:
    parameters:
      - { name: messageId, in: path, required: true, schema: { type: string } }
    post:
${operation
  .split("\n")
  .map((l) => (l === "" ? l : `      ${l}`))
  .join("\n")}
components:
  schemas:
${schemas
  .split("\n")
  .map((l) => (l === "" ? l : `    ${l}`))
  .join("\n")}
`;
}

const REACTION_OP = `requestBody:
  content:
    application/json:
      schema: { $ref: '#/components/schemas/NewReaction' }
responses:
  '201':
    description: Created
    content:
      application/json:
        schema: { $ref: '#/components/schemas/Reaction' }
  '429':
    description: Too many reactions
    content:
      application/json:
        schema: { $ref: '#/components/schemas/Error' }`;

const REACTION_SCHEMAS = `NewReaction:
  type: object
  required: [emoji]
  properties:
    emoji: { type: string }
    skinTone: { type: integer }
Reaction:
  type: object
  required: [id, emoji]
  properties:
    id: { type: string, readOnly: true }
    emoji: { type: string }
    count: { type: [integer, "null"] }
    users:
      type: array
      items: { $ref: '#/components/schemas/ReactionUser' }
ReactionUser:
  type: object
  properties:
    handle: { type: string }
    lastReaction: { $ref: '#/components/schemas/Reaction' }
Error:
  type: object
  properties:
    code: { type: string }
    retryAfter: { type: integer }`;

describe("openApiDetector on focused request/response changes", () => {
  const base = doc(REACTION_OP, REACTION_SCHEMAS);
  const label = "POST /messages/{messageId}/reactions";

  it("is not bothered by an optional request field or an optional response field being added", () => {
    const head = doc(
      REACTION_OP,
      edit(
        edit(
          REACTION_SCHEMAS,
          "    skinTone: { type: integer }",
          "    skinTone: { type: integer }\n    note: { type: string }",
        ),
        '    count: { type: [integer, "null"] }',
        '    count: { type: [integer, "null"] }\n    firstAt: { type: string, format: date-time }',
      ),
    );
    expect(modified(base, head).findings).toEqual([]);
  });

  it("flags an optional request field becoming required, and a new required one", () => {
    const head = doc(
      REACTION_OP,
      edit(REACTION_SCHEMAS, "required: [emoji]", "required: [emoji, skinTone, source]"),
    );
    expect(details(modified(base, head))).toEqual([
      `${label} request field "skinTone" became required`,
      `${label} request field "source" is newly required`,
    ]);
  });

  it("ignores readOnly properties becoming required (they are never sent)", () => {
    const withReadOnly = edit(
      REACTION_SCHEMAS,
      "    skinTone: { type: integer }",
      "    skinTone: { type: integer }\n    createdAt: { type: string, readOnly: true }",
    );
    const before = doc(REACTION_OP, withReadOnly);
    const after = doc(
      REACTION_OP,
      edit(withReadOnly, "required: [emoji]", "required: [emoji, createdAt]"),
    );
    expect(modified(before, after).findings).toEqual([]);
  });

  it("ignores writeOnly properties leaving a response schema (clients never received them)", () => {
    const withWriteOnly = edit(
      REACTION_SCHEMAS,
      "    emoji: { type: string }\n    count:",
      "    emoji: { type: string }\n    clientNonce: { type: string, writeOnly: true }\n    count:",
    );
    expect(modified(doc(REACTION_OP, withWriteOnly), base).findings).toEqual([]);
    const withPlain = edit(
      REACTION_SCHEMAS,
      "    emoji: { type: string }\n    count:",
      "    emoji: { type: string }\n    clientNonce: { type: string }\n    count:",
    );
    expect(details(modified(doc(REACTION_OP, withPlain), base))).toEqual([
      `${label} response field "clientNonce" removed`,
    ]);
  });

  it("flags a request body that becomes required, and a new required one, but not a new optional one", () => {
    const withoutBody = doc(
      edit(REACTION_OP, /^requestBody:[\s\S]*?(?=^responses:)/m, ""),
      REACTION_SCHEMAS,
    );
    expect(
      details(
        modified(
          base,
          doc(
            edit(REACTION_OP, "requestBody:\n", "requestBody:\n  required: true\n"),
            REACTION_SCHEMAS,
          ),
        ),
      ),
    ).toEqual([`${label} request body became required`]);
    expect(
      details(
        modified(
          withoutBody,
          doc(
            edit(REACTION_OP, "requestBody:\n", "requestBody:\n  required: true\n"),
            REACTION_SCHEMAS,
          ),
        ),
      ),
    ).toEqual([`${label} request body is newly required`]);
    expect(modified(withoutBody, base).findings).toEqual([]);
  });

  it("follows a recursive schema without looping and reports the change once", () => {
    const head = doc(REACTION_OP, edit(REACTION_SCHEMAS, "    handle: { type: string }\n", ""));
    expect(details(modified(base, head))).toEqual([
      `${label} response field "users[].handle" removed`,
    ]);
  });

  it("survives a schema that refers to itself", () => {
    const selfRef = `${REACTION_SCHEMAS}\nLoop: { $ref: '#/components/schemas/Loop' }`;
    const op = edit(
      REACTION_OP,
      "schema: { $ref: '#/components/schemas/Reaction' }",
      "schema: { $ref: '#/components/schemas/Loop' }",
    );
    expect(modified(doc(op, selfRef), doc(op, selfRef)).findings).toEqual([]);
  });

  it("ignores nullability but not a change of type", () => {
    const nonNull = doc(
      REACTION_OP,
      edit(REACTION_SCHEMAS, 'count: { type: [integer, "null"] }', "count: { type: integer }"),
    );
    expect(modified(base, nonNull).findings).toEqual([]);
    const retyped = doc(
      REACTION_OP,
      edit(
        REACTION_SCHEMAS,
        'count: { type: [integer, "null"] }',
        'count: { type: ["null", string] }',
      ),
    );
    expect(details(modified(base, retyped))).toEqual([
      `${label} response field "count" changed type integer → string`,
    ]);
  });

  it("names the status of a non-success response whose body changed, and ignores its removal", () => {
    const changedError = doc(
      REACTION_OP,
      edit(
        REACTION_SCHEMAS,
        "    retryAfter: { type: integer }",
        "    retryAfter: { type: string }",
      ),
    );
    expect(details(modified(base, changedError))).toEqual([
      `${label} 429 response field "retryAfter" changed type integer → string`,
    ]);
    const noError = doc(edit(REACTION_OP, /^ {2}'429':[\s\S]*$/m, "").trimEnd(), REACTION_SCHEMAS);
    expect(modified(base, noError).findings).toEqual([]);
  });

  it("flags a success response that lost its body", () => {
    const noBody = doc(
      edit(
        REACTION_OP,
        "    description: Created\n    content:\n      application/json:\n        schema: { $ref: '#/components/schemas/Reaction' }",
        "    description: Created",
      ),
      REACTION_SCHEMAS,
    );
    expect(details(modified(base, noBody))).toEqual([`${label} response 201 no longer has a body`]);
  });

  it("treats header parameter names case-insensitively", () => {
    const optional = doc(
      `parameters:\n  - { name: X-Workspace-Id, in: header, schema: { type: string } }\n${REACTION_OP}`,
      REACTION_SCHEMAS,
    );
    const required = doc(
      `parameters:\n  - { name: x-workspace-id, in: header, required: true, schema: { type: string } }\n${REACTION_OP}`,
      REACTION_SCHEMAS,
    );
    expect(details(modified(optional, required))).toEqual([
      `${label} header parameter "x-workspace-id" became required`,
    ]);
    expect(modified(required, optional).findings).toEqual([]);
  });
});

const NOT_LOADED =
  "its content at base and head could not be loaded (GitHub gives no text for binary or very large files); keep the file text (no NUL bytes) and small enough for GitHub to return it";

describe("openApiDetector without content (patch only)", () => {
  it("finds added operations and ignores moved paths and renamed templates, and still assumes a breaking change", () => {
    const result = detect({ status: "modified", patch: fixture("chat-api.head-compatible.patch") });
    // The patch cannot show a field removed from a schema the hunks do not reach.
    expect(result.findings.filter((f) => f.kind === "api-breaking")).toEqual([
      {
        kind: "api-breaking",
        path: "api/openapi.yaml",
        detail: `could not compare the documents (${NOT_LOADED}); a patch cannot show removed fields or newly required parameters, so assuming a breaking API change`,
        conservative: true,
      },
    ]);
    expect(details(result, "endpoint-added")).toEqual([
      "PATCH operation (path outside the patch) added",
      "GET /channels/{channelId}/members added",
      "POST /channels/{channelId}/members added",
    ]);
    expect(result.problems).toEqual([
      { path: "api/openapi.yaml", detector: "openapi", message: NOT_LOADED },
    ]);
  });

  it("flags removed operations conservatively, with their base lines", () => {
    // Head loaded but base not: still patch-only. Field-level changes are invisible here.
    const base = fixture("chat-api.base.yaml");
    const result = detect({
      status: "modified",
      head: fixture("chat-api.head-breaking.yaml"),
      patch: fixture("chat-api.head-breaking.patch"),
    });
    expect(result.findings).toEqual([
      {
        kind: "api-breaking",
        path: "api/openapi.yaml",
        detail: "DELETE operation (path outside the patch) removed",
        line: lineOf(base, "operationId: deactivateUser") - 2,
        conservative: true,
      },
      {
        kind: "api-breaking",
        path: "api/openapi.yaml",
        detail: "DELETE /channels/{channelId}/messages/{messageId} removed",
        line: lineOf(base, "operationId: deleteMessage") - 2,
        conservative: true,
      },
    ]);
    expect(result.problems).toHaveLength(1);
  });

  it("sees an operation moved to another path as a removal and an addition", () => {
    const result = detect({ status: "modified", patch: fixture("moved-operation.patch") });
    expect(result.findings.map((f) => [f.kind, f.detail])).toEqual([
      ["api-breaking", "DELETE /channels/{channelId}/pins removed"],
      ["endpoint-added", "DELETE /channels/{channelId}/pins/{messageId} added"],
    ]);
  });

  it("reads quoted JSON keys", () => {
    const result = detect({
      path: "openapi.json",
      status: "modified",
      patch: fixture("json-keys.patch"),
    });
    expect(details(result)).toEqual(["GET /users/{userId}/sessions removed"]);
  });

  it("assumes the worst when there is neither content nor patch", () => {
    const result = detect({ status: "modified" });
    expect(result.findings).toHaveLength(1);
    expect(result.findings[0]).toMatchObject({ kind: "api-breaking", conservative: true });
    expect(result.problems[0]?.message).toBe(NOT_LOADED);
  });

  it("reads nothing into a pure rename, and assumes the worst of one it cannot see (a binary file counts 0 lines)", () => {
    const moved = {
      status: "renamed" as const,
      previousPath: "openapi.yaml",
      additions: 0,
      deletions: 0,
      changes: 0,
    };
    const spec = fixture("chat-api.base.yaml");
    expect(detect({ ...moved, base: spec, head: spec })).toEqual({ findings: [], problems: [] });
    expect(detect(moved).findings).toMatchObject([{ kind: "api-breaking", conservative: true }]);
    expect(detect({ ...moved, changes: 12 }).findings).toMatchObject([
      { kind: "api-breaking", conservative: true },
    ]);
  });
});
