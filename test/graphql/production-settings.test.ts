import { rawRequest } from "../support/http-client";
import { dataOf, errorsOf, GraphqlHttp, graphqlOverHttp } from "./graphql-http";
import { WRITER } from "./graphql-testbed";

/** What a bug's message might carry: a path, a table. Clients must never see it. */
const INTERNAL_DETAIL = "SQLITE_CORRUPT: user_contact in /var/lib/relay/relay.sqlite is malformed";
const SET_CHANNELS = `mutation ($channels: [Channel!]!) { setMyNotification(event: OTHER, channels: $channels) { event } }`;

describe("GraphQL production settings over HTTP", () => {
  let http: GraphqlHttp;
  afterEach(() => http.close());

  /** Makes `user(id:)` fail the way a bug or a broken disk would. */
  const breakUserLookup = () => {
    http.bed.services.lookupUser = async () => {
      throw new Error(INTERNAL_DETAIL);
    };
  };

  describe("by default", () => {
    beforeEach(async () => {
      http = await graphqlOverHttp();
    });

    it("answers introspection to an authenticated caller", async () => {
      const response = await http.post({ query: "{ __schema { queryType { name } } }" }, http.asReader);
      expect(response.status).toBe(200);
      expect(dataOf(response)).toEqual({ __schema: { queryType: { name: "Query" } } });
    });

    it("suggests no field, type or enum value of the schema", async () => {
      const field = await http.post({ query: "{ systemSettings { slackChanel } }" });
      expect(field.status).toBe(400);
      expect(errorsOf(field)).toEqual([
        expect.objectContaining({ message: 'Cannot query field "slackChanel" on type "SystemSettings".', extensions: { code: "GRAPHQL_VALIDATION_FAILED" } }),
      ]);

      const literal = await http.post({ query: "mutation { setMyNotification(event: OTHER, channels: [SLAK]) { event } }" });
      expect(errorsOf(literal).map((e) => e.message)).toEqual(['Value "SLAK" does not exist in "Channel" enum.']);

      // Variables are coerced outside validation: the hint is removed there too.
      const variable = await http.post({ query: SET_CHANNELS, variables: { channels: ["SLAK"] } });
      expect(variable.status).toBe(400);
      expect(errorsOf(variable)).toEqual([
        expect.objectContaining({ message: expect.stringMatching(/^Variable "\$channels" got invalid value "SLAK".*"Channel" enum\.$/), extensions: { code: "BAD_USER_INPUT" } }),
      ]);

      for (const response of [field, literal, variable]) {
        expect(response.body).not.toMatch(/Did you mean|slackChannel|SLACK/);
      }
    });

    it("answers an unexpected error with a plain \"internal error\", without stack trace, and logs the details", async () => {
      breakUserLookup();
      const response = await http.post({ query: `{ user(id: ${WRITER.id}) { id } }` });
      expect(response.status).toBe(200);
      expect(JSON.parse(response.body)).toEqual({
        data: { user: null },
        errors: [{ message: "internal error", path: ["user"], extensions: { code: "INTERNAL_SERVER_ERROR" } }],
      });
      expect(response.body).not.toMatch(/SQLITE|relay\.sqlite|stacktrace|exception|\.ts:\d+/);

      const logged = http.logs.find((line) => line.msg === "GraphQL operation failed") as { err: { message: string; stack: string }; path: string[] };
      expect(logged.err.message).toBe(INTERNAL_DETAIL);
      expect(logged.err.stack).toContain("production-settings.test.ts");
      expect(logged.path).toEqual(["user"]);
    });

    it("refuses a GET without a preflight header (CSRF), and serves the same query with one", async () => {
      const url = `${http.url}?query=${encodeURIComponent("{ slackAppManifest }")}`;
      const simple = await rawRequest(url, { method: "GET", headers: http.asAdmin });
      expect(simple.status).toBe(400);
      expect(simple.body).toMatch(/CSRF/);
      expect(http.dojo.profileCalls).toBe(0);

      const preflighted = await rawRequest(url, { method: "GET", headers: { ...http.asAdmin, "Apollo-Require-Preflight": "true" } });
      expect(preflighted.status).toBe(200);
      expect(JSON.parse(JSON.parse(preflighted.body).data.slackAppManifest).display_information.name).toBe("Dojo Relay");
    });
  });

  describe("GRAPHQL_INTROSPECTION=false", () => {
    beforeEach(async () => {
      http = await graphqlOverHttp({ introspection: false });
    });

    it("refuses introspection, superusers included, but not __typename", async () => {
      for (const query of ["{ __schema { queryType { name } } }", '{ __type(name: "Me") { name } }']) {
        const response = await http.post({ query });
        expect(response.status).toBe(400);
        expect(errorsOf(response)).toEqual([
          expect.objectContaining({
            message: "introspection is turned off on this server (GRAPHQL_INTROSPECTION=false)",
            extensions: { code: "GRAPHQL_VALIDATION_FAILED", validationErrorCode: "INTROSPECTION_DISABLED" },
          }),
        ]);
      }
      expect(dataOf(await http.post({ query: "{ __typename me { id } }" }, http.asReader))).toEqual({ __typename: "Query", me: { id: 2 } });
    });
  });

  describe("GRAPHQL_DETAILED_ERRORS=true", () => {
    beforeEach(async () => {
      http = await graphqlOverHttp({ detailedErrors: true });
    });

    it("keeps graphql-js's suggestions", async () => {
      const field = await http.post({ query: "{ systemSettings { slackChanel } }" });
      expect(errorsOf(field)[0].message).toBe('Cannot query field "slackChanel" on type "SystemSettings". Did you mean "slackChannel"?');
      const variable = await http.post({ query: SET_CHANNELS, variables: { channels: ["SLAK"] } });
      expect(errorsOf(variable)[0].message).toMatch(/Did you mean the enum value "SLACK"\?$/);
    });

    it("tells an unexpected error's message, still without stack trace", async () => {
      breakUserLookup();
      const response = await http.post({ query: `{ user(id: ${WRITER.id}) { id } }` });
      expect(errorsOf(response)).toEqual([{ message: INTERNAL_DETAIL, path: ["user"], extensions: { code: "INTERNAL_SERVER_ERROR" } }]);
      expect(response.body).not.toMatch(/stacktrace|exception|\.ts:\d+/);
    });
  });
});
