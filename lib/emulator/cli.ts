/**
 * `deno task emulator [--port 8787] [--host 127.0.0.1] [--key KEY]...
 * [--revocable KEYNAME]... [--persist NAMESPACE]...`:
 * runs the emulator until interrupted. KEY is `appId.keyId:secret`,
 * optionally followed by `=` and a capability JSON
 * (`--key 'app.k:s={"room":["subscribe"]}'`); without `--key` a random dev
 * key with every right is generated and printed once, as the one credential
 * a developer needs to copy. `--revocable app.k` turns on revocable tokens
 * for a given key (the generated dev key has them); `--persist chat` keeps
 * the history of channels `chat:*` 24 h instead of 2 minutes, like an Ably
 * "persist" channel rule. Counterpart: server.ts.
 */

import { startEmulator } from "./mod.ts";

/** The emulator's command line, parsed. */
export interface CliArgs {
  port: number;
  hostname: string;
  keys: string[];
  /** Key names whose tokens are revocable (`--revocable`). */
  revocableKeys: string[];
  /** Channel namespaces whose history is persisted (`--persist`). */
  persist: string[];
}

/** Parses the flags above; throws on an unknown or malformed one. */
export function parseArgs(args: string[]): CliArgs {
  let port = 8787;
  let hostname = "127.0.0.1";
  const keys: string[] = [];
  const revocableKeys: string[] = [];
  const persist: string[] = [];
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
    else if (flag === "--revocable") revocableKeys.push(value());
    else if (flag === "--persist") persist.push(value());
    else if (flag === "--help" || flag === "-h") {
      console.log(
        "usage: deno task emulator [--port 8787] [--host 127.0.0.1] [--key appId.keyId:secret[={capability}]]... [--revocable appId.keyId]... [--persist namespace]...",
      );
      Deno.exit(0);
    } else {
      throw new Error(`Unknown argument ${arg}`);
    }
  }
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error("--port must be 0 to 65535");
  }
  for (
    const [flag, list] of [["--revocable", revocableKeys], [
      "--persist",
      persist,
    ]] as const
  ) {
    if (list.some((v) => typeof v !== "string" || v === "")) {
      throw new Error(`${flag} needs a value`);
    }
  }
  return { port, hostname, keys, revocableKeys, persist };
}

if (import.meta.main) {
  try {
    const args = parseArgs(Deno.args);
    const generated = args.keys.length === 0;
    const emu = await startEmulator({
      port: args.port,
      hostname: args.hostname,
      // Without --key the emulator generates the dev key (revocable).
      keys: generated ? undefined : args.keys,
      revocableKeys: args.revocableKeys,
      persist: args.persist,
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
