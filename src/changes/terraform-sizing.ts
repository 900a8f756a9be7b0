/**
 * Terraform sizing: how big and how many of the machines a configuration asks for.
 *
 * Seed 000 §4 Infrastructure: "Cloud resources (AWS/GCP/Azure): SRE Lead",
 * "Auto-scaling policies: SRE Lead", "Resource provisioning: SRE Lead (with
 * Finance approval for >$500/month)"; seed 002: Platform Engineering approves
 * "scaling policies … auto-scaling groups".
 *
 * In every `resource` and `module` block (nested blocks and object values
 * included: `scaling_config { … }`, `eks_managed_node_groups = { default = { … } }`):
 *
 * - a size — `instance_type(s)`, `instance_class`, `machine_type`, `node_type`,
 *   `vm_size`, and Azure's `size`/`sku` — or a count — `node_count`, `instance_count`,
 *   `min_size`/`max_size`, `desired_capacity`/`desired_size`, `min_count`/
 *   `max_count`, `min_node_count`/`max_node_count`, `target_size`, `instances`, `count` —
 *   added, removed or changed is a `scaling-change`;
 * - the monthly price of each node group (size × count: the largest it may
 *   scale to, `max_*` before `desired_*`, as an autoscaler is priced at its
 *   maximum) is compared between base and head with the built-in price table
 *   (cloud-prices.ts) and the policy's `cost.prices`; a rise above
 *   `cost.threshold` is a `cost-increase` (Finance).
 *
 * An auto scaling group (or instance group) takes the size of the launch or
 * instance template it names when that template is in the same file; templates
 * run nothing themselves and are priced only through such groups. A sizing
 * `variable`'s default changing is a scaling-change, not priced (where it is used
 * is not followed).
 *
 * Variable values (`*.tfvars`, `*.auto.tfvars` and their `.tfvars.json` forms) are
 * where an environment usually sets its sizes and counts, so they are read the
 * same way: a value named by one of those keys (`instance_type = "m5.4xlarge"`),
 * alone or after a prefix that names its group (`api_instance_type`,
 * `api_node_count`), or inside an object (`node_groups = { api = { … } }`), is a
 * scaling-change, and each group is priced as a block's would be. The variable
 * names are the configuration's own, so a name outside these keys is not read.
 *
 * A size with no known price, set by an expression (`var.instance_type`) or in
 * another file, is never priced at 0: its scaling-change says the price is
 * unknown (and, for a size, how to add it to `cost.prices`), and the estimate
 * leaves that group out, naming it.
 */
import type { Node } from "web-tree-sitter";
import { pricesFor } from "./cloud-prices.js";
import { money } from "./cost.js";
import { sideContent } from "./diff.js";
import { header, named, readTopLevelBlocks, readTopLevelBody } from "./terraform.js";
import type { DetectionResult, Detector, DetectorSettings, Finding } from "./types.js";
import { unreadContent } from "./unread.js";

const DETECTOR_ID = "terraform-sizing";

/** Keys that name a machine size. `size`/`sku` only count in the Azure resources that use them so. */
const SIZE_KEYS = new Set([
  "instance_type",
  "instance_types",
  "instance_class",
  "machine_type",
  "node_type",
  "vm_size",
]);
const AZURE_SIZE_KEYS = new Set(["size", "sku"]);

/** Keys that count machines, the first present deciding the price: the most the group may run. */
const COUNT_KEYS = [
  "max_size",
  "max_count",
  "max_node_count",
  "total_max_node_count",
  "desired_capacity",
  "desired_size",
  "target_size",
  "node_count",
  "instance_count",
  "instances",
  "num_cache_nodes",
  "count",
  "min_size",
  "min_count",
  "min_node_count",
  "total_min_node_count",
];

/** Variable values: `prod.tfvars`, `prod.auto.tfvars`, `terraform.tfvars.json`. */
const VARIABLE_VALUES = /\.tfvars(\.json)?$/;

