/**
 * Reading YAML a pull request controls in bounded time.
 *
 * The yaml package copies source context into every error when `prettyErrors` is
 * on, which is quadratic in the number of errors (100 KB of `"` took 17 s), so
 * errors are located here instead. And `toJS()` turns a collection used as a
 * mapping key into a string once per enclosing level: 800 bytes of nested `{…}`
 * ran for minutes. No manifest, OpenAPI document or workflow has such a key, so
 * a document with one is refused before `toJS()`. Deeply nested flow
 * collections (`[[[[…`) cost hundreds of megabytes to parse, so text nested
 * deeper than any real document is refused before parsing.
 */
import { isCollection, visit, type Document, type LineCounter, type YAMLError } from "yaml";

/** Options for parseDocument / parseAllDocuments on untrusted text. */
export const UNTRUSTED_YAML = { prettyErrors: false } as const;

/** `message at line L, column C`, as prettyErrors would have started it. */
export function describeYamlError(error: YAMLError, lineCounter: LineCounter): string {
  const { line, col } = lineCounter.linePos(error.pos[0]);
  return `${error.message} at line ${line}, column ${col}`;
}

/** Deeper than any manifest, OpenAPI document or workflow nests `[` and `{`. */
export const MAX_FLOW_DEPTH = 256;

/**
 * Why the text must not be parsed, or undefined when it may: flow brackets
 * nested deeper than MAX_FLOW_DEPTH. Brackets in strings and comments count too,
 * which can only refuse a document, never let a deep one through.
 */
export function tooDeepToParse(text: string): string | undefined {
  let depth = 0;
  let line = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 10) line++;
    else if (c === 91 || c === 123) {
      if (++depth > MAX_FLOW_DEPTH)
        return `brackets nested more than ${MAX_FLOW_DEPTH} deep at line ${line} (not read)`;
    } else if ((c === 93 || c === 125) && depth > 0) depth--;
  }
  return undefined;
}

/** Why `toJS()` must not be called on the document, or undefined when it may. */
export function unsafeForToJS(doc: Document, lineCounter: LineCounter): string | undefined {
  let offset: number | undefined;
  visit(doc, {
    Pair(_, pair) {
      if (!isCollection(pair.key)) return undefined;
      offset = pair.key.range?.[0] ?? 0;
      return visit.BREAK;
    },
  });
  if (offset === undefined) return undefined;
  return `a mapping key that is itself a mapping or list at line ${lineCounter.linePos(offset).line} (not read)`;
}
