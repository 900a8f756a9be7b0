/**
 * Validates REST requests (and, optionally, responses) against GitHub's own OpenAPI description
 * (`@octokit/openapi/generated/api.github.com.json`), so that mocked GitHub calls in tests are
 * calls GitHub would actually accept.
 *
 * The 13 MB spec is read once per module graph (= once per vitest test file), lazily, on the
 * first validation; JSON-schema validators are compiled per operation on first use and cached.
 *
 * OpenAPI 3.0 → JSON Schema differences handled here:
 *  - `nullable: true` becomes a `"null"` type / enum member (ajv rejects `nullable` without `type`);
 *  - `oneOf` is relaxed to `anyOf`: GitHub's spec has overlapping branches, and a request that
 *    satisfies two branches is still one GitHub accepts;
 *  - formats `int32`, `int64`, `double`, `binary`, `uri-template`, `repo.nwo` are accepted as-is.
 * On top of the spec, request bodies are checked for unknown top-level fields (GitHub ignores
 * them silently, which in an app is almost always a typo); `allowUnknownBodyFields` turns that off.
 */
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { Ajv, type ErrorObject, type ValidateFunction } from "ajv";
import addFormatsModule from "ajv-formats";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

interface Parameter {
  name: string;
  in: "path" | "query" | "header" | "cookie";
  required?: boolean;
  schema?: JsonObject;
}

interface Operation {
  operationId?: string;
  parameters?: JsonObject[];
  requestBody?: JsonObject;
  responses?: Record<string, JsonObject>;
}

interface PathTemplate {
  template: string;
  segments: { literal: string | null; param: string | null }[];
  operations: Map<string, Operation>;
  /** Parameters declared on the path item itself (shared by its operations). */
  parameters: JsonObject[];
  literalCount: number;
  /** Name of a trailing parameter that may contain "/" (contents path, git ref, basehead …). */
  greedyTail: string | null;
}

interface Spec {
  paths: Record<string, Record<string, Json>>;
  components: JsonObject & {
    schemas: Record<string, JsonObject>;
    parameters: Record<string, JsonObject>;
    responses: Record<string, JsonObject>;
  };
}

interface Loaded {
  spec: Spec;
  templates: PathTemplate[];
  ajv: Ajv;
  validators: Map<string, ValidateFunction>;
}

const HTTP_METHODS = new Set(["get", "post", "put", "patch", "delete", "head", "options"]);
/** Trailing path parameters GitHub lets contain "/" (octokit percent-encodes them, other clients may not). */
const GREEDY_PARAMS = new Set(["path", "ref", "basehead", "branch"]);
const DOC_ID = "https://api.github.com/openapi.json";
const NO_OP_FORMATS = [
  "int32",
  "int64",
  "double",
  "float",
  "binary",
  "uri-template",
  "repo.nwo",
  "byte",
  "password",
];
const MAX_PROBLEMS_PER_SCHEMA = 12;

let loaded: Loaded | undefined;

function specFile(): string {
  return createRequire(import.meta.url).resolve("@octokit/openapi/generated/api.github.com.json");
}

function load(): Loaded {
  if (loaded) return loaded;
  const spec = JSON.parse(readFileSync(specFile(), "utf8")) as Spec;

  const templates: PathTemplate[] = [];
  for (const [template, item] of Object.entries(spec.paths)) {
    const segments = template
      .split("/")
      .slice(1)
      .map((seg) => {
        const m = /^\{([^}]+)\}$/.exec(seg);
        return m ? { literal: null, param: m[1] ?? null } : { literal: seg, param: null };
      });
    const operations = new Map<string, Operation>();
    for (const [key, op] of Object.entries(item)) {
      if (HTTP_METHODS.has(key)) operations.set(key.toUpperCase(), op as unknown as Operation);
    }
    const last = segments[segments.length - 1];
    templates.push({
      template,
      segments,
      operations,
      parameters: Array.isArray(item["parameters"]) ? (item["parameters"] as JsonObject[]) : [],
      literalCount: segments.filter((s) => s.literal !== null).length,
      greedyTail: last?.param && GREEDY_PARAMS.has(last.param) ? last.param : null,
    });
  }

  const ajv = new Ajv({
    strict: false,
    allErrors: true,
    logger: false,
    unicodeRegExp: false,
    validateSchema: false,
    coerceTypes: false,
    useDefaults: false,
  });
  addFormatsModule.default(ajv);
  for (const format of NO_OP_FORMATS) ajv.addFormat(format, true);

  // Component schemas, converted once; operation schemas refer into them by absolute $ref.
  const schemas: Record<string, Json> = {};
  for (const [name, schema] of Object.entries(spec.components.schemas))
    schemas[name] = toJsonSchema(schema);
  ajv.addSchema({ $id: DOC_ID, components: { schemas } } as JsonObject);

  loaded = { spec, templates, ajv, validators: new Map() };
  return loaded;
}

