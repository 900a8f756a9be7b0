/**
 * Distinct people for distinct slots: a maximum bipartite matching (Kuhn's
 * augmenting paths). Requirements are small (a handful of slots, a handful of
 * signers), so the simple algorithm is the right one.
 *
 * `eligible[s]` lists the candidates that may fill slot `s`. Returns, per slot,
 * the candidate assigned to it or undefined.
 */
export function matchSlots<T>(eligible: readonly (readonly T[])[]): (T | undefined)[] {
  const slotOf = new Map<T, number>();
  const assigned: (T | undefined)[] = eligible.map(() => undefined);

  const tryAssign = (slot: number, visited: Set<T>): boolean => {
    for (const candidate of eligible[slot]!) {
      if (visited.has(candidate)) continue;
      visited.add(candidate);
      const holder = slotOf.get(candidate);
      if (holder === undefined || tryAssign(holder, visited)) {
        slotOf.set(candidate, slot);
        assigned[slot] = candidate;
        return true;
      }
    }
    return false;
  };

  for (let slot = 0; slot < eligible.length; slot++) tryAssign(slot, new Set());
  return assigned;
}
