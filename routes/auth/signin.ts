/**
 * `GET /auth/signin?redirect=/path`: starts a sign-in and sends the browser
 * to the provider. `redirect` is honoured only for same-origin paths
 * (`lib/auth/redirect.ts`). If the provider cannot be reached, the sign-in
 * failure page of `callback.tsx` says so with a 502.
 */
import type { Handlers } from "$fresh/server.ts";
import { AuthError } from "../../lib/auth/mod.ts";
import { services } from "../../lib/services.ts";
import type { State } from "../_middleware.ts";
import { renderFailure, type SignInFailure } from "./callback.tsx";

export { default } from "./callback.tsx";

export const handler: Handlers<SignInFailure, State> = {
  async GET(req, ctx) {
    try {
      return await services().auth.signIn(req);
    } catch (error) {
      if (error instanceof AuthError) return renderFailure(error, ctx);
      throw error;
    }
  },
};
