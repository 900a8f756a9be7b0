/**
 * Breaking changes to API contracts written in TypeScript: NestJS request and
 * response DTOs, and the exported interfaces and types of an API module. A route
 * can stay where it is while what it accepts or returns changes under it; the
 * OpenAPI document is often generated from exactly these classes, after merge.
 *
 * Base and head are parsed with the TypeScript compiler (typescript-source.ts)
 * and compared declaration by declaration, by name. `api-breaking`:
 * - an exported class, interface, type or enum removed, renamed (a new one with
 *   the same members is named as the new name) or no longer exported;
 * - a field removed, or retyped (types compared as the compiler prints them,
 *   whitespace and quotes normalised), or what a class extends changed;
 * - for a type a client sends (a request): an optional field made required, a
 *   required field added, a class-validator rule added or its arguments changed
 *   (a request valid yesterday is refused today);
 * - for a type a client receives (a response): a required field made optional
 *   (clients read it unconditionally);
 * - when it cannot tell which (an interface named neither way), both;
 * - an enum member removed or its value changed; a type alias that is not an
 *   object type changed at all.
 * Adding an optional field, a new declaration, or loosening a rule is not breaking.
 *
 * A class is a request when class-validator decorates its fields (the pipe that
 * validates input is what reads them) or its name says so (`CreateMessageDto`,
 * `*Request`, `*Query`, `*Params`, `*Input`); a response when its name says so
 * (`*Response`, `*Result`, `*View`, `*Entity`).
 *
 * Which files (appliesTo): every file read costs two content fetches, and
 * services or modules are not wire contracts, so only the names the NestJS CLI
 * and common layouts give contracts are read — `*.dto.ts`, `*.request.ts`,
 * `*.response.ts`, anything under `dto/`/`dtos/`; `*.interface(s).ts`, anything
 * under `interfaces/`, `contracts/`; `*.types.ts`/`types.ts` under `api/` or
 * `modules/`, or named after its module's folder (`chat/chat.types.ts`). Tests
 * and mocks are skipped. Contracts elsewhere reach reviewers through the route
 * and OpenAPI detectors, or the `breaking-change` label.
 *
 * A file that cannot be read (content not loaded, a syntax error, nesting no
 * source has) is `api-breaking`, marked conservative, with the reason.
 * Known limitation: a contract moved to another file reads as removed here.
 */
import type TS from "typescript";
import type { ChangedFile, DetectionResult, Detector, Finding } from "./types.js";
import { parseSource, type ParsedSource } from "./typescript-source.js";
import { unreadContent } from "./unread.js";

const DETECTOR_ID = "typescript-contracts";

const TYPESCRIPT_FILE = /\.[cm]?ts$/i;
const TEST_FILE =
  /(?:^|\/)(?:__tests__|__mocks__|__fixtures__|test|tests|e2e)\/|\.(?:spec|test|e2e-spec|mock|stub)\.[cm]?ts$/i;
const CONTRACT_NAME = /\.(?:dto|request|response|interfaces?)\.(?:d\.)?[cm]?ts$/i;
const CONTRACT_DIR = new Set(["dto", "dtos", "interfaces", "contracts", "contract"]);
const TYPES_NAME = /^(?:(.+)\.)?types\.(?:d\.)?[cm]?ts$/i;
const API_DIR = new Set(["api", "apis", "modules"]);

export function isContractFile(path: string): boolean {
  if (!TYPESCRIPT_FILE.test(path) || TEST_FILE.test(path)) return false;
  const segments = path.split("/");
  const name = segments[segments.length - 1] ?? "";
  const dirs = segments.slice(0, -1);
  if (CONTRACT_NAME.test(name) || dirs.some((d) => CONTRACT_DIR.has(d))) return true;
  const types = TYPES_NAME.exec(name);
  if (types === null) return false;
  // `chat/chat.types.ts`: a NestJS module's own types, beside chat.controller.ts.
  return (
    dirs.some((d) => API_DIR.has(d)) ||
    (types[1] !== undefined && types[1] === dirs[dirs.length - 1])
  );
}

