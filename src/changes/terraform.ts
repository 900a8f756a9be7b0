/**
 * Terraform resources that decide who or what may reach what: security groups,
 * network ACLs, firewalls, IAM, role assignments, Kubernetes network policies and
 * RBAC (and module calls whose source is one of those). Reported as
 * `security-policy`, whatever the file is called: a security group added to
 * `terraform/nats/main.tf` is a network-access change, not only an IaC one.
 *
 * Diff-aware: each such `resource` / `data` block is compared between base and
 * head, ignoring comments, formatting and the order of attributes and of repeated
 * nested blocks. Added, removed and changed blocks are reported; for a changed one,
 * the attributes and nested blocks that differ (never their values: a policy may
 * embed secrets).
 *
 * HCL is parsed with tree-sitter's HCL grammar (@tree-sitter-grammars/tree-sitter-hcl)
 * run by web-tree-sitter: WebAssembly, so nothing native has to load or compile
 * (the grammar's and tree-sitter's prebuilt binaries need a newer libstdc++ than
 * Debian 12). Loaded once, by hcl-grammar.ts; parsing
 * is then synchronous, as detectors are, keeps positions for line numbers, and
 * understands heredocs, template directives, `for` expressions and comments. (@cdktf/hcl2json and its fork are asynchronous
 * WASM without positions; hcl2-parser has no positions or error messages and is no
 * longer maintained; codemirror-lang-hcl's Lezer grammar rejects function calls
 * inside object values, which real Terraform is full of.)
 */
import type { Node, Tree } from "web-tree-sitter";
import { hclGrammarAtModuleLoad, hclParser as parser } from "./hcl-grammar.js";
import { sideContent } from "./diff.js";
import type { ChangedFile, DetectionResult, Detector, Finding } from "./types.js";
import { unreadContent } from "./unread.js";

const DETECTOR_ID = "terraform";

/** Resource and data source types that grant or restrict network or identity access. */
const ACCESS_TYPES: readonly RegExp[] = [
  // AWS
  /^aws_(default_)?security_group(_rule)?$/,
  /^aws_vpc_security_group_(ingress|egress)_rule$/,
  /^aws_(default_)?network_acl/,
  /^aws_iam_/,
  /^aws_networkfirewall_/,
  /^aws_(s3_bucket|sqs_queue|sns_topic|kms_key|ecr_repository)_policy$/, // resource-based access policies
  /^aws_lambda_permission$/,
  // Google Cloud
  /^google_compute_(region_)?(network_)?firewall/,
  /^google_.*_iam_/, // google_project_iam_member, google_storage_bucket_iam_binding, …
  // Azure
  /^azurerm_network_security_(group|rule)$/,
  /^azurerm_(subnet|network_interface)_network_security_group_association$/,
  /^azurerm_role_(assignment|definition)$/,
  /^azurerm_firewall_/,
  /^azurerm_key_vault_access_policy$/,
  // Kubernetes provider
  /^kubernetes_network_policy/,
  /^kubernetes_(cluster_)?role/,
  /^kubernetes_service_account/,
];

/** Module sources (registry or path) that manage the same things, e.g. terraform-aws-modules/security-group/aws. */
const ACCESS_MODULE_SOURCE =
  /security[-_]?groups?|\biam\b|firewall|network[-_]?acl|network[-_]?polic|\brbac\b/i;

export function isAccessType(type: string): boolean {
  return ACCESS_TYPES.some((re) => re.test(type));
}

export const terraformDetector: Detector = {
  id: DETECTOR_ID,
  kinds: ["security-policy"],
  needsContent: true,
  // Each version's parse is also cut off after PARSE_BUDGET_MS.
  maxInput: 256 * 1024,
  appliesTo: (path) => path.endsWith(".tf"),
  detect(file): DetectionResult {
    const base = sideContent(file, "base");
    const head = sideContent(file, "head");
    if (base === undefined || head === undefined) {
      const unread = unreadContent(file);
      // Without both versions only a pure rename is known to leave the rules as they were.
      return unread === undefined ? { findings: [], problems: [] } : conservative(file, unread);
    }
    const after = readBlocks(head);
    if ("error" in after) return conservative(file, after.error);
    const before = readBlocks(base);
    if ("error" in before) return conservative(file, `${before.error} (base version)`);
    const findings: Finding[] = compare(before, after).map((c) => ({
      kind: "security-policy",
      path: file.path,
      ...c,
    }));
    return { findings, problems: [] };
  },
};