/**
 * The keys a variable's name may end in after a group's prefix (`api_node_count`),
 * longest first; `count` and `instances` alone say too little of a variable
 * (`retry_count`) to be read as sizing.
 */
const VARIABLE_KEYS = [...SIZE_KEYS, ...COUNT_KEYS]
  .filter((key) => !["count", "instances"].includes(key))
  .sort((a, b) => b.length - a.length);

/** Nested blocks that hold a node group's counts beside (not inside) its size: EKS's scaling_config, GKE's autoscaling. */
const SCALING_BLOCKS = new Set(["scaling_config", "autoscaling"]);

/** Instance templates: they run nothing themselves, and are priced where a group in the same file uses them. */
const TEMPLATE_TYPES =
  /^(aws_launch_template|aws_launch_configuration|google_compute_(region_)?instance_template)$/;

/** A reference to a template (`aws_launch_template.api.id`), as a group names the template it runs. */
const TEMPLATE_REFERENCE =
  /^((?:aws_launch_template|aws_launch_configuration|google_compute_(?:region_)?instance_template)\.[A-Za-z0-9_-]+)\.(?:id|name|self_link)$/;

export const terraformSizingDetector: Detector = {
  id: DETECTOR_ID,
  kinds: ["cost-increase", "scaling-change"],
  needsContent: true,
  maxInput: 256 * 1024,
  appliesTo: (path) => path.endsWith(".tf") || VARIABLE_VALUES.test(path),
  detect(file, settings): DetectionResult {
    const base = sideContent(file, "base");
    const head = sideContent(file, "head");
    if (base === undefined || head === undefined) {
      const unread = unreadContent(file);
      if (unread === undefined) return { findings: [], problems: [] };
      return {
        findings: [
          {
            kind: "cost-increase",
            path: file.path,
            detail: `${unread}; assumed to increase cost`,
            conservative: true,
          },
        ],
        problems: [{ path: file.path, detector: DETECTOR_ID, message: unread }],
      };
    }
    const read = VARIABLE_VALUES.test(file.path)
      ? (text: string | null) => readVariableValues(text, file.path)
      : readSizing;
    const after = read(head);
    const before = "error" in after ? after : read(base);
    if ("error" in after || "error" in before) {
      // The terraform detector reports the parse error (and assumes a security change); here, scaling.
      const reason =
        "error" in after ? after.error : `${(before as { error: string }).error} (base version)`;
      return {
        findings: [
          {
            kind: "scaling-change",
            path: file.path,
            detail: `${reason}; assumed to change sizing`,
            conservative: true,
          },
        ],
        problems: [{ path: file.path, detector: DETECTOR_ID, message: reason }],
      };
    }
    const changes = [
      ...scalingChanges(before, after, settings),
      ...costChange(before, after, settings),
    ];
    const findings: Finding[] = changes.map((c) => ({ ...c, path: file.path }));
    return { findings, problems: [] };
  },
};

// ---------------------------------------------------------------------------
// Reading
// ---------------------------------------------------------------------------

interface Leaf {
  /** Dotted path inside the block: `scaling_config.max_size`, `eks_managed_node_groups.default.instance_types`. */
  path: string[];
  /** The expression's text, layout collapsed: what is compared. */
  text: string;
  /** A literal number, or a literal string (a list's first string: `instance_types = ["m5.large"]`). */
  literal?: number | string;
  line: number;
  /** A variable's default: used elsewhere, so never priced here. */
  variable?: true;
  /** A variable value named with its group's prefix: the name as written (`path` is [prefix, key]). */
  name?: string;
}

interface SizedBlock {
  /** `aws_eks_node_group.default`, `module.eks`. */
  address: string;
  line: number;
  /** An instance template: priced only through a group that uses it. */
  template?: true;
  /** The template a group runs (`aws_launch_template.api`), whose size it takes. */
  sizeFrom?: string;
  /**
   * A variable file's values: a size takes only the counts of its own group (its
   * prefix or object), as `node_count` says nothing of `db_instance_class`.
   */
  values?: true;
  /** Only the size and count leaves. */
  leaves: Map<string, Leaf>;
}

