/**
 * `ctx.state` across the app: the services the app plugin's middleware puts
 * there (`plugin.ts`) and the signed-in user. A route names what it uses in
 * its context type, `Pick<State, "auth" | "ably">` say, so its dependencies
 * read off its signature.
 */
import type { User } from "../auth/mod.ts";
import type { ApiRequest } from "../http/mod.ts";
import type { Services } from "./services.ts";

export interface State extends Services {
  /**
   * The signed-in user on page requests; `null` for anonymous ones and on
   * `/api/` routes, which read the session through `api`.
   */
  user: User | null;
  /**
   * On `/api/` requests only (the API edge, `middleware.ts`): the session,
   * the Origin check and the rate limit, each read when first asked.
   */
  api: ApiRequest<User>;
}
