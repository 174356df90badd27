/** One GraphQL error as the bridge reports it; `code` is its `extensions.code`. */
export interface ApiError {
  message: string;
  code: string | null;
}

/** Every error of one failed operation, for the page to show next to the form that sent it. */
export class ApiRequestError extends Error {
  constructor(readonly errors: ApiError[]) {
    super(errors.map((error) => (error.code ? `${error.code}: ${error.message}` : error.message)).join("; "));
    this.name = "ApiRequestError";
  }

  get unauthenticated(): boolean {
    return this.errors.some((error) => error.code === "UNAUTHENTICATED");
  }
}

interface GraphqlBody<T> {
  data?: T | null;
  errors?: Array<{ message?: unknown; extensions?: { code?: unknown } }>;
}

export type Variables = Record<string, unknown>;

/** Runs GraphQL operations as one DefectDojo user. */
export interface Api {
  request<T>(query: string, variables?: Variables): Promise<T>;
}

/**
 * The page's whole API client: `POST /graphql` on the bridge that served the page, with the user's
 * DefectDojo API key as `Authorization: Token <key>`. JSON bodies also get past Apollo's CSRF check.
 * An answer with any error throws them all (partial data is not used), and `onUnauthenticated` is
 * told when the key no longer works, so the page can forget it.
 */
export function createApi(key: string, onUnauthenticated: () => void = () => {}): Api {
  return {
    async request<T>(query: string, variables?: Variables): Promise<T> {
      let response: Response;
      try {
        response = await fetch("/graphql", {
          method: "POST",
          headers: { "Content-Type": "application/json", Authorization: `Token ${key}` },
          body: JSON.stringify({ query, variables }),
          // The key is the only credential; cookies play no part, and answers are never cached.
          credentials: "omit",
          cache: "no-store",
        });
      } catch {
        throw new ApiRequestError([{ message: "the bridge did not answer; is it running?", code: "NETWORK_ERROR" }]);
      }
      let body: GraphqlBody<T>;
      try {
        body = (await response.json()) as GraphqlBody<T>;
      } catch {
        throw new ApiRequestError([{ message: `HTTP ${response.status} without a GraphQL answer`, code: null }]);
      }
      if (body.errors && body.errors.length > 0) {
        const error = new ApiRequestError(
          body.errors.map((e) => ({
            message: typeof e.message === "string" ? e.message : "unknown error",
            code: typeof e.extensions?.code === "string" ? e.extensions.code : null,
          })),
        );
        if (error.unauthenticated) onUnauthenticated();
        throw error;
      }
      if (!body.data) throw new ApiRequestError([{ message: `HTTP ${response.status} without data`, code: null }]);
      return body.data;
    },
  };
}

/** Any thrown value as the errors to show. */
export function apiErrors(error: unknown): ApiError[] {
  if (error instanceof ApiRequestError) return error.errors;
  return [{ message: error instanceof Error ? error.message : String(error), code: null }];
}
