import { GraphQLError } from "graphql";

/** A client mistake in an argument; `field` names the argument or input field. */
export function badUserInput(field: string, message: string): GraphQLError {
  return new GraphQLError(`${field}: ${message}`, { extensions: { code: "BAD_USER_INPUT", field } });
}

/** The object an argument names does not exist (any more); `field` names the argument. */
export function notFound(field: string, message: string): GraphQLError {
  return new GraphQLError(`${field}: ${message}`, { extensions: { code: "NOT_FOUND", field } });
}

/** A row id as the API hands it out (a positive integer in a string), or BAD_USER_INPUT on `field`. */
export function parseRowId(id: string, field: string, what: string): number {
  const parsed = /^[1-9][0-9]{0,15}$/.test(id) ? Number(id) : NaN;
  if (!Number.isSafeInteger(parsed)) throw badUserInput(field, `is not ${what} id`);
  return parsed;
}

/** The bridge lacks configuration the operation needs (e.g. DOJO_API_KEY to look up other users). */
export function notConfigured(message: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: "NOT_CONFIGURED" } });
}

/**
 * DefectDojo's API did not do what the operation needed; `kind` is the DojoApiError kind
 * (unavailable, unauthorized, forbidden, rejected, …). The message names the call, never a secret.
 */
export function defectDojoFailed(message: string, kind: string): GraphQLError {
  return new GraphQLError(message, { extensions: { code: "DEFECTDOJO_ERROR", kind } });
}

/**
 * An authenticated caller asking for something only a superuser may do. No HTTP status: the other
 * fields of the same operation still resolve, so the response stays 200 with partial data.
 */
export function forbidden(message = "only DefectDojo superusers may do this"): GraphQLError {
  return new GraphQLError(message, { extensions: { code: "FORBIDDEN" } });
}
