/**
 * TypeScript (and JavaScript) read with the compiler's own parser, for the
 * detectors that compare code contracts (DTOs, exported interfaces, Socket.IO
 * events) by their syntax tree rather than by patterns over the text.
 *
 * The `typescript` package is about 9 MB of JavaScript and takes most of a
 * second to load, so it is loaded on the first file that needs it (through
 * `createRequire`, which the bundle leaves alone, or the loader a bundle without
 * node_modules sets, see useTypeScriptLoader): a CLI command or a pull request
 * that reads no TypeScript contract never pays for it.
 *
 * The parser is recursive: a few hundred nested brackets overflow the stack,
 * which an author controls. Text nested deeper than any real source is refused
 * before it is parsed, a stack overflow that still happens is caught, and a file
 * with syntax errors is refused too (what it declares cannot be known). Each
 * refusal is a reason the detector reports as a conservative finding.
 */
import { createRequire } from "node:module";
import type TS from "typescript";

export type TypeScriptApi = typeof TS;

/** Loads the compiler; throws when it cannot (the file is then refused with the reason). */
export type TypeScriptLoader = () => TypeScriptApi;

/** The App and the CLI: the `typescript` package of node_modules. */
function fromNodeModules(): TypeScriptApi {
  // A name other than `require`: the bundler must not mistake this for a static import to inline.
  const requireFromHere = createRequire(import.meta.url);
  return requireFromHere("typescript") as TypeScriptApi;
}

let loader: TypeScriptLoader = fromNodeModules;
let api: TypeScriptApi | undefined;

/**
 * Where the compiler comes from, for a bundle that carries no node_modules:
 * the GitHub Action loads its own chunk of it (src/action/run.ts). Set before
 * the first file is read; still lazy, the loader runs on the first file that
 * needs the compiler.
 */
export function useTypeScriptLoader(load: TypeScriptLoader): void {
  loader = load;
  api = undefined;
}

/** The compiler API, loaded once on first use. */
export function typescript(): TypeScriptApi {
  api ??= loader();
  return api;
}

/** Whether the compiler has been loaded (for tests proving that it is loaded lazily). */
export function typescriptLoaded(): boolean {
  return api !== undefined;
}

/** Deepest bracket nesting read; real contracts nest a handful deep, the parser overflows at a few hundred. */
export const MAX_NESTING = 128;

export interface ParsedSource {
  ts: TypeScriptApi;
  source: TS.SourceFile;
  /** 1-based line of a node's first token. */
  lineOf(node: TS.Node): number;
  /** A node's text as the compiler prints it, whitespace collapsed: formatting never reads as a change. */
  print(node: TS.Node): string;
}

export type ParseResult =
  { ok: true; parsed: ParsedSource } | { ok: false; message: string; line?: number };

const SCRIPT_EXTENSIONS = /\.([cm]?[jt]sx?)$/i;

/** Parses one version of a file; never throws. `side` names it in the reason ("base", "head"). */
export function parseSource(path: string, text: string, side: string): ParseResult {
  const depth = nestingDepth(text);
  if (depth !== undefined) {
    return {
      ok: false,
      message: `the ${side} version nests brackets more than ${MAX_NESTING} deep at line ${depth.line} (not read)`,
      line: depth.line,
    };
  }
  let ts: TypeScriptApi;
  try {
    ts = typescript();
  } catch (error) {
    // No compiler (node_modules or the Action's chunk missing): the file stays unread, never passes unseen.
    return {
      ok: false,
      message: `the TypeScript compiler could not be loaded (${error instanceof Error ? error.message.split("\n")[0] : String(error)})`,
    };
  }
  let source: TS.SourceFile;
  try {
    source = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true, scriptKind(ts, path));
  } catch (error) {
    // A RangeError (stack overflow) on nesting the pre-check did not count, e.g. `x => x => …`.
    return {
      ok: false,
      message: `the ${side} version could not be parsed (${error instanceof Error ? error.message : String(error)})`,
    };
  }
  const diagnostics =
    (source as unknown as { parseDiagnostics?: readonly TS.DiagnosticWithLocation[] })
      .parseDiagnostics ?? [];
  const first = diagnostics[0];
  if (first !== undefined) {
    const line = source.getLineAndCharacterOfPosition(first.start).line + 1;
    const message = ts.flattenDiagnosticMessageText(first.messageText, " ");
    return {
      ok: false,
      message: `the ${side} version has a syntax error at line ${line}: ${message}`,
      line,
    };
  }
  const printer = ts.createPrinter({ removeComments: true, newLine: ts.NewLineKind.LineFeed });
  return {
    ok: true,
    parsed: {
      ts,
      source,
      lineOf: (node) => source.getLineAndCharacterOfPosition(node.getStart(source)).line + 1,
      print: (node) => normaliseText(printer.printNode(ts.EmitHint.Unspecified, node, source)),
    },
  };
}

/**
 * Whitespace collapsed, none beside punctuation, one quote style: `{ a: 'x'; }`
 * and `{a:"x"}` read the same.
 */
export function normaliseText(text: string): string {
  return text
    .replace(/'/g, '"')
    .replace(/\s+/g, " ")
    .replace(/ ?([{}()[\]<>;:,|&=?]) ?/g, "$1")
    .replace(/;}/g, "}")
    .trim();
}

function scriptKind(ts: TypeScriptApi, path: string): TS.ScriptKind {
  const ext = SCRIPT_EXTENSIONS.exec(path)?.[1]?.toLowerCase() ?? "ts";
  const javascript = ext.includes("j");
  if (ext.endsWith("x")) return javascript ? ts.ScriptKind.JSX : ts.ScriptKind.TSX;
  return javascript ? ts.ScriptKind.JS : ts.ScriptKind.TS;
}

/**
 * The first place brackets nest deeper than MAX_NESTING, if any. Strings and
 * comments are skipped roughly (a template's `${` counts as a bracket); counting
 * too many only refuses a file that no one writes.
 */
function nestingDepth(text: string): { line: number } | undefined {
  let depth = 0;
  let line = 1;
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === "\n") line++;
    else if (c === "/" && text[i + 1] === "/") {
      const end = text.indexOf("\n", i);
      i = end === -1 ? text.length : end;
      continue;
    } else if (c === "/" && text[i + 1] === "*") {
      const end = text.indexOf("*/", i + 2);
      const stop = end === -1 ? text.length : end + 2;
      for (let j = i; j < stop; j++) if (text[j] === "\n") line++;
      i = stop;
      continue;
    } else if (c === "'" || c === '"') {
      i++;
      while (i < text.length && text[i] !== c && text[i] !== "\n") i += text[i] === "\\" ? 2 : 1;
    } else if (c === "(" || c === "[" || c === "{") {
      if (++depth > MAX_NESTING) return { line };
    } else if (c === ")" || c === "]" || c === "}") depth = Math.max(0, depth - 1);
    i++;
  }
  return undefined;
}
