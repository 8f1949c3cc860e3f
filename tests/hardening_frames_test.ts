/**
 * Hostile realtime protocol frames against the emulator (`lib/emulator`),
 * generated from one seed (`FUZZ_SEED`, else random; printed on failure):
 * text that is not JSON, JSON that is not a ProtocolMessage, actions of the
 * wrong type or unknown, known actions with fields of the wrong type, huge
 * numbers, deep nesting, frames over the size limit, binary frames.
 *
 * Every such frame is answered with a frame carrying an `error` (ERROR,
 * NACK, DETACHED…) or ends the connection; a heartbeat sent behind it is
 * still answered (frames are handled in order); and after each batch a new
 * connection attaches, publishes and is acknowledged as usual. A burst of bad
 * frames without a good one between ends the connection.
 */
import assert from "node:assert/strict";
import { startEmulator } from "../lib/emulator/mod.ts";
import {
  ASCII,
  batch,
  fuzzSeed,
  Random,
  SPECIAL,
} from "./hardening_helpers.ts";

const seed = fuzzSeed();
const KEY = "fuzz.key:fuzzsecretfuzzsecret";
const MAX_FRAME = 64 * 1024;

/** A raw WebSocket that keeps what it receives and can wait for a frame. */
class RawClient {
  readonly frames: Record<string, unknown>[] = [];
  readonly closed: Promise<void>;
  #isClosed = false;
  #wake = () => {};

  private constructor(readonly socket: WebSocket) {
    this.closed = new Promise((resolve) => {
      socket.onclose = () => {
        this.#isClosed = true;
        this.#wake();
        resolve();
      };
    });
    socket.onmessage = (event) => {
      this.frames.push(JSON.parse(event.data));
      this.#wake();
    };
  }

  static async open(url: string): Promise<RawClient> {
    const socket = new WebSocket(
      `${
        url.replace("http", "ws")
      }/?key=${KEY}&format=json&v=6&heartbeats=false`,
    );
    const client = new RawClient(socket);
    await new Promise<void>((resolve, reject) => {
      socket.onopen = () => resolve();
      socket.onerror = () => reject(new Error("socket error"));
    });
    await client.until((f) => f.action === 4, 5000, "CONNECTED");
    return client;
  }

  get isClosed(): boolean {
    return this.#isClosed;
  }

