/**
 * Detects dependency changes in `package.json` files: new dependencies, and
 * version-range changes classified as major or minor/patch.
 *
 * The question a reviewer cares about is "could this change what gets installed in
 * a way that breaks us?". We answer it from the range's lower bound (what the range
 * promises at least) using semver's compatibility lines: a new major is a new line,
 * and for 0.x versions, caret semantics apply (0.3 → 0.4 and 0.0.3 → 0.0.4 are new
 * lines too). Anything we cannot compare is assumed to be major, because silently
 * under-classifying a dependency change is the failure mode a governance gate must
 * avoid.
 *
 * Sections compared: dependencies, devDependencies, peerDependencies,
 * optionalDependencies, plus overrides (npm), resolutions (yarn) and pnpm.overrides.
 * Overrides force a version onto the whole tree, so a major bump there is as risky
 * as one in `dependencies`; their keys are selectors ("foo > bar", "**\/foo"), not
 * package names, so they are matched only against the same selector at base.
 * Removed dependencies are not reported: no kind describes them.
 *
 * A major change of a package that carries the Socket.IO protocol (the server,
 * the client, the Engine.IO transport underneath, NestJS's gateway packages) is
 * also `protocol-upgrade`: every client must move with the server, which the
 * chat-backend document puts to the Tech Architect ("Socket.IO v4 → v5").
 */
import semver from "semver";
import { splitLines } from "./diff.js";
import type { ChangeKind, ChangedFile, DetectionResult, Detector, Finding } from "./types.js";
import { unreadContent } from "./unread.js";

const DETECTOR_ID = "package-json";

/** Sections whose keys are package names. Order matters: it is the pairing order for moves. */
const DEPENDENCY_SECTIONS = [
  "dependencies",
  "devDependencies",
  "peerDependencies",
  "optionalDependencies",
] as const;

export const packageJsonDetector: Detector = {
  id: DETECTOR_ID,
  kinds: ["dependency-major", "dependency-added", "dependency-minor", "protocol-upgrade"],
  appliesTo: (path) => basename(path) === "package.json",
  needsContent: true,
  detect(file) {
    try {
      return detectPackageJson(file);
    } catch (error) {
      // Detectors must never throw; an unexpected failure is reported like an unreadable file.
      return unreadable(file, `unexpected error: ${errorMessage(error)}`);
    }
  },
};

// ---------------------------------------------------------------------------
// Reading the manifest
// ---------------------------------------------------------------------------

/** One declared dependency (or override) and the section declaring it. */
interface Entry {
  section: string;
  /** Package name; for overrides, the selector ("foo", "foo > bar", "**\/foo"). */
  name: string;
  spec: string;
}

interface Manifest {
  dependencies: Entry[];
  overrides: Entry[];
}

type ReadResult = { ok: true; manifest: Manifest } | { ok: false; message: string };

const EMPTY_MANIFEST: Manifest = { dependencies: [], overrides: [] };

class MalformedManifest extends Error {}

function readManifest(text: string): ReadResult {
  let json: unknown;
  try {
    // Editors on Windows sometimes save a BOM, which JSON.parse rejects but npm accepts.
    json = JSON.parse(text.replace(/^\uFEFF/, ""));
  } catch (error) {
    return { ok: false, message: `not valid JSON (${errorMessage(error)})` };
  }
  if (!isRecord(json)) return { ok: false, message: "not a JSON object" };
  try {
    return {
      ok: true,
      manifest: { dependencies: readDependencies(json), overrides: readOverrides(json) },
    };
  } catch (error) {
    if (error instanceof MalformedManifest) return { ok: false, message: error.message };
    throw error;
  }
}

function readDependencies(json: Record<string, unknown>): Entry[] {
  return DEPENDENCY_SECTIONS.flatMap((section) => readFlatSection(json[section], section));
}

function readOverrides(json: Record<string, unknown>): Entry[] {
  const pnpm = json["pnpm"];
  return [
    ...flattenNpmOverrides(json["overrides"], "overrides", []),
    ...readFlatSection(json["resolutions"], "resolutions"),
    ...(isRecord(pnpm) ? readFlatSection(pnpm["overrides"], "pnpm.overrides") : []),
  ];
}

/** A `{ name: spec }` object; anything else means npm itself would reject the file. */
function readFlatSection(value: unknown, section: string): Entry[] {
  if (value === undefined) return [];
  if (!isRecord(value)) throw new MalformedManifest(`"${section}" is not an object`);
  return Object.entries(value).map(([name, spec]) => {
    if (typeof spec !== "string")
      throw new MalformedManifest(`"${section}.${name}" is not a string`);
    return { section, name, spec };
  });
}

/**
 * npm overrides nest: `{ "foo": { ".": "1.0.0", "bar": "2.0.0" } }` overrides foo
 * itself (".") and bar when depended on by foo. We flatten to "foo" and "foo > bar".
 */
