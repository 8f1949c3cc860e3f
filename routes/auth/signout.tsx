/**
 * `/auth/signout`: GET shows who is signed in and a sign-out button; POST
 * signs out and answers 303 to `/`. Other methods get 405 from the runtime.
 *
 * POST must come from this site (`Origin` equal to ours, `isSameOrigin`,
 * which knows our public origin behind a trusted proxy): the session cookie
 * is SameSite=Lax, so a cross-site form could not carry it anyway, but a
 * sign-out is a state change and is refused outright when its origin is
 * foreign or unknown.
 */
import type { Handlers, PageProps } from "$fresh/server.ts";
import type { State } from "../../lib/app/mod.ts";
import { isSameOrigin } from "../../lib/http/mod.ts";

export const handler: Handlers<
  { refused?: boolean },
  Pick<State, "auth" | "config">
> = {
  GET(_req, ctx) {
    return ctx.render({});
  },
  POST(req, ctx) {
    if (!isSameOrigin(req, ctx.state.config)) {
      return ctx.render({ refused: true }, { status: 403 });
    }
    return ctx.state.auth.signOut(req);
  },
};

export default function SignOut(
  { data, state }: PageProps<{ refused?: boolean }, State>,
) {
  const { user } = state;
  return (
    <main>
      <h1>Sign out</h1>
      {data?.refused && (
        <p role="alert">
          That sign-out request did not come from this site. Use the button
          below.
        </p>
      )}
      {user
        ? (
          <>
            <p>
              Signed in as <strong class="user-login">{user.login}</strong>
              {user.name !== user.login && ` (${user.name})`}.
            </p>
            <form method="post" action="/auth/signout">
              <button type="submit">Sign out</button>
            </form>
          </>
        )
        : (
          <p>
            You are not signed in. <a href="/auth/signin">Sign in</a>
          </p>
        )}
      <p>
        <a href="/">Home</a>
      </p>
    </main>
  );
}
