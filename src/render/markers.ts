/**
 * The hidden markers that make the app idempotent (`<!-- governance-gate:… -->`)
 * and how they are kept unforgeable. The app writes a marker as the LAST line
 * of its own comment or issue, after everything else it writes; a marker is
 * read back only from that line (and only from the app's own comments, see
 * src/github/app-identity.ts). Text above it may quote people (a command, an
 * emergency reason, a file path, a title), so it is made inert first: it can
 * neither form a marker nor open an HTML comment that hides what follows.
 */

/** Every marker the app writes starts with this. */
export const MARKER_PREFIX = "<!-- governance-gate:";

/**
 * `text` with every `<!--` broken by a zero-width space: it reads the same,
 * but no HTML comment (and so no marker) can start in it, and the raw text no
 * longer matches a marker.
 */
export function inert(text: string): string {
  return text.replaceAll("<!--", "<\u200B!--");
}

/** The body the app posts: its text made inert, then the marker as the last line. */
export function withMarker(text: string, marker: string): string {
  if (!isMarker(marker)) throw new RangeError(`"${marker}" is not a governance-gate marker`);
  return `${inert(text)}\n\n${marker}`;
}

/** The marker a body ends with (its last line, whole), or undefined: a marker anywhere else is not read. */
export function trailingMarker(body: string): string | undefined {
  const last = body.trimEnd().split(/\r?\n/).at(-1)?.trim() ?? "";
  return isMarker(last) ? last : undefined;
}

function isMarker(line: string): boolean {
  return (
    line.startsWith(MARKER_PREFIX) &&
    line.endsWith("-->") &&
    !line.slice(MARKER_PREFIX.length, -3).includes("-->") &&
    !/[\r\n]/.test(line)
  );
}