function flattenNpmOverrides(value: unknown, section: string, path: string[]): Entry[] {
  if (value === undefined && path.length === 0) return [];
  if (!isRecord(value)) throw new MalformedManifest(`"${section}" is not an object`);
  return Object.entries(value).flatMap(([key, spec]) => {
    const selector = key === "." ? path : [...path, key];
    if (typeof spec === "string")
      return selector.length === 0 ? [] : [{ section, name: selector.join(" > "), spec }];
    if (isRecord(spec)) return flattenNpmOverrides(spec, section, selector);
    throw new MalformedManifest(
      `"${section}" entry "${[...path, key].join(" > ")}" is neither a string nor an object`,
    );
  });
}

// ---------------------------------------------------------------------------
// Detection
// ---------------------------------------------------------------------------

interface Change {
  kind: ChangeKind;
  /** The head entry the change is about (used for the line number). */
  entry: Entry;
  detail: string;
}

function detectPackageJson(file: ChangedFile): DetectionResult {
  // A removed package.json removes dependencies, which no kind describes.
  if (file.status === "removed" || file.head === null) return { findings: [], problems: [] };
  // For an added file the caller may not bother loading a base that cannot exist.
  const baseText = file.status === "added" && file.base === undefined ? null : file.base;
  if (file.head === undefined || baseText === undefined) {
    const unread = unreadContent(file);
    // Without both versions only a pure rename is known to declare what it declared.
    return unread === undefined ? { findings: [], problems: [] } : unreadable(file, unread);
  }
  const head = readManifest(file.head);
  if (!head.ok) return unreadable(file, `head is ${head.message}`);
  const base =
    baseText === null ? { ok: true as const, manifest: EMPTY_MANIFEST } : readManifest(baseText);
  if (!base.ok) return unreadable(file, `base is ${base.message}`);

  const changes = [
    ...compareDependencies(base.manifest.dependencies, head.manifest.dependencies),
    ...compareOverrides(base.manifest.overrides, head.manifest.overrides),
  ].flatMap((change) => [change, ...protocolUpgrade(change)]);
  const headText = file.head;
  const findings = changes.map((change): Finding => {
    const line = lineOf(headText, change.entry);
    return {
      kind: change.kind,
      path: file.path,
      detail: change.detail,
      ...(line === undefined ? {} : { line }),
    };
  });
  return { findings, problems: [] };
}

/**
 * Pairs head declarations with base declarations of the same package name.
 *
 * A package that left one section and appeared in another (devDependencies →
 * dependencies, say) is a *move*: it is compared with its old declaration, so a move
 * with the same range yields nothing. The range, not the section, decides which
 * version is resolved and installed, and the package itself was already reviewed
 * when it was first added; what ships is a packaging question that path rules cover.
 */
function compareDependencies(base: Entry[], head: Entry[]): Change[] {
  const baseByName = groupByName(base);
  const changes: Change[] = [];
  for (const [name, headEntries] of groupByName(head)) {
    const baseEntries = baseByName.get(name) ?? [];
    // Base declarations whose section no longer declares the package: candidates for a move.
    const movedAway = baseEntries.filter((b) => !headEntries.some((h) => h.section === b.section));
    for (const entry of headEntries) {
      const sameSection = baseEntries.find((b) => b.section === entry.section);
      const previous = sameSection ?? movedAway.shift();
      if (previous !== undefined) {
        const change = compareEntries(previous, entry);
        if (change !== null) changes.push(change);
      } else if (baseEntries.length === 0) {
        changes.push(added(entry));
      } else {
        // Still declared where it was, and now also here (typically a library adding a
        // peer dependency on something it already uses): a new requirement, not a bump.
        changes.push(added(entry, `already in ${baseEntries.map((b) => b.section).join(", ")}`));
      }
    }
  }
  return changes;
}

function compareOverrides(base: Entry[], head: Entry[]): Change[] {
  const changes: Change[] = [];
  for (const entry of head) {
    const previous = base.find((b) => b.section === entry.section && b.name === entry.name);
    const change = previous === undefined ? added(entry) : compareEntries(previous, entry);
    if (change !== null) changes.push(change);
  }
  return changes;
}

/** Packages whose major versions change the wire protocol between Socket.IO servers and clients. */
export const SOCKET_IO_PROTOCOL_PACKAGES = new Set([
  "socket.io",
  "socket.io-client",
  "socket.io-parser",
  "engine.io",
  "engine.io-client",
  "@nestjs/websockets",
  "@nestjs/platform-socket.io",
]);

