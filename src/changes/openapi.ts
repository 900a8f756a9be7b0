/**
 * OpenAPI (3.x) and Swagger (2.0) documents: which operations a change adds
 * (`endpoint-added`) and which contract changes break existing clients
 * (`api-breaking`).
 *
 * Breaking, per operation present at base:
 * - the operation (or its whole path) is gone;
 * - a 2xx response status is gone, or a response that had a body lost it;
 * - a response field is gone or changed type (through local `$ref`s and `allOf`);
 * - a request body, request field or (query/header/cookie) parameter is newly
 *   required or became required.
 * Paths are matched with template names erased, so `/users/{id}` → `/users/{userId}`
 * is no change.
 */
import { LineCounter, isMap, isScalar, parseDocument } from "yaml";
import type { Document } from "yaml";
import { patchSides, sideContent } from "./diff.js";
import type { DiffLine } from "./diff.js";
import type { ChangedFile, DetectionProblem, DetectionResult, Detector, Finding } from "./types.js";
import { unreadContent } from "./unread.js";
import {
  describeYamlError,
  tooDeepToParse,
  UNTRUSTED_YAML,
  unsafeForToJS,
} from "./untrusted-yaml.js";

const DETECTOR_ID = "openapi";

/** openapi.yaml, swagger.json, api/openapi.v1.yaml, users.openapi.yml, public-openapi.json … */
const SPEC_FILE = /(?:^|[._-])(?:openapi|swagger)(?:[._-][^/]*)?\.(?:ya?ml|json)$/i;

export const openApiDetector: Detector = {
  id: DETECTOR_ID,
  kinds: ["api-breaking", "endpoint-added"],
  needsContent: true,
  // yaml reads hostile text at about 10 µs a character: about 2.5 s at this size.
  maxInput: 256 * 1024,
  appliesTo(path: string): boolean {
    const name = path.slice(path.lastIndexOf("/") + 1);
    return SPEC_FILE.test(name);
  },
  detect(file: ChangedFile): DetectionResult {
    const base = sideContent(file, "base");
    const head = sideContent(file, "head");
    if (base === undefined || head === undefined) return detectFromPatch(file);
    return detectFromContent(file.path, base, head);
  },
};

// ---------------------------------------------------------------------------
// Documents

type Obj = Record<string, unknown>;

