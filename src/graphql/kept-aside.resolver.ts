import { Args, Authorized, Ctx, Query, Resolver } from "type-graphql";
import { KeptAsideRequestEntity } from "../storage/entities/kept-aside-request.entity";
import { SUPERUSER } from "./auth-checker";
import { RelayContext } from "./context";
import { KeptAsideRequestConnection, toKeptAsideRequestType } from "./kept-aside.type";
import { newestFirstPage, PageArgs, pageComplexity } from "./newest-first-page";

@Resolver()
export class KeptAsideResolver {
  @Authorized(SUPERUSER)
  @Query(() => KeptAsideRequestConnection, {
    description:
      "Authenticated webhook requests the bridge could not use (answered 202 so that DefectDojo keeps the endpoint on, never sent), newest first. Superusers only.",
    complexity: pageComplexity,
  })
  keptAsideRequests(@Args(() => PageArgs) args: PageArgs, @Ctx() { services }: RelayContext): Promise<KeptAsideRequestConnection> {
    return newestFirstPage(services.db.manager, KeptAsideRequestEntity, {
      kind: "kept_aside",
      scope: {},
      args,
      toNodes: (rows) => rows.map(toKeptAsideRequestType),
    });
  }
}