/** The package an entry or override selector is about: `socket.io`, `foo > socket.io`, `**\/socket.io`, `socket.io@<5`. */
function packageOf(name: string): string {
  const leaf = name.split(">").at(-1)?.trim() ?? name;
  const unversioned = leaf.replace(/(?<=.)@[^/@]*$/, "");
  return unversioned.replace(/^(?:\*\*\/)+/, "");
}

/** A major of a Socket.IO protocol package is also a protocol upgrade (a downgrade too: clients move either way). */
function protocolUpgrade(change: Change): Change[] {
  if (
    change.kind !== "dependency-major" ||
    !SOCKET_IO_PROTOCOL_PACKAGES.has(packageOf(change.entry.name))
  )
    return [];
  return [
    {
      kind: "protocol-upgrade",
      entry: change.entry,
      detail: `Socket.IO protocol upgrade: ${change.detail}; every client must follow`,
    },
  ];
}

function added(entry: Entry, note?: string): Change {
  const where = note === undefined ? entry.section : `${entry.section}; ${note}`;
  return {
    kind: "dependency-added",
    entry,
    detail: `added ${entry.name} ${entry.spec.trim()} (${where})`,
  };
}

function compareEntries(previous: Entry, entry: Entry): Change | null {
  const verdict = compareSpecs(previous.spec, entry.spec);
  if (verdict === null) return null;
  const where =
    previous.section !== entry.section
      ? `, moved from ${previous.section} to ${entry.section}`
      : entry.section === "dependencies"
        ? ""
        : `, ${entry.section}`;
  const reason = verdict.reason === undefined ? "" : `: ${verdict.reason}`;
  return {
    kind: verdict.kind,
    entry,
    detail: `${entry.name} ${previous.spec.trim()} → ${entry.spec.trim()} (${verdict.label}${where})${reason}`,
  };
}

// ---------------------------------------------------------------------------
// Comparing version specifiers
// ---------------------------------------------------------------------------

export interface Verdict {
  kind: "dependency-major" | "dependency-minor";
  /** "major", "major downgrade", "minor", "patch", "minor downgrade", "range changed", … */
  label: string;
  /** Why, when the label alone would not explain the classification. */
  reason?: string;
}

type Spec =
  /** A satisfiable semver range with a meaningful lower bound. */
  | { type: "range"; raw: string; range: string; min: semver.SemVer }
  /** `*`, `x`, `""`, `>=0.0.0` (no tag) or a dist-tag such as `latest`: whatever is newest. */
  | { type: "unbounded"; raw: string; tag: boolean }
  /** `npm:other-package@range`. */
  | { type: "alias"; raw: string; target: string; inner: Spec }
  /** git, GitHub shorthand, file:, link:, workspace:, tarball URLs, unsatisfiable ranges. */
  | { type: "opaque"; raw: string };

const NOT_COMPARABLE = "not a semver range, could not be compared";
const UNBOUNDED = "unbounded range, compared conservatively";

/**
 * Classifies the change from one version specifier to another; null when they are
 * equivalent (same text, or ranges semver normalises to the same thing such as
 * `^4.0.0` and `4.x`).
 */
export function compareSpecs(from: string, to: string): Verdict | null {
  return compareParsed(parseSpec(from), parseSpec(to));
}

function compareParsed(from: Spec, to: Spec): Verdict | null {
  if (from.raw === to.raw) return null;
  if (from.type === "alias" || to.type === "alias") {
    if (from.type === "alias" && to.type === "alias" && from.target === to.target) {
      return compareParsed(from.inner, to.inner);
    }
    return major("now resolves to a different package (npm: alias)");
  }
  if (from.type === "opaque" || to.type === "opaque") return major(NOT_COMPARABLE);
  if (from.type === "unbounded" && to.type === "unbounded" && !from.tag && !to.tag) return null; // "*" → "x"
  if (from.type === "unbounded" || to.type === "unbounded") return major(UNBOUNDED);
  return compareRanges(from, to);
}

function compareRanges(
  from: Extract<Spec, { type: "range" }>,
  to: Extract<Spec, { type: "range" }>,
): Verdict | null {
  if (from.range === to.range) return null;
  const downgrade = semver.lt(to.min, from.min);
  if (compatLine(from.min).start !== compatLine(to.min).start) {
    return { kind: "dependency-major", label: downgrade ? "major downgrade" : "major" };
  }
  // Same lower bound line, but the range may now reach further: `^18` → `^18 || ^19`,
  // or `^4.7.2` → `>=4.7.2` lets a fresh install pick up the next major.
  const widenedTo = newlyAllowedLine(from.range, to.range);
  if (widenedTo !== undefined) return major(`now also allows ${widenedTo}`);
  if (semver.eq(from.min, to.min)) return { kind: "dependency-minor", label: "range changed" };
  const step =
    to.min.minor !== from.min.minor
      ? "minor"
      : to.min.patch !== from.min.patch
        ? "patch"
        : "prerelease";
  return { kind: "dependency-minor", label: downgrade ? `${step} downgrade` : step };
}