function conservative(file: ChangedFile, reason: string): DetectionResult {
  return {
    findings: [
      {
        kind: "security-policy",
        path: file.path,
        detail: `${reason}; assumed to change network or access rules`,
        conservative: true,
      },
    ],
    problems: [{ path: file.path, detector: DETECTOR_ID, message: reason }],
  };
}

// ---------------------------------------------------------------------------
// Reading blocks
// ---------------------------------------------------------------------------

export interface Member {
  /** Canonical text: the member's tokens without comments or layout. */
  text: string;
  line: number;
}

export interface AccessBlock {
  /** Terraform address: `aws_security_group.nats`, `data.aws_iam_policy_document.x`, `module.sg`. */
  address: string;
  line: number;
  /** Attributes by name and nested blocks by type and labels (`ingress`, `dynamic "ingress"`), in source order. */
  members: Map<string, Member[]>;
}

// Loaded now, except in the CLI, which loads it when a .tf file is about to be read (hcl-grammar.ts).
await hclGrammarAtModuleLoad();

/** web-tree-sitter lists children as `Node | null`; a parsed tree has none missing. */
export function named(node: Node | null | undefined): Node[] {
  return (node?.namedChildren ?? []).filter((n): n is Node => n !== null);
}
function childrenOf(node: Node): Node[] {
  return node.children.filter((n): n is Node => n !== null);
}

/**
 * How long one parse may run. tree-sitter's error recovery is super-linear on
 * hostile text (40 KB of `"` took 10 s), and detectors run on the event loop.
 */
export const PARSE_BUDGET_MS = 2000;

/** The tree, or undefined when parsing ran past the budget and was cancelled. */
function parse(text: string, budgetMs: number): Tree | undefined {
  const deadline = performance.now() + budgetMs;
  const tree = parser.parse(text, null, { progressCallback: () => performance.now() > deadline });
  if (tree) return tree;
  // A cancelled parse would otherwise be resumed by the next call, on another text.
  parser.reset();
  return undefined;
}

/**
 * Reads each top-level block of an HCL text with `read` (while its tree lives; what
 * `read` returns must not hold nodes), or says why the text could not be parsed.
 * Shared with terraform-sizing.ts.
 */
export function readTopLevelBlocks<T>(
  text: string,
  read: (block: Node) => T | undefined,
  budgetMs = PARSE_BUDGET_MS,
): T[] | { error: string } {
  return readTopLevelBody(
    text,
    (body) =>
      named(body)
        .filter((n) => n.type === "block")
        .flatMap((block) => {
          const result = read(block);
          return result === undefined ? [] : [result];
        }),
    budgetMs,
  );
}

/**
 * Reads the top-level body of an HCL text with `read` (undefined for an empty
 * text), under the same rules: a `.tfvars` file is a body of attributes only.
 */
export function readTopLevelBody<T>(
  text: string,
  read: (body: Node | undefined) => T,
  budgetMs = PARSE_BUDGET_MS,
): T | { error: string } {
  const tree = parse(text, budgetMs);
  if (tree === undefined) return { error: `HCL not parsed within ${budgetMs / 1000} s (not read)` };
  // A tree lives in WebAssembly memory, which the JavaScript heap limit does not
  // bound and which never shrinks: every tree is freed once read (three 100 KB
  // files grew the process by 130 MB while they were kept).
  try {
    const root = tree.rootNode;
    if (root.hasError) {
      const bad = firstError(root);
      return { error: `unparseable HCL${bad ? ` at line ${bad.startPosition.row + 1}` : ""}` };
    }
    return read(named(root).find((n) => n.type === "body"));
  } finally {
    tree.delete();
  }
}

/** The access-relevant blocks of one version (none when it does not exist), or why it could not be read. */
export function readBlocks(
  text: string | null,
  budgetMs = PARSE_BUDGET_MS,
): Map<string, AccessBlock> | { error: string } {
  const blocks = new Map<string, AccessBlock>();
  if (text === null) return blocks;
  const read = readTopLevelBlocks(text, accessBlock, budgetMs);
  if ("error" in read) return read;
  for (const block of read) {
    let key = block.address;
    for (let n = 2; blocks.has(key); n++) key = `${block.address} (${n})`; // duplicates are invalid, but keep both
    blocks.set(key, block);
  }
  return blocks;
}

