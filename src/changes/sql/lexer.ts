/**
 * Reading SQL for the sql-migration detector: a lexer that knows comments, strings,
 * quoted identifiers and dollar-quoted bodies in the standard and MySQL readings;
 * statements split on `;` and `GO`; and a cursor that statement classifiers
 * (classify.ts) read names, keywords and parenthesised groups with.
 */
// ---------------------------------------------------------------------------
// Lexer: comments, strings, quoted identifiers and dollar-quoted bodies
// ---------------------------------------------------------------------------

/** Standard SQL (PostgreSQL, SQLite, SQL Server) or MySQL's reading of quotes and comments. */
export type Dialect = "standard" | "mysql";

type TokenType = "word" | "ident" | "string" | "number" | "dollar" | "punct";

export interface Token {
  type: TokenType;
  /** word: as written; ident: the name without quotes; string/dollar: the content; punct: the character. */
  value: string;
  /** Uppercased value of a word, for keyword matching; "" for other tokens. */
  upper: string;
  line: number;
  /** Dollar-quoted bodies: the line the body starts on. */
  bodyLine?: number;
}

export interface Unterminated {
  what: string;
  line: number;
}

export interface Lexed {
  tokens: Token[];
  unterminated?: Unterminated;
}

const WORD_START = /[A-Za-z_\u0080-\uffff]/;
const WORD_CHAR = /[A-Za-z0-9_$\u0080-\uffff]/;
const DOLLAR_TAG = /\$(?:[A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/y;
const BRACKET_IDENT = /\[([A-Za-z_][^\]\n'"]*)\]/y;
const OPERATOR_CHARS = "+-*/<>=~!@#%^&|?:";
/** Prefixes that turn '...' into a special string literal: E'' escapes, N'' (SQL Server), B'', X'', U&''. */
const STRING_PREFIX = /^(?:E|N|B|X|U&)$/i;

/**
 * Splits SQL text into tokens, dropping `--` and (nested) `/* *\/` comments.
 * Never fails: an unterminated string/comment runs to the end and is reported.
 * In the MySQL reading, a backslash escapes the next character in '…' and "…",
 * `#` starts a comment, and `/*!…*\/` is not a comment: MySQL runs its content.
 */
export function lexSql(text: string, firstLine: number, dialect: Dialect = "standard"): Lexed {
  const mysql = dialect === "mysql";
  let inExecutableComment = false;
  const tokens: Token[] = [];
  let unterminated: Unterminated | undefined;
  let i = 0;
  let line = firstLine;
  const push = (type: TokenType, value: string, at: number, bodyLine?: number): void => {
    const token: Token = {
      type,
      value,
      upper: type === "word" ? value.toUpperCase() : "",
      line: at,
    };
    if (bodyLine !== undefined) token.bodyLine = bodyLine;
    tokens.push(token);
  };
  /** Moves to `end`, counting the newlines passed over. */
  const advanceTo = (end: number): void => {
    for (; i < end; i++) if (text[i] === "\n") line++;
  };
  const quoted = (
    start: number,
    quote: string,
    backslashes: boolean,
    what: string,
    type: TokenType,
  ): void => {
    const at = line;
    const read = readQuoted(text, start, quote, backslashes);
    if (!read.closed) unterminated ??= { what, line: at };
    advanceTo(read.end);
    push(type, read.value, at);
  };

  while (i < text.length) {
    const c = text[i]!;
    const next = text[i + 1];
    if (c === "\n") {
      line++;
      i++;
    } else if (/\s/.test(c)) {
      i++;
    } else if ((c === "-" && next === "-") || (mysql && c === "#")) {
      const end = text.indexOf("\n", i);
      i = end === -1 ? text.length : end;
    } else if (mysql && c === "/" && next === "*" && text[i + 2] === "!") {
      // `/*!50100 … */`: MySQL runs the content when its version is at least the number.
      inExecutableComment = true;
      i += 3;
      while (i < text.length && /[0-9]/.test(text[i]!)) i++;
    } else if (inExecutableComment && c === "*" && next === "/") {
      inExecutableComment = false;
      i += 2;
    } else if (c === "/" && next === "*") {
      const at = line;
      const end = blockCommentEnd(text, i);
      if (end === -1) unterminated ??= { what: "block comment", line: at };
      advanceTo(end === -1 ? text.length : end);
    } else if (c === "'") {
      quoted(i, "'", mysql, "string", "string");
    } else if (c === '"') {
      // MySQL reads "…" as a string (with backslash escapes) unless ANSI_QUOTES is set.
      quoted(i, '"', mysql, "quoted identifier", "ident");
    } else if (c === "`") {
      quoted(i, "`", false, "quoted identifier", "ident");
    } else if (c === "$" && matchAt(DOLLAR_TAG, text, i) !== undefined) {
      const tag = matchAt(DOLLAR_TAG, text, i)![0];
      const at = line;
      const close = text.indexOf(tag, i + tag.length);
      if (close === -1) unterminated ??= { what: `dollar-quoted body ${tag}`, line: at };
      const bodyEnd = close === -1 ? text.length : close;
      const body = text.slice(i + tag.length, bodyEnd);
      advanceTo(i + tag.length);
      const bodyLine = line;
      advanceTo(close === -1 ? text.length : close + tag.length);
      push("dollar", body, at, bodyLine);
    } else if (c === "[" && matchAt(BRACKET_IDENT, text, i) !== undefined) {
      const m = matchAt(BRACKET_IDENT, text, i)!;
      push("ident", m[1]!, line);
      i += m[0].length;
    } else if (WORD_START.test(c)) {
      let end = i + 1;
      while (end < text.length && WORD_CHAR.test(text[end]!)) end++;
      if (text[end] === "&" && text[end + 1] === "'") end++; // U&'...'
      const word = text.slice(i, end);
      if (text[end] === "'" && STRING_PREFIX.test(word)) {
        quoted(end, "'", word.toUpperCase() === "E", "string", "string");
      } else {
        push("word", word, line);
        i = end;
      }
    } else if (/[0-9]/.test(c)) {
      let end = i + 1;
      while (end < text.length && /[0-9.eE]/.test(text[end]!)) end++;
      push("number", text.slice(i, end), line);
      i = end;
    } else if (OPERATOR_CHARS.includes(c)) {
      // Operators are one token (`<=`, `::`), stopping before a comment opener.
      let end = i + 1;
      while (
        end < text.length &&
        OPERATOR_CHARS.includes(text[end]!) &&
        !/^(--|\/\*)/.test(text.slice(end, end + 2))
      )
        end++;
      push("punct", text.slice(i, end), line);
      i = end;
    } else {
      push("punct", c, line);
      i++;
    }
  }
  return unterminated ? { tokens, unterminated } : { tokens };
}

function matchAt(pattern: RegExp, text: string, index: number): RegExpExecArray | undefined {
  pattern.lastIndex = index;
  return pattern.exec(text) ?? undefined;
}

/** Reads a quoted run starting at `start` (the opening quote); a doubled quote is an escaped quote. */
function readQuoted(
  text: string,
  start: number,
  quote: string,
  backslashes: boolean,
): { value: string; end: number; closed: boolean } {
  let value = "";
  let i = start + 1;
  while (i < text.length) {
    const c = text[i]!;
    if (backslashes && c === "\\" && i + 1 < text.length) {
      value += text[i + 1];
      i += 2;
    } else if (c === quote && text[i + 1] === quote) {
      value += quote;
      i += 2;
    } else if (c === quote) {
      return { value, end: i + 1, closed: true };
    } else {
      value += c;
      i++;
    }
  }
  return { value, end: text.length, closed: false };
}

/** Index just past the `*\/` closing the comment opened at `start` (PostgreSQL nests them), or -1. */
function blockCommentEnd(text: string, start: number): number {
  let depth = 0;
  let i = start;
  while (i < text.length) {
    if (text.startsWith("/*", i)) {
      depth++;
      i += 2;
    } else if (text.startsWith("*/", i)) {
      depth--;
      i += 2;
      if (depth === 0) return i;
    } else {
      i++;
    }
  }
  return -1;
}

// ---------------------------------------------------------------------------
// Statements
// ---------------------------------------------------------------------------

export interface Statement {
  tokens: Token[];
  /** Line of the first token. */
  line: number;
  /** Line of the terminating `;` (or of the last token). */
  endLine: number;
}

/**
 * Splits on `;` and on SQL Server's `GO` batch separator (a line holding only GO).
 * A psql meta-command (`\set`, `\i file`, `\gexec`) is a statement of its own that
 * ends with its line, so it cannot swallow the statement after it.
 */
export function splitStatements(tokens: Token[]): Statement[] {
  const statements: Statement[] = [];
  let current: Token[] = [];
  let metaLine: number | undefined;
  const flush = (endLine: number): void => {
    if (current.length > 0) statements.push({ tokens: current, line: current[0]!.line, endLine });
    current = [];
    metaLine = undefined;
  };
  tokens.forEach((token, k) => {
    if (metaLine !== undefined && token.line !== metaLine) flush(metaLine);
    if (token.type === "punct" && token.value === "\\") {
      flush(token.line);
      metaLine = token.line;
    }
    if ((token.type === "punct" && token.value === ";") || isBatchSeparator(tokens, k))
      flush(token.line);
    else current.push(token);
  });
  const last = tokens[tokens.length - 1];
  if (last) flush(last.line);
  return statements;
}

function isBatchSeparator(tokens: Token[], k: number): boolean {
  const token = tokens[k]!;
  if (token.type !== "word" || token.upper !== "GO") return false;
  const before = tokens[k - 1];
  const after = tokens[k + 1];
  return (
    (before === undefined || before.line < token.line) &&
    (after === undefined || after.line > token.line)
  );
}

/** Splits tokens on a punctuation character outside parentheses (ALTER TABLE actions, column lists). */
export function splitTopLevel(tokens: Token[], separator: string): Token[][] {
  const parts: Token[][] = [[]];
  let depth = 0;
  for (const t of tokens) {
    if (t.type === "punct" && t.value === "(") depth++;
    if (t.type === "punct" && t.value === ")") depth = Math.max(0, depth - 1);
    if (depth === 0 && t.type === "punct" && t.value === separator) parts.push([]);
    else parts[parts.length - 1]!.push(t);
  }
  return parts.filter((p) => p.length > 0);
}

/** The tokens outside any parentheses (so CHECK (x IS NOT NULL) is not a NOT NULL column). */
export function topLevelTokens(tokens: Token[]): Token[] {
  const out: Token[] = [];
  let depth = 0;
  for (const t of tokens) {
    if (t.type === "punct" && t.value === "(") depth++;
    else if (t.type === "punct" && t.value === ")") depth = Math.max(0, depth - 1);
    else if (depth === 0) out.push(t);
  }
  return out;
}

export function hasWords(tokens: Token[], ...words: string[]): boolean {
  return tokens.some((_, k) => words.every((w, j) => tokens[k + j]?.upper === w));
}

/** A readable rendering of tokens for details: `VARCHAR(100)`, `"a", "b"`. */
export function render(tokens: Token[]): string {
  let out = "";
  let previous: Token | undefined;
  for (const t of tokens) {
    const text =
      t.type === "ident" ? `"${t.value}"` : t.type === "string" ? `'${t.value}'` : t.value;
    const tight =
      previous === undefined ||
      (t.type === "punct" && [")", ",", ".", "(", "::"].includes(t.value)) ||
      (previous.type === "punct" && ["(", ".", "::"].includes(previous.value));
    out += (tight ? "" : " ") + text;
    if (t.type === "punct" && t.value === ",") out += " ";
    previous = t;
  }
  return out.replace(/ {2,}/g, " ").trim();
}

// ---------------------------------------------------------------------------
// A cursor over one statement's tokens
// ---------------------------------------------------------------------------

export type Name = string[];

export class Cursor {
  pos = 0;
  constructor(readonly tokens: readonly Token[]) {}

  peek(offset = 0): Token | undefined {
    return this.tokens[this.pos + offset];
  }

  /** Whether the next tokens are exactly these keywords (not consumed). */
  is(...words: string[]): boolean {
    return words.every((w, k) => this.peek(k)?.upper === w);
  }

  /** Consumes the keywords if the next tokens are exactly these. */
  accept(...words: string[]): boolean {
    if (!this.is(...words)) return false;
    this.pos += words.length;
    return true;
  }

  acceptOneOf(...words: string[]): string | undefined {
    const t = this.peek();
    if (t?.type === "word" && words.includes(t.upper)) {
      this.pos++;
      return t.upper;
    }
    return undefined;
  }

  /** A possibly schema-qualified name: `"public"."User"`, `dbo.[User]`, `users`. */
  name(): Name | undefined {
    const parts: string[] = [];
    for (;;) {
      const t = this.peek();
      if (!t || (t.type !== "word" && t.type !== "ident")) break;
      parts.push(t.value);
      this.pos++;
      if (!(
        this.peek()?.type === "punct" &&
        this.peek()?.value === "." &&
        isNameToken(this.peek(1))
      ))
        break;
      this.pos++;
    }
    return parts.length > 0 ? parts : undefined;
  }

  /** The tokens of a parenthesised group at the cursor (without the parentheses), consumed. */
  group(): Token[] | undefined {
    if (!(this.peek()?.type === "punct" && this.peek()?.value === "(")) return undefined;
    let depth = 0;
    const start = this.pos;
    for (; this.pos < this.tokens.length; this.pos++) {
      const t = this.tokens[this.pos]!;
      if (t.type === "punct" && t.value === "(") depth++;
      if (t.type === "punct" && t.value === ")" && --depth === 0) {
        this.pos++;
        return this.tokens.slice(start + 1, this.pos - 1);
      }
    }
    return this.tokens.slice(start + 1);
  }

  rest(): Token[] {
    const rest = this.tokens.slice(this.pos);
    this.pos = this.tokens.length;
    return rest;
  }
}

export function isNameToken(t: Token | undefined): boolean {
  return t !== undefined && (t.type === "word" || t.type === "ident");
}

export function q(name: Name): string {
  return name.map((part) => `"${part}"`).join(".");
}

/** Tables are matched on their unqualified name, case-insensitively (as unquoted SQL folds them). */
export function tableKey(name: Name): string {
  return (name[name.length - 1] ?? "").toLowerCase();
}
