/**
 * Route declarations in JavaScript/TypeScript source: which HTTP endpoints a change
 * adds (`endpoint-added`) or removes (`api-breaking`).
 *
 * Recognised forms:
 * - Express / Koa-router / Fastify shorthands: `<ident>.get('/path', handler)`;
 * - chained Express routes: `router.route('/path').get(h).post(h)`;
 * - Fastify route objects: `fastify.route({ method: ['GET', 'HEAD'], url: '/path' })`;
 * - NestJS decorators `@Get(':id')` under `@Controller('prefix')`.
 *
 * With base and head content the whole route sets are compared. From a patch alone
 * each hunk is read twice, as the base saw it (context + removed lines) and as the
 * head sees it (context + added lines), so that multi-line declarations whose first
 * line is unchanged context (`.route('/x')` above a removed `.delete(h)`) still count.
 * The detector is regex-based on purpose: it must be cheap, cannot rely on a full
 * parser being able to read a hunk, and only needs declarations, not semantics.
 */
import { patchSides, sideContent, splitLines, type DiffLine } from "./diff.js";
import type { ChangedFile, DetectionResult, Detector, Finding } from "./types.js";
import { unreadChange } from "./unread.js";

const DETECTOR_ID = "routes";

const SOURCE_FILE = /\.(?:[cm]?[jt]s|[jt]sx)$/i;
const DECLARATION_FILE = /\.d\.[cm]?ts$/i;
const TEST_FILE = /(?:^|\/)__tests__\/|\.(?:test|spec)\.[^/]*$/i;

export const routesDetector: Detector = {
  id: DETECTOR_ID,
  kinds: ["api-breaking", "endpoint-added"],
  needsContent: false,
  // Linear, but a regex pass per declaration form: about 1 s at this size on hostile text.
  maxInput: 512 * 1024,
  appliesTo(path: string): boolean {
    return SOURCE_FILE.test(path) && !DECLARATION_FILE.test(path) && !TEST_FILE.test(path);
  },
  detect(file: ChangedFile): DetectionResult {
    const base = sideContent(file, "base");
    const head = sideContent(file, "head");
    if (base !== undefined && head !== undefined) {
      return {
        findings: compareRoutes(file.path, routesInContent(base), routesInContent(head)),
        problems: [],
      };
    }
    if (file.patch !== undefined && file.patch !== "")
      return detectFromPatch(file.path, file.patch);
    const unread = unreadChange(file);
    // Without a patch or content only a pure rename is known to leave the routes as they were.
    return unread === undefined ? { findings: [], problems: [] } : unreadable(file, unread);
  },
};

// ---------------------------------------------------------------------------
// Route model

export interface Route {
  /** Upper-case HTTP method; `ALL` for catch-all registrations. */
  method: string;
  /** The path as declared (Nest: prefix + decorator path). */
  path: string;
  /** Identity: method + path with parameter names erased (`:id` ≡ `{id}` ≡ `:userId`). */
  key: string;
  line: number;
  /** False for a Nest route whose `@Controller` prefix was not visible (patch only). */
  prefixKnown: boolean;
}

function makeRoute(method: string, path: string, line: number, prefixKnown = true): Route {
  const upper = method.toUpperCase() === "DEL" ? "DELETE" : method.toUpperCase();
  return { method: upper, path, key: `${upper} ${normalisePath(path)}`, line, prefixKnown };
}

/** Parameter names, `{}` vs `:` syntax and trailing slashes don't change a route's identity. */
export function normalisePath(path: string): string {
  const erased = path
    .replace(/\{[^}/]+\}/g, ":param")
    .replace(/:[A-Za-z_$][\w$]*/g, ":param")
    .replace(/\/{2,}/g, "/");
  return erased.length > 1 ? erased.replace(/\/$/, "") : erased;
}

function compareRoutes(path: string, base: Route[], head: Route[]): Finding[] {
  const baseKeys = new Set(base.map((r) => r.key));
  const headKeys = new Set(head.map((r) => r.key));
  const findings: Finding[] = [];
  for (const route of uniqueByKey(base)) {
    if (!headKeys.has(route.key))
      findings.push(routeFinding(path, route, "api-breaking", "removed"));
  }
  for (const route of uniqueByKey(head)) {
    if (!baseKeys.has(route.key))
      findings.push(routeFinding(path, route, "endpoint-added", "added"));
  }
  return findings;
}

function routeFinding(path: string, route: Route, kind: Finding["kind"], verb: string): Finding {
  const caveat = route.prefixKnown ? "" : " (controller prefix not in the patch)";
  return {
    kind,
    path,
    detail: `${route.method} ${route.path} route ${verb}${caveat}`,
    line: route.line,
  };
}