function isObj(value: unknown): value is Obj {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

interface Spec {
  root: Obj;
  /** 1-based line of the key at the end of `keys` (e.g. ["paths", "/users", "get"]). */
  lineOf(keys: readonly string[]): number | undefined;
}

type ParseOutcome = { ok: true; spec: Spec } | { ok: false; message: string };

const EMPTY_SPEC: Spec = { root: {}, lineOf: () => undefined };

function parseSpec(text: string | null): ParseOutcome {
  // A missing (or empty) document is an API with no operations.
  if (text === null || text.trim() === "") return { ok: true, spec: EMPTY_SPEC };
  const tooDeep = tooDeepToParse(text);
  if (tooDeep !== undefined) return { ok: false, message: tooDeep };
  const counter = new LineCounter();
  const doc = parseDocument(text, { lineCounter: counter, ...UNTRUSTED_YAML });
  // YAML 1.2 is a superset of JSON, so this reads openapi.json too.
  const error = doc.errors[0];
  if (error !== undefined) return { ok: false, message: describeYamlError(error, counter) };
  const unsafe = unsafeForToJS(doc, counter);
  if (unsafe !== undefined) return { ok: false, message: unsafe };
  let root: unknown;
  try {
    root = doc.toJS();
  } catch (error) {
    return { ok: false, message: error instanceof Error ? error.message : String(error) };
  }
  if (!isObj(root)) return { ok: false, message: "the document is not a mapping" };
  return { ok: true, spec: { root, lineOf: (keys) => keyLine(doc, counter, keys) } };
}

function keyLine(doc: Document, counter: LineCounter, keys: readonly string[]): number | undefined {
  let node: unknown = doc.contents;
  let line: number | undefined;
  for (const key of keys) {
    if (!isMap(node)) return undefined;
    const pair = node.items.find((p) => isScalar(p.key) && String(p.key.value) === key);
    if (pair === undefined || !isScalar(pair.key)) return undefined;
    const start = pair.key.range?.[0];
    line = start === undefined ? undefined : counter.linePos(start).line;
    node = pair.value;
  }
  return line;
}

/** Follows local `$ref`s (`#/components/schemas/X`, Swagger's `#/definitions/X`). */
function resolveRef(root: Obj, value: unknown): { node: Obj | undefined; ref: string | undefined } {
  let node = value;
  let ref: string | undefined;
  for (let hops = 0; hops < 16 && isObj(node) && typeof node["$ref"] === "string"; hops++) {
    ref = node["$ref"];
    node = pointer(root, ref);
  }
  return { node: isObj(node) && typeof node["$ref"] !== "string" ? node : undefined, ref };
}

function pointer(root: Obj, ref: string): unknown {
  // External references (other-file.yaml#/X) cannot be followed from here.
  if (!ref.startsWith("#/")) return undefined;
  let node: unknown = root;
  for (const raw of ref.slice(2).split("/")) {
    if (!isObj(node)) return undefined;
    node = node[decodePointerToken(raw)];
  }
  return node;
}

function decodePointerToken(raw: string): string {
  let token = raw;
  try {
    token = decodeURIComponent(raw);
  } catch {
    // Not percent-encoded after all.
  }
  return token.replace(/~1/g, "/").replace(/~0/g, "~");
}

// ---------------------------------------------------------------------------
// Operations

const HTTP_METHODS = new Set(["get", "put", "post", "delete", "options", "head", "patch", "trace"]);

interface Operation {
  /** `GET /users/{}`: method plus path with template names erased. */
  key: string;
  method: string;
  path: string;
  /** The keys as written, to find the operation's line. */
  keys: readonly string[];
  op: Obj;
  pathItem: Obj;
}

function operations(spec: Spec): Map<string, Operation> {
  const result = new Map<string, Operation>();
  const paths = spec.root["paths"];
  if (!isObj(paths)) return result;
  for (const [path, rawItem] of Object.entries(paths)) {
    const pathItem = resolveRef(spec.root, rawItem).node;
    if (pathItem === undefined) continue;
    for (const [methodKey, op] of Object.entries(pathItem)) {
      const method = methodKey.toLowerCase();
      if (!HTTP_METHODS.has(method) || !isObj(op)) continue;
      const key = `${method.toUpperCase()} ${normaliseTemplate(path)}`;
      result.set(key, {
        key,
        method: method.toUpperCase(),
        path,
        keys: ["paths", path, methodKey],
        op,
        pathItem,
      });
    }
  }
  return result;
}

function normaliseTemplate(path: string): string {
  return path.replace(/\{[^}]*\}/g, "{}").replace(/(.)\/$/, "$1");
}

// ---------------------------------------------------------------------------
// Comparing whole documents

function detectFromContent(
  path: string,
  baseText: string | null,
  headText: string | null,
): DetectionResult {
  const base = parseSpec(baseText);
  const head = parseSpec(headText);
  if (!base.ok || !head.ok) {
    return unparseable(path, [
      base.ok ? undefined : `base: ${base.message}`,
      head.ok ? undefined : `head: ${head.message}`,
    ]);
  }
  return { findings: compareSpecs(path, base.spec, head.spec), problems: [] };
}

function unparseable(path: string, messages: (string | undefined)[]): DetectionResult {
  const present = messages.filter((m): m is string => m !== undefined);
  return {
    findings: [
      {
        kind: "api-breaking",
        path,
        detail: `could not read the OpenAPI document (${present.join("; ")}); assuming a breaking API change`,
        conservative: true,
      },
    ],
    problems: present.map((message) => ({
      path,
      detector: DETECTOR_ID,
      message: `cannot parse OpenAPI document, ${message}`,
    })),
  };
}