function isSizeKey(key: string, type: string): boolean {
  return SIZE_KEYS.has(key) || (AZURE_SIZE_KEYS.has(key) && type.startsWith("azurerm_"));
}

function isCountKey(key: string): boolean {
  return COUNT_KEYS.includes(key);
}

function readSizing(text: string | null): Map<string, SizedBlock> | { error: string } {
  const blocks = new Map<string, SizedBlock>();
  if (text === null) return blocks;
  const read = readTopLevelBlocks(text, sizedBlock);
  if ("error" in read) return read;
  for (const block of read) {
    let key = block.address;
    for (let n = 2; blocks.has(key); n++) key = `${block.address} (${n})`;
    blocks.set(key, { ...block, address: key });
  }
  return blocks;
}

function sizedBlock(block: Node): SizedBlock | undefined {
  const [kind, type, name] = header(block);
  if (type === undefined) return undefined;
  if (kind === "variable" && name === undefined) return sizingVariable(block, type);
  let address: string;
  if (kind === "resource" && name !== undefined) address = `${type}.${name}`;
  else if (kind === "module" && name === undefined) address = `module.${type}`;
  else return undefined;
  const leaves = new Map<string, Leaf>();
  const resourceType = kind === "resource" ? type : "";
  collectBody(block, [], resourceType, leaves);
  if (leaves.size === 0) return undefined;
  const sized: SizedBlock = { address, line: block.startPosition.row + 1, leaves };
  if (TEMPLATE_TYPES.test(resourceType)) sized.template = true;
  const sizeFrom = templateReference(block);
  if (sizeFrom !== undefined) sized.sizeFrom = sizeFrom;
  return sized;
}

/** The first attribute, at any depth, that names an instance template (`launch_template { id = aws_launch_template.api.id }`). */
function templateReference(node: Node): string | undefined {
  for (const child of named(node)) {
    if (child.type === "attribute") {
      const value = named(child)[1];
      const match = value ? TEMPLATE_REFERENCE.exec(value.text.trim()) : null;
      if (match) return match[1];
    }
    if (child.type === "attribute" || child.type === "comment") continue;
    const found = templateReference(child);
    if (found !== undefined) return found;
  }
  return undefined;
}

/**
 * `variable "instance_type" { default = "m5.large" }`: the size or count a
 * configuration passes to resources by `var.instance_type`. Its default changing
 * is a scaling change; where it is used is not followed, so it is not priced.
 */
function sizingVariable(block: Node, name: string): SizedBlock | undefined {
  if (
    !isSizeKey(name, "") &&
    !isCountKey(name) &&
    !/(instance|machine|node|vm)_(type|class|size|count)s?$/.test(name)
  )
    return undefined;
  const leaves = new Map<string, Leaf>();
  for (const member of named(bodyOf(block))) {
    const [key, value] = named(member);
    if (member.type !== "attribute" || key?.text !== "default" || !value) continue;
    leaves.set(name, {
      path: [name],
      text: value.text.replace(/\s+/g, " ").trim(),
      line: value.startPosition.row + 1,
      variable: true,
    });
  }
  return leaves.size > 0
    ? { address: `var.${name}`, line: block.startPosition.row + 1, leaves }
    : undefined;
}

function bodyOf(block: Node): Node | undefined {
  return named(block).find((n) => n.type === "body");
}

/** Attributes and nested blocks of a block's body; nested blocks of one type repeated are `type#2`, `type#3`. */
function collectBody(block: Node, path: string[], type: string, into: Map<string, Leaf>): void {
  const seen = new Map<string, number>();
  for (const member of named(bodyOf(block))) {
    if (member.type === "attribute") {
      const [key, value] = named(member);
      if (key && value) collectValue(value, [...path, key.text], type, into);
    } else if (member.type === "block") {
      const name = header(member).join(".");
      const n = (seen.get(name) ?? 0) + 1;
      seen.set(name, n);
      collectBody(member, [...path, n === 1 ? name : `${name}#${n}`], type, into);
    }
  }
}

