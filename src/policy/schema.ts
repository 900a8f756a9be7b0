import { z } from "zod";

/**
 * The shape of one policy file (`.github/governance.yml` or a preset) as written.
 *
 * Every object is strict so a misspelt key is an error with a location, not a
 * silently ignored setting. Cross-references (role ids, change kinds, area ids)
 * are checked after `extends` is resolved, in `validate.ts`, because a file may
 * refer to roles its parent declares.
 */

const id = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9._-]*$/,
    "must be lower-case letters, digits, '.', '_' or '-' (e.g. backend-lead)",
  );

/** GitHub logins are case-insensitive; `[bot]` logins parse, so an app can be matched as an author (resolve.ts keeps bots out of signing roles). */
const login = z
  .string()
  .regex(/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\[bot\])?$/, "is not a GitHub login");
/** `slug` (in the repository's org) or `org/slug`. */
const teamSlug = z
  .string()
  .regex(/^(?:[A-Za-z0-9_.-]+\/)?[A-Za-z0-9_.-]+$/, "is not a team slug (use slug or org/slug)");

/** A role reference: a role id, or `$accountable` (the area's DRI) / `$accountables` (every area's DRI). */
export const roleRef = z
  .string()
  .regex(/^(?:\$accountables?|[a-z0-9][a-z0-9._-]*)$/, "is not a role id");

export const level = z.union([z.literal(1), z.literal(2), z.literal(3), z.literal(4)], {
  error: "must be a level: 1, 2, 3 or 4",
});

export const roleSchema = z.strictObject({
  description: z.string().optional(),
  users: z.array(login).optional(),
  teams: z.array(teamSlug).optional(),
});

/**
 * Who must sign: a list (every role, each by a distinct person) or an object
 * combining `all` with an N-of-M clause `any` + `count`.
 */
export const approversSchema = z.union(
  [
    z.array(roleRef).min(1),
    z
      .strictObject({
        all: z.array(roleRef).optional(),
        any: z.array(roleRef).min(1).optional(),
        count: z.number().int().min(1).optional(),
      })
      .refine((a) => (a.any === undefined) === (a.count === undefined), {
        message: "`any` and `count` go together: `any: [roles], count: N`",
      })
      .refine((a) => (a.all?.length ?? 0) + (a.any?.length ?? 0) > 0, {
        message: "name at least one role in `all` or `any`",
      }),
  ],
  {
    error:
      "must be a list of roles ([tech-architect, product-owner]) or { all: [roles], any: [roles], count: N }",
  },
);

export const areaSchema = z.strictObject({
  name: z.string().optional(),
  description: z.string().optional(),
  paths: z.array(z.string()).min(1).optional(),
  /**
   * Change kinds this area owns wherever they are found: a file that carries
   * one of them (a DROP COLUMN in `apps/api/db/`) joins this area — a file no
   * area's paths match always, a path-owned one when none of its own areas has
   * a rule for the kind — so what changed reaches its owner in any layout. `[]` gives up the
   * kinds an extended policy's area owns.
   */
  owns: z.array(z.string()).optional(),
  accountable: roleRef.optional(),
  responsible: z.array(roleRef).optional(),
  consulted: z.array(roleRef).optional(),
  informed: z.array(roleRef).optional(),
  level: level.optional(),
  /** Base approvers at the area's level; default: the accountable role from level 2 on. */
  approvers: approversSchema.optional(),
  escalation: z.array(roleRef).optional(),
  /** This area's review SLA (seed 000: amendments are reviewed within 3 business days); default `sla.review`. */
  sla: z
    .strictObject({
      businessDays: z.number().positive().optional(),
      businessHours: z.number().positive().optional(),
    })
    .optional(),
  /** Pull requests touching this area must reference a ticket (see `ticket.pattern`). */
  ticket: z.boolean().optional(),
});

export const authorConditionSchema = z
  .strictObject({
    memberOf: z.array(roleRef).min(1).optional(),
    notMemberOf: z.array(roleRef).min(1).optional(),
  })
  .refine((a) => a.memberOf !== undefined || a.notMemberOf !== undefined, {
    message: "give `memberOf` or `notMemberOf`",
  });