function compareSpecs(path: string, base: Spec, head: Spec): Finding[] {
  const baseOps = operations(base);
  const headOps = operations(head);
  const findings: Finding[] = [];
  for (const [key, baseOp] of baseOps) {
    const headOp = headOps.get(key);
    const line = headOp !== undefined ? head.lineOf(headOp.keys) : base.lineOf(baseOp.keys);
    const details =
      headOp === undefined
        ? [`${baseOp.method} ${baseOp.path} removed`]
        : compareOperation({ root: base.root, op: baseOp }, { root: head.root, op: headOp });
    for (const detail of unique(details))
      findings.push(withLine({ kind: "api-breaking", path, detail }, line));
  }
  for (const [key, headOp] of headOps) {
    if (baseOps.has(key)) continue;
    const detail = `${headOp.method} ${headOp.path} added`;
    findings.push(withLine({ kind: "endpoint-added", path, detail }, head.lineOf(headOp.keys)));
  }
  return findings;
}

function withLine(finding: Finding, line: number | undefined): Finding {
  return line === undefined ? finding : { ...finding, line };
}

function unique(values: string[]): string[] {
  return [...new Set(values)];
}

/** Breaking differences of one operation present on both sides, as detail sentences. */
function compareOperation(b: Side, h: Side): string[] {
  const label = `${h.op.method} ${h.op.path}`;
  return [
    ...compareParameters(b, h).map((d) => `${label} ${d}`),
    ...compareRequestBodies(b, h).map((d) => `${label} ${d}`),
    ...compareResponses(b, h).map((d) => `${label} ${d}`),
  ];
}

interface Side {
  root: Obj;
  op: Operation;
}

// ---------------------------------------------------------------------------
// Parameters

interface Parameter {
  name: string;
  location: string;
  required: boolean;
  /** Only read for Swagger 2 `in: body` parameters, whose schema is the request body. */
  schema: unknown;
}

/** Path-level parameters overridden by operation-level ones, keyed by location + name. */
function parameters(side: Side): Map<string, Parameter> {
  const result = new Map<string, Parameter>();
  const lists = [side.op.pathItem["parameters"], side.op.op["parameters"]];
  for (const list of lists) {
    if (!Array.isArray(list)) continue;
    for (const raw of list) {
      const param = resolveRef(side.root, raw).node;
      if (
        param === undefined ||
        typeof param["name"] !== "string" ||
        typeof param["in"] !== "string"
      )
        continue;
      const location = param["in"];
      // Header names are case-insensitive.
      const name = location === "header" ? param["name"].toLowerCase() : param["name"];
      const required = param["required"] === true;
      result.set(`${location}:${name}`, {
        name: param["name"],
        location,
        required,
        schema: param["schema"],
      });
    }
  }
  return result;
}

function compareParameters(base: Side, head: Side): string[] {
  const before = parameters(base);
  const details: string[] = [];
  for (const [key, param] of parameters(head)) {
    // Path parameters are part of the path's identity; Swagger 2 bodies are request bodies.
    if (!param.required || param.location === "path" || param.location === "body") continue;
    const old = before.get(key);
    if (old === undefined)
      details.push(`${param.location} parameter "${param.name}" is newly required`);
    else if (!old.required)
      details.push(`${param.location} parameter "${param.name}" became required`);
  }
  return details;
}

// ---------------------------------------------------------------------------
// Request bodies

interface Body {
  required: boolean;
  schema: unknown;
}

/** OpenAPI 3 `requestBody`, or a Swagger 2 `in: body` parameter. */
function requestBody(side: Side): Body | undefined {
  const body = resolveRef(side.root, side.op.op["requestBody"]).node;
  if (body !== undefined)
    return { required: body["required"] === true, schema: primarySchema(body) };
  const swaggerBody = [...parameters(side).values()].find((p) => p.location === "body");
  if (swaggerBody !== undefined)
    return { required: swaggerBody.required, schema: swaggerBody.schema };
  return undefined;
}

function compareRequestBodies(base: Side, head: Side): string[] {
  const before = requestBody(base);
  const after = requestBody(head);
  if (after === undefined) return [];
  if (before === undefined) return after.required ? ["request body is newly required"] : [];
  const details: string[] = [];
  if (after.required && !before.required) details.push("request body became required");
  compareRequestSchema(newWalk(base.root, head.root), before.schema, after.schema, "", details);
  return details;
}

// ---------------------------------------------------------------------------
// Responses

