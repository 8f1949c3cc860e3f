/**
 * `deno task emulator [--port 8787] [--host 127.0.0.1] [--key KEY]...`:
 * runs the emulator until interrupted. KEY is `appId.keyId:secret`,
 * optionally followed by `=` and a capability JSON
 * (`--key 'app.k:s={"room":["subscribe"]}'`); without `--key` a random dev
 * key with every right is generated and printed once, as the one credential
 * a developer needs to copy. Counterpart: server.ts.
 */

import { generateDevKey, startEmulator } from "./mod.ts";

function parseArgs(
  args: string[],
): { port: number; hostname: string; keys: string[] } {
  let port = 8787;
  let hostname = "127.0.0.1";
  const keys: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const arg = args[i];
    const [flag, inline] =
      arg.includes("=") && arg.startsWith("--") && !arg.startsWith("--key=")
        ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)]
        : arg.startsWith("--key=")
        ? ["--key", arg.slice(6)]
        : [arg, undefined];
    const value = () => inline ?? args[++i];
    if (flag === "--port") port = Number(value());
    else if (flag === "--host" || flag === "--hostname") hostname = value();
    else if (flag === "--key") keys.push(value());
    else if (flag === "--help" || flag === "-h") {
      console.log(
        "usage: deno task emulator [--port 8787] [--host 127.0.0.1] [--key appId.keyId:secret[={capability}]]...",
      );
      Deno.exit(0);
    } else {
      throw new Error(`Unknown argument ${arg}`);
    }
  }
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error("--port must be 0 to 65535");
  }
  return { port, hostname, keys };
}

if (import.meta.main) {
  try {
    const args = parseArgs(Deno.args);
    const generated = args.keys.length === 0;
    const keys = generated ? [generateDevKey()] : args.keys;
    const emu = await startEmulator({
      port: args.port,
      hostname: args.hostname,
      keys,
    });
    console.log(`ably emulator listening on ${emu.url}`);
    if (generated) {
      // The generated key is printed so a developer can use it; keys given
      // on the command line are known to their owner and never echoed.
      console.log(`dev key: ${emu.keys[0]}`);
    } else {
      console.log(
        `keys: ${emu.keys.map((k) => k.slice(0, k.indexOf(":"))).join(", ")}`,
      );
    }
    const stop = () => {
      emu.close().then(() => Deno.exit(0));
    };
    Deno.addSignalListener("SIGINT", stop);
    Deno.addSignalListener("SIGTERM", stop);
  } catch (err) {
    console.error(
      `emulator: ${err instanceof Error ? err.message : String(err)}`,
    );
    Deno.exit(1);
  }
}
