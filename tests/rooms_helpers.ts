/**
 * The app in process for the rooms tests (`startTestApp`: the real
 * manifest, the embedded emulator and provider, real KV) and plain
 * `Request`s: sign a login in, call the JSON API, post a page's form.
 */
import * as Ably from "ably";
import { emulatorClientOptions } from "../lib/emulator/mod.ts";
import { CookieJar, request, type Send, walkSignIn } from "./auth_helpers.ts";
import {
  startTestApp,
  type TestApp,
  type TestAppOptions,
} from "./helpers/app.ts";

/** Where the in-process requests pretend to go. */
export const APP = "http://127.0.0.1:8000";

/** What a call answered. */
export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  /** The body as JSON, or `undefined` when it is none. */
  json: // deno-lint-ignore no-explicit-any
    any;
}

export interface RoomsFixture {
  app: TestApp;
  send: Send;
  /** A jar signed in as `login`. */
  signedIn(login: string): Promise<CookieJar>;
  /** An API call; JSON body, our `Origin` unless told otherwise. */
  api(
    jar: CookieJar | null,
    method: string,
    path: string,
    body?: unknown,
    options?: { origin?: string | null; contentType?: string; raw?: string },
  ): Promise<Answer>;
  /** A page's form post (urlencoded), our `Origin` unless told otherwise. */
  form(
    jar: CookieJar,
    path: string,
    fields: Record<string, string>,
    options?: { origin?: string | null },
  ): Promise<Answer>;
  /** A GET of a page. */
  page(jar: CookieJar | null, path: string): Promise<Answer>;
  /**
   * Makes `login` a member of `roomId` the one way there is: `owner`
   * invites them (201) and they, signed in as `invitee`, join (200).
   */
  inviteAndJoin(
    owner: CookieJar,
    roomId: string,
    login: string,
    invitee: CookieJar,
  ): Promise<void>;
}

/**
 * An `ably` Realtime client that, as the island does, gets every token from
 * `/api/live?room=<roomId>` signed in as `jar`, through the emulator the app
 * started. JSON unless `useBinaryProtocol` says otherwise.
 */
export function pageClient(
  f: RoomsFixture,
  jar: CookieJar,
  roomId: string,
  { useBinaryProtocol = false }: { useBinaryProtocol?: boolean } = {},
): Ably.Realtime {
  return new Ably.Realtime({
    ...emulatorClientOptions(f.app.services.ably.emulator!.url),
    useBinaryProtocol,
    logLevel: 0,
    authCallback: (_params, callback) => {
      f.api(jar, "GET", `/api/live?room=${roomId}`).then(
        (a) =>
          a.status === 200
            ? callback(null, a.json.token)
            : callback(`/api/live answered ${a.status}`, null),
        (error) => callback(String(error), null),
      );
    },
  });
}

function answer(response: Response, text: string): Answer {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: response.status, headers: response.headers, text, json };
}

/** Runs `fn` with the app started with `env`; stops it after. */
export async function withRooms(
  env: Record<string, string>,
  fn: (f: RoomsFixture) => Promise<void>,
  options: TestAppOptions = {},
): Promise<void> {
  const app = await startTestApp(env, options);
  try {
    const send: Send = (req) => app.handler(req);
    await fn({
      app,
      send,
      async signedIn(login) {
        const jar = new CookieJar();
        await walkSignIn(jar, `${APP}/auth/signin?redirect=/`, {
          login,
          isApp: (url) => url.origin === APP,
          sendApp: send,
          stopAt: (url) =>
            url.origin === APP && !url.pathname.startsWith("/auth/"),
        });
        return jar;
      },
      async api(jar, method, path, body, options = {}) {
        const headers: Record<string, string> = {};
        const origin = options.origin === undefined ? APP : options.origin;
        if (origin !== null) headers.origin = origin;
        let payload: string | undefined;
        if (options.raw !== undefined || body !== undefined) {
          headers["content-type"] = options.contentType ?? "application/json";
          payload = options.raw ?? JSON.stringify(body);
        }
        const { response, text } = await request(
          jar ?? new CookieJar(),
          `${APP}${path}`,
          { method, headers, body: payload },
          send,
        );
        return answer(response, text);
      },
      async form(jar, path, fields, options = {}) {
        const headers: Record<string, string> = {
          "content-type": "application/x-www-form-urlencoded",
        };
        const origin = options.origin === undefined ? APP : options.origin;
        if (origin !== null) headers.origin = origin;
        const { response, text } = await request(jar, `${APP}${path}`, {
          method: "POST",
          headers,
          body: new URLSearchParams(fields).toString(),
        }, send);
        return answer(response, text);
      },
      async page(jar, path) {
        const { response, text } = await request(
          jar ?? new CookieJar(),
          `${APP}${path}`,
          {},
          send,
        );
        return answer(response, text);
      },
      async inviteAndJoin(owner, roomId, login, invitee) {
        const invited = await this.api(
          owner,
          "POST",
          `/api/rooms/${roomId}/members`,
          { login },
        );
        if (invited.status !== 201) {
          throw new Error(`invite answered ${invited.status}: ${invited.text}`);
        }
        const joined = await this.api(
          invitee,
          "POST",
          `/api/invitations/${roomId}`,
        );
        if (joined.status !== 200) {
          throw new Error(`join answered ${joined.status}: ${joined.text}`);
        }
      },
    });
  } finally {
    await app.close();
  }
}