function compareResponses(base: Side, head: Side): string[] {
  const before = base.op.op["responses"];
  const after = isObj(head.op.op["responses"]) ? head.op.op["responses"] : {};
  if (!isObj(before)) return [];
  const details: string[] = [];
  for (const [status, rawBefore] of Object.entries(before)) {
    const success = /^2/.test(status);
    if (!(status in after)) {
      // Error responses come and go; a success response removed breaks clients.
      if (success) details.push(`response ${status} removed`);
      continue;
    }
    const schemaBefore = primarySchema(resolveRef(base.root, rawBefore).node);
    const schemaAfter = primarySchema(resolveRef(head.root, after[status]).node);
    // Success responses read as "response field …", others name their status.
    const label = success ? "response" : `${status} response`;
    if (schemaBefore === undefined) continue;
    if (schemaAfter === undefined) {
      details.push(
        success ? `response ${status} no longer has a body` : `${label} no longer has a body`,
      );
      continue;
    }
    const fieldChanges: string[] = [];
    compareResponseSchema(
      newWalk(base.root, head.root),
      schemaBefore,
      schemaAfter,
      "",
      fieldChanges,
    );
    details.push(...fieldChanges.map((d) => `${label} ${d}`));
  }
  return details;
}

/**
 * The schema clients most likely read: JSON content in OpenAPI 3, `schema` in
 * Swagger 2. One schema per side keeps a Swagger 2 → OpenAPI 3 migration comparable.
 */
function primarySchema(container: Obj | undefined): unknown {
  if (container === undefined) return undefined;
  const content = container["content"];
  if (isObj(content)) {
    const types = Object.keys(content);
    const chosen =
      types.find((t) => t === "application/json") ?? types.find((t) => /json/i.test(t)) ?? types[0];
    const media = chosen === undefined ? undefined : content[chosen];
    return isObj(media) ? media["schema"] : undefined;
  }
  return container["schema"];
}

// ---------------------------------------------------------------------------
// Schemas

interface SchemaView {
  /** "object", "array", "string", "integer|string" …; undefined when unknowable (oneOf, external $ref). */
  type: string | undefined;
  properties: Map<string, unknown>;
  required: Set<string>;
  items: unknown;
}

interface Walk {
  baseRoot: Obj;
  headRoot: Obj;
  /** Pairs of base/head `$ref`s on the way here: a recursive schema ends when one repeats. */
  seen: Set<string>;
  depth: number;
  /** Schemas left to visit for this body, shared by all branches: wide shared graphs stay cheap. */
  budget: { left: number };
}

const MAX_DEPTH = 32;
const MAX_SCHEMAS_PER_BODY = 5000;

function newWalk(baseRoot: Obj, headRoot: Obj): Walk {
  return { baseRoot, headRoot, seen: new Set(), depth: 0, budget: { left: MAX_SCHEMAS_PER_BODY } };
}

/** Resolves both sides; undefined when this pair was already visited (a cycle) or limits are hit. */
function enter(
  walk: Walk,
  base: unknown,
  head: unknown,
): { b: SchemaView; h: SchemaView; walk: Walk } | undefined {
  if (walk.depth >= MAX_DEPTH || walk.budget.left <= 0) return undefined;
  walk.budget.left--;
  const b = resolveRef(walk.baseRoot, base);
  const h = resolveRef(walk.headRoot, head);
  if (b.ref !== undefined || h.ref !== undefined) {
    const pair = `${b.ref ?? ""}|${h.ref ?? ""}`;
    if (walk.seen.has(pair)) return undefined;
    walk = { ...walk, seen: new Set([...walk.seen, pair]) };
  }
  if (b.node === undefined || h.node === undefined) return undefined;
  return {
    b: schemaView(walk.baseRoot, b.node, new Set()),
    h: schemaView(walk.headRoot, h.node, new Set()),
    walk: { ...walk, depth: walk.depth + 1 },
  };
}