const DROPPED_KEYWORDS = new Set([
  "description",
  "title",
  "example",
  "examples",
  "default",
  "nullable",
  "discriminator",
  "xml",
  "externalDocs",
  "readOnly",
  "writeOnly",
  "deprecated",
]);
const SCHEMA_MAP_KEYWORDS = new Set(["properties", "patternProperties", "definitions", "$defs"]);
const SCHEMA_LIST_KEYWORDS = new Set(["allOf", "anyOf", "oneOf"]);
const SCHEMA_KEYWORDS = new Set([
  "items",
  "additionalProperties",
  "not",
  "contains",
  "propertyNames",
]);

/** OpenAPI 3.0 schema object → JSON schema ajv accepts; $refs made absolute. */
function toJsonSchema(node: Json): Json {
  if (node === null || typeof node !== "object" || Array.isArray(node)) return node;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(node)) {
    if (DROPPED_KEYWORDS.has(key) || key.startsWith("x-")) continue;
    if (key === "$ref" && typeof value === "string") {
      out[key] = value.startsWith("#") ? DOC_ID + value : value;
    } else if (SCHEMA_LIST_KEYWORDS.has(key) && Array.isArray(value)) {
      out[key === "oneOf" ? "anyOf" : key] = value.map(toJsonSchema);
    } else if (
      SCHEMA_MAP_KEYWORDS.has(key) &&
      value !== null &&
      typeof value === "object" &&
      !Array.isArray(value)
    ) {
      const map: JsonObject = {};
      for (const [name, schema] of Object.entries(value)) map[name] = toJsonSchema(schema);
      out[key] = map;
    } else if (SCHEMA_KEYWORDS.has(key)) {
      out[key] = toJsonSchema(value);
    } else if (
      (key === "exclusiveMinimum" || key === "exclusiveMaximum") &&
      typeof value === "boolean"
    ) {
      continue; // OpenAPI 3.0's boolean form; GitHub's spec doesn't rely on it
    } else {
      out[key] = value; // type, enum, required, pattern, format, bounds …: copied as-is
    }
  }
  if (node["nullable"] === true) {
    if (Array.isArray(out["enum"]) && !out["enum"].includes(null))
      out["enum"] = [...out["enum"], null];
    if (typeof out["type"] === "string") {
      out["type"] = [out["type"], "null"];
    } else if (Array.isArray(out["type"])) {
      if (!out["type"].includes("null")) out["type"] = [...out["type"], "null"];
    } else {
      return { anyOf: [{ type: "null" }, out] };
    }
  }
  return out;
}

