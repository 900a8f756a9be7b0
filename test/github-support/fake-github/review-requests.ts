/** `POST .../pulls/{number}/requested_reviewers`, validated as GitHub does before anything is stored. */
import { asObject, unprocessable, type Json, type Reply } from "./http.js";

export interface ReviewerRequest {
  reviewers: string[];
  teamReviewers: string[];
}

export function readReviewerRequest(requestBody: Json | undefined): ReviewerRequest {
  const body = asObject(requestBody);
  return {
    reviewers: Array.isArray(body.reviewers) ? body.reviewers.map(String) : [],
    teamReviewers: Array.isArray(body.team_reviewers) ? body.team_reviewers.map(String) : [],
  };
}

/** GitHub's 422 for a reviewer without access or the author themself; undefined when the request is acceptable. */
export function reviewerRequestRefusal(
  request: ReviewerRequest,
  repo: { owner: string; name: string; collaborators: string[]; teams?: Record<string, string[]> },
  author: string,
): Reply | undefined {
  const collaborators = new Set(repo.collaborators.map((u) => u.toLowerCase()));
  const teams = repo.teams ?? {};
  if (
    request.reviewers.some((u) => !collaborators.has(u.toLowerCase())) ||
    request.teamReviewers.some((t) => !(t in teams))
  ) {
    return unprocessable(
      `Reviews may only be requested from collaborators. One or more of the users or teams you specified is not a collaborator of the ${repo.owner}/${repo.name} repository.`,
    );
  }
  if (request.reviewers.some((u) => u.toLowerCase() === author.toLowerCase()))
    return unprocessable("Review cannot be requested from pull request author.");
  return undefined;
}
