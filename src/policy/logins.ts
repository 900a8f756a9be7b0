/** A GitHub App's account (`name[bot]`, as REST spells it): it can act, but never sign off. */
export function isBot(login: string): boolean {
  return login.toLowerCase().endsWith("[bot]");
}
