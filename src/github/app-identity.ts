import { readOnlyQuery } from "./octokit.js";
import type { GitHub } from "./types.js";

/**
 * Which comments and issues the app itself wrote. Its markers count only
 * there: anyone can type a marker, and "some bot" is not the app (any other
 * App's bot can post one; `github-actions[bot]` posts what a contributor's
 * workflow tells it to).
 *
 * The app's account is `<slug>[bot]`; GitHub names it as the `viewer` of the
 * installation token every event and sweep uses. It is asked only when some
 * bot's comment could be ours, once per client (an event, or one installation
 * in a sweep). When GitHub cannot say, the error propagates: nothing is
 * assumed to be ours.
 */

const APP_IDENTITY = "query AppIdentity { viewer { login } }";

const logins = new WeakMap<GitHub, Promise<string>>();

/** The app's own login, `<slug>[bot]`. */
export function appLogin(octokit: GitHub): Promise<string> {
  let login = logins.get(octokit);
  if (!login) {
    login = readOnlyQuery(() => octokit.graphql<{ viewer: { login: string } }>(APP_IDENTITY)).then(
      ({ viewer }) => asBot(viewer.login),
    );
    // A failed lookup is asked again next time, not remembered.
    login.catch(() => logins.delete(octokit));
    logins.set(octokit, login);
  }
  return login;
}

/** The items written by the app itself, by their author's login (REST and the snapshot both spell bots `name[bot]`). */
export async function writtenByApp<T>(
  octokit: GitHub,
  items: readonly T[],
  authorOf: (item: T) => string | undefined,
): Promise<T[]> {
  // Only a bot account can be the app: a person's login cannot end in `[bot]`.
  const bots = items.filter((item) => authorOf(item)?.endsWith("[bot]"));
  if (bots.length === 0) return [];
  const self = (await appLogin(octokit)).toLowerCase();
  return bots.filter((item) => authorOf(item)!.toLowerCase() === self);
}

/** GraphQL names a bot `name[bot]` as the viewer; its `Bot` actors leave the suffix off, so it is added where missing. */
function asBot(login: string): string {
  return login.endsWith("[bot]") ? login : `${login}[bot]`;
}
