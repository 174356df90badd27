import { AuthCheckerFn } from "type-graphql";
import { unauthenticated } from "./caller-auth";
import { RelayContext } from "./context";
import { forbidden } from "./errors";

/** The role `@Authorized(SUPERUSER)` asks for: DefectDojo's is_superuser. */
export const SUPERUSER = "SUPERUSER";

/**
 * Backs `@Authorized()` (any authenticated caller) and `@Authorized(SUPERUSER)`. The HTTP handler
 * already refuses requests without a caller; checking again here keeps a schema used elsewhere
 * (tests, a future transport) from answering anonymously. Throws our own coded errors rather than
 * returning false, which would give type-graphql's generic UNAUTHORIZED.
 */
export const relayAuthChecker: AuthCheckerFn<RelayContext> = ({ context }, roles) => {
  if (!context?.caller) throw unauthenticated("send your DefectDojo API key as `Authorization: Token <key>`");
  if (roles.includes(SUPERUSER) && !context.caller.isSuperuser) throw forbidden();
  return true;
};
