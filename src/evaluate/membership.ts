import type { Policy, RoleId } from "../policy/model.js";

/**
 * Who holds which role, from the policy's bindings and the team members the
 * caller resolved. Unknown team membership never counts as membership: an
 * unresolvable team can be requested for review but cannot sign. Where a
 * condition depends on membership (a rule's `author`), `membershipIn` tells
 * "not a member" from "not known".
 */
export class Membership {
  private readonly cache = new Map<RoleId, RoleMembers>();

  constructor(
    private readonly policy: Policy,
    private readonly teamMembers: Record<string, string[]>,
  ) {}

  members(role: RoleId): RoleMembers {
    let members = this.cache.get(role);
    if (!members) {
      members = this.resolve(role);
      this.cache.set(role, members);
    }
    return members;
  }

  isMember(login: string, role: RoleId): boolean {
    return this.members(role).logins.has(login.toLowerCase());
  }

  isMemberOfAny(login: string, roles: readonly RoleId[]): boolean {
    return roles.some((role) => this.isMember(login, role));
  }

  /**
   * Whether `login` holds one of `roles`: a member when known to; otherwise
   * unknown while a team bound to one of them could not be read (the login may
   * be in it), and not a member only when every binding is known.
   */
  membershipIn(
    login: string,
    roles: readonly RoleId[],
  ): { status: "member" | "not-member" | "unknown"; unreadTeams: string[] } {
    if (this.isMemberOfAny(login, roles)) return { status: "member", unreadTeams: [] };
    const unreadTeams = [...new Set(roles.flatMap((role) => this.members(role).unresolvedTeams))];
    return { status: unreadTeams.length > 0 ? "unknown" : "not-member", unreadTeams };
  }

  /** Lower-cased members of a team, or undefined when they are not known. */
  teamMembersOf(team: string): string[] | undefined {
    return this.teamMembers[team]?.map((m) => m.toLowerCase());
  }

  private resolve(role: RoleId): RoleMembers {
    const binding = this.policy.roles.get(role);
    const logins = new Set(binding?.users ?? []);
    const unresolvedTeams: string[] = [];
    for (const team of binding?.teams ?? []) {
      const members = this.teamMembers[team];
      if (members === undefined) unresolvedTeams.push(team);
      else for (const m of members) logins.add(m.toLowerCase());
    }
    return {
      logins,
      users: binding?.users ?? [],
      teams: binding?.teams ?? [],
      unresolvedTeams,
      boundToNobody: (binding?.users.length ?? 0) + (binding?.teams.length ?? 0) === 0,
    };
  }
}

export interface RoleMembers {
  /** Every login known to hold the role (direct users and resolved team members). */
  logins: Set<string>;
  users: string[];
  teams: string[];
  /** Teams whose members are not known. */
  unresolvedTeams: string[];
  boundToNobody: boolean;
}
