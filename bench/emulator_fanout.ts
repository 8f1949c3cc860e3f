/**
 * Fan-out throughput of the emulator on loopback: one publisher, 100
 * subscribers on one channel, all raw JSON WebSockets in this process (the
 * SDK's own decoding would dominate the figure otherwise). Publishes are
 * pipelined with a bounded window of unacknowledged messages, as ably-js
 * does. Prints messages published per second and deliveries per second.
 *
 * Run: `deno task bench:emulator [-- --subscribers 100 --messages 2000]`.
 */

import { startEmulator } from "../lib/emulator/mod.ts";
import { numberArgs } from "./args.ts";

const args = numberArgs();
const SUBSCRIBERS = args.get("subscribers") ?? 100;
const MESSAGES = args.get("messages") ?? 2000;
const WINDOW = 100;
const TIME_LIMIT_MS = 60_000;
const KEY = "bench.key:benchsecret";

const emu = await startEmulator({
  keys: [KEY],
  maxConnections: SUBSCRIBERS + 10,
});
const wsUrl = `${emu.url.replace("http", "ws")}/?key=${KEY}&format=json&v=6`;

function open(
  onFrame: (frame: { action: number }) => void,
): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(wsUrl);
    socket.onmessage = (ev) => onFrame(JSON.parse(ev.data));
    socket.onerror = () => reject(new Error("socket error"));
    socket.onopen = () => resolve(socket);
  });
}

let delivered = 0;
let attached = 0;
const subscribers: WebSocket[] = [];
for (let i = 0; i < SUBSCRIBERS; i++) {
  const socket = await open((frame) => {
    if (frame.action === 15) delivered++;
    else if (frame.action === 11) attached++;
  });
  socket.send(JSON.stringify({ action: 10, channel: "bench" }));
  subscribers.push(socket);
}
const deadline = Date.now() + TIME_LIMIT_MS;
while (attached < SUBSCRIBERS && Date.now() < deadline) {
  await new Promise((r) => setTimeout(r, 5));
}

let acked = 0;
let sent = 0;
const payload = JSON.stringify({ text: "x".repeat(64) });
const done = Promise.withResolvers<void>();
const pump = () => {
  while (sent < MESSAGES && sent - acked < WINDOW) {
    publisher.send(JSON.stringify({
      action: 15,
      channel: "bench",
      msgSerial: sent++,
      messages: [{ name: "tick", data: payload }],
    }));
  }
};
const publisher: WebSocket = await open((frame) => {
  if (frame.action === 1 || frame.action === 2) {
    acked++;
    pump();
  }
});

const started = performance.now();
pump();
const poll = setInterval(() => {
  if (delivered >= MESSAGES * SUBSCRIBERS || Date.now() > deadline) {
    done.resolve();
  }
}, 2);
await done.promise;
clearInterval(poll);
const seconds = (performance.now() - started) / 1000;

for (const socket of [...subscribers, publisher]) socket.close();
await emu.close();

const complete = delivered >= MESSAGES * SUBSCRIBERS;
console.log(
  `emulator fan-out: ${MESSAGES} messages x ${SUBSCRIBERS} subscribers in ${
    seconds.toFixed(2)
  } s: ${Math.round(MESSAGES / seconds)} messages/s published, ${
    Math.round(delivered / seconds)
  } deliveries/s${complete ? "" : ` (INCOMPLETE: ${delivered} delivered)`}`,
);
