import type { RoleId } from "../policy/model.js";
import type { Membership } from "./membership.js";

/**
 * Reviewers to request: the smallest set found (greedy set cover, as Prow's
 * approve plugin suggests approvers) of users and teams that can fill every
 * missing sign-off, never the author, and nobody already asked or who already
 * reviewed — those are counted as covering what they can fill.
 */

export interface OpenSlot {
  requirement: string;
  roles: RoleId[];
  /** People already signing this requirement: they cannot fill another of its slots. */
  signedBy: string[];
}

export interface ReviewerInput {
  slots: OpenSlot[];
  /** Roles to ask for input without a sign-off slot (responsible, consulted). */
  courtesyRoles: RoleId[];
  author: string;
  membership: Membership;
  requested: { users: string[]; teams: string[] };
  reviewed: string[];
}

type Candidate = { kind: "user"; name: string } | { kind: "team"; name: string };

const COURTESY_USERS_PER_ROLE = 1;

export function chooseReviewers(input: ReviewerInput): { users: string[]; teams: string[] } {
  const author = input.author.toLowerCase();
  const { membership } = input;
  const askedUsers = new Set([...input.requested.users, ...input.reviewed].map((u) => u.toLowerCase()));
  const askedTeams = new Set(input.requested.teams.map((t) => teamKey(t)));

  const canFill = (c: Candidate, slot: OpenSlot): boolean =>
    c.kind === "user"
      ? !slot.signedBy.includes(c.name.toLowerCase()) && slot.roles.some((r) => membership.isMember(c.name, r))
      : slot.roles.some((r) => membership.members(r).teams.some((t) => teamKey(t) === teamKey(c.name)));
  /** Distinct people a candidate can provide to one requirement. */
  const capacity = (c: Candidate): number => {
    if (c.kind === "user") return 1;
    const known = membership.teamMembersOf(c.name);
    return known === undefined ? Infinity : known.filter((m) => m !== author).length;
  };

  let open = input.slots.map((slot, index) => ({ ...slot, index }));
  const cover = (c: Candidate) => {
    const used = new Map<string, number>();
    open = open.filter((slot) => {
      if (!canFill(c, slot)) return true;
      const n = used.get(slot.requirement) ?? 0;
      if (n >= capacity(c)) return true;
      used.set(slot.requirement, n + 1);
      return false;
    });
  };
  for (const user of askedUsers) cover({ kind: "user", name: user });
  for (const team of input.requested.teams) cover({ kind: "team", name: team });

  const candidates: Candidate[] = [];
  const roles = new Set(open.flatMap((s) => s.roles));
  for (const role of roles) {
    const members = membership.members(role);
    for (const user of members.users) if (user !== author && !askedUsers.has(user)) candidates.push({ kind: "user", name: user });
    for (const team of members.teams) if (!askedTeams.has(teamKey(team))) candidates.push({ kind: "team", name: team });
  }

  const chosen: Candidate[] = [];
  while (open.length > 0) {
    let best: Candidate | undefined;
    let bestGain = 0;
    for (const c of uniqueCandidates(candidates)) {
      if (chosen.some((x) => x.kind === c.kind && x.name === c.name)) continue;
      const before = open;
      cover(c);
      const gain = before.length - open.length;
      open = before;
      if (gain > bestGain || (gain === bestGain && gain > 0 && best && preferred(c, best))) {
        best = c;
        bestGain = gain;
      }
    }
    if (!best) break; // what is left has nobody to ask; the summary says so
    chosen.push(best);
    cover(best);
  }

  const users = new Set(chosen.filter((c) => c.kind === "user").map((c) => c.name));
  const teams = new Set(chosen.filter((c) => c.kind === "team").map((c) => c.name));
  for (const role of new Set(input.courtesyRoles)) {
    const members = membership.members(role);
    const alreadyAsked =
      members.users.some((u) => users.has(u) || askedUsers.has(u)) ||
      members.teams.some((t) => teams.has(t) || askedTeams.has(teamKey(t)));
    if (alreadyAsked) continue;
    if (members.teams.length > 0) members.teams.forEach((t) => teams.add(t));
    else members.users.filter((u) => u !== author).slice(0, COURTESY_USERS_PER_ROLE).forEach((u) => users.add(u));
  }
  return { users: [...users].sort(), teams: [...teams].sort() };
}

/** Users before teams (a named person is accountable; a team request is diffuse), then by name. */
function preferred(a: Candidate, b: Candidate): boolean {
  if (a.kind !== b.kind) return a.kind === "user";
  return a.name < b.name;
}

function uniqueCandidates(candidates: Candidate[]): Candidate[] {
  const seen = new Set<string>();
  return candidates.filter((c) => {
    const key = `${c.kind}:${c.kind === "team" ? teamKey(c.name) : c.name}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** `org/slug` and `slug` name the same team for comparison. */
export function teamKey(team: string): string {
  return (team.includes("/") ? team.slice(team.indexOf("/") + 1) : team).toLowerCase();
}