function uniqueByKey(routes: Route[]): Route[] {
  const seen = new Map<string, Route>();
  for (const r of routes) if (!seen.has(r.key)) seen.set(r.key, r);
  return [...seen.values()];
}

function unreadable(file: ChangedFile, message: string): DetectionResult {
  return {
    findings: [
      {
        kind: "api-breaking",
        path: file.path,
        detail: `could not look for route changes (${message}); assuming routes were removed`,
        conservative: true,
      },
    ],
    problems: [{ path: file.path, detector: DETECTOR_ID, message }],
  };
}

// ---------------------------------------------------------------------------
// Reading a file or a patch

function routesInContent(content: string | null): Route[] {
  if (content === null) return [];
  const lines = splitLines(content).map((text, i) => ({ line: i + 1, text }));
  // With the whole file, a decorator with no @Controller above really has no prefix.
  return extractRoutes(lines, { prefix: "" }).routes;
}

function detectFromPatch(path: string, patch: string): DetectionResult {
  const sides = patchSides(patch);
  const base = routesInHunks(sides.base);
  const head = routesInHunks(sides.head);
  const findings = compareRoutes(path, base.routes, head.routes);
  findings.push(...controllerRenames(path, base.controllers, head.controllers));
  return { findings, problems: [] };
}

interface HunkRoutes {
  routes: Route[];
  controllers: { prefix: string; line: number }[];
}

function routesInHunks(hunks: DiffLine[][]): HunkRoutes {
  // Hunks come in file order, so a @Controller seen in an earlier hunk still
  // applies to decorators in later ones.
  const state: NestState = { prefix: undefined };
  const result: HunkRoutes = { routes: [], controllers: [] };
  for (const hunk of hunks) {
    const found = extractRoutes(hunk, state);
    result.routes.push(...found.routes);
    result.controllers.push(...found.controllers);
  }
  return result;
}

/**
 * A changed `@Controller('users')` → `@Controller('accounts')` moves every route of
 * the controller, including those outside the hunks, so a patch alone must flag it.
 */
function controllerRenames(
  path: string,
  base: HunkRoutes["controllers"],
  head: HunkRoutes["controllers"],
): Finding[] {
  const basePrefixes = new Set(base.map((c) => c.prefix));
  const headPrefixes = new Set(head.map((c) => c.prefix));
  const gone = base.filter((c) => !headPrefixes.has(c.prefix));
  const fresh = head.filter((c) => !basePrefixes.has(c.prefix));
  if (gone.length === 0 || fresh.length === 0) return [];
  const now = fresh.map((f) => joinPath(f.prefix, "")).join(", ");
  return gone.map((c) => ({
    kind: "api-breaking" as const,
    path,
    detail: `controller prefix ${joinPath(c.prefix, "")} changed to ${now}: its routes moved`,
    line: fresh[0]?.line ?? c.line,
  }));
}

// ---------------------------------------------------------------------------
// Extraction

interface NestState {
  /** The prefix of the nearest `@Controller` above, or undefined when none was seen. */
  prefix: string | undefined;
}

interface Source {
  /** The text with comments blanked out (same offsets as the original). */
  text: string;
  lineAt(offset: number): number;
}

function sourceOf(lines: DiffLine[]): Source {
  const starts: number[] = [];
  let offset = 0;
  for (const l of lines) {
    starts.push(offset);
    offset += l.text.length + 1;
  }
  const text = blankComments(lines.map((l) => l.text).join("\n"));
  return {
    text,
    lineAt(at: number): number {
      let lo = 0;
      let hi = starts.length - 1;
      while (lo < hi) {
        const mid = (lo + hi + 1) >> 1;
        if ((starts[mid] ?? 0) <= at) lo = mid;
        else hi = mid - 1;
      }
      return lines[lo]?.line ?? 0;
    },
  };
}

function extractRoutes(lines: DiffLine[], nest: NestState): HunkRoutes {
  const source = sourceOf(lines);
  const nestFound = nestRoutes(source, nest);
  return {
    routes: [
      ...callRoutes(source),
      ...chainedRoutes(source),
      ...routeObjects(source),
      ...nestFound.routes,
    ],
    controllers: nestFound.controllers,
  };
}

const METHODS = "get|post|put|patch|delete|del|head|options|all";

/** Optional TypeScript type arguments between a method name and its call: `.get<{ Params: P }>(`. */
const TYPE_ARGS = String.raw`(?:<[^()]{0,200}?>)?`;

/**
 * `<ident>.get('/path', …)`, also Koa-router's named form `router.get('name', '/path', …)`.
 * The literal must start with "/" and be followed by another argument: that rules
 * out `map.get(key)`, `headers.get('accept')` and `cache.get('/users/1')` (one
 * argument). HTTP clients also call `.get('/path', opts)`, so the usual client
 * receivers are excluded by name.
 */