export const whenSchema = z.strictObject({
  /** Any of these change kinds detected in the area's files. */
  kinds: z.array(z.string()).min(1).optional(),
  /** Any of these labels on the pull request. */
  labels: z.array(z.string().min(1)).min(1).optional(),
  /** Only the area's files matching these globs are considered. */
  paths: z.array(z.string()).min(1).optional(),
  author: authorConditionSchema.optional(),
});

export const ruleSchema = z.strictObject({
  description: z.string().optional(),
  /** Areas the rule applies in; omitted means every area. */
  areas: z.array(id).min(1).optional(),
  when: whenSchema.optional(),
  level,
  /** Default: the area's accountable role. */
  approvers: approversSchema.optional(),
  /** Roles whose input (a review or comment) must come before an approval counts. */
  requireInputFrom: z.array(roleRef).min(1).optional(),
});

const levelSettingsSchema = z.strictObject({
  name: z.string().optional(),
  /** Only `/approve-levelN` comments count at this level; approving reviews do not. */
  commandOnly: z.boolean().optional(),
});

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, "must be HH:MM (24-hour)");
const weekday = z.enum(["mon", "tue", "wed", "thu", "fri", "sat", "sun"]);
const isoDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, "must be a date YYYY-MM-DD");
const duration = z.strictObject({
  businessDays: z.number().positive().optional(),
  businessHours: z.number().positive().optional(),
});

/** Wall-clock hours (seed 002's "within 24 hours") or business time on the policy's calendar. */
const mediationDuration = z.strictObject({
  businessDays: z.number().positive().optional(),
  businessHours: z.number().positive().optional(),
  hours: z.number().positive().optional(),
});

/**
 * Who settles a disagreement between required approvers (a "changes requested"
 * review beside approvals), and when: `/governance decide approve|reject <rationale>`
 * from the mediator, once `after` has passed since the disagreement began.
 */
const mediationPathSchema = z.strictObject({
  description: z.string().optional(),
  mediator: roleRef,
  /** How long the parties negotiate before the mediator may decide (default: at once). */
  after: mediationDuration.optional(),
  /** By when the mediator's decision is due, once they may decide (shown in the check). */
  within: mediationDuration.optional(),
  /** `peer` only: the roles that are peers; a disagreement among them alone is peer-level. */
  roles: z.array(roleRef).min(1).optional(),
  /** `incident` only: labels that mark the pull request as incident work (default: incident). */
  labels: z.array(z.string().min(1)).min(1).optional(),
});