function resolveRef<T = JsonObject>(spec: Spec, node: JsonObject): T {
  let current: JsonObject = node;
  for (let i = 0; i < 20 && typeof current["$ref"] === "string"; i++) {
    const ref = current["$ref"] as string;
    let target: Json = spec as unknown as Json;
    for (const raw of ref.replace(/^#\//, "").split("/")) {
      const key = raw.replace(/~1/g, "/").replace(/~0/g, "~");
      if (target === null || typeof target !== "object" || Array.isArray(target)) {
        throw new Error(`cannot resolve ${ref}`);
      }
      target = target[key] ?? null;
    }
    if (target === null || typeof target !== "object" || Array.isArray(target))
      throw new Error(`cannot resolve ${ref}`);
    current = target;
  }
  return current as unknown as T;
}

// ---------------------------------------------------------------------------------------------
// Path matching

export interface MatchedOperation {
  /** The spec's path template, e.g. `/repos/{owner}/{repo}/pulls/{pull_number}/files`. */
  template: string;
  method: string;
  operationId: string;
  pathParams: Record<string, string>;
  operation: Operation;
  pathItem: PathTemplate;
}

export type MatchResult = { ok: true; match: MatchedOperation } | { ok: false; problems: string[] };

function splitPath(path: string): string[] {
  const pathname = path.split("?")[0] ?? "";
  return pathname
    .replace(/^https?:\/\/[^/]+/, "")
    .replace(/\/+$/, "")
    .split("/")
    .slice(1);
}

function decode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function bindTemplate(t: PathTemplate, raw: string[]): Record<string, string> | null {
  const segs = t.segments;
  if (raw.length < segs.length) return null;
  if (raw.length > segs.length && t.greedyTail === null) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < segs.length; i++) {
    const seg = segs[i]!;
    const value = raw[i]!;
    if (value === "") return null;
    if (seg.literal !== null) {
      if (decode(value) !== seg.literal) return null;
    } else if (i === segs.length - 1 && raw.length > segs.length) {
      params[seg.param!] = raw.slice(i).map(decode).join("/");
    } else {
      params[seg.param!] = decode(value);
    }
  }
  return params;
}

/** Finds the spec operation for a concrete method + path (query string, if any, is ignored). */
export function matchOperation(method: string, path: string): MatchResult {
  const { spec, templates } = load();
  const verb = method.toUpperCase();
  const raw = splitPath(path);
  const candidates: { t: PathTemplate; params: Record<string, string>; exact: boolean }[] = [];
  for (const t of templates) {
    const params = bindTemplate(t, raw);
    if (params) candidates.push({ t, params, exact: raw.length === t.segments.length });
  }
  if (candidates.length === 0) {
    return {
      ok: false,
      problems: [
        `${verb} ${path}: no GitHub REST endpoint has this path (${nearestTemplates(raw)})`,
      ],
    };
  }
  // Most specific first: exact segment count, then most literal segments (`/pulls/comments`
  // beats `/pulls/{pull_number}`), then fewest parameters.
  candidates.sort(
    (a, b) => Number(b.exact) - Number(a.exact) || b.t.literalCount - a.t.literalCount,
  );
  const withMethod = candidates.filter((c) => c.t.operations.has(verb));
  let best: MatchedOperation | null = null;
  let bestProblems: string[] | null = null;
  for (const c of withMethod) {
    const operation = c.t.operations.get(verb)!;
    const match: MatchedOperation = {
      template: c.t.template,
      method: verb,
      operationId: operation.operationId ?? `${verb} ${c.t.template}`,
      pathParams: c.params,
      operation,
      pathItem: c.t,
    };
    const problems = checkPathParams(spec, match);
    if (problems.length === 0) return { ok: true, match };
    if (!best) {
      best = match;
      bestProblems = problems;
    }
  }
  if (best && bestProblems) return { ok: false, problems: bestProblems };
  const top = candidates[0]!.t;
  const allowed = [...top.operations.keys()].join(", ");
  return {
    ok: false,
    problems: [
      `${verb} ${path}: method ${verb} is not defined for ${top.template} (allowed: ${allowed})`,
    ],
  };
}

function nearestTemplates(raw: string[]): string {
  const { templates } = load();
  const words = raw.map(decode);
  const scored = templates
    .map((t) => {
      let score = -Math.abs(t.segments.length - words.length);
      t.segments.forEach((seg, i) => {
        const word = words[i];
        if (word === undefined) return;
        if (seg.literal === null) score += 0.5;
        else if (seg.literal === word) score += 1;
        else if (seg.literal.startsWith(word) || word.startsWith(seg.literal)) score += 0.75;
      });
      return { t: t.template, score };
    })
    .sort((a, b) => b.score - a.score)
    .slice(0, 3)
    .map((s) => s.t);
  return `closest: ${scored.join(", ")}`;
}

