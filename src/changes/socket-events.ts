/**
 * Socket.IO event contracts: which events a server listens to and emits, and
 * what their payloads are declared as. A client built against yesterday's
 * events breaks when one is renamed or removed, or its payload changes type,
 * as surely as when a REST field goes; the chat-backend document calls this an
 * event-schema change (Backend Lead, with Frontend consulted).
 *
 * Base and head are parsed with the TypeScript compiler (typescript-source.ts,
 * which reads JavaScript too) and every event is collected, by direction:
 * - client → server: `@SubscribeMessage('x')` handlers (payload: the type of the
 *   `@MessageBody()` parameter), `socket.on('x', (payload: T) => …)` and `.once`;
 * - server → client: `.emit('x', payload)` on a socket, server or namespace
 *   (`server`, `this.server`, `client`, `socket`, `io`, `nsp`, `*Socket`,
 *   `*Server`, also through `.to(room)`, `.in()`, `.except()`, `.broadcast`,
 *   `.volatile`, `.timeout()`), and a handler's `return { event: 'x', data }`;
 *   the payload is its declared type (`as T`/`satisfies T`, the annotation of the
 *   variable or parameter passed, the keys of an object literal);
 * - both, from Socket.IO's typed-events interfaces (`ServerToClientEvents`,
 *   `ClientToServerEvents`), whose members are the events' signatures.
 * `event-schema`: an event gone in a direction (named with the events that
 * appeared, a likely rename), a payload declared differently, a gateway's
 * `namespace` or `path` changed (every event moves). New events are additions.
 * Socket.IO's reserved events (`connection`, `disconnect`, …) are the connection
 * lifecycle, not a contract. An event named by an expression (`Events.NEW`) is
 * identified by that expression. Other emitters (`this.eventEmitter.emit`) are not
 * sockets and are ignored.
 *
 * A file that cannot be read is `event-schema`, conservative, with the reason.
 */
import type TS from "typescript";
import type { ChangedFile, DetectionResult, Detector, Finding } from "./types.js";
import { parseSource, type ParsedSource } from "./typescript-source.js";
import { unreadContent } from "./unread.js";

const DETECTOR_ID = "socket-events";

const SCRIPT_FILE = /\.[cm]?[jt]s$/i;
const TEST_FILE =
  /(?:^|\/)(?:__tests__|__mocks__|test|tests|e2e)\/|\.(?:spec|test|e2e-spec|d)\.[cm]?[jt]s$/i;
/** `chat.gateway.ts`, `socket.ts`, `chat-socket.ts`, `websocket.js`, `socket-events.ts`. */
const SOCKET_NAME =
  /(?:^|[.\-_])(?:gateway|socket|sockets|websocket|websockets)(?:[.\-_]?events)?\.[cm]?[jt]s$/i;
const SOCKET_DIR = new Set([
  "socket",
  "sockets",
  "websocket",
  "websockets",
  "ws",
  "gateway",
  "gateways",
  "realtime",
  "socket.io",
  "socketio",
]);

export function isSocketFile(path: string): boolean {
  if (!SCRIPT_FILE.test(path) || TEST_FILE.test(path)) return false;
  const segments = path.split("/");
  return (
    SOCKET_NAME.test(segments[segments.length - 1] ?? "") ||
    segments.slice(0, -1).some((d) => SOCKET_DIR.has(d.toLowerCase()))
  );
}