function firstError(node: Node): Node | undefined {
  if (node.type === "ERROR" || node.isMissing) return node;
  for (const child of childrenOf(node)) {
    if (!child.hasError && !child.isMissing) continue;
    const found = firstError(child);
    if (found) return found;
  }
  return undefined;
}

/** `resource "aws_iam_role" "x"` → [resource, aws_iam_role, x]: block type then labels, unquoted. */
export function header(block: Node): string[] {
  const parts: string[] = [];
  for (const child of named(block)) {
    if (child.type === "identifier") parts.push(child.text);
    else if (child.type === "string_lit") parts.push(child.text.replace(/^"|"$/g, ""));
    else if (child.type === "block_start") break;
  }
  return parts;
}

function accessBlock(block: Node): AccessBlock | undefined {
  const [kind, type, name, ...rest] = header(block);
  if (type === undefined || rest.length > 0) return undefined;
  const line = block.startPosition.row + 1;
  if (kind === "module" && name === undefined) {
    const members = membersOf(block);
    const source = members.get("source")?.[0]?.text ?? "";
    return ACCESS_MODULE_SOURCE.test(source)
      ? { address: `module.${type}`, line, members }
      : undefined;
  }
  if ((kind !== "resource" && kind !== "data") || name === undefined || !isAccessType(type))
    return undefined;
  return {
    address: `${kind === "data" ? "data." : ""}${type}.${name}`,
    line,
    members: membersOf(block),
  };
}

function membersOf(block: Node): Map<string, Member[]> {
  const members = new Map<string, Member[]>();
  const body = named(block).find((n) => n.type === "body");
  for (const member of named(body)) {
    let key: string;
    if (member.type === "attribute") key = named(member)[0]?.text ?? "";
    else if (member.type === "block")
      key = header(member)
        .map((p, i) => (i === 0 ? p : `"${p}"`))
        .join(" ");
    else continue; // comments
    const list = members.get(key) ?? [];
    list.push({ text: canonical(member), line: member.startPosition.row + 1 });
    members.set(key, list);
  }
  return members;
}

/** The node's tokens joined by single spaces: comments, indentation and alignment do not count. */
function canonical(node: Node): string {
  const tokens: string[] = [];
  const walk = (n: Node) => {
    if (n.type === "comment") return;
    if (n.childCount === 0) tokens.push(n.text);
    else for (const c of childrenOf(n)) walk(c);
  };
  walk(node);
  return tokens.join(" ");
}

// ---------------------------------------------------------------------------
// Comparing
// ---------------------------------------------------------------------------

interface Change {
  detail: string;
  line?: number;
}

const MEMBERS_SHOWN = 5;

function compare(before: Map<string, AccessBlock>, after: Map<string, AccessBlock>): Change[] {
  const out: Change[] = [];
  for (const [key, h] of after) {
    const b = before.get(key);
    if (!b) {
      out.push({ detail: `${h.address} added`, line: h.line });
      continue;
    }
    const changed = changedMembers(b, h);
    if (changed.length === 0) continue;
    const shown = changed.slice(0, MEMBERS_SHOWN).map((c) => c.key);
    if (changed.length > MEMBERS_SHOWN) shown.push(`${changed.length - MEMBERS_SHOWN} more`);
    out.push({
      detail: `${h.address} ${shown.join(", ")} changed`,
      line: changed[0]?.line ?? h.line,
    });
  }
  for (const [key, b] of before) {
    if (!after.has(key)) out.push({ detail: `${b.address} removed`, line: b.line });
  }
  return out;
}

/** Members whose canonical text differs; repeated nested blocks compare as a set. */
function changedMembers(b: AccessBlock, h: AccessBlock): { key: string; line: number }[] {
  const texts = (list: Member[] | undefined) =>
    (list ?? [])
      .map((m) => m.text)
      .sort()
      .join("\n");
  const out: { key: string; line: number }[] = [];
  for (const [key, list] of h.members) {
    const old = b.members.get(key) ?? [];
    if (texts(list) === texts(old)) continue;
    const known = old.map((m) => m.text);
    const fresh = list.find((m) => !known.includes(m.text));
    out.push({ key, line: (fresh ?? list[0])?.line ?? h.line });
  }
  // Gone at head: the line is the block's, the member no longer exists there.
  for (const key of b.members.keys()) {
    if (!h.members.has(key)) out.push({ key, line: h.line });
  }
  return out;
}
