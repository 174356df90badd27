import { validate, ValidationError } from "class-validator";
import { GraphQLError } from "graphql";
import { ValidatorFn } from "type-graphql";

/**
 * Validates every input object with its class-validator decorators before a resolver runs (the
 * `validateFn` of buildSchema). Unlike type-graphql's default "Argument Validation Error", the
 * message names each bad field, and the rejected values are never echoed: one of them may be a
 * secret (a Slack token with a stray space, a Teams URL).
 */
export const validateInput: ValidatorFn = async (argValue) => {
  const objects = (Array.isArray(argValue) ? argValue : [argValue]).filter(
    (value): value is object => value !== null && typeof value === "object" && !(value instanceof Date),
  );
  for (const object of objects) {
    // Absent (and null) fields are "leave unchanged" in our inputs, so they are not validated.
    const errors = await validate(object, { skipMissingProperties: true, forbidUnknownValues: false });
    if (errors.length === 0) continue;
    const problems = flatten(errors);
    throw new GraphQLError(`invalid input: ${problems.map((p) => `${p.field} ${p.message}`).join("; ")}`, {
      extensions: { code: "BAD_USER_INPUT", field: problems[0].field, fields: problems.map((p) => p.field) },
    });
  }
};

function flatten(errors: ValidationError[], prefix = ""): Array<{ field: string; message: string }> {
  return errors.flatMap((error) => {
    const field = prefix + error.property;
    const own = Object.values(error.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...flatten(error.children ?? [], `${field}.`)];
  });
}
