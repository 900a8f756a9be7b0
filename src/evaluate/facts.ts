import type { ChangedFile } from "../changes/types.js";
import type { PolicyProblem } from "../policy/problems.js";

/**
 * Everything `evaluate` knows about a pull request. The app gathers it from
 * GitHub, the CLI from a local git range; neither decides anything.
 */
export interface Facts {
  files: ChangedFile[];
  /** Login of the pull request's author. */
  author: string;
  title: string;
  body: string;
  /** The pull request's labels, including any in `heldLabels`. */
  labels: string[];
  /**
   * Labels the author (or a contributor) removed after someone else added them:
   * they still apply, since nothing the author does may lower the level.
   */
  heldLabels?: { name: string; removedBy: string }[];
  /** The commit sign-offs must be about. */
  headSha: string;
  /**
   * When GitHub recorded the head commit's arrival (e.g. its check suite's
   * creation), ISO 8601. Never a commit date: the author chooses those.
   */
  headPushedAt?: string;
  /**
   * Reviews of the head commit submitted before this time do not count (the
   * latest force-push, branch restore or retarget of the pull request).
   */
  reviewsFrom?: string;
  /**
   * Lower-cased logins of everyone who authored or committed one of the pull
   * request's commits: unless the policy lets contributors sign, they are not
   * independent approvers.
   */
  contributors?: string[];
  reviews: Review[];
  comments: Comment[];
  /**
   * Members of the teams roles are bound to, keyed as the policy writes the team.
   * A team missing here is unknown, and unknown is never treated as membership.
   */
  teamMembers: Record<string, string[]>;
  /** Reviewers GitHub already has requested on the pull request. */
  requestedReviewers: { users: string[]; teams: string[] };
  /**
   * The caller knows only the paths (`explain --files`): areas, labels and the
   * author decide, and no change kind can be detected.
   */
  pathsOnly?: boolean;
  /**
   * When the pull request changes the policy file: that proposed policy's lint
   * result, so a broken policy cannot merge.
   */
  proposedPolicy?: { file: string; problems: PolicyProblem[] };
  /**
   * The pull request is a draft: not asking for review yet. It is judged as
   * any other, but nobody is escalated to about it.
   */
  draft?: boolean;
  /**
   * When the pull request was last marked ready for review (GitHub's timeline),
   * ISO 8601: a review SLA runs from then at the earliest.
   */
  readyForReviewAt?: string;
  /**
   * When each label was first added to the pull request (GitHub's timeline),
   * ISO 8601, by lower-cased name: a requirement only a label brought runs its
   * review SLA from then at the earliest. A label missing here: unknown.
   */
  labelsFirstAddedAt?: Record<string, string>;
  /** Escalation steps already taken for this head (markers read back from the app's comments). */
  escalations?: { requirement: string; step: number }[];
  /** Set when the files could not all be listed (e.g. more than GitHub returns). */
  incomplete?: string;
}

export type ReviewState = "APPROVED" | "CHANGES_REQUESTED" | "COMMENTED" | "DISMISSED" | "PENDING";

export interface Review {
  id: number;
  user: string;
  state: ReviewState;
  /** The commit the review was submitted on. */
  commitId: string;
  submittedAt: string;
  body?: string;
}

export interface Comment {
  id: number;
  user: string;
  body: string;
  createdAt: string;
  updatedAt: string;
}

/** Facts for a pull request with no people involved yet (the CLI's case). */
export function emptyFacts(files: ChangedFile[], overrides: Partial<Facts> = {}): Facts {
  return {
    files,
    author: "",
    title: "",
    body: "",
    labels: [],
    headSha: "HEAD",
    reviews: [],
    comments: [],
    teamMembers: {},
    requestedReviewers: { users: [], teams: [] },
    ...overrides,
  };
}