function major(reason: string): Verdict {
  return { kind: "dependency-major", label: "major", reason };
}

/** npm's rules for a dist-tag name: not a range, URL-safe, no path or protocol. */
const DIST_TAG = /^[A-Za-z][\w.-]*$/;
/** `npm:name@range` and `npm:@scope/name@range`; the range is optional. */
const NPM_ALIAS = /^npm:((?:@[^/@\s]+\/)?[^/@\s]+)(?:@(.*))?$/;

function parseSpec(spec: string): Spec {
  const raw = spec.trim();
  const alias = NPM_ALIAS.exec(raw);
  if (alias !== null)
    return { type: "alias", raw, target: alias[1] ?? "", inner: parseSpec(alias[2] ?? "") };
  const range = semver.validRange(raw);
  if (range === "*") return { type: "unbounded", raw, tag: false };
  if (range !== null) {
    const min = semver.minVersion(range);
    // A valid but unsatisfiable range (">2 <1") has no lower bound to compare.
    return min === null ? { type: "opaque", raw } : { type: "range", raw, range, min };
  }
  if (DIST_TAG.test(raw)) return { type: "unbounded", raw, tag: true };
  return { type: "opaque", raw };
}

interface CompatLine {
  /** First version of the line, e.g. "5.0.0", "0.28.0", "0.0.4". */
  start: string;
  /** How the line is shown to people, e.g. "5.x", "0.28.x", "0.0.4". */
  label: string;
}

/**
 * The set of versions caret-compatible with `version`: a major for >=1, a minor for
 * 0.y, a patch for 0.0.z. `^start` is exactly that set.
 */
function compatLine(version: semver.SemVer): CompatLine {
  if (version.major > 0) return { start: `${version.major}.0.0`, label: `${version.major}.x` };
  if (version.minor > 0) return { start: `0.${version.minor}.0`, label: `0.${version.minor}.x` };
  return { start: `0.0.${version.patch}`, label: `0.0.${version.patch}` };
}

/**
 * The lowest compatibility line `to` admits and `from` does not, if any.
 *
 * Candidate lines come from every bound in either range: a range can only start
 * admitting a line where one of the bounds moved, and the first line past an old
 * upper bound is that bound's own line (`<5.0.0-0` → 5.x).
 */
function newlyAllowedLine(from: string, to: string): string | undefined {
  const candidates = new Map<string, CompatLine>();
  for (const range of [from, to]) {
    for (const comparator of new semver.Range(range).set.flat()) {
      if (!(comparator.semver instanceof semver.SemVer)) continue; // the "any version" comparator
      const line = compatLine(comparator.semver);
      candidates.set(line.start, line);
    }
  }
  const ascending = [...candidates.values()].sort((a, b) => semver.compare(a.start, b.start));
  const widened = ascending.find(
    (line) => semver.intersects(to, `^${line.start}`) && !semver.intersects(from, `^${line.start}`),
  );
  return widened?.label;
}

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

/** The file could not be read: report it, and assume the worst kind this detector emits. */
function unreadable(file: ChangedFile, message: string): DetectionResult {
  return {
    findings: [
      {
        kind: "dependency-major",
        path: file.path,
        detail: `package.json could not be read (${message}); dependency changes assumed major`,
        conservative: true,
      },
    ],
    problems: [{ path: file.path, detector: DETECTOR_ID, message }],
  };
}

/**
 * Best-effort 1-based line of an entry in the head text: the first line declaring
 * its key after the line opening its section. Undefined when the layout is unusual.
 */
function lineOf(text: string, entry: Entry): number | undefined {
  const lines = splitLines(text);
  const sectionKey = keyPattern(entry.section === "pnpm.overrides" ? "overrides" : entry.section);
  const leafKey = keyPattern(entry.name.split(" > ").at(-1) ?? entry.name);
  const start = lines.findIndex((l) => sectionKey.test(l));
  if (start < 0) return undefined;
  for (let i = start; i < lines.length; i++) {
    const line = lines[i] ?? "";
    // On the section's own line, only look after the section key ("dependencies": { "x": …).
    const searched = i === start ? line.slice((sectionKey.exec(line)?.index ?? 0) + 1) : line;
    if (leafKey.test(searched)) return i + 1;
  }
  return undefined;
}

function keyPattern(key: string): RegExp {
  return new RegExp(`${escapeRegExp(JSON.stringify(key))}\\s*:`);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

function groupByName(entries: Entry[]): Map<string, Entry[]> {
  const groups = new Map<string, Entry[]>();
  for (const entry of entries) groups.set(entry.name, [...(groups.get(entry.name) ?? []), entry]);
  return groups;
}

function basename(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