export const policyFileSchema = z.strictObject({
  version: z.literal(1).optional(),
  /** A preset name (`chat-backend`) or a path relative to this file. */
  extends: z.string().min(1).optional(),
  description: z.string().optional(),
  roles: z.record(id, roleSchema.nullable()).optional(),
  areas: z.record(id, areaSchema).optional(),
  rules: z.record(id, ruleSchema).optional(),
  levels: z
    .strictObject({
      1: levelSettingsSchema.optional(),
      2: levelSettingsSchema.optional(),
      3: levelSettingsSchema.optional(),
      4: levelSettingsSchema.optional(),
    })
    .optional(),
  signoff: z
    .strictObject({
      /** Approvals given before the latest push stop counting (default true). */
      invalidateOnPush: z.boolean().optional(),
      /**
       * Whether people who authored or committed commits of the pull request may
       * sign it off (default false: like its author, they are not independent).
       */
      contributorsCanSign: z.boolean().optional(),
    })
    .optional(),
  unowned: z
    .strictObject({
      /** pass: fine; warn: listed in the check (default); fail: the check fails. */
      action: z.enum(["pass", "warn", "fail"]).optional(),
      /** Roles requested as reviewers for unowned files. */
      reviewers: z.array(roleRef).optional(),
    })
    .optional(),
  emergency: z
    .strictObject({
      /** Roles with full emergency authority: they may bypass any requirement (but see `exclusive`). */
      roles: z.array(roleRef).optional(),
      reviewWithinHours: z.number().positive().optional(),
      allowAuthor: z.boolean().optional(),
      /**
       * Roles whose emergency authority has a scope (seed 000: the DBA Lead may
       * roll back a migration, nothing else): every requirement it bypasses must be
       * in these `areas` (and `rules`), on a pull request with one of these `labels`.
       */
      scoped: z
        .record(
          id,
          z.strictObject({
            description: z.string().optional(),
            areas: z.array(id).min(1).optional(),
            rules: z.array(id).min(1).optional(),
            labels: z.array(z.string().min(1)).min(1).optional(),
          }),
        )
        .optional(),
      /**
       * Requirements only these `roles` may bypass ("Security policies: no
       * exceptions"): those of these `rules` and `areas`, and every policy amendment.
       */
      exclusive: z
        .strictObject({
          roles: z.array(roleRef).min(1),
          rules: z.array(id).min(1).optional(),
          areas: z.array(id).min(1).optional(),
        })
        .optional(),
    })
    .optional(),
  /**
   * When the ownership matrix is reviewed next (seed 000: "Review Cycle: Quarterly",
   * "Next Review: 2026-01-20"): the sweep opens one issue when it is due.
   */
  matrixReview: z
    .strictObject({
      /** A file of the repository whose "Next Review: YYYY-MM-DD" line gives the date. */
      document: z.string().min(1).optional(),
      /** The date itself, when no document states it. */
      next: isoDate.optional(),
      /** Who reviews it (assigned the issue); default: the accountable roles of the areas owning the policy file. */
      owners: z.array(roleRef).min(1).optional(),
    })
    .refine((r) => r.document !== undefined || r.next !== undefined, {
      message: "give the `document` that states the next review date, or the date as `next`",
    })
    .optional(),
  mediation: z
    .strictObject({
      peer: mediationPathSchema.optional(),
      "cross-functional": mediationPathSchema.optional(),
      incident: mediationPathSchema.optional(),
    })
    .optional(),
  sla: z
    .strictObject({
      timezone: z.string().optional(),
      workingDays: z.array(weekday).min(1).optional(),
      hours: z.strictObject({ start: hhmm, end: hhmm }).optional(),
      holidays: z.array(isoDate).optional(),
      review: duration.optional(),
      expedited: duration.optional(),
    })
    .optional(),
  ticket: z
    .strictObject({
      /** What a ticket key looks like, e.g. `[A-Z][A-Z0-9]+-\\d+`. */
      pattern: z.string().min(1).optional(),
      /** Only keys of these projects count (`LFXV2` accepts LFXV2-302): stops "UTF-8" or "SHA-256" passing for a ticket. */
      projects: z
        .array(
          z
            .string()
            .regex(/^[A-Za-z][A-Za-z0-9_]*$/, "a project key: letters, digits, underscores"),
        )
        .min(1)
        .optional(),
      /**
       * Every pull request must cite a ticket, not only one touching an area with
       * `ticket: true` (seed 002: "All work items must be tracked through Jira
       * tickets"), except one whose every changed file matches `exemptPaths`.
       */
      everyChange: z.boolean().optional(),
      /**
       * With `everyChange`: globs (as in an area's `paths`, `!glob` excludes) of
       * files that alone need no ticket, such as documentation (`docs/**`,
       * `**\/*.md`). An area's own `ticket: true` still applies to them.
       */
      exemptPaths: z.array(z.string()).min(1).max(100).optional(),
    })
    .optional(),
  cost: z
    .strictObject({
      cpuMonth: z.number().nonnegative().optional(),
      memoryGiBMonth: z.number().nonnegative().optional(),
      threshold: z.number().nonnegative().optional(),
      currency: z.string().optional(),
      /** Monthly price of an instance size (`m5.large`, `e2-standard-4`, `db.r5.large`), in `currency`: overrides or extends the built-in table. */
      prices: z.record(z.string().min(1), z.number().nonnegative()).optional(),
    })
    .optional(),
});

export type PolicyFile = z.infer<typeof policyFileSchema>;
export type RawArea = z.infer<typeof areaSchema>;
export type RawRule = z.infer<typeof ruleSchema>;
export type RawApprovers = z.infer<typeof approversSchema>;
