/**
 * Live reload under `dev()`: pages get `<script src="/_frsh/alive.js">`,
 * which holds a WebSocket to `/_frsh/alive`. When `deno task dev` restarts
 * the server after a change, the socket closes; the script waits until the
 * server answers again and reloads the page. Never served outside `dev()`,
 * so production pages without islands still ship no script.
 */

/** URL path of the live-reload script. */
export const ALIVE_SCRIPT_PATH = "/_frsh/alive.js";
/** URL path of the live-reload socket. */
export const ALIVE_SOCKET_PATH = "/_frsh/alive";

const SCRIPT = `const u=new URL("${ALIVE_SOCKET_PATH}",location.href);` +
  `u.protocol=u.protocol==="https:"?"wss:":"ws:";` +
  `const w=new WebSocket(u);` +
  `w.onclose=()=>{const t=()=>fetch(location.href,{method:"HEAD"})` +
  `.then(()=>location.reload(),()=>setTimeout(t,250));setTimeout(t,250)};`;

/** The live-reload script. */
export function aliveScript(): Response {
  return new Response(SCRIPT, {
    headers: {
      "content-type": "text/javascript; charset=utf-8",
      "cache-control": "no-store",
    },
  });
}

/** Accepts the live-reload socket; it stays open until the server stops. */
export function aliveSocket(req: Request): Response {
  if (req.headers.get("upgrade")?.toLowerCase() !== "websocket") {
    return new Response("Expected a WebSocket upgrade", { status: 400 });
  }
  try {
    return Deno.upgradeWebSocket(req).response;
  } catch {
    return new Response("WebSocket upgrade failed", { status: 400 });
  }
}