/** Flattens `allOf` (how most specs compose schemas) into one view. */
function schemaView(root: Obj, schema: Obj, visiting: Set<Obj>): SchemaView {
  const properties = isObj(schema["properties"]) ? schema["properties"] : {};
  const required = Array.isArray(schema["required"]) ? schema["required"] : [];
  const view: SchemaView = {
    type: declaredType(schema),
    properties: new Map(Object.entries(properties)),
    required: new Set(required.filter((name): name is string => typeof name === "string")),
    items: schema["items"],
  };
  if (Array.isArray(schema["allOf"]) && !visiting.has(schema)) {
    visiting.add(schema);
    for (const member of schema["allOf"]) {
      const resolved = resolveRef(root, member).node;
      if (resolved === undefined) continue;
      const part = schemaView(root, resolved, visiting);
      for (const [name, prop] of part.properties) view.properties.set(name, prop);
      for (const name of part.required) view.required.add(name);
      view.type ??= part.type;
      view.items ??= part.items;
    }
  }
  view.type ??=
    view.properties.size > 0 ? "object" : view.items !== undefined ? "array" : undefined;
  return view;
}

/**
 * The declared type, ignoring nullability (3.0 `nullable`, 3.1 `["string", "null"]`):
 * this detector reports removals and retypes, not optionality of values.
 */
function declaredType(schema: Obj): string | undefined {
  const type = schema["type"];
  if (typeof type === "string") return type;
  if (Array.isArray(type)) {
    const named = type.filter((t): t is string => typeof t === "string" && t !== "null").sort();
    return named.length > 0 ? named.join("|") : "null";
  }
  return undefined;
}

function fieldName(parent: string, child: string): string {
  return parent === "" ? child : `${parent}.${child}`;
}

/** Items of a top-level array (a list response) are reported as plain fields. */
function itemsName(parent: string): string {
  return parent === "" ? "" : `${parent}[]`;
}

function flag(resolved: unknown, root: Obj, name: "readOnly" | "writeOnly"): boolean {
  return resolveRef(root, resolved).node?.[name] === true;
}

/** Response fields clients may read: removed or retyped ones break them. */
function compareResponseSchema(
  walk: Walk,
  base: unknown,
  head: unknown,
  field: string,
  out: string[],
): void {
  const entered = enter(walk, base, head);
  if (entered === undefined) return;
  const { b, h } = entered;
  if (b.type === undefined || h.type === undefined) return;
  if (b.type !== h.type) {
    const subject = field === "" ? "body" : `field "${field}"`;
    out.push(`${subject} changed type ${b.type} → ${h.type}`);
    return;
  }
  for (const [name, prop] of b.properties) {
    // writeOnly properties (passwords …) never appear in responses.
    if (flag(prop, walk.baseRoot, "writeOnly")) continue;
    const after = h.properties.get(name);
    if (after === undefined) out.push(`field "${fieldName(field, name)}" removed`);
    else compareResponseSchema(entered.walk, prop, after, fieldName(field, name), out);
  }
  if (b.items !== undefined && h.items !== undefined) {
    compareResponseSchema(entered.walk, b.items, h.items, itemsName(field), out);
  }
}

/** Request fields clients send: a field they did not have to send now being required breaks them. */
function compareRequestSchema(
  walk: Walk,
  base: unknown,
  head: unknown,
  field: string,
  out: string[],
): void {
  const entered = enter(walk, base, head);
  if (entered === undefined) return;
  const { b, h } = entered;
  for (const name of h.required) {
    if (b.required.has(name)) continue;
    const prop = h.properties.get(name);
    // readOnly properties are required in responses only (OpenAPI 3.0 §4.7.25).
    if (prop !== undefined && flag(prop, walk.headRoot, "readOnly")) continue;
    const verb = b.properties.has(name) ? "became required" : "is newly required";
    out.push(`request field "${fieldName(field, name)}" ${verb}`);
  }
  for (const [name, prop] of h.properties) {
    const before = b.properties.get(name);
    if (before !== undefined)
      compareRequestSchema(entered.walk, before, prop, fieldName(field, name), out);
  }
  if (b.items !== undefined && h.items !== undefined) {
    compareRequestSchema(entered.walk, b.items, h.items, itemsName(field), out);
  }
}

// ---------------------------------------------------------------------------
// Patch-only fallback (content could not be loaded)