function allParameters(spec: Spec, match: MatchedOperation): Parameter[] {
  const byKey = new Map<string, Parameter>();
  for (const p of [...match.pathItem.parameters, ...(match.operation.parameters ?? [])]) {
    const param = resolveRef<Parameter>(spec, p);
    byKey.set(`${param.in}:${param.name}`, param);
  }
  return [...byKey.values()];
}

function checkPathParams(spec: Spec, match: MatchedOperation): string[] {
  const problems: string[] = [];
  const params = allParameters(spec, match).filter((p) => p.in === "path");
  for (const param of params) {
    const value = match.pathParams[param.name];
    if (value === undefined) continue;
    const schema = param.schema ? resolveRef(spec, param.schema) : {};
    const problem = checkScalar(spec, schema, value);
    if (problem) {
      problems.push(
        `${match.method} ${match.template}: path parameter ${param.name}=${JSON.stringify(value)} ${problem}`,
      );
    }
  }
  return problems;
}

/** Checks one query/path string value against a simple parameter schema; null when fine. */
function checkScalar(spec: Spec, schemaIn: JsonObject, value: string): string | null {
  const schema = resolveRef(spec, schemaIn);
  const type = schema["type"];
  if (type === "integer") {
    if (!/^-?\d+$/.test(value)) return "must be an integer";
    const n = Number(value);
    if (typeof schema["minimum"] === "number" && n < schema["minimum"])
      return `must be >= ${schema["minimum"]}`;
    if (typeof schema["maximum"] === "number" && n > schema["maximum"])
      return `must be <= ${schema["maximum"]}`;
  } else if (type === "number") {
    if (value.trim() === "" || Number.isNaN(Number(value))) return "must be a number";
  } else if (type === "boolean") {
    if (value !== "true" && value !== "false") return "must be true or false";
  }
  if (
    Array.isArray(schema["enum"]) &&
    !schema["enum"].includes(type === "integer" ? Number(value) : value)
  ) {
    return `must be one of ${schema["enum"].map((e) => JSON.stringify(e)).join(", ")}`;
  }
  if (schema["format"] === "date-time" && Number.isNaN(Date.parse(value)))
    return "must be an ISO 8601 date-time";
  return null;
}

// ---------------------------------------------------------------------------------------------
// Request validation

export type QueryInput =
  | string
  | URLSearchParams
  | Record<
      string,
      string | number | boolean | readonly (string | number | boolean)[] | null | undefined
    >;

export interface RestRequest {
  method: string;
  /** Concrete path, e.g. `/repos/acme/chat/pulls/12/files`; may carry a `?query` (merged with `query`). */
  path: string;
  query?: QueryInput;
  /** Parsed JSON body (or undefined when the request had none). */
  body?: unknown;
}

export interface ValidateOptions {
  /** Don't report top-level body fields the spec doesn't know (default false: they are reported). */
  allowUnknownBodyFields?: boolean;
}

function queryEntries(path: string, query: QueryInput | undefined): [string, string][] {
  const entries: [string, string][] = [];
  const qIndex = path.indexOf("?");
  if (qIndex >= 0) entries.push(...new URLSearchParams(path.slice(qIndex + 1)).entries());
  if (query === undefined) return entries;
  if (typeof query === "string") {
    entries.push(...new URLSearchParams(query.replace(/^\?/, "")).entries());
  } else if (query instanceof URLSearchParams) {
    entries.push(...query.entries());
  } else {
    for (const [key, value] of Object.entries(query)) {
      if (value === undefined || value === null) continue;
      if (Array.isArray(value)) for (const v of value) entries.push([key, String(v)]);
      else entries.push([key, String(value)]);
    }
  }
  return entries;
}

