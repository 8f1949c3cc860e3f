/**
 * The embedded provider's only screen: a form that asks for a user name and
 * nothing else. Any name signs in; there is no password and no consent step,
 * because this provider exists so that development and tests can sign in as
 * "alice" or "bob" without an account anywhere.
 *
 * `handleInteraction` answers `/interaction/:uid` (GET: the form; POST: the
 * name) and `/interaction/:uid/abort` (the "Cancel" link, which sends the
 * browser back to the app with `error=access_denied`). Its counterpart is
 * `mod.ts`, which routes these paths here and everything else to
 * oidc-provider.
 */
import type { IncomingMessage, ServerResponse } from "node:http";

/** The longest user name the form accepts; the app bounds names again on its side. */
export const MAX_LOGIN_LENGTH = 64;

/** The part of oidc-provider's `Provider` this module uses. */
export interface InteractionProvider {
  interactionDetails(
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<{ uid: string; prompt: { name: string } }>;
  interactionFinished(
    req: IncomingMessage,
    res: ServerResponse,
    result: Record<string, unknown>,
    options: { mergeWithLastSubmission: boolean },
  ): Promise<void>;
}

const INTERACTION_PATH = /^\/interaction\/([A-Za-z0-9_-]{1,64})(\/abort)?$/;

/** Whether `pathname` is one of the paths `handleInteraction` answers. */
export function isInteractionPath(pathname: string): boolean {
  return INTERACTION_PATH.test(pathname);
}

/** A user name from the form: trimmed, 1 to 64 characters, no control characters. */
export function parseLogin(value: string | null): string | undefined {
  const login = value?.trim() ?? "";
  if (login.length === 0 || login.length > MAX_LOGIN_LENGTH) return undefined;
  // deno-lint-ignore no-control-regex -- rejecting control characters is the point
  if (/[\u0000-\u001f\u007f]/.test(login)) return undefined;
  return login;
}

/** Serves the form, takes the name, or aborts, for one interaction. */
export async function handleInteraction(
  provider: InteractionProvider,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  const url = new URL(req.url ?? "/", "http://idp.invalid");
  const match = INTERACTION_PATH.exec(url.pathname);
  if (!match) return send(res, 404, page("Not found", "<p>Not found.</p>"));
  const [, uid, abort] = match;

  // interactionDetails throws when the interaction cookie is missing or the
  // interaction has expired: the browser must start over at the app.
  let details;
  try {
    details = await provider.interactionDetails(req, res);
  } catch {
    return send(res, 400, expiredPage());
  }
  if (details.uid !== uid) return send(res, 400, expiredPage());

  if (abort) {
    return await provider.interactionFinished(req, res, {
      error: "access_denied",
      error_description: "The user cancelled the sign-in.",
    }, { mergeWithLastSubmission: false });
  }
  if (req.method === "GET") {
    return send(res, 200, loginForm(uid));
  }
  if (req.method !== "POST") {
    res.setHeader("Allow", "GET, POST");
    return send(res, 405, page("Method not allowed", ""));
  }

  const form = new URLSearchParams(await readBody(req));
  const login = parseLogin(form.get("login"));
  if (!login) {
    return send(res, 400, loginForm(uid, "Enter a user name."));
  }
  await provider.interactionFinished(req, res, {
    login: { accountId: login },
  }, { mergeWithLastSubmission: false });
}

const MAX_BODY_BYTES = 4096;

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) break;
    chunks.push(chunk);
  }
  return new TextDecoder().decode(
    chunks.length === 1 ? chunks[0] : concat(chunks),
  );
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let offset = 0;
  for (const chunk of chunks) {
    out.set(chunk, offset);
    offset += chunk.length;
  }
  return out;
}

function send(res: ServerResponse, status: number, html: string): void {
  res.statusCode = status;
  res.setHeader("Content-Type", "text/html; charset=utf-8");
  res.setHeader("Cache-Control", "no-store");
  res.end(html);
}

function loginForm(uid: string, problem?: string): string {
  // `uid` matched INTERACTION_PATH, so it needs no escaping.
  return page(
    "Sign in",
    `${problem ? `<p role="alert">${problem}</p>` : ""}
<form method="post" action="/interaction/${uid}">
  <label>User name <input name="login" required autofocus autocomplete="off" maxlength="${MAX_LOGIN_LENGTH}"></label>
  <button type="submit">Sign in</button>
</form>
<p><a href="/interaction/${uid}/abort">Cancel</a></p>`,
  );
}

function expiredPage(): string {
  return page(
    "Sign-in expired",
    "<p>This sign-in has expired or was already used. Go back to the app and sign in again.</p>",
  );
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${title} · embedded provider</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,"></head>
<body><h1>${title}</h1>${body}</body></html>`;
}
