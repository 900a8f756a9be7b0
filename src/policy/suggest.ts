/**
 * "did you mean" for a misspelt id, with bounded work.
 *
 * Every undefined reference in a policy is compared with every defined id, and
 * a proposed policy is the pull request author's: plain edit distances cost
 * references × ids × length², which a 64 KB policy turned into 10 s of lint.
 * So a suggestion is only looked for among ids of about the same length (the
 * distance is at least the difference in length), each distance is computed in
 * a band around the diagonal and abandoned once it exceeds what would be
 * suggested, ids longer than MAX_SUGGESTED_LENGTH get none, and one lint spends
 * at most `budget` cells on suggestions altogether; after that the messages
 * simply carry none.
 */

/** An id longer than this is no typo of a role or area name. */
export const MAX_SUGGESTED_LENGTH = 64;
/** Edit-distance cells one lint may spend on suggestions (some tens of milliseconds). */
export const SUGGESTION_BUDGET = 10_000_000;

export class Suggester {
  /** Edit-distance cells computed so far. */
  cells = 0;

  constructor(private readonly budget = SUGGESTION_BUDGET) {}

  /** ` (did you mean "x"?)` for a near miss among `candidates`, else "". */
  closest(word: string, candidates: Iterable<string>): string {
    if (word.length > MAX_SUGGESTED_LENGTH) return "";
    const limit = Math.max(2, Math.floor(word.length / 4));
    let best: string | undefined;
    let bestDistance = limit + 1;
    for (const candidate of candidates) {
      if (
        Math.abs(candidate.length - word.length) >= bestDistance ||
        candidate.length > MAX_SUGGESTED_LENGTH
      )
        continue;
      if (this.cells >= this.budget) break;
      const d = this.distance(word, candidate, bestDistance - 1);
      if (d < bestDistance) {
        best = candidate;
        bestDistance = d;
      }
    }
    return best !== undefined ? ` (did you mean "${best}"?)` : "";
  }

  /** Two rows of the distance table, reused: ids are at most MAX_SUGGESTED_LENGTH long. */
  private previous = new Int32Array(MAX_SUGGESTED_LENGTH + 2);
  private current = new Int32Array(MAX_SUGGESTED_LENGTH + 2);

  /**
   * Levenshtein distance of `a` and `b` if it is at most `max`, else max + 1.
   * Only the cells within `max` of the diagonal are computed (a path through any
   * other costs more than `max`), and a row whose cells all exceed `max` ends it.
   */
  private distance(a: string, b: string, max: number): number {
    const outside = max + 1;
    let previous = this.previous;
    let current = this.current;
    for (let j = 0; j <= Math.min(b.length, max + 1); j++) previous[j] = j <= max ? j : outside;
    for (let i = 1; i <= a.length; i++) {
      const from = Math.max(1, i - max);
      const to = Math.min(b.length, i + max);
      current[from - 1] = from === 1 && i <= max ? i : outside;
      let rowBest = current[from - 1]!;
      for (let j = from; j <= to; j++) {
        const substitute = previous[j - 1]! + (a.charCodeAt(i - 1) === b.charCodeAt(j - 1) ? 0 : 1);
        const value = Math.min(previous[j]! + 1, current[j - 1]! + 1, substitute, outside);
        current[j] = value;
        if (value < rowBest) rowBest = value;
      }
      // The next row reads one cell past this band: it is out of reach.
      if (to + 1 <= b.length) current[to + 1] = outside;
      this.cells += to - from + 1;
      if (rowBest > max) return outside;
      [previous, current] = [current, previous];
    }
    return Math.min(previous[b.length]!, outside);
  }
}
