import { fixture } from "../helpers/facts.js";
import { DEFAULT_PR } from "./webhooks.js";

/** The Prisma migration most app tests change: it drops `User.avatarUrl` (level 3 in chat-backend). */
export const MIGRATION_PATH = "prisma/migrations/20261120093000_drop_avatar/migration.sql";

/** That migration as `GET /repos/{owner}/{repo}/pulls/{n}/files` lists it, added on `head`. */
export function migrationFile(head: string = DEFAULT_PR.headSha) {
  return {
    sha: "3f1a9c0d2b4e6f8a0c1e3d5b7a9f1c3e5d7b9a0c",
    filename: MIGRATION_PATH,
    status: "added",
    additions: 8,
    deletions: 0,
    changes: 8,
    blob_url: `https://github.com/acme/chat/blob/${head}/${MIGRATION_PATH}`,
    raw_url: `https://github.com/acme/chat/raw/${head}/${MIGRATION_PATH}`,
    contents_url: `https://api.github.com/repos/acme/chat/contents/${MIGRATION_PATH}?ref=${head}`,
    patch: `@@ -0,0 +1,8 @@\n${fixture("prs/drop-column.migration.sql")
      .trimEnd()
      .split("\n")
      .map((l) => `+${l}`)
      .join("\n")}`,
  };
}
