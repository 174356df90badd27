import { createServer, IncomingMessage, Server, ServerResponse } from "node:http";
import { closeServer, listenOnLoopback } from "./http-peer";

/** A DefectDojo user as the peer knows it; `token` is the user's API v2 key. */
export interface DojoPeerUser {
  id: number;
  username: string;
  email?: string;
  isSuperuser?: boolean;
  isActive?: boolean;
  token: string;
}

export interface DojoPeer {
  /** Base URL, e.g. http://127.0.0.1:41234 — what DOJO_URL would be. */
  url: string;
  /** Adds (or replaces, by token) a user whose key `GET /api/v2/user_profile/` accepts. */
  addUser(user: DojoPeerUser): void;
  /** Forgets a token, as revoking a key in DefectDojo would. */
  removeToken(token: string): void;
  /** Makes the next user-profile calls answer this status instead (e.g. 500, 502); null restores. */
  failWith(status: number | null): void;
  /** `GET /api/v2/user_profile/` calls so far, answered or not. */
  readonly profileCalls: number;
  /** The Authorization and Accept headers of every user-profile call, in order. */
  readonly requests: ReadonlyArray<{ authorization: string | undefined; accept: string | undefined }>;
  close(): Promise<void>;
}

/**
 * A stand-in for DefectDojo's REST API on 127.0.0.1: only `GET /api/v2/user_profile/`, with the
 * response shape of DefectDojo 2.x (`user`, `user_contact_info`, `global_role`, and the member
 * lists; 3.x drops the last three, and the bridge must not care). DRF answers an unknown or
 * missing token with 401 `{"detail": …}`.
 */
export async function startDojoPeer(): Promise<DojoPeer> {
  const users = new Map<string, DojoPeerUser>();
  const requests: Array<{ authorization: string | undefined; accept: string | undefined }> = [];
  let failure: number | null = null;

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? "/", "http://dojo").pathname;
    if (path !== "/api/v2/user_profile/") return json(res, 404, { detail: "Not found." });
    if (req.method !== "GET") return json(res, 405, { detail: `Method "${req.method}" not allowed.` });
    requests.push({ authorization: req.headers.authorization, accept: req.headers.accept });
    if (failure !== null) return json(res, failure, { detail: "A server error occurred." });

    const match = /^Token (\S+)$/.exec(req.headers.authorization ?? "");
    if (!match) return json(res, 401, { detail: "Authentication credentials were not provided." });
    const user = users.get(match[1]);
    if (!user) return json(res, 401, { detail: "Invalid token." });
    // DRF's TokenAuthentication refuses inactive users itself.
    if (user.isActive === false) return json(res, 401, { detail: "User inactive or deleted." });
    return json(res, 200, profileBody(user));
  });
  const port = await listenOnLoopback(server);

  return {
    url: `http://127.0.0.1:${port}`,
    addUser: (user) => users.set(user.token, user),
    removeToken: (token) => users.delete(token),
    failWith: (status) => {
      failure = status;
    },
    get profileCalls() {
      return requests.length;
    },
    requests,
    close: () => closeServer(server),
  };
}

/** DefectDojo 2.x `UserProfileSerializer` output for a user without contact info or memberships. */
function profileBody(user: DojoPeerUser) {
  return {
    user: {
      id: user.id,
      username: user.username,
      first_name: "",
      last_name: "",
      email: user.email ?? "",
      date_joined: "2024-01-15T09:30:00.000000Z",
      last_login: "2025-06-01T12:00:00.000000Z",
      is_active: user.isActive ?? true,
      is_superuser: user.isSuperuser ?? false,
      token_last_reset: null,
      password_last_reset: null,
      configuration_permissions: [],
    },
    user_contact_info: null,
    global_role: null,
    dojo_group_member: [],
    product_type_member: [],
    product_member: [],
  };
}

function json(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text) });
  res.end(text);
}
