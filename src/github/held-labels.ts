import type { TimelineEvent } from "./snapshot.js";

/**
 * Labels only raise a pull request's level, and nothing its author does may
 * lower it: a label someone else added and the author (or anyone who pushed
 * commits to the change) removed still applies, until someone independent
 * removes it. Read from GitHub's timeline, which names who added and removed
 * each label.
 */
export interface HeldLabel {
  name: string;
  /** Who removed it (the author or a contributor). */
  removedBy: string;
}

export function heldLabels(
  current: readonly string[],
  timeline: readonly TimelineEvent[],
  author: string,
  contributors: readonly string[],
): HeldLabel[] {
  const present = new Set(current.map((l) => l.toLowerCase()));
  const interested = new Set([author, ...contributors].map((l) => l.toLowerCase()).filter(Boolean));
  const byLabel = new Map<
    string,
    { name: string; events: { type: "labeled" | "unlabeled"; actor: string }[] }
  >();
  for (const e of timeline) {
    if (e.type !== "labeled" && e.type !== "unlabeled") continue;
    const key = e.label.toLowerCase();
    let entry = byLabel.get(key);
    if (!entry) byLabel.set(key, (entry = { name: e.label, events: [] }));
    entry.events.push({ type: e.type, actor: e.actor.toLowerCase() });
  }
  const held: HeldLabel[] = [];
  for (const [key, { name, events }] of byLabel) {
    if (present.has(key)) continue;
    const last = events.at(-1);
    if (!last || last.type !== "unlabeled" || !interested.has(last.actor)) continue;
    // Whoever added it last: if that was the author's side too, they may take back their own label.
    const added = events.filter((e) => e.type === "labeled").at(-1);
    if (!added || interested.has(added.actor)) continue;
    held.push({ name, removedBy: last.actor });
  }
  return held.sort((a, b) => a.name.localeCompare(b.name));
}