/** An expression: objects are walked by key (module inputs), anything else is a leaf if its key sizes or counts. */
function collectValue(
  expression: Node,
  path: string[],
  type: string,
  into: Map<string, Leaf>,
): void {
  const object = descend(expression, ["collection_value", "object"]);
  if (object) {
    for (const element of named(object).filter((n) => n.type === "object_elem")) {
      const key = element.childForFieldName("key");
      const val = element.childForFieldName("val");
      if (!key || !val) continue;
      const keyText = literalString(key) ?? key.text;
      collectValue(val, [...path, keyText], type, into);
    }
    return;
  }
  const key = path[path.length - 1] ?? "";
  if (!isSizeKey(key, type) && !isCountKey(key)) return;
  into.set(path.join("."), {
    path,
    text: expression.text.replace(/\s+/g, " ").trim(),
    literal: literalOf(expression),
    line: expression.startPosition.row + 1,
  });
}

/** The node reached by following single named children of these types, if the shape matches. */
function descend(node: Node, types: string[]): Node | undefined {
  let at: Node | undefined = node;
  for (const type of types) {
    at = named(at).find((n) => n.type === type);
    if (!at) return undefined;
  }
  return at;
}

/** A string literal without interpolation: `"m5.large"`. */
function literalString(expression: Node): string | undefined {
  const lit = descend(expression, ["literal_value", "string_lit"]);
  if (!lit) return undefined;
  const parts = named(lit).filter(
    (n) => n.type !== "quoted_template_start" && n.type !== "quoted_template_end",
  );
  if (parts.length === 0) return "";
  return parts.length === 1 && parts[0]!.type === "template_literal" ? parts[0]!.text : undefined;
}

function literalOf(expression: Node): number | string | undefined {
  const number = descend(expression, ["literal_value", "numeric_lit"]);
  if (number) return Number(number.text);
  const string = literalString(expression);
  if (string !== undefined) return string;
  const tuple = descend(expression, ["collection_value", "tuple"]);
  const first = tuple ? named(tuple).find((n) => n.type === "expression") : undefined;
  return first ? literalString(first) : undefined;
}

// ---------------------------------------------------------------------------
// Variable values (.tfvars, .tfvars.json)
// ---------------------------------------------------------------------------

/** A variable file's sizes and counts as one block named after the file, or why it could not be read. */
function readVariableValues(
  text: string | null,
  path: string,
): Map<string, SizedBlock> | { error: string } {
  const blocks = new Map<string, SizedBlock>();
  if (text === null) return blocks;
  const leaves = path.endsWith(".json") ? jsonValues(text) : hclValues(text);
  if ("error" in leaves) return leaves;
  const address = path.slice(path.lastIndexOf("/") + 1);
  if (leaves.size > 0) blocks.set(address, { address, line: 1, leaves, values: true });
  return blocks;
}

/** `api_node_count` → [api, node_count]; `instance_type` → [instance_type]; undefined for other names. */
function variablePath(name: string): string[] | undefined {
  for (const key of VARIABLE_KEYS) {
    if (name === key) return [key];
    if (name.endsWith(`_${key}`)) return [name.slice(0, -key.length - 1), key];
  }
  return undefined;
}

/** A top-level variable's leaf, keyed by its name, when the name sizes or counts. */
function variableLeaf(name: string, leaf: Omit<Leaf, "path">): [string, Leaf] | undefined {
  const path = variablePath(name);
  if (path === undefined) return undefined;
  return [name, path.length > 1 ? { ...leaf, path, name } : { ...leaf, path }];
}

