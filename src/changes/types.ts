/**
 * The vocabulary shared by every change-kind detector.
 *
 * A detector reads one changed file (its patch, and its content at base and head
 * when the caller could load them) and says *what* changed: a DROP COLUMN, a major
 * version bump, a replica count. Detectors are pure: no I/O, no clock.
 */

/** Every change kind a detector can emit. Policies may only refer to these. */
export const CHANGE_KINDS = [
  "endpoint-added",
  "api-breaking",
  "migration-index",
  "migration-destructive",
  "dependency-added",
  "dependency-minor",
  "dependency-major",
  "env-var-added",
  "scaling-change",
  "cost-increase",
  "security-policy",
  // Socket.IO events renamed, removed or retyped (socket-events.ts).
  "event-schema",
  // A major of the Socket.IO protocol's packages (package-json.ts): every client must follow.
  "protocol-upgrade",
] as const;

export type ChangeKind = (typeof CHANGE_KINDS)[number];

export function isChangeKind(value: string): value is ChangeKind {
  return (CHANGE_KINDS as readonly string[]).includes(value);
}

/** GitHub's file statuses (pulls/{n}/files), which `git diff --name-status` maps onto. */
export type FileStatus =
  "added" | "removed" | "modified" | "renamed" | "copied" | "changed" | "unchanged";

export interface ChangedFile {
  /** Path at head (for a removed file: the path it had). */
  path: string;
  /** Path at base when the file was renamed or copied. */
  previousPath?: string;
  status: FileStatus;
  /**
   * Unified diff hunks as GitHub returns them in `patch` (no `diff --git` header).
   * GitHub leaves it out for large diffs and binary files, and a pure rename has
   * none: its absence alone says nothing about what changed.
   */
  patch?: string;
  /**
   * Changed-line counts as GitHub lists them (`additions`, `deletions`, `changes`),
   * `undefined` when the caller did not count. A rename counted above 0 was edited;
   * one counted 0 may still have been (GitHub counts 0 for a binary file), so only
   * its two versions, loaded and equal, make it a pure rename (unread.ts).
   */
  additions?: number;
  deletions?: number;
  changes?: number;
  /**
   * Content at the base commit: a string, `null` when the file did not exist there,
   * `undefined` when the caller did not load it.
   */
  base?: string | null;
  /** Content at the head commit, same convention as `base`. */
  head?: string | null;
  /**
   * Git object ids of the two versions' blobs, when the caller read them (GitHub's
   * file list gives the head's as `sha`; the base's comes with its content): equal
   * ids are identical bytes, which makes a rename pure even when neither version's
   * text could be loaded (a binary or very large file).
   */
  headBlob?: string;
  baseBlob?: string;
}

export interface Finding {
  kind: ChangeKind;
  /** The changed file the finding is about (its head path). */
  path: string;
  /** One human sentence: what was seen, e.g. "DROP COLUMN \"email\" on table \"User\"". */
  detail: string;
  /** 1-based line in the head (or base, for removals) version, when known. */
  line?: number;
  /**
   * True when the detector could not read the file and assumed the worst kind it
   * can emit. Such findings are always reported, never silently dropped.
   */
  conservative?: boolean;
}

/** A file a detector should have been able to read but could not. */
export interface DetectionProblem {
  path: string;
  detector: string;
  message: string;
}

export interface DetectionResult {
  findings: Finding[];
  problems: DetectionProblem[];
}

/** Policy settings some detectors need (unit prices for the cost estimate). */
export interface DetectorSettings {
  cost: {
    /** Price of one vCPU (a CPU request of 1 / 1000m) for a month. */
    cpuMonth: number;
    /** Price of one GiB of memory requests for a month. */
    memoryGiBMonth: number;
    /** A monthly increase strictly above this is `cost-increase`. */
    threshold: number;
    currency: string;
    /** Monthly price per instance size (Terraform sizing), over the built-in table (cloud-prices.ts). */
    prices?: Readonly<Record<string, number>>;
  };
}

export interface Detector {
  /** Stable id, used in problems and explanations (e.g. "sql-migration"). */
  id: string;
  /** The kinds this detector can emit; the first listed is its most severe. */
  kinds: readonly ChangeKind[];
  /**
   * Cheap path test deciding whether `detect` is called for a file. It is called
   * with the head path and, for renames, the previous path too.
   */
  appliesTo(path: string): boolean;
  /** Whether `detect` needs `base`/`head` content (the app fetches it only then). */
  needsContent: boolean;
  /**
   * For a detector that reads patches: whether this file's change can only be read
   * from its whole content (the app and CLI then load it), e.g. a SQL file renamed
   * into a migrations folder, all of which now runs.
   */
  needsContentFor?(file: ChangedFile): boolean;
  /**
   * Most characters of patch and content (added up) the detector reads; a file
   * with more is classified as its most severe kind without being read, so that
   * no file can make it run for long. Defaults to DEFAULT_MAX_INPUT (registry).
   */
  maxInput?: number;
  detect(file: ChangedFile, settings: DetectorSettings): DetectionResult;
}
