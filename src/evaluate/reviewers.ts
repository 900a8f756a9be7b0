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
  /**
   * Lower-case logins whose sign-off does not count (the author and, unless the
   * policy lets them sign, the pull request's contributors): never asked, and a
   * review of theirs covers nothing. Default: the author alone.
   */
  notIndependent?: ReadonlySet<string>;
  membership: Membership;
  requested: { users: string[]; teams: string[] };
  reviewed: string[];
  /**
   * Roles a disagreement is now up to (evaluate/mediation.ts): one member who is
   * not a party to it is asked (a named person before the role's teams), unless
   * such a member is already asked.
   */
  mediators?: { role: RoleId; parties: string[] }[];
}

type Candidate = { kind: "user"; name: string } | { kind: "team"; name: string };

const COURTESY_USERS_PER_ROLE = 1;

export function chooseReviewers(input: ReviewerInput): { users: string[]; teams: string[] } {
  const author = input.author.toLowerCase();
  const excluded = input.notIndependent ?? new Set([author]);
  const independent = (login: string) => login !== author && !excluded.has(login.toLowerCase());
  const { membership } = input;
  // Someone whose sign-off cannot count (the author approving their own change)
  // covers no slot: counting them as asked would leave the slot with nobody to ask.
  const askedUsers = new Set(
    [...input.requested.users, ...input.reviewed].map((u) => u.toLowerCase()).filter(independent),
  );
  const askedTeams = new Set(input.requested.teams.map((t) => teamKey(t)));

  // Slots share a few role lists (one per kind of sign-off), so whether a
  // candidate holds one of a slot's roles is decided once per distinct list:
  // a large pull request has hundreds of slots and dozens of candidates.
  const roleLists = new Map<string, number>();
  const distinctRoles: RoleId[][] = [];
  /** Per distinct role list, the slots asking for it, ascending. */
  const slotsOfList: number[][] = [];
  input.slots.forEach((slot, i) => {
    const key = JSON.stringify(slot.roles);
    let list = roleLists.get(key);
    if (list === undefined) {
      roleLists.set(key, (list = distinctRoles.length));
      distinctRoles.push(slot.roles);
      slotsOfList.push([]);
    }
    slotsOfList[list]!.push(i);
  });
  // Who holds which distinct role list, read once off the roles' members (a user
  // through a team too): asking every candidate about every list was quadratic
  // in a large pull request's areas. Each candidate's lists come out ascending.
  const listsOfUser = new Map<string, number[]>();
  const listsOfTeam = new Map<string, number[]>();
  const holds = (byKey: Map<string, number[]>, key: string, list: number) => {
    const lists = byKey.get(key);
    if (lists === undefined) byKey.set(key, [list]);
    else if (lists[lists.length - 1] !== list) lists.push(list);
  };
  distinctRoles.forEach((roles, list) => {
    for (const role of roles) {
      const members = membership.members(role);
      for (const login of members.logins) holds(listsOfUser, login, list);
      for (const team of members.teams) holds(listsOfTeam, teamKey(team), list);
    }
  });
  /** Distinct people a candidate can provide to one requirement. */
  const capacity = (c: Candidate): number => {
    if (c.kind === "user") return 1;
    const known = membership.teamMembersOf(c.name);
    return known === undefined ? Infinity : known.filter(independent).length;
  };

  // Which slots each candidate can fill is worked out once; the greedy rounds
  // then only count still-open slots (large pull requests have hundreds).
  const open = input.slots.map(() => true);
  let remaining = open.length;
  const fillable = (c: Candidate) => {
    // A user already signing a requirement cannot fill another of its slots.
    const login = c.kind === "user" ? c.name.toLowerCase() : undefined;
    const slots: number[] = [];
    const lists =
      (login === undefined ? listsOfTeam.get(teamKey(c.name)) : listsOfUser.get(login)) ?? [];
    for (const list of lists)
      for (const i of slotsOfList[list]!)
        if (login === undefined || !input.slots[i]!.signedBy.includes(login)) slots.push(i);
    // In slot order, as the greedy rounds close them (a team's capacity per requirement runs out in that order).
    if (lists.length > 1) slots.sort((a, b) => a - b);
    return { candidate: c, slots, capacity: capacity(c) };
  };
  type Fill = ReturnType<typeof fillable>;
  /** The slots `fill` would close now, at most `capacity` per requirement. */
  const used = new Map<string, number>();
  const wouldClose = (fill: Fill): number[] => {
    used.clear();
    const closed: number[] = [];
    for (const i of fill.slots) {
      if (!open[i]) continue;
      const requirement = input.slots[i]!.requirement;
      const n = used.get(requirement) ?? 0;
      if (n >= fill.capacity) continue;
      used.set(requirement, n + 1);
      closed.push(i);
    }
    return closed;
  };
  const cover = (fill: Fill) => {
    for (const i of wouldClose(fill)) {
      open[i] = false;
      remaining--;
    }
  };
  for (const user of askedUsers) cover(fillable({ kind: "user", name: user }));
  for (const team of input.requested.teams) cover(fillable({ kind: "team", name: team }));

  const candidates: Candidate[] = [];
  const roles = new Set(input.slots.filter((_, i) => open[i]).flatMap((s) => s.roles));
  for (const role of roles) {
    const members = membership.members(role);
    for (const user of members.users)
      if (independent(user) && !askedUsers.has(user)) candidates.push({ kind: "user", name: user });
    for (const team of members.teams)
      if (!askedTeams.has(teamKey(team))) candidates.push({ kind: "team", name: team });
  }
  const pool = uniqueCandidates(candidates).map(fillable);

  const chosen: Candidate[] = [];
  const taken = new Set<Fill>();
  // Slots only ever close, so a candidate's gain never grows: its last count
  // bounds it, and one whose bound cannot beat the best so far is not recounted.
  const bound = new Map<Fill, number>(pool.map((fill) => [fill, fill.slots.length]));
  while (remaining > 0) {
    let best: Fill | undefined;
    let bestGain = 0;
    for (const fill of pool) {
      if (taken.has(fill)) continue;
      const most = bound.get(fill)!;
      if (
        most < bestGain ||
        (most === bestGain && !(most > 0 && best && preferred(fill.candidate, best.candidate)))
      )
        continue;
      const gain = wouldClose(fill).length;
      bound.set(fill, gain);
      if (
        gain > bestGain ||
        (gain === bestGain && gain > 0 && best && preferred(fill.candidate, best.candidate))
      ) {
        best = fill;
        bestGain = gain;
      }
    }
    if (!best) break; // what is left has nobody to ask; the summary says so
    taken.add(best);
    chosen.push(best.candidate);
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
    else
      members.users
        .filter(independent)
        .slice(0, COURTESY_USERS_PER_ROLE)
        .forEach((u) => users.add(u));
  }
  for (const { role, parties } of input.mediators ?? []) {
    const members = membership.members(role);
    // A party cannot decide: asking one of them would tell nobody who can.
    const eligible = members.users.filter(
      (u) => independent(u) && !parties.includes(u.toLowerCase()),
    );
    const asked =
      eligible.some((u) => users.has(u) || askedUsers.has(u.toLowerCase())) ||
      members.teams.some((t) => teams.has(t) || askedTeams.has(teamKey(t)));
    if (asked) continue;
    if (eligible.length > 0) users.add(eligible[0]!);
    else members.teams.forEach((t) => teams.add(t));
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