function hclValues(text: string): Map<string, Leaf> | { error: string } {
  return readTopLevelBody(text, (body) => {
    const leaves = new Map<string, Leaf>();
    for (const member of named(body)) {
      const [key, value] = named(member);
      if (member.type !== "attribute" || !key || !value) continue;
      if (descend(value, ["collection_value", "object"])) {
        collectValue(value, [key.text], "", leaves);
        continue;
      }
      const leaf = variableLeaf(key.text, {
        text: value.text.replace(/\s+/g, " ").trim(),
        literal: literalOf(value),
        line: value.startPosition.row + 1,
      });
      if (leaf) leaves.set(...leaf);
    }
    return leaves;
  });
}

function jsonValues(text: string): Map<string, Leaf> | { error: string } {
  let values: unknown;
  try {
    values = JSON.parse(text);
  } catch (error) {
    return { error: `unparseable JSON (${(error as Error).message})` };
  }
  const leaves = new Map<string, Leaf>();
  // JSON has no positions: each key is looked for after the one before it, in the order written.
  let cursor = 0;
  const lineOf = (key: string): number => {
    const at = text.indexOf(JSON.stringify(key), cursor);
    if (at === -1) return 1;
    cursor = at + 1;
    return text.slice(0, at).split("\n").length;
  };
  const walk = (object: Record<string, unknown>, path: string[]): void => {
    for (const [key, value] of Object.entries(object)) {
      const line = lineOf(key);
      if (value !== null && typeof value === "object" && !Array.isArray(value)) {
        walk(value as Record<string, unknown>, [...path, key]);
        continue;
      }
      const leaf = { text: JSON.stringify(value), literal: jsonLiteral(value), line };
      if (path.length === 0) {
        const variable = variableLeaf(key, leaf);
        if (variable) leaves.set(...variable);
      } else if (isSizeKey(key, "") || isCountKey(key)) {
        leaves.set([...path, key].join("."), { ...leaf, path: [...path, key] });
      }
    }
  };
  if (values !== null && typeof values === "object" && !Array.isArray(values))
    walk(values as Record<string, unknown>, []);
  return leaves;
}

/** A number, a string, or a list's first string, as `literalOf` reads HCL. */
function jsonLiteral(value: unknown): number | string | undefined {
  if (typeof value === "number" || typeof value === "string") return value;
  if (Array.isArray(value) && typeof value[0] === "string") return value[0];
  return undefined;
}

// ---------------------------------------------------------------------------
// Node groups and their price
// ---------------------------------------------------------------------------

interface Group {
  /** Address and the path of the size's parent: `aws_instance.api`, `module.eks eks_managed_node_groups.default`. */
  label: string;
  size?: Leaf;
  count?: Leaf;
}

function parentOf(path: readonly string[]): string {
  return path.slice(0, -1).join(".");
}

/** `a.b.c` → ["", "a", "a.b", "a.b.c"]. */
function ancestorsOrSelf(path: string): string[] {
  const parts = path === "" ? [] : path.split(".");
  return parts
    .map((_, i) => parts.slice(0, i + 1).join("."))
    .concat("")
    .reverse();
}

/**
 * Each size with the count that multiplies it: a count beside it, in an enclosing
 * block, or in a scaling block beside it (EKS's scaling_config, GKE's autoscaling).
 * Counts with no size beside them are a group of their own, with the size of the
 * template the block runs when that template is in the same file (an auto scaling
 * group and its launch template), and no size (so no price) otherwise.
 */
