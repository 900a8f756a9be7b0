import type { Decision } from "../evaluate/decision.js";
import type { Facts } from "../evaluate/facts.js";
import type { Policy } from "../policy/model.js";
import type { CheckRuns, KnownCheckRun } from "./apply.js";
import type { HeadArrival } from "./head-arrival.js";
import type { ChatNotifier } from "./notify.js";
import type { PolicySource } from "./policy-source.js";
import type { GitHub, PullRequestData, RepoRef } from "./types.js";

/**
 * What the gate decides for a pull request, and the part of the gate that
 * escalation and merge handling work with. They live apart from gate.ts
 * because the gate calls escalate.ts and merged.ts: typed against this
 * interface, those modules never import the module that imports them.
 */
export interface Decided {
  /** The pull request as GitHub holds it now (not as an event showed it). */
  pr: PullRequestData;
  policy: Policy;
  facts: Facts;
  decision: Decision;
  /** The head commit's check run, if any. */
  existing?: KnownCheckRun;
  /** When the head arrived on this pull request, as decided for this evaluation. */
  arrival: HeadArrival;
}

/** The gate as escalation and merge handling use it (`Gate` implements it). */
export interface Decider {
  readonly policies: PolicySource;
  readonly checks: CheckRuns;
  readonly chat?: ChatNotifier;
  readonly now: () => Date;
  /**
   * The decision for a pull request as it stands, or undefined when its base
   * has no valid policy (or, with `onlyIfChecked`, when its head has no check run yet).
   */
  decide(
    octokit: GitHub,
    repo: RepoRef,
    number: number,
    options?: { onlyIfChecked?: boolean; lintProposal?: boolean },
  ): Promise<Decided | undefined>;
}