/** Problems with a REST request as GitHub's OpenAPI spec describes it; empty when valid. */
export function validateRestRequest(request: RestRequest, options: ValidateOptions = {}): string[] {
  const matched = matchOperation(request.method, request.path);
  if (!matched.ok) return matched.problems;
  const { match } = matched;
  const { spec } = load();
  const label = `${match.method} ${match.template} (${match.operationId})`;
  const problems: string[] = [];

  // Query parameters.
  const params = allParameters(spec, match).filter((p) => p.in === "query");
  const known = new Map(params.map((p) => [p.name, p]));
  const seen = new Map<string, string[]>();
  for (const [rawKey, value] of queryEntries(request.path, request.query)) {
    const key = rawKey.endsWith("[]") ? rawKey.slice(0, -2) : rawKey;
    const list = seen.get(key) ?? [];
    list.push(value);
    seen.set(key, list);
  }
  for (const [key, values] of seen) {
    const param = known.get(key);
    if (!param) {
      const names = [...known.keys()];
      problems.push(
        `${label}: unknown query parameter "${key}" (known: ${names.length ? names.join(", ") : "none"})`,
      );
      continue;
    }
    const schema = param.schema ? resolveRef(spec, param.schema) : {};
    if (schema["type"] === "array") {
      const items =
        schema["items"] && typeof schema["items"] === "object" && !Array.isArray(schema["items"])
          ? (schema["items"] as JsonObject)
          : {};
      for (const v of values.flatMap((x) => x.split(","))) {
        const problem = checkScalar(spec, items, v);
        if (problem)
          problems.push(`${label}: query parameter ${key}=${JSON.stringify(v)} ${problem}`);
      }
      continue;
    }
    if (values.length > 1)
      problems.push(`${label}: query parameter "${key}" given ${values.length} times`);
    for (const v of values) {
      const problem = checkScalar(spec, schema, v);
      if (problem)
        problems.push(`${label}: query parameter ${key}=${JSON.stringify(v)} ${problem}`);
    }
  }
  for (const param of params) {
    if (param.required && !seen.has(param.name))
      problems.push(`${label}: missing required query parameter "${param.name}"`);
  }

  // Body.
  problems.push(...validateBody(match, label, request.body, options));
  return problems;
}

function isEmptyBody(body: unknown): boolean {
  return body === undefined || body === null || body === "";
}

function validateBody(
  match: MatchedOperation,
  label: string,
  body: unknown,
  options: ValidateOptions,
): string[] {
  const { spec } = load();
  const requestBody = match.operation.requestBody
    ? resolveRef(spec, match.operation.requestBody)
    : undefined;
  if (!requestBody) {
    if (isEmptyBody(body)) return [];
    return [`${label}: this endpoint takes no request body, got ${preview(body)}`];
  }
  const content = (requestBody["content"] ?? {}) as Record<string, JsonObject>;
  const jsonType = Object.keys(content).find((type) => /json/.test(type));
  if (isEmptyBody(body)) {
    return requestBody["required"] === true ? [`${label}: a request body is required`] : [];
  }
  if (!jsonType) return []; // raw uploads (octet-stream, text/plain, …) are not checked
  const schema = content[jsonType]?.["schema"];
  if (!schema || typeof schema !== "object" || Array.isArray(schema)) return [];
  const key = `request ${match.method} ${match.template}`;
  const problems = runSchema(key, schema, body).map((p) => `${label}: body${p}`);
  if (
    !options.allowUnknownBodyFields &&
    body !== null &&
    typeof body === "object" &&
    !Array.isArray(body)
  ) {
    const allowed = knownProperties(spec, schema);
    if (allowed) {
      for (const field of Object.keys(body)) {
        if (!allowed.has(field)) {
          problems.push(
            `${label}: unknown body field "${field}" (known: ${[...allowed].join(", ")})`,
          );
        }
      }
    }
  }
  return problems;
}

/** Top-level property names an object schema admits; null when it admits any (additionalProperties). */
function knownProperties(spec: Spec, schemaIn: JsonObject): Set<string> | null {
  const names = new Set<string>();
  let open = false;
  let sawObject = false;
  const visit = (node: JsonObject, depth: number): void => {
    if (depth > 10) return;
    const schema = resolveRef(spec, node);
    const props = schema["properties"];
    if (props && typeof props === "object" && !Array.isArray(props)) {
      sawObject = true;
      for (const name of Object.keys(props)) names.add(name);
    }
    const type = schema["type"];
    if (type === "object" || (Array.isArray(type) && type.includes("object"))) sawObject = true;
    const ap = schema["additionalProperties"];
    if (ap === true || (ap && typeof ap === "object")) open = true;
    for (const combinator of ["allOf", "anyOf", "oneOf"]) {
      const branches = schema[combinator];
      if (Array.isArray(branches)) {
        for (const branch of branches) {
          if (branch && typeof branch === "object" && !Array.isArray(branch))
            visit(branch, depth + 1);
        }
      }
    }
  };
  visit(schemaIn, 0);
  if (open || !sawObject || names.size === 0) return null;
  return names;
}