function groups(block: SizedBlock, all: ReadonlyMap<string, SizedBlock>): Group[] {
  const leaves = [...block.leaves.values()];
  if (leaves.some((l) => l.variable) || block.template) return [];
  const sizes = leaves.filter((l) => !isCountKey(l.path[l.path.length - 1]!));
  const counts = leaves.filter((l) => isCountKey(l.path[l.path.length - 1]!));
  const out: Group[] = [];
  const used = new Set<Leaf>();
  for (const size of sizes) {
    const parent = parentOf(size.path);
    const scopes = new Set(block.values ? [parent] : ancestorsOrSelf(parent));
    const eligible = counts.filter((c) => {
      const at = parentOf(c.path);
      if (scopes.has(at)) return true;
      const last = c.path[c.path.length - 2];
      return (
        last !== undefined && SCALING_BLOCKS.has(last) && scopes.has(parentOf(c.path.slice(0, -1)))
      );
    });
    const count = COUNT_KEYS.map((k) => eligible.find((c) => c.path[c.path.length - 1] === k)).find(
      (c) => c !== undefined,
    );
    for (const c of eligible) used.add(c);
    out.push({ label: groupLabel(block.address, parent), size, count });
  }
  const loose = counts.filter((c) => !used.has(c));
  if (loose.length > 0) {
    const count = COUNT_KEYS.map((k) => loose.find((c) => c.path[c.path.length - 1] === k)).find(
      (c) => c !== undefined,
    );
    const template = block.sizeFrom === undefined ? undefined : all.get(block.sizeFrom);
    const size = template
      ? [...template.leaves.values()].find((l) => !isCountKey(l.path[l.path.length - 1]!))
      : undefined;
    out.push({ label: block.address, size, count });
  }
  return out;
}

function groupLabel(address: string, parent: string): string {
  return parent === "" ? address : `${address} ${parent}`;
}

/** A group's monthly price, or why it has none (`missingPrice`: the size whose price the policy can add). */
type Price =
  | { monthly: number; size: string; unitPrice: number; count: number }
  | { unknown: string; missingPrice?: string };

function priceOf(group: Group, prices: ReadonlyMap<string, number>): Price {
  if (!group.size) return { unknown: "its instance size is not set in this file" };
  const size = group.size.literal;
  const count = group.count === undefined ? 1 : group.count.literal;
  if (typeof size !== "string")
    return { unknown: `its size \`${group.size.text}\` is not a literal` };
  if (typeof count !== "number")
    return { unknown: `its count \`${group.count!.text}\` is not a literal` };
  const unitPrice = prices.get(size);
  if (unitPrice === undefined)
    return { unknown: `no price is known for ${size}`, missingPrice: size };
  return { monthly: unitPrice * count, size, unitPrice, count };
}

function howToPrice(settings: DetectorSettings, size: string): string {
  return `add it to the policy as cost: { prices: { "${size}": <monthly price in ${settings.cost.currency}> } }`;
}

// ---------------------------------------------------------------------------
// scaling-change and cost-increase
// ---------------------------------------------------------------------------

interface Change {
  kind: Finding["kind"];
  detail: string;
  line?: number;
}

function describeGroup(g: Group): string {
  const nameOf = (leaf: Leaf) => leaf.name ?? leaf.path[leaf.path.length - 1];
  const parts: string[] = [];
  if (g.size) parts.push(`${nameOf(g.size)} ${g.size.text}`);
  if (g.count) parts.push(`${nameOf(g.count)} ${g.count.text}`);
  return parts.join(", ");
}

