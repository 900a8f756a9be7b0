/** The parts of a `POST /api/graphql` request the fakes route, log and answer by. */
import { asObject, type Json } from "./http.js";

/** The name of a GraphQL request's operation: `operationName`, else the first operation's own name; undefined for an anonymous one. */
export function graphqlOperation(body: Json | undefined): string | undefined {
  const request = asObject(body);
  if (typeof request.operationName === "string") return request.operationName;
  return typeof request.query === "string"
    ? /^\s*(?:query|mutation)\s+(\w+)/.exec(request.query)?.[1]
    : undefined;
}

/** The request for graphql-world.ts's `answerGraphql`, or GitHub's error answer (status 200) when there is no query. */
export function readGraphqlRequest(
  requestBody: Json | undefined,
):
  | { query: string; variables: Record<string, Json> | null; operationName: string | null }
  | { errors: { message: string }[] } {
  const body = asObject(requestBody);
  if (typeof body.query !== "string")
    return { errors: [{ message: "A query attribute must be specified and must be a string." }] };
  return {
    query: body.query,
    variables:
      body.variables === undefined || body.variables === null ? null : asObject(body.variables),
    operationName: typeof body.operationName === "string" ? body.operationName : null,
  };
}