const CALL_ROUTE = new RegExp(
  // The receiver starts where an identifier starts: without the lookbehind a long
  // identifier is re-scanned from each of its characters (quadratic).
  String.raw`(?<![\w$])(?<receiver>[A-Za-z_$][\w$]*)\s*\.\s*(?<method>${METHODS})\s*${TYPE_ARGS}\s*\(\s*` +
    String.raw`(?:(?<nameQuote>['"\x60])[\w.:-]*\k<nameQuote>\s*,\s*)?` +
    String.raw`(?<quote>['"\x60])(?<path>\/[^'"\x60\n]{0,1000})\k<quote>\s*,`,
  "g",
);

/** Names that, as receivers, are HTTP clients, caches or maps, not routers. */
const NON_ROUTER_RECEIVERS = new Set([
  "axios",
  "http",
  "https",
  "httpClient",
  "$http",
  "client",
  "apiClient",
  "superagent",
  "got",
  "ky",
  "fetch",
  "request",
  "cache",
  "redis",
  "map",
  "headers",
  "searchParams",
  "params",
  "storage",
  "localStorage",
  "sessionStorage",
]);

function callRoutes(source: Source): Route[] {
  const routes: Route[] = [];
  for (const m of source.text.matchAll(CALL_ROUTE)) {
    const { receiver = "", method = "", quote, path = "" } = m.groups ?? {};
    if (NON_ROUTER_RECEIVERS.has(receiver)) continue;
    if (quote === "`" && path.includes("${")) continue;
    routes.push(makeRoute(method, path, source.lineAt(m.index)));
  }
  return routes;
}