function scalingChanges(
  before: Map<string, SizedBlock>,
  after: Map<string, SizedBlock>,
  settings: DetectorSettings,
): Change[] {
  const prices = pricesFor(settings.cost);
  const out: Change[] = [];
  /** What keeps a head leaf's group from being priced, if anything, and the fix when the policy can give it. */
  const unknownNote = (block: SizedBlock, leaf: Leaf): string => {
    if (block.template) {
      const users = [...after.values()]
        .filter((b) => b.sizeFrom === block.address)
        .map((b) => b.address);
      return users.length > 0
        ? ` (an instance template: priced through ${users.join(", ")})`
        : " (an instance template no group in this file uses: not priced)";
    }
    const group = groups(block, after).find((g) => g.size === leaf || g.count === leaf);
    const price = group ? priceOf(group, prices) : undefined;
    if (!price || !("unknown" in price)) return "";
    return `; price unknown (${price.unknown})${price.missingPrice !== undefined ? `: ${howToPrice(settings, price.missingPrice)}` : ""}`;
  };
  for (const [key, h] of after) {
    const b = before.get(key);
    if (!b) {
      const grouped = groups(h, after).map(describeGroup);
      const described =
        grouped.length > 0
          ? grouped.join("; ")
          : [...h.leaves.values()].map((l) => `default ${l.text}`).join(", ");
      const firstLeaf = [...h.leaves.values()][0]!;
      out.push({
        kind: "scaling-change",
        detail: `${h.address} added (${described})${unknownNote(h, firstLeaf)}`,
        line: h.line,
      });
      continue;
    }
    for (const [path, leaf] of h.leaves) {
      const old = b.leaves.get(path);
      if (old?.text === leaf.text) continue;
      const what = leaf.variable ? "default" : path;
      const note = leaf.variable ? " (used elsewhere, so not priced here)" : unknownNote(h, leaf);
      out.push({
        kind: "scaling-change",
        detail: `${h.address} ${what} ${old?.text ?? "unset"} → ${leaf.text}${note}`,
        line: leaf.line,
      });
    }
    for (const [path, old] of b.leaves) {
      if (!h.leaves.has(path))
        out.push({
          kind: "scaling-change",
          detail: `${h.address} ${path} ${old.text} → unset`,
          line: h.line,
        });
    }
  }
  for (const [key, b] of before) {
    if (!after.has(key))
      out.push({ kind: "scaling-change", detail: `${b.address} removed`, line: b.line });
  }
  return out;
}

function priced(
  blocks: Map<string, SizedBlock>,
  prices: ReadonlyMap<string, number>,
): Map<string, { price: Price; group: Group }> {
  const out = new Map<string, { price: Price; group: Group }>();
  for (const block of blocks.values()) {
    for (const group of groups(block, blocks))
      out.set(group.label, { price: priceOf(group, prices), group });
  }
  return out;
}

function costChange(
  before: Map<string, SizedBlock>,
  after: Map<string, SizedBlock>,
  settings: DetectorSettings,
): Change[] {
  const prices = pricesFor(settings.cost);
  const base = priced(before, prices);
  const head = priced(after, prices);
  const fmt = (n: number) => money(n, settings.cost.currency);
  let delta = 0;
  const clauses: { delta: number; text: string; line?: number }[] = [];
  const unpriced: string[] = [];
  for (const label of new Set([...head.keys(), ...base.keys()])) {
    const b = base.get(label)?.price;
    const h = head.get(label)?.price;
    if ((b && "unknown" in b) || (h && "unknown" in h)) {
      // Left out of the estimate, never counted as 0; named when it changed.
      const bg = base.get(label)?.group;
      const hg = head.get(label)?.group;
      if (!bg || !hg || describeGroup(bg) !== describeGroup(hg)) unpriced.push(label);
      continue;
    }
    const was = b?.monthly ?? 0;
    const is = h?.monthly ?? 0;
    if (Math.abs(is - was) < 0.005) continue;
    delta += is - was;
    const describe = (p: typeof b) => (p && !("unknown" in p) ? `${p.count} × ${p.size}` : "none");
    const unit = h && !("unknown" in h) ? ` at ${fmt(h.unitPrice)}/month` : "";
    clauses.push({
      delta: is - was,
      text: `${label}: ${describe(b)} → ${describe(h)}${unit}`,
      line: head.get(label)?.group.size?.line,
    });
  }
  if (!(delta > settings.cost.threshold)) return [];
  clauses.sort((x, y) => y.delta - x.delta);
  const left = unpriced.length > 0 ? `; not priced: ${unpriced.join(", ")}` : "";
  return [
    {
      kind: "cost-increase",
      detail: `estimated +${fmt(delta)}/month (${clauses.map((c) => c.text).join("; ")}${left})`,
      line: clauses[0]?.line,
    },
  ];
}
