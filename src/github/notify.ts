import pRetry from "p-retry";

export type ChatNotifier = (text: string) => Promise<void>;

/**
 * Posts a Slack-compatible message (`{"text": …}`) to CHAT_WEBHOOK_URL, retried
 * with backoff: a chat outage should not lose the notice, nor fail the merge.
 */
export function chatWebhook(url: string | undefined, retries = 4): ChatNotifier | undefined {
  if (!url) return undefined;
  return async (text) => {
    await pRetry(
      async () => {
        const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ text }) });
        if (!response.ok) throw new Error(`chat webhook answered ${response.status}`);
      },
      { retries, minTimeout: 200, factor: 3 },
    );
  };
}