const QUOTED_PATH_KEY = /^(?<indent>\s*)(["'])(?<path>\/[^"']*)\2\s*:/;
const PLAIN_PATH_KEY = /^(?<indent>\s*)(?<path>\/\S*?)\s*:(?:\s|$)/;
const METHOD_KEY =
  /^(?<indent>\s*)(["']?)(?<method>get|put|post|delete|options|head|patch|trace)\2\s*:(?:\s|$|\{)/i;

interface PatchItem {
  /** `GET /users/{}`, `GET ?` (path outside the hunk) or `PATH /users/{}`. */
  key: string;
  detail: string;
  line: number;
  isPath: boolean;
}

function detectFromPatch(file: ChangedFile): DetectionResult {
  const reason = unreadContent(file);
  if (reason === undefined) return { findings: [], problems: [] }; // a pure rename: the document moved unchanged
  const problems: DetectionProblem[] = [
    { path: file.path, detector: DETECTOR_ID, message: reason },
  ];
  const assumeBreaking: Finding = {
    kind: "api-breaking",
    path: file.path,
    detail: `could not compare the documents (${reason}); a patch cannot show removed fields or newly required parameters, so assuming a breaking API change`,
    conservative: true,
  };
  if (file.patch === undefined || file.patch === "")
    return { findings: [assumeBreaking], problems };
  const sides = patchSides(file.patch);
  const base = patchItems(sides.base);
  const head = patchItems(sides.head);
  const findings = [
    ...itemFindings(file.path, base, head, "api-breaking", "removed"),
    ...itemFindings(file.path, head, base, "endpoint-added", "added"),
  ];
  // What the patch shows is reported; what it cannot show is assumed the worst.
  if (!findings.some((f) => f.kind === "api-breaking")) findings.unshift(assumeBreaking);
  return { findings, problems };
}

/** Path keys and method keys seen in each hunk, methods attached to the path key above them. */
function patchItems(hunks: DiffLine[][]): PatchItem[] {
  const items: PatchItem[] = [];
  for (const hunk of hunks) {
    let current: { path: string; indent: number } | undefined;
    for (const { line, text } of hunk) {
      const pathKey = QUOTED_PATH_KEY.exec(text) ?? PLAIN_PATH_KEY.exec(text);
      if (pathKey !== null) {
        const path = pathKey.groups?.["path"] ?? "";
        current = { path, indent: pathKey.groups?.["indent"]?.length ?? 0 };
        items.push({
          key: `PATH ${normaliseTemplate(path)}`,
          detail: `path ${path}`,
          line,
          isPath: true,
        });
        continue;
      }
      const methodKey = METHOD_KEY.exec(text);
      if (methodKey === null) continue;
      const method = (methodKey.groups?.["method"] ?? "").toUpperCase();
      const indent = methodKey.groups?.["indent"]?.length ?? 0;
      const under = current !== undefined && indent > current.indent ? current.path : undefined;
      items.push(
        under === undefined
          ? {
              key: `${method} ?`,
              detail: `${method} operation (path outside the patch)`,
              line,
              isPath: false,
            }
          : {
              key: `${method} ${normaliseTemplate(under)}`,
              detail: `${method} ${under}`,
              line,
              isPath: false,
            },
      );
    }
  }
  return items;
}

/** Items on `from` but not on `to`; a path is reported only when none of its operations is. */
function itemFindings(
  path: string,
  from: PatchItem[],
  to: PatchItem[],
  kind: Finding["kind"],
  verb: string,
): Finding[] {
  const remaining = new Set(to.map((i) => i.key));
  const changed = from.filter((i) => !remaining.has(i.key));
  const opPaths = new Set(
    changed.filter((i) => !i.isPath).map((i) => i.key.slice(i.key.indexOf(" ") + 1)),
  );
  const seen = new Set<string>();
  const findings: Finding[] = [];
  for (const item of changed) {
    if (seen.has(item.key)) continue;
    seen.add(item.key);
    if (item.isPath && opPaths.has(item.key.slice("PATH ".length))) continue;
    const finding: Finding = { kind, path, detail: `${item.detail} ${verb}`, line: item.line };
    // A removal seen without the documents is a guess about the worst case.
    findings.push(kind === "api-breaking" ? { ...finding, conservative: true } : finding);
  }
  return findings;
}