  /** The first frame from `from` on matching `test`; `undefined` if the socket closed first. */
  async until(
    test: (frame: Record<string, unknown>) => boolean,
    ms: number,
    what: string,
    from = 0,
  ): Promise<Record<string, unknown> | undefined> {
    const deadline = Date.now() + ms;
    while (true) {
      const found = this.frames.slice(from).find(test);
      if (found) return found;
      if (this.#isClosed) return undefined;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`timed out waiting for ${what}`);
      let timer: ReturnType<typeof setTimeout> | undefined;
      await new Promise<void>((resolve) => {
        this.#wake = resolve;
        timer = setTimeout(resolve, left);
      });
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    if (!this.#isClosed) this.socket.close();
    await this.closed;
  }
}

type Frame = { kind: string; data: string | Uint8Array<ArrayBuffer> };

/** Integer actions a client may not send (TR2): everything but 0, 5, 7, 10, 12, 14, 15, 17. */
const UNKNOWN_ACTIONS = [1, 2, 3, 4, 6, 8, 9, 11, 13, 16, 18, 19, 99, -1, -7];

function nested(random: Random, depth: number): string {
  const open = random.chance(0.5) ? "[" : '{"a":';
  const close = open === "[" ? "]" : "}";
  return open.repeat(depth) + "1" + close.repeat(depth);
}

function badFrame(random: Random, serial: () => number): Frame {
  const badChannel = () =>
    random.pick<unknown>([
      42,
      "",
      null,
      true,
      [],
      { name: "c" },
      "c".repeat(2049),
      1e308,
    ]);
  const badType = () =>
    random.pick<unknown>([
      "15",
      1.5,
      null,
      [],
      {},
      true,
      "",
      random.string(ASCII, 8),
    ]);
  const kinds: (() => Frame)[] = [
    () => ({ kind: "not json", data: "x" + random.string(ASCII + SPECIAL) }),
    () => ({
      kind: "not an object",
      data: JSON.stringify(random.pick([1, "s", [1, 2], null, true, 3.5])),
    }),
    () => ({ kind: "no action", data: JSON.stringify({ channel: "c" }) }),
    () => ({
      kind: "action of another type",
      data: JSON.stringify({ action: badType(), channel: "c" }),
    }),
    () => ({
      kind: "huge action",
      data: random.pick([
        '{"action":1e400}',
        '{"action":-1e400}',
        '{"action":1e20}',
        `{"action":${2 ** 53 + 2}}`,
      ]),
    }),
    () => ({
      kind: "unknown action",
      data: JSON.stringify({
        action: random.pick(UNKNOWN_ACTIONS),
        channel: "c",
        msgSerial: serial(),
      }),
    }),
    () => ({
      kind: "attach to a bad channel",
      data: JSON.stringify({
        action: random.pick([10, 12]),
        channel: badChannel(),
      }),
    }),
    () => ({
      kind: "bad msgSerial",
      data: random.pick([
        `{"action":15,"channel":"c","msgSerial":1e400,"messages":[{}]}`,
        `{"action":15,"channel":"c","msgSerial":${
          2 ** 53 + 2
        },"messages":[{}]}`,
        `{"action":14,"channel":"c","msgSerial":-1,"presence":[]}`,
        JSON.stringify({
          action: 15,
          channel: "c",
          msgSerial: badType(),
          messages: [{}],
        }),
      ]),
    }),
    () => ({
      kind: "bad messages",
      data: JSON.stringify({
        action: 15,
        channel: random.chance(0.3) ? badChannel() : "c",
        msgSerial: serial(),
        messages: random.pick<unknown>([
          "hello",
          [],
          [1],
          [null],
          [[]],
          [{ name: 5 }],
          [{ extras: "x" }],
          [{ clientId: 7 }],
          [{ encoding: {} }],
          Array.from({ length: 1001 }, () => ({})),
        ]),
      }),
    }),
    () => ({
      kind: "bad presence",
      data: JSON.stringify({
        action: 14,
        channel: random.pick<unknown>(["never-attached", 42, ""]),
        msgSerial: serial(),
        presence: random.pick<unknown>([
          [{ action: 2 }],
          [{ action: 9 }],
          "x",
          [],
        ]),
      }),
    }),
    () => ({
      kind: "bad auth",
      data: JSON.stringify({
        action: 17,
        auth: random.pick<unknown>([
          undefined,
          null,
          "token",
          { accessToken: 5 },
          { accessToken: "" },
        ]),
      }),
    }),
    () => ({
      kind: "deep nesting",
      data: random.pick([
        `{"action":${nested(random, 1 + random.int(20_000))}}`,
        `{"action":99,"x":${nested(random, 1 + random.int(20_000))}}`,
        `{"action":10,"channel":${nested(random, 1 + random.int(5000))}}`,
      ]),
    }),
    () => ({
      kind: "oversized",
      data: JSON.stringify({
        action: 15,
        channel: "c",
        msgSerial: serial(),
        messages: [{ data: "y".repeat(MAX_FRAME + random.int(1000)) }],
      }),
    }),
    () => ({
      kind: "binary",
      data: new Uint8Array(
        Array.from({ length: 1 + random.int(64) }, () => random.int(256)),
      ),
    }),
  ];
  return random.pick(kinds)();
}

/** A new connection attaches, publishes and gets its ACK. */
async function servesNormally(url: string, n: number): Promise<void> {
  const client = await RawClient.open(url);
  try {
    const channel = `ok-${n}`;
    client.socket.send(JSON.stringify({ action: 10, channel }));
    const attached = await client.until(
      (f) => f.action === 11 && f.channel === channel,
      5000,
      "ATTACHED",
    );
    assert.ok(attached, "attached");
    client.socket.send(JSON.stringify({
      action: 15,
      channel,
      msgSerial: 0,
      messages: [{ name: "hello", data: "world" }],
    }));
    const ack = await client.until((f) => f.action === 1, 5000, "ACK");
    assert.equal(ack?.msgSerial, 0);
  } finally {
    await client.close();
  }
}

Deno.test(`hostile realtime frames get an error or a close, and the emulator keeps serving (FUZZ_SEED=${seed})`, async () => {
  const random = new Random(seed);
  const emulator = await startEmulator({
    keys: [KEY],
    maxFrameSize: MAX_FRAME,
  });
  let client: RawClient | undefined;
  try {
    let nextSerial = 0;
    let pings = 0;
    let closes = 0;
    let total = 0;
    for (let round = 0; round < 6; round++) {
      client = await RawClient.open(emulator.url);
      const frames = Array.from(
        { length: 50 },
        () => badFrame(random, () => nextSerial++),
      );
      await batch(random, "frames", frames, async ({ data }) => {
        if (client!.isClosed) {
          client = await RawClient.open(emulator.url);
          nextSerial = 0;
        }
        const from = client!.frames.length;
        client!.socket.send(data);
        const id = `ping-${pings++}`;
        client!.socket.send(JSON.stringify({ action: 0, id }));
        const pong = await client!.until((f) => f.id === id, 5000, id, from);
        if (!pong) {
          closes++;
          return;
        }
        const answers = client!.frames.slice(
          from,
          client!.frames.indexOf(pong),
        );
        assert.ok(
          answers.some((f) => typeof f.error === "object" && f.error !== null),
          `no error among ${JSON.stringify(answers).slice(0, 300)}`,
        );
      });
      total += frames.length;
      await client.close();
      await servesNormally(emulator.url, round);
    }

    // Bad frames with no good one between: the emulator gives up on the
    // connection instead of answering forever.
    client = await RawClient.open(emulator.url);
    for (let i = 0; i < 40 && !client.isClosed; i++) {
      client.socket.send("x" + random.string(ASCII, 10));
    }
    const gone = await client.until(
      (f) => f.action === 6,
      5000,
      "DISCONNECTED",
    );
    assert.ok(gone === undefined || gone.action === 6);
    await client.closed;
    await servesNormally(emulator.url, 99);

    console.log(
      `${total} frames, ${closes} ended the connection, FUZZ_SEED=${seed}`,
    );
    assert.ok(total >= 300);
  } finally {
    await client?.close();
    await emulator.close();
  }
});