const ROUTE_CHAIN = /\.\s*route\s*\(\s*(['"`])(\/[^'"`\n]{0,1000})\1\s*\)/g;
const CHAINED_METHOD = new RegExp(String.raw`\s*\.\s*(${METHODS})\s*\(`, "y");

/** `router.route('/users/:id').get(h).put(h).delete(h)`, possibly across lines. */
function chainedRoutes(source: Source): Route[] {
  const routes: Route[] = [];
  // The next chain is looked for after this one's calls (routes are not declared
  // inside handlers), so no part of the text is read twice.
  ROUTE_CHAIN.lastIndex = 0;
  for (let m = ROUTE_CHAIN.exec(source.text); m !== null; m = ROUTE_CHAIN.exec(source.text)) {
    const path = m[2] ?? "";
    let pos = m.index + m[0].length;
    for (;;) {
      CHAINED_METHOD.lastIndex = pos;
      const call = CHAINED_METHOD.exec(source.text);
      if (call === null) break;
      const method = call[1] ?? "";
      routes.push(makeRoute(method, path, source.lineAt(call.index + call[0].indexOf(method))));
      pos = skipBalanced(source.text, call.index + call[0].length - 1);
    }
    ROUTE_CHAIN.lastIndex = pos;
  }
  return routes;
}

const ROUTE_OBJECT = new RegExp(String.raw`\.\s*route\s*${TYPE_ARGS}\s*\(\s*\{`, "g");
const OBJECT_URL = /\b(?:url|path)\s*:\s*(['"`])(\/[^'"`\n]*)\1/;
const OBJECT_METHOD = /\bmethod\s*:\s*(?:(['"`])([A-Za-z]+)\1|\[([^\]]*)\])/;

/** Fastify's full declaration: `fastify.route({ method: 'GET' | [...], url: '/x', … })`. */
function routeObjects(source: Source): Route[] {
  const routes: Route[] = [];
  // The next declaration is looked for after this one's object, so no part of the text is read twice.
  ROUTE_OBJECT.lastIndex = 0;
  for (let m = ROUTE_OBJECT.exec(source.text); m !== null; m = ROUTE_OBJECT.exec(source.text)) {
    const open = m.index + m[0].length - 1;
    const close = skipBalanced(source.text, open);
    ROUTE_OBJECT.lastIndex = close;
    const body = source.text.slice(open, close);
    const url = OBJECT_URL.exec(body)?.[2];
    const methodMatch = OBJECT_METHOD.exec(body);
    if (url === undefined || methodMatch === null) continue;
    const methods =
      methodMatch[2] !== undefined ? [methodMatch[2]] : stringLiterals(methodMatch[3] ?? "");
    for (const method of methods) routes.push(makeRoute(method, url, source.lineAt(m.index)));
  }
  return routes;
}

// Arguments are bounded: an unclosed `@Get(` repeated must not rescan the rest of the file each time.
const NEST_CONTROLLER = /@Controller\s*\(([^)]{0,1000})\)/g;
const NEST_ROUTE = /@(Get|Post|Put|Patch|Delete|Head|Options|All)\s*\(([^)]{0,1000})\)/g;

/**
 * Nest method decorators, each joined with the nearest `@Controller` above it
 * (in this source, else the one carried in `nest` from earlier hunks).
 */
function nestRoutes(source: Source, nest: NestState): HunkRoutes {
  const controllers = [...source.text.matchAll(NEST_CONTROLLER)].map((m) => ({
    offset: m.index,
    prefix: controllerPrefix(m[1] ?? ""),
    line: source.lineAt(m.index),
  }));
  const routes: Route[] = [];
  const carried = nest.prefix;
  let next = 0; // controllers and routes are both in text order
  for (const m of source.text.matchAll(NEST_ROUTE)) {
    while (next < controllers.length && controllers[next]!.offset < m.index) next++;
    const above = controllers[next - 1];
    const prefix = above !== undefined ? above.prefix : carried;
    for (const path of decoratorPaths(m[2] ?? "")) {
      routes.push(
        makeRoute(
          m[1] ?? "",
          joinPath(prefix ?? "", path),
          source.lineAt(m.index),
          prefix !== undefined,
        ),
      );
    }
  }
  const last = controllers[controllers.length - 1];
  if (last !== undefined) nest.prefix = last.prefix;
  return { routes, controllers: controllers.map(({ prefix, line }) => ({ prefix, line })) };
}

/** `@Controller('users')`, `@Controller({ path: 'users', version: '1' })`, `@Controller()`. */
function controllerPrefix(args: string): string {
  const named = /\bpath\s*:\s*(['"`])([^'"`]*)\1/.exec(args);
  if (named) return named[2] ?? "";
  return stringLiterals(args)[0] ?? "";
}

/** `@Get()` → [""], `@Get(':id')` → [":id"], `@Get(['a', 'b'])` → both, `@Get(PATHS.x)` → ["<PATHS.x>"]. */
function decoratorPaths(args: string): string[] {
  const trimmed = args.trim();
  if (trimmed === "") return [""];
  const literals = stringLiterals(trimmed);
  // A constant is still a route; name it by its expression so it has an identity.
  return literals.length > 0 ? literals : [`<${trimmed}>`];
}

function stringLiterals(text: string): string[] {
  return [...text.matchAll(/(['"`])([^'"`]*)\1/g)].map((m) => m[2] ?? "");
}

function joinPath(prefix: string, path: string): string {
  const parts = [prefix, path].map((p) => p.replace(/^\/+|\/+$/g, "")).filter((p) => p !== "");
  return `/${parts.join("/")}`;
}

// ---------------------------------------------------------------------------
// Lexical helpers

/** Longest declaration read past its opening bracket: an unclosed one must not rescan the file for every match. */
const MAX_DECLARATION = 20_000;

/** Index just past the bracket matching the one at `open` (or the end of the text, or MAX_DECLARATION further). */
function skipBalanced(text: string, open: number): number {
  let depth = 0;
  let i = open;
  const end = Math.min(text.length, open + MAX_DECLARATION);
  while (i < end) {
    const c = text[i];
    if (c === "'" || c === '"' || c === "`") {
      i = stringEnd(text, i, end);
      continue;
    }
    if (c === "(" || c === "[" || c === "{") depth++;
    else if (c === ")" || c === "]" || c === "}") {
      depth--;
      if (depth === 0) return i + 1;
    }
    i++;
  }
  return Math.min(i, text.length);
}

function stringEnd(text: string, start: number, end = text.length): number {
  const quote = text[start];
  let i = start + 1;
  while (i < end) {
    const c = text[i];
    if (c === "\\") i += 2;
    else if (c === quote) return i + 1;
    else if (c === "\n" && quote !== "`") return i;
    else i++;
  }
  return end === text.length ? text.length : Math.min(i, text.length);
}

/**
 * Replaces comments with spaces (keeping newlines and offsets), so that a route
 * commented out counts as removed and `// app.get('/x', h)` in docs is ignored.
 */
export function blankComments(text: string): string {
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    const next = text[i + 1];
    if (c === "/" && (next === "/" || next === "*")) {
      const end = next === "/" ? lineEnd(text, i) : blockEnd(text, i);
      out.push(text.slice(i, end).replace(/[^\n]/g, " "));
      i = end;
    } else if (c === "'" || c === '"' || c === "`") {
      const end = stringEnd(text, i);
      out.push(text.slice(i, end));
      i = end;
    } else {
      out.push(c ?? "");
      i++;
    }
  }
  return out.join("");
}

function lineEnd(text: string, from: number): number {
  const end = text.indexOf("\n", from);
  return end === -1 ? text.length : end;
}

function blockEnd(text: string, from: number): number {
  const end = text.indexOf("*/", from + 2);
  return end === -1 ? text.length : end + 2;
}