export const socketEventsDetector: Detector = {
  id: DETECTOR_ID,
  kinds: ["event-schema"],
  appliesTo: isSocketFile,
  needsContent: true,
  // As the contracts detector: both versions of a 60 KB gateway fit, and hostile text
  // (an error on every character) parses at about 100 KB a second on a busy machine.
  maxInput: 128 * 1024,
  detect(file) {
    try {
      return detectEvents(file);
    } catch (error) {
      // Detectors must never throw; an unexpected failure is reported like an unreadable file.
      return unreadable(
        file,
        `unexpected error: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  },
};

function detectEvents(file: ChangedFile): DetectionResult {
  const base = file.base === undefined && file.status === "added" ? null : file.base;
  const head = file.head === undefined && file.status === "removed" ? null : file.head;
  if (base === undefined || head === undefined) {
    const unread = unreadContent(file);
    return unread === undefined ? { findings: [], problems: [] } : unreadable(file, unread);
  }
  if (base === null) return { findings: [], problems: [] }; // a new file only adds events
  const before = readEvents(file.previousPath ?? file.path, base, "base");
  if (!before.ok) return unreadable(file, before.message, before.line);
  const after =
    head === null
      ? { ok: true as const, model: emptyModel() }
      : readEvents(file.path, head, "head");
  if (!after.ok) return unreadable(file, after.message, after.line);
  const findings = compareModels(before.model, after.model).map((c): Finding => ({
    kind: "event-schema",
    path: file.path,
    detail: c.detail,
    line: c.line,
  }));
  return { findings, problems: [] };
}

function unreadable(file: ChangedFile, message: string, line?: number): DetectionResult {
  return {
    findings: [
      {
        kind: "event-schema",
        path: file.path,
        detail: `could not compare the Socket.IO events it declares (${message}); assuming an event-schema change`,
        ...(line === undefined ? {} : { line }),
        conservative: true,
      },
    ],
    problems: [{ path: file.path, detector: DETECTOR_ID, message }],
  };
}

// ---------------------------------------------------------------------------
// The event model

type Direction = "client → server" | "server → client";

interface Event {
  name: string;
  direction: Direction;
  /** Declared payloads, printed; "?" where a use declares none. */
  payloads: Set<string>;
  line: number;
}

interface Model {
  /** By `${direction} ${name}`. */
  events: Map<string, Event>;
  /** `@WebSocketGateway` namespace/path and `new Server(…, { path })`, printed. */
  mounts: Map<string, { value: string; line: number }>;
}

const emptyModel = (): Model => ({ events: new Map(), mounts: new Map() });

type ReadResult = { ok: true; model: Model } | { ok: false; message: string; line?: number };

function readEvents(path: string, text: string, side: string): ReadResult {
  const result = parseSource(path, text, side);
  if (!result.ok) return result;
  return { ok: true, model: modelOf(result.parsed) };
}

/** Socket.IO's own events: the connection's lifecycle, which every client shares. */
const RESERVED = new Set([
  "connect",
  "connection",
  "connect_error",
  "disconnect",
  "disconnecting",
  "error",
  "newListener",
  "removeListener",
  "reconnect",
  "reconnect_attempt",
  "reconnect_error",
  "reconnect_failed",
  "ping",
]);
/** Receivers that are sockets, servers or namespaces (not `eventEmitter`, `bus`, `emitter`). */
const SOCKET_RECEIVER =
  /^(?:io|ws|wss|nsp|server|socket|sockets|client|namespace)$|(?:Socket|Server|Client|Namespace|Io)$/;
/** Calls and properties that narrow who receives an emit, between the socket and `.emit`. */
const NARROWING = new Set([
  "to",
  "in",
  "except",
  "timeout",
  "compress",
  "volatile",
  "broadcast",
  "local",
  "of",
  "binary",
]);
const LISTEN = new Set(["on", "once", "addListener", "prependListener", "prependOnceListener"]);
const EMIT = new Set(["emit", "emitWithAck"]);
const OUT_INTERFACE = /(?:ServerToClientEvents|EmitEvents)$/;
const IN_INTERFACE = /(?:ClientToServerEvents|ListenEvents)$/;

function modelOf(parsed: ParsedSource): Model {
  const { ts } = parsed;
  const model = emptyModel();
  const record = (
    name: string,
    direction: Direction,
    payload: string | undefined,
    node: TS.Node,
  ) => {
    if (RESERVED.has(name)) return;
    const key = `${direction} ${name}`;
    const event = model.events.get(key) ?? {
      name,
      direction,
      payloads: new Set<string>(),
      line: parsed.lineOf(node),
    };
    event.payloads.add(payload ?? "?");
    model.events.set(key, event);
  };
  const visit = (node: TS.Node): void => {
    if (ts.isMethodDeclaration(node)) subscribeHandler(parsed, node, record);
    else if (ts.isCallExpression(node)) socketCall(parsed, node, record);
    else if (ts.isClassDeclaration(node)) gatewayMounts(parsed, node, model);
    else if (ts.isNewExpression(node)) serverMounts(parsed, node, model);
    else if (
      (ts.isInterfaceDeclaration(node) || ts.isTypeAliasDeclaration(node)) &&
      (OUT_INTERFACE.test(node.name.text) || IN_INTERFACE.test(node.name.text))
    ) {
      typedEvents(
        parsed,
        node,
        OUT_INTERFACE.test(node.name.text) ? "server → client" : "client → server",
        record,
      );
    }
    ts.forEachChild(node, visit);
  };
  visit(parsed.source);
  return model;
}

type RecordEvent = (
  name: string,
  direction: Direction,
  payload: string | undefined,
  node: TS.Node,
) => void;

function decoratorCalls(
  parsed: ParsedSource,
  node: TS.Node,
): { name: string; call: TS.CallExpression }[] {
  const { ts } = parsed;
  if (!ts.canHaveDecorators(node)) return [];
  return (ts.getDecorators(node) ?? []).flatMap((d) => {
    const expr = d.expression;
    if (!ts.isCallExpression(expr)) return [];
    const callee = expr.expression;
    const name = ts.isIdentifier(callee)
      ? callee.text
      : ts.isPropertyAccessExpression(callee)
        ? callee.name.text
        : undefined;
    return name === undefined ? [] : [{ name, call: expr }];
  });
}

/** An event's name: a string literal's text, otherwise the expression that names it. */
function eventName(parsed: ParsedSource, arg: TS.Expression | undefined): string | undefined {
  const { ts } = parsed;
  if (arg === undefined) return undefined;
  if (ts.isStringLiteral(arg) || ts.isNoSubstitutionTemplateLiteral(arg)) return arg.text;
  return `<${parsed.print(arg)}>`;
}

/** `@SubscribeMessage('x') handle(@MessageBody() dto: T)`, and its `return { event: 'y', data }`. */
function subscribeHandler(
  parsed: ParsedSource,
  method: TS.MethodDeclaration,
  record: RecordEvent,
): void {
  const { ts } = parsed;
  const subscribe = decoratorCalls(parsed, method).find((d) => d.name === "SubscribeMessage");
  if (subscribe === undefined) return;
  const name = eventName(parsed, subscribe.call.arguments[0]);
  if (name === undefined) return;
  const bodies = method.parameters.flatMap((p) => {
    const body = decoratorCalls(parsed, p).find((d) => d.name === "MessageBody");
    if (body === undefined) return [];
    const field =
      body.call.arguments.length > 0
        ? `${body.call.arguments.map((a) => parsed.print(a)).join(",")}: `
        : "";
    return [`${field}${p.type !== undefined ? parsed.print(p.type) : "?"}`];
  });
  record(
    name,
    "client → server",
    bodies.length > 0 ? bodies.join(", ") : undefined,
    subscribe.call,
  );
  const returns = (node: TS.Node): void => {
    if (ts.isFunctionLike(node) && node !== method) return; // a callback's return is not the handler's
    if (
      ts.isReturnStatement(node) &&
      node.expression !== undefined &&
      ts.isObjectLiteralExpression(node.expression)
    ) {
      const event = property(parsed, node.expression, "event");
      const reply = event !== undefined ? eventName(parsed, event) : undefined;
      if (reply !== undefined)
        record(
          reply,
          "server → client",
          payloadOf(parsed, property(parsed, node.expression, "data")),
          node,
        );
    }
    ts.forEachChild(node, returns);
  };
  if (method.body !== undefined) ts.forEachChild(method.body, returns);
}

function property(
  parsed: ParsedSource,
  object: TS.ObjectLiteralExpression,
  key: string,
): TS.Expression | undefined {
  const { ts } = parsed;
  for (const p of object.properties) {
    if (ts.isPropertyAssignment(p) && ts.isIdentifier(p.name) && p.name.text === key)
      return p.initializer;
    if (ts.isShorthandPropertyAssignment(p) && p.name.text === key) return p.name;
  }
  return undefined;
}

/** `socket.on('x', (p: T) => …)` and `server.to(room).emit('x', payload)`. */
function socketCall(parsed: ParsedSource, call: TS.CallExpression, record: RecordEvent): void {
  const { ts } = parsed;
  const callee = call.expression;
  if (!ts.isPropertyAccessExpression(callee)) return;
  const method = callee.name.text;
  const listens = LISTEN.has(method);
  if (!listens && !EMIT.has(method)) return;
  const receiver = receiverName(parsed, callee.expression);
  if (receiver === undefined || !SOCKET_RECEIVER.test(receiver)) return;
  const name = eventName(parsed, call.arguments[0]);
  if (name === undefined) return;
  if (listens) {
    const handler = call.arguments[1];
    const declared =
      handler !== undefined && (ts.isArrowFunction(handler) || ts.isFunctionExpression(handler))
        ? handler.parameters[0]?.type
        : undefined;
    record(
      name,
      "client → server",
      declared !== undefined ? parsed.print(declared) : undefined,
      call,
    );
  } else {
    const payloads = call.arguments
      .slice(1)
      .filter((a) => !ts.isArrowFunction(a) && !ts.isFunctionExpression(a));
    record(
      name,
      "server → client",
      payloads.length > 0 ? payloads.map((p) => payloadOf(parsed, p) ?? "?").join(", ") : "(none)",
      call,
    );
  }
}

/** The name of the socket an emit or listener is called on, past the narrowing calls (`.to(room)`). */
function receiverName(parsed: ParsedSource, expression: TS.Expression): string | undefined {
  const { ts } = parsed;
  let node = expression;
  for (;;) {
    if (
      ts.isCallExpression(node) &&
      ts.isPropertyAccessExpression(node.expression) &&
      NARROWING.has(node.expression.name.text)
    )
      node = node.expression.expression;
    else if (ts.isPropertyAccessExpression(node) && NARROWING.has(node.name.text))
      node = node.expression;
    else if (ts.isNonNullExpression(node) || ts.isParenthesizedExpression(node))
      node = node.expression;
    else break;
  }
  if (ts.isIdentifier(node)) return node.text;
  if (ts.isPropertyAccessExpression(node)) return node.name.text;
  return undefined;
}

/**
 * What a payload is declared as: `x as T` / `x satisfies T` → T; a variable or
 * parameter with an annotation → that type; `new T(…)` → T; an object literal →
 * its keys; a literal → its primitive type. Undefined when nothing declares it.
 */
function payloadOf(parsed: ParsedSource, arg: TS.Expression | undefined): string | undefined {
  const { ts } = parsed;
  if (arg === undefined) return undefined;
  if (ts.isAsExpression(arg) || ts.isSatisfiesExpression(arg) || ts.isTypeAssertionExpression(arg))
    return parsed.print(arg.type);
  if (ts.isParenthesizedExpression(arg)) return payloadOf(parsed, arg.expression);
  if (ts.isIdentifier(arg)) return declaredType(parsed, arg);
  if (ts.isNewExpression(arg)) return parsed.print(arg.expression);
  if (
    ts.isStringLiteral(arg) ||
    ts.isNoSubstitutionTemplateLiteral(arg) ||
    ts.isTemplateExpression(arg)
  )
    return "string";
  if (ts.isNumericLiteral(arg)) return "number";
  if (arg.kind === ts.SyntaxKind.TrueKeyword || arg.kind === ts.SyntaxKind.FalseKeyword)
    return "boolean";
  if (ts.isObjectLiteralExpression(arg)) {
    const keys = arg.properties.map((p) => {
      if (ts.isSpreadAssignment(p))
        return `...${payloadOf(parsed, p.expression) ?? parsed.print(p.expression)}`;
      return p.name !== undefined ? parsed.print(p.name) : parsed.print(p);
    });
    return `{${keys.sort().join(",")}}`;
  }
  return undefined;
}

/** The annotation of the nearest variable or parameter of that name in an enclosing scope. */
function declaredType(parsed: ParsedSource, id: TS.Identifier): string | undefined {
  const { ts } = parsed;
  for (let scope: TS.Node | undefined = id.parent; scope !== undefined; scope = scope.parent) {
    if (!ts.isFunctionLike(scope) && !ts.isBlock(scope) && !ts.isSourceFile(scope)) continue;
    const declared = declarationsIn(parsed, scope).get(id.text);
    if (declared !== undefined) return declared.type;
  }
  return undefined;
}

/**
 * The names a scope declares, each with what it is declared as; read once per
 * scope, so that a file of thousands of emits in one block stays linear.
 */
const scopeDeclarations = new WeakMap<TS.Node, Map<string, { type: string | undefined }>>();

function declarationsIn(
  parsed: ParsedSource,
  scope: TS.Node,
): Map<string, { type: string | undefined }> {
  const { ts } = parsed;
  const cached = scopeDeclarations.get(scope);
  if (cached !== undefined) return cached;
  const names = new Map<string, { type: string | undefined }>();
  if (ts.isFunctionLike(scope)) {
    for (const p of scope.parameters) {
      if (ts.isIdentifier(p.name) && !names.has(p.name.text))
        names.set(p.name.text, { type: p.type !== undefined ? parsed.print(p.type) : undefined });
    }
  } else if (ts.isBlock(scope) || ts.isSourceFile(scope)) {
    for (const statement of scope.statements) {
      if (!ts.isVariableStatement(statement)) continue;
      for (const d of statement.declarationList.declarations) {
        if (!ts.isIdentifier(d.name) || names.has(d.name.text)) continue;
        // An initializer is read only when it is a literal, a cast or `new`: no recursion into other names.
        const type =
          d.type !== undefined
            ? parsed.print(d.type)
            : d.initializer !== undefined && !ts.isIdentifier(d.initializer)
              ? payloadOf(parsed, d.initializer)
              : undefined;
        names.set(d.name.text, { type });
      }
    }
  }
  scopeDeclarations.set(scope, names);
  return names;
}

/** `interface ServerToClientEvents { message: (m: Message) => void }`: one event per member. */
function typedEvents(
  parsed: ParsedSource,
  node: TS.InterfaceDeclaration | TS.TypeAliasDeclaration,
  direction: Direction,
  record: RecordEvent,
): void {
  const { ts } = parsed;
  const members = ts.isInterfaceDeclaration(node)
    ? node.members
    : ts.isTypeLiteralNode(node.type)
      ? node.type.members
      : undefined;
  for (const member of members ?? []) {
    if (member.name === undefined) continue;
    const name =
      ts.isIdentifier(member.name) || ts.isStringLiteral(member.name)
        ? member.name.text
        : `<${parsed.print(member.name)}>`;
    const signature = ts.isMethodSignature(member)
      ? parsed.print(member).replace(/^[^(]*/, "")
      : ts.isPropertySignature(member) && member.type
        ? parsed.print(member.type)
        : "?";
    record(name, direction, signature, member);
  }
}

/** `@WebSocketGateway({ namespace: '/chat', path: '/ws' })`: where every event of the gateway is mounted. */
function gatewayMounts(parsed: ParsedSource, node: TS.ClassDeclaration, model: Model): void {
  const gateway = decoratorCalls(parsed, node).find((d) => d.name === "WebSocketGateway");
  if (gateway === undefined) return;
  const gatewayName = node.name?.text ?? "gateway";
  for (const arg of gateway.call.arguments) mountOptions(parsed, arg, `${gatewayName} `, model);
}

/** `new Server(http, { path: '/ws' })`: the path clients connect to. */
function serverMounts(parsed: ParsedSource, node: TS.NewExpression, model: Model): void {
  const { ts } = parsed;
  if (!ts.isIdentifier(node.expression) || node.expression.text !== "Server") return;
  for (const arg of node.arguments ?? []) mountOptions(parsed, arg, "Server ", model);
}

function mountOptions(parsed: ParsedSource, arg: TS.Expression, owner: string, model: Model): void {
  const { ts } = parsed;
  if (!ts.isObjectLiteralExpression(arg)) return;
  for (const key of ["namespace", "path"]) {
    const value = property(parsed, arg, key);
    if (value !== undefined)
      model.mounts.set(`${owner}${key}`, {
        value: parsed.print(value),
        line: parsed.lineOf(value),
      });
  }
}

// ---------------------------------------------------------------------------
// Comparing

interface Change {
  detail: string;
  line: number;
}

function compareModels(base: Model, head: Model): Change[] {
  const changes: Change[] = [];
  for (const [key, mount] of base.mounts) {
    const now = head.mounts.get(key);
    if (now?.value === mount.value) continue;
    const [owner, option] = key.split(" ");
    changes.push({
      detail:
        now === undefined
          ? `${owner} ${option} ${mount.value} removed: every event it serves moved`
          : `${owner} ${option} changed: ${mount.value} → ${now.value}: every event it serves moved`,
      line: now?.line ?? mount.line,
    });
  }
  for (const [key, event] of base.events) {
    const now = head.events.get(key);
    if (now === undefined) {
      const appeared = [...head.events.values()]
        .filter(
          (e) => e.direction === event.direction && !base.events.has(`${e.direction} ${e.name}`),
        )
        .map((e) => `'${e.name}'`);
      const hint =
        appeared.length > 0 ? ` (new in this change: ${appeared.join(", ")}; renamed?)` : "";
      changes.push({
        detail: `event '${event.name}' (${event.direction}) removed${hint}`,
        line: event.line,
      });
      continue;
    }
    const was = payloadText(event);
    const is = payloadText(now);
    if (was !== is)
      changes.push({
        detail: `payload of event '${event.name}' (${event.direction}) changed: ${was} → ${is}`,
        line: now.line,
      });
  }
  // In the order of the file (a handler's reply is collected before the emits inside it).
  return changes.sort((a, b) => a.line - b.line);
}

function payloadText(event: Event): string {
  return [...event.payloads].sort().join(" | ");
}
