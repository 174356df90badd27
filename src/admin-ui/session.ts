import type { Api } from "./api";

/** Who is signed in, as `me` answered. */
export interface Me {
  id: number;
  username: string;
  isSuperuser: boolean;
}

/** What every page gets: the API client for the signed-in user, and who that is. */
export interface PageProps {
  api: Api;
  me: Me;
}
