import pRetry from "p-retry";
import type { Decision } from "../evaluate/decision.js";
import type { MergedPullRequest } from "../render/merge.js";

declare const composedByTheApp: unique symbol;
/**
 * Slack mrkdwn the app composed: every piece of user text in it is escaped and
 * every link in it is the app's own. A plain string is not one, so text that
 * skipped `mergedChatMessage` cannot reach the webhook.
 */
export type ChatMessage = string & { readonly [composedByTheApp]: true };

export type ChatNotifier = (message: ChatMessage) => Promise<void>;

/**
 * Posts a Slack-compatible message (`{"text": …}`) to CHAT_WEBHOOK_URL, retried
 * with backoff: a chat outage should not lose the notice, nor fail the merge.
 */
export function chatWebhook(url: string | undefined, retries = 4): ChatNotifier | undefined {
  if (!url) return undefined;
  return async (text) => {
    await pRetry(
      async () => {
        const response = await fetch(url, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ text }),
        });
        if (!response.ok) throw new Error(`chat webhook answered ${response.status}`);
      },
      { retries, minTimeout: 200, factor: 3 },
    );
  };
}

/**
 * The chat notice for a merged pull request. The title, logins and reason are
 * written by the pull request's author or commenters (and area ids by a policy
 * they may have proposed): all of it is escaped, so `<!channel>` or
 * `<https://evil.example|✅ signed off>` arrive as text, and none of it is ever a
 * link's label — the one link is built here from the pull request's URL.
 */
export function mergedChatMessage(decision: Decision, pr: MergedPullRequest): ChatMessage {
  const areas = decision.areas.map((a) => slackEscape(a.id)).join(", ") || "unowned files";
  const emergency = decision.emergency
    ? ` 🚨 emergency override by ${slackEscape(decision.emergency.by)}: ${slackEscape(decision.emergency.reason)}`
    : "";
  // A mediator's decision is on record where the merge is announced (seed 002: "document decision and rationale").
  const decided = decision.requirements.flatMap((r) => {
    const d = r.mediation?.decision;
    return d
      ? [
          ` ⚖️ ${slackEscape(r.id)} ${d.verdict === "approve" ? "approved" : "rejected"} by mediator ${slackEscape(d.by)} (${slackEscape(d.role)}): ${slackEscape(d.rationale)}`,
        ]
      : [];
  });
  const amendedFiles = decision.amends
    ? [
        ...decision.amends.slice(0, 5).map(slackEscape),
        ...(decision.amends.length > 5 ? [`${decision.amends.length - 5} more`] : []),
      ]
    : [];
  const amended = decision.amends
    ? ` 📜 Governance amended (${amendedFiles.join(", ")}): effective immediately.`
    : "";
  const link = slackLink(pr.url, `${pr.owner}/${pr.repo}#${pr.number}`);
  return `Merged ${link} "${slackEscape(pr.title)}" — level ${decision.level}, areas: ${areas}.${amended}${emergency}${decided.join("")}` as ChatMessage;
}

/** Slack's escaping for text (api.slack.com/reference/surfaces/formatting#escaping): only `&`, `<` and `>`. */
export function slackEscape(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/**
 * `<url|label>` for an http(s) URL that cannot break out of the link (`|`, `<`,
 * `>` or `&` would end it or start another); otherwise the label alone — a
 * notice without a link beats a link somewhere else.
 */
function slackLink(url: string, label: string): string {
  let href: string;
  try {
    href = new URL(url).href;
  } catch {
    return slackEscape(label);
  }
  if (!/^https?:\/\//.test(href) || /[|<>&\s]/.test(href)) return slackEscape(label);
  return `<${href}|${slackEscape(label)}>`;
}