function runSchema(cacheKey: string, schema: JsonObject, data: unknown): string[] {
  const state = load();
  let validate = state.validators.get(cacheKey);
  if (!validate) {
    validate = state.ajv.compile(toJsonSchema(schema) as JsonObject);
    state.validators.set(cacheKey, validate);
  }
  if (validate(data)) return [];
  return formatErrors(validate.errors ?? [], data);
}

function formatErrors(errors: ErrorObject[], data: unknown): string[] {
  const out: string[] = [];
  const seen = new Set<string>();
  // anyOf failures list every branch's errors and then a "must match a schema in anyOf"
  // summary; the summary only says something when it is all there is.
  const specific = errors.filter((e) => e.keyword !== "anyOf");
  const shown = specific.length > 0 ? specific : errors;
  for (const error of shown) {
    const where = error.instancePath || "";
    let text: string;
    switch (error.keyword) {
      case "required":
        text = `${where}: missing required property "${String((error.params as { missingProperty: string }).missingProperty)}"`;
        break;
      case "enum":
        text = `${where} = ${preview(valueAt(data, where))}: must be one of ${(
          error.params as { allowedValues: unknown[] }
        ).allowedValues
          .map((v) => JSON.stringify(v))
          .join(", ")}`;
        break;
      case "type":
        text = `${where} = ${preview(valueAt(data, where))}: must be ${String((error.params as { type: unknown }).type)}`;
        break;
      case "additionalProperties":
        text = `${where}: unknown property "${String((error.params as { additionalProperty: string }).additionalProperty)}"`;
        break;
      default:
        text = `${where}: ${error.message ?? error.keyword}`;
    }
    if (!seen.has(text)) {
      seen.add(text);
      out.push(text);
    }
    if (out.length >= MAX_PROBLEMS_PER_SCHEMA) {
      if (shown.length > out.length)
        out.push(` … (${shown.length - out.length} more schema errors)`);
      break;
    }
  }
  return out;
}

function valueAt(data: unknown, pointer: string): unknown {
  let current = data;
  for (const raw of pointer.split("/").slice(1)) {
    const key = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (current === null || typeof current !== "object") return undefined;
    current = (current as Record<string, unknown>)[key];
  }
  return current;
}

function preview(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

// ---------------------------------------------------------------------------------------------
// Response validation (opt-in: hand-written mock replies are usually partial objects)

/**
 * Problems with a response body against the operation's documented response schema for that
 * status (falling back to the `default` response). Statuses the spec doesn't document, and
 * non-JSON responses, are reported/ignored respectively.
 */
export function validateRestResponse(
  method: string,
  path: string,
  status: number,
  body: unknown,
): string[] {
  const matched = matchOperation(method, path);
  if (!matched.ok) return matched.problems;
  const { match } = matched;
  const { spec } = load();
  const label = `${match.method} ${match.template} (${match.operationId}) → ${status}`;
  const responses = match.operation.responses ?? {};
  const declared = responses[String(status)] ?? responses["default"];
  if (!declared) {
    return [
      `${label}: status ${status} is not a documented response (documented: ${Object.keys(responses).join(", ")})`,
    ];
  }
  const response = resolveRef(spec, declared);
  const content = (response["content"] ?? {}) as Record<string, JsonObject>;
  const jsonType = Object.keys(content).find((type) => /json/.test(type));
  if (!jsonType) return []; // 204s, redirects, raw media types
  const schema = content[jsonType]?.["schema"];
  if (!schema || typeof schema !== "object" || Array.isArray(schema)) return [];
  return runSchema(`response ${match.method} ${match.template} ${status}`, schema, body).map(
    (p) => `${label}: body${p}`,
  );
}

/** Loads and indexes the spec now (e.g. in `beforeAll`) so the first test doesn't pay for it. */
export function preloadOpenApi(): void {
  load();
}