export const typescriptContractsDetector: Detector = {
  id: DETECTOR_ID,
  kinds: ["api-breaking"],
  appliesTo: isContractFile,
  needsContent: true,
  // A contract is a few KB; both versions of a 60 KB file fit. The compiler reads hostile
  // text (an error on every character) at about 100 KB a second on a busy machine.
  maxInput: 128 * 1024,
  detect(file) {
    try {
      return detectContracts(file);
    } catch (error) {
      // Detectors must never throw; an unexpected failure is reported like an unreadable file.
      return unreadable(
        file,
        `unexpected error: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  },
};

function detectContracts(file: ChangedFile): DetectionResult {
  // An added file has no base and a removed one no head, whether or not the caller said so.
  const base = file.base === undefined && file.status === "added" ? null : file.base;
  const head = file.head === undefined && file.status === "removed" ? null : file.head;
  if (base === undefined || head === undefined) {
    const unread = unreadContent(file);
    // Without both versions only a pure rename is known to declare what it declared.
    return unread === undefined ? { findings: [], problems: [] } : unreadable(file, unread);
  }
  if (base === null) return { findings: [], problems: [] }; // a new file only adds contracts
  const before = readContracts(file.previousPath ?? file.path, base, "base");
  if (!before.ok) return unreadable(file, before.message, before.line);
  const after =
    head === null
      ? { ok: true as const, contracts: new Map<string, Contract>() }
      : readContracts(file.path, head, "head");
  if (!after.ok) return unreadable(file, after.message, after.line);
  const findings = compareContracts(before.contracts, after.contracts).map((c): Finding => ({
    kind: "api-breaking",
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
        kind: "api-breaking",
        path: file.path,
        detail: `could not compare the contracts it declares (${message}); assuming a breaking change`,
        ...(line === undefined ? {} : { line }),
        conservative: true,
      },
    ],
    problems: [{ path: file.path, detector: DETECTOR_ID, message }],
  };
}

// ---------------------------------------------------------------------------
// The contract model

/** Who sends values of a type over the wire, which decides what breaks them. */
type Role = "request" | "response" | "either";

interface Field {
  name: string;
  /** Printed type (normalised); for a field without an annotation, what its initializer implies. */
  type: string;
  optional: boolean;
  /** class-validator decorators by name → printed arguments. */
  rules: Map<string, string>;
  line: number;
}

interface Contract {
  name: string;
  kind: "class" | "interface" | "type" | "enum";
  exported: boolean;
  role: Role;
  /** Fields of a class, interface or object type; enum members (value as `type`). */
  fields: Map<string, Field>;
  /** `extends …` of a class or interface; the whole type of an alias that is not an object type. */
  shape: string;
  line: number;
}

type ReadResult =
  { ok: true; contracts: Map<string, Contract> } | { ok: false; message: string; line?: number };

function readContracts(path: string, text: string, side: string): ReadResult {
  const result = parseSource(path, text, side);
  if (!result.ok) return result;
  return { ok: true, contracts: contractsOf(result.parsed) };
}

/** Decorators of class-validator (the rules the validation pipe applies to a request). */
const VALIDATOR =
  /^(?:Is[A-Z]\w*|Min|Max|MinLength|MaxLength|Length|Matches|Contains|NotContains|Equals|NotEquals|Allow|ValidateNested|ValidateIf|ValidateBy|Validate|Array(?:Contains|NotContains|NotEmpty|MinSize|MaxSize|Unique)|MinDate|MaxDate)$/;
/** Swagger's property decorators: a class carrying them documents a contract. */
const API_PROPERTY = new Set([
  "ApiProperty",
  "ApiPropertyOptional",
  "ApiHideProperty",
  "ApiResponseProperty",
]);

const REQUEST_NAME =
  /^(?:Create|Update|Patch|Upsert|Delete|Send|Edit|Add|Remove|Register|Login|Set|Search|Join|Leave|Invite)[A-Z]|(?:Request|Input|Query|Params|Body|Args|Command)(?:Dto)?$/;
const RESPONSE_NAME = /(?:Response|Result|Reply|View|Entity|Output)(?:Dto)?$/;

function contractsOf(parsed: ParsedSource): Map<string, Contract> {
  const { ts, source } = parsed;
  const exportedNames = new Set<string>();
  for (const statement of source.statements) {
    // `export { A, B as C }` exports local declarations written without `export`.
    if (
      ts.isExportDeclaration(statement) &&
      statement.moduleSpecifier === undefined &&
      statement.exportClause !== undefined &&
      ts.isNamedExports(statement.exportClause)
    ) {
      for (const e of statement.exportClause.elements)
        exportedNames.add((e.propertyName ?? e.name).text);
    }
  }
  const contracts = new Map<string, Contract>();
  const add = (contract: Contract | undefined) => {
    if (contract !== undefined && !contracts.has(contract.name))
      contracts.set(contract.name, contract);
  };
  for (const statement of source.statements) {
    const name = (statement as { name?: TS.Node }).name;
    if (name === undefined || !ts.isIdentifier(name)) continue;
    const exported = hasExportModifier(ts, statement) || exportedNames.has(name.text);
    if (ts.isClassDeclaration(statement))
      add(classContract(parsed, statement, name.text, exported));
    else if (ts.isInterfaceDeclaration(statement) && exported)
      add(interfaceContract(parsed, statement, name.text));
    else if (ts.isTypeAliasDeclaration(statement) && exported)
      add(aliasContract(parsed, statement, name.text));
    else if (ts.isEnumDeclaration(statement) && exported)
      add(enumContract(parsed, statement, name.text));
  }
  return contracts;
}

function hasExportModifier(ts: ParsedSource["ts"], node: TS.Node): boolean {
  return (
    ts.canHaveModifiers(node) &&
    (ts.getModifiers(node) ?? []).some((m) => m.kind === ts.SyntaxKind.ExportKeyword)
  );
}

function decoratorsOf(
  parsed: ParsedSource,
  node: TS.Node,
): { name: string; args: string; call?: TS.CallExpression }[] {
  const { ts } = parsed;
  if (!ts.canHaveDecorators(node)) return [];
  return (ts.getDecorators(node) ?? []).flatMap((d) => {
    const expr = d.expression;
    const callee = ts.isCallExpression(expr) ? expr.expression : expr;
    const name = ts.isIdentifier(callee)
      ? callee.text
      : ts.isPropertyAccessExpression(callee)
        ? callee.name.text
        : undefined;
    if (name === undefined) return [];
    const args = ts.isCallExpression(expr)
      ? expr.arguments.map((a) => parsed.print(a)).join(",")
      : "";
    return [{ name, args, ...(ts.isCallExpression(expr) ? { call: expr } : {}) }];
  });
}

function classContract(
  parsed: ParsedSource,
  node: TS.ClassDeclaration,
  name: string,
  exported: boolean,
): Contract | undefined {
  const { ts } = parsed;
  const fields = new Map<string, Field>();
  let validated = false;
  let documented = false;
  for (const member of node.members) {
    if (!ts.isPropertyDeclaration(member) || !isPublicInstance(ts, member)) continue;
    const key = memberName(parsed, member.name);
    const decorators = decoratorsOf(parsed, member);
    const rules = new Map(
      decorators
        .filter((d) => VALIDATOR.test(d.name) && d.name !== "IsOptional" && d.name !== "ValidateIf")
        .map((d) => [d.name, d.args]),
    );
    validated ||= decorators.some((d) => VALIDATOR.test(d.name));
    documented ||= decorators.some((d) => API_PROPERTY.has(d.name));
    // What the validation pipe enforces decides for a validated field: without @IsOptional a
    // missing value fails its rules, whatever the `?` or the Swagger decorator say.
    const optional = decorators.some((d) => VALIDATOR.test(d.name))
      ? decorators.some((d) => d.name === "IsOptional" || d.name === "ValidateIf")
      : member.questionToken !== undefined ||
        decorators.some(
          (d) =>
            d.name === "ApiPropertyOptional" ||
            (d.name === "ApiProperty" && /\brequired:false\b/.test(d.args)),
        );
    // The name's line, not the first decorator's: that is where a reader looks.
    fields.set(key, {
      name: key,
      type: fieldType(parsed, member.type, member.initializer),
      optional,
      rules,
      line: parsed.lineOf(member.name),
    });
  }
  // A class no one exports and nothing marks as a contract is the module's own business.
  if (!exported && !validated && !documented) return undefined;
  const role: Role =
    validated || REQUEST_NAME.test(name)
      ? "request"
      : RESPONSE_NAME.test(name)
        ? "response"
        : "either";
  return {
    name,
    kind: "class",
    exported,
    role,
    fields,
    shape: heritage(parsed, node),
    line: parsed.lineOf(node.name ?? node),
  };
}

function interfaceContract(
  parsed: ParsedSource,
  node: TS.InterfaceDeclaration,
  name: string,
): Contract {
  return {
    name,
    kind: "interface",
    exported: true,
    role: roleByName(name),
    fields: typeMembers(parsed, node.members),
    shape: heritage(parsed, node),
    line: parsed.lineOf(node),
  };
}

function aliasContract(
  parsed: ParsedSource,
  node: TS.TypeAliasDeclaration,
  name: string,
): Contract {
  const { ts } = parsed;
  const object = ts.isTypeLiteralNode(node.type);
  const generics = node.typeParameters?.map((p) => parsed.print(p)).join(",") ?? "";
  return {
    name,
    kind: "type",
    exported: true,
    role: roleByName(name),
    fields: object ? typeMembers(parsed, (node.type as TS.TypeLiteralNode).members) : new Map(),
    shape: object ? generics : `${generics}=${parsed.print(node.type)}`,
    line: parsed.lineOf(node),
  };
}

function enumContract(parsed: ParsedSource, node: TS.EnumDeclaration, name: string): Contract {
  const fields = new Map<string, Field>();
  node.members.forEach((m, i) => {
    const key = memberName(parsed, m.name);
    const value = m.initializer !== undefined ? parsed.print(m.initializer) : `#${i}`;
    fields.set(key, {
      name: key,
      type: value,
      optional: false,
      rules: new Map(),
      line: parsed.lineOf(m),
    });
  });
  return {
    name,
    kind: "enum",
    exported: true,
    role: "either",
    fields,
    shape: "",
    line: parsed.lineOf(node),
  };
}

function roleByName(name: string): Role {
  return REQUEST_NAME.test(name) ? "request" : RESPONSE_NAME.test(name) ? "response" : "either";
}

function typeMembers(
  parsed: ParsedSource,
  members: TS.NodeArray<TS.TypeElement>,
): Map<string, Field> {
  const { ts } = parsed;
  const fields = new Map<string, Field>();
  for (const member of members) {
    let key: string;
    let type: string;
    if (ts.isPropertySignature(member)) {
      key = memberName(parsed, member.name);
      type = fieldType(parsed, member.type, undefined);
    } else if (ts.isMethodSignature(member)) {
      key = memberName(parsed, member.name);
      type = normaliseSignature(parsed, member);
    } else {
      // Index, call and construct signatures: identified by their whole text.
      key = `[${parsed.print(member)}]`;
      type = "";
    }
    if (!fields.has(key))
      fields.set(key, {
        name: key,
        type,
        optional: (member as { questionToken?: unknown }).questionToken !== undefined,
        rules: new Map(),
        line: parsed.lineOf(member),
      });
  }
  return fields;
}

function normaliseSignature(parsed: ParsedSource, member: TS.MethodSignature): string {
  const params = member.parameters
    .map(
      (p) =>
        `${p.dotDotDotToken ? "..." : ""}${p.questionToken ? "?" : ""}${p.type ? parsed.print(p.type) : "any"}`,
    )
    .join(",");
  return `(${params})=>${member.type ? parsed.print(member.type) : "any"}`;
}

function isPublicInstance(ts: ParsedSource["ts"], member: TS.PropertyDeclaration): boolean {
  if (ts.isPrivateIdentifier(member.name)) return false;
  const hidden = [
    ts.SyntaxKind.StaticKeyword,
    ts.SyntaxKind.PrivateKeyword,
    ts.SyntaxKind.ProtectedKeyword,
  ];
  return !(ts.getModifiers(member) ?? []).some((m) => hidden.includes(m.kind));
}

function memberName(parsed: ParsedSource, name: TS.PropertyName): string {
  const { ts } = parsed;
  if (ts.isIdentifier(name) || ts.isStringLiteral(name) || ts.isNumericLiteral(name))
    return name.text;
  return parsed.print(name);
}

/** The declared type, or what a bare initializer implies (`= 20` is a number); `any` when nothing says. */
function fieldType(
  parsed: ParsedSource,
  type: TS.TypeNode | undefined,
  initializer: TS.Expression | undefined,
): string {
  const { ts } = parsed;
  if (type !== undefined) return parsed.print(type);
  if (initializer === undefined) return "any";
  if (
    ts.isStringLiteral(initializer) ||
    ts.isNoSubstitutionTemplateLiteral(initializer) ||
    ts.isTemplateExpression(initializer)
  )
    return "string";
  if (ts.isNumericLiteral(initializer)) return "number";
  if (
    initializer.kind === ts.SyntaxKind.TrueKeyword ||
    initializer.kind === ts.SyntaxKind.FalseKeyword
  )
    return "boolean";
  if (ts.isNewExpression(initializer)) return parsed.print(initializer.expression);
  return `typeof ${parsed.print(initializer)}`;
}

function heritage(
  parsed: ParsedSource,
  node: TS.ClassDeclaration | TS.InterfaceDeclaration,
): string {
  const generics = node.typeParameters?.map((p) => parsed.print(p)).join(",") ?? "";
  const clauses = (node.heritageClauses ?? []).map((h) => parsed.print(h)).join(" ");
  return generics === "" ? clauses : `<${generics}>${clauses}`;
}

// ---------------------------------------------------------------------------
// Comparing

interface Change {
  detail: string;
  line: number;
}

function compareContracts(base: Map<string, Contract>, head: Map<string, Contract>): Change[] {
  const changes: Change[] = [];
  const fresh = [...head.values()].filter(
    (c) => c.exported && !(base.get(c.name)?.exported ?? false),
  );
  for (const before of base.values()) {
    const after = head.get(before.name);
    if (after === undefined || (before.exported && !after.exported)) {
      if (!before.exported) continue; // a helper class's fields reach clients through the type that uses it
      if (after !== undefined) {
        changes.push({
          detail: `${before.kind} ${before.name} is no longer exported`,
          line: after.line,
        });
        continue;
      }
      const renamed = fresh.find((c) => c.kind === before.kind && sameMembers(before, c));
      changes.push(
        renamed !== undefined
          ? {
              detail: `exported ${before.kind} ${before.name} renamed to ${renamed.name}`,
              line: renamed.line,
            }
          : { detail: `exported ${before.kind} ${before.name} removed`, line: before.line },
      );
      continue;
    }
    changes.push(...compareContract(before, after));
  }
  return changes;
}

function sameMembers(a: Contract, b: Contract): boolean {
  const signature = (c: Contract) =>
    [
      c.shape,
      ...[...c.fields.values()].map((f) => `${f.name}${f.optional ? "?" : ""}:${f.type}`).sort(),
    ].join(";");
  return signature(a) === signature(b);
}

function compareContract(before: Contract, after: Contract): Change[] {
  const changes: Change[] = [];
  const what = `${after.kind} ${after.name}`;
  if (before.shape !== after.shape) {
    const detail =
      after.kind === "type" && after.fields.size === 0 && before.fields.size === 0
        ? `type ${after.name} changed: ${before.shape.replace(/^=/, "")} → ${after.shape.replace(/^=/, "")}`
        : `${what} now declares ${after.shape || "no heritage"} (was ${before.shape || "none"})`;
    changes.push({ detail, line: after.line });
  }
  if (after.kind === "enum") {
    for (const member of before.fields.values()) {
      const now = after.fields.get(member.name);
      if (now === undefined)
        changes.push({
          detail: `member ${member.name} removed from enum ${after.name}`,
          line: member.line,
        });
      else if (now.type !== member.type)
        changes.push({
          detail: `member ${member.name} of enum ${after.name} changed value: ${member.type} → ${now.type}`,
          line: now.line,
        });
    }
    return changes;
  }
  // The role at head decides; a class that gained validators became a request.
  const sent = after.role !== "response";
  const received = after.role !== "request";
  const label = after.role === "either" ? "" : ` (a ${after.role} type)`;
  for (const field of before.fields.values()) {
    const now = after.fields.get(field.name);
    if (now === undefined) {
      changes.push({
        detail: `field ${field.name} removed from ${what}${label}`,
        line: field.line,
      });
      continue;
    }
    if (now.type !== field.type)
      changes.push({
        detail: `field ${field.name} of ${what} retyped: ${field.type} → ${now.type}`,
        line: now.line,
      });
    if (sent && field.optional && !now.optional)
      changes.push({
        detail: `field ${field.name} of ${what} became required${label}`,
        line: now.line,
      });
    if (received && !field.optional && now.optional)
      changes.push({
        detail: `field ${field.name} of ${what} became optional${label}: clients reading it may get nothing`,
        line: now.line,
      });
    if (sent) {
      for (const [rule, args] of now.rules) {
        const was = field.rules.get(rule);
        if (was === undefined)
          changes.push({
            detail: `field ${field.name} of ${what} has a new validation rule @${rule}(${args})${label}`,
            line: now.line,
          });
        else if (was !== args)
          changes.push({
            detail: `validation of field ${field.name} of ${what} changed: @${rule}(${was}) → @${rule}(${args})${label}`,
            line: now.line,
          });
      }
    }
  }
  if (sent) {
    for (const field of after.fields.values()) {
      if (before.fields.has(field.name) || field.optional) continue;
      const consequence =
        after.role === "either"
          ? "if clients send it, those that do not are refused"
          : "clients that do not send it are refused";
      changes.push({
        detail: `required field ${field.name} added to ${what}${label}: ${consequence}`,
        line: field.line,
      });
    }
  }
  return changes;
}
