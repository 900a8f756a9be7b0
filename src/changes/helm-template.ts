/**
 * Helm templates, read tolerantly: the changed lines decide.
 *
 * A chart template (`templates/*.yaml` with `{{ }}`) is not YAML until Helm renders
 * it with values we do not have, so its objects cannot be compared as a plain
 * manifest's are. Assuming the most severe kinds for every such file sent every
 * chart edit (an image pin, a label) to the scaling and security owners. Instead,
 * each changed line is read for what it touches, within the object it belongs to:
 *
 * - `scaling-change`: a line naming replicas, resources, requests/limits, cpu,
 *   memory, GPUs, autoscaling or containers; a line declaring a workload or
 *   autoscaler kind (one was added, removed or retyped); any line of an autoscaler.
 * - `security-policy`: a line naming pod privileges, service accounts or secrets
 *   (securityContext, privileged, hostNetwork, secretKeyRef, …); any line of an
 *   RBAC, network-policy or secret object, as for a parsed manifest, where every
 *   change to such an object is a security-policy change.
 * - `env-var-added`: an added `- name: UPPER_CASE` (Kubernetes requires container,
 *   port and volume names to be lower case, so upper case is an environment
 *   variable) or `envFrom:` source.
 *
 * Findings are marked conservative: the kind is inferred from the line, not from
 * the rendered object. A line the words do not match (an image tag, labels,
 * annotations, probes, ports) is not a scaling or security change. Cost is not
 * estimated from a template: its numbers are in the chart's values files, which
 * helm-values.ts prices.
 */
import { diffLines, splitLines, type DiffLine } from "./diff.js";
import { isWorkloadKind, SECURITY_KINDS, SECURITY_WORDS } from "./kubernetes-manifest.js";
import type { ChangeKind, ChangedFile } from "./types.js";

export interface TemplateChange {
  kind: ChangeKind;
  detail: string;
  line?: number;
}

/** Keys and words of a pod's footprint: how many pods, and how much each reserves. */
const SCALING_WORDS =
  /\b(replicas|replicaCount|minReplicas|maxReplicas|resources|requests|limits|cpu|memory|ephemeral-storage|nvidia\.com\/gpu|autoscaling|hpa|containers|initContainers)\b/i;

/** Objects whose every line is about scaling: autoscalers (KEDA's ScaledObject too). */
const SCALING_KINDS = new Set(["HorizontalPodAutoscaler", "VerticalPodAutoscaler", "ScaledObject"]);

/** An environment variable's entry: upper case, as no other Kubernetes name may be. */
const ENV_NAME = /^\s*-\s*name:\s*["']?([A-Z_][A-Z0-9_]*)["']?\s*$/;

interface ObjectSpan {
  start: number;
  end: number;
  kind?: string;
}

/** The YAML documents of one version (split at `---`), each with the kind it declares at its top level, if literal. */
function objectSpans(text: string | null): ObjectSpan[] {
  if (text === null) return [];
  const lines = splitLines(text);
  const spans: ObjectSpan[] = [];
  let current: ObjectSpan = { start: 1, end: 0 };
  lines.forEach((line, i) => {
    if (/^---\s*$/.test(line)) {
      spans.push(current);
      current = { start: i + 2, end: i + 1 };
      return;
    }
    current.end = i + 1;
    const kind = /^kind:\s*["']?([A-Za-z]+)["']?\s*(#.*)?$/.exec(line)?.[1];
    if (kind !== undefined && current.kind === undefined) current.kind = kind;
  });
  spans.push(current);
  return spans;
}

function kindAt(spans: readonly ObjectSpan[], line: number): string | undefined {
  return spans.find((s) => line >= s.start && line <= s.end)?.kind;
}

/** Comments, blank lines and template comments change nothing that runs. */
function meaningless(text: string): boolean {
  const t = text.trim();
  return t === "" || t.startsWith("#") || /^\{\{-?\s*\/\*.*\*\/\s*-?\}\}$/.test(t);
}

interface Touch {
  what: string;
  line: number;
}

/**
 * Each thing touched once, where the head shows it (added lines are read first), in
 * line order: an edited line is removed and added, and one mention says enough.
 */
function distinct(touches: readonly Touch[]): Touch[] {
  const seen = new Map<string, Touch>();
  for (const t of touches) if (!seen.has(t.what)) seen.set(t.what, t);
  return [...seen.values()].sort((a, b) => a.line - b.line);
}

/** `replicas (line 9), resources (line 23)`: what was touched, first few. */
function describe(touches: readonly Touch[]): string {
  const shown = touches.slice(0, 4).map((t) => `${t.what} (line ${t.line})`);
  if (touches.length > 4) shown.push(`${touches.length - 4} more`);
  return shown.join(", ");
}

/**
 * What the changed lines of a Helm template touch. `base`/`head` are the two
 * versions (null when absent), used to place each line in its object.
 */
export function helmTemplateChanges(
  file: ChangedFile,
  base: string | null,
  head: string | null,
): TemplateChange[] {
  const { added, removed } = diffLines(file);
  const headSpans = objectSpans(head);
  const baseSpans = objectSpans(base);
  const scaling: Touch[] = [];
  const security: Touch[] = [];
  const env: Touch[] = [];
  const read = (l: DiffLine, spans: readonly ObjectSpan[], isAdded: boolean) => {
    if (meaningless(l.text)) return;
    const kind = kindAt(spans, l.line);
    const declared = /^kind:\s*["']?([A-Za-z]+)/.exec(l.text)?.[1];
    if (kind !== undefined && SECURITY_KINDS.has(kind)) security.push({ what: kind, line: l.line });
    else if (SECURITY_WORDS.test(l.text))
      security.push({ what: SECURITY_WORDS.exec(l.text)![1]!, line: l.line });
    if (kind !== undefined && SCALING_KINDS.has(kind)) scaling.push({ what: kind, line: l.line });
    else if (declared !== undefined && isWorkloadKind(declared))
      scaling.push({ what: `kind ${declared}`, line: l.line });
    else if (SCALING_WORDS.test(l.text))
      scaling.push({ what: SCALING_WORDS.exec(l.text)![1]!, line: l.line });
    if (!isAdded) return;
    const name = ENV_NAME.exec(l.text)?.[1];
    if (name !== undefined) env.push({ what: `env ${name}`, line: l.line });
    else if (/^\s*envFrom:/.test(l.text)) env.push({ what: "envFrom", line: l.line });
  };
  for (const l of added) read(l, headSpans, true);
  for (const l of removed) read(l, baseSpans, false);
  const out: TemplateChange[] = [];
  const note = "Helm template (not evaluated): changed lines touch";
  const scaled = distinct(scaling);
  if (scaled.length > 0) {
    out.push({
      kind: "scaling-change",
      detail: `${note} ${describe(scaled)}; assumed to change scaling`,
      line: scaled[0]!.line,
    });
  }
  const secured = distinct(security);
  if (secured.length > 0) {
    out.push({
      kind: "security-policy",
      detail: `${note} ${describe(secured)}; assumed to change security policy`,
      line: secured[0]!.line,
    });
  }
  for (const e of distinct(env))
    out.push({
      kind: "env-var-added",
      detail: `Helm template (not evaluated): new ${e.what}`,
      line: e.line,
    });
  return out;
}
