import ms from "ms";

/**
 * What the server needs before it may accept a webhook. Probot alone would, in
 * production, accept deliveries signed with the secret "development" when
 * WEBHOOK_SECRET is unset; Governance Gate refuses to start instead.
 */
export function productionConfigProblem(env: NodeJS.ProcessEnv): string | undefined {
  if (env.NODE_ENV !== "production") return undefined;
  const missing: string[] = [];
  if (!env.APP_ID) missing.push("APP_ID");
  if (!env.PRIVATE_KEY && !env.PRIVATE_KEY_PATH) missing.push("PRIVATE_KEY or PRIVATE_KEY_PATH");
  if (!env.WEBHOOK_SECRET) missing.push("WEBHOOK_SECRET");
  if (missing.length === 0) return undefined;
  return `refusing to start in production without ${missing.join(", ")} (see .env.example)`;
}

/** SWEEP_INTERVAL ("15m", "1h", "900000") as milliseconds; undefined when unset. Throws on nonsense. */
export function sweepInterval(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === "") return undefined;
  const parsed = /^\d+$/.test(value.trim()) ? Number(value) : ms(value.trim() as ms.StringValue);
  if (typeof parsed !== "number" || !Number.isFinite(parsed) || parsed < 60_000) {
    throw new Error(
      `SWEEP_INTERVAL "${value}" is not a duration of at least a minute (e.g. 15m, 1h)`,
    );
  }
  return parsed;
}
