/**
 * The public face of the local Ably-compatible emulator. The app, tests and
 * the CLI import only this module; everything else in lib/emulator may move.
 *
 * @example
 * ```ts
 * import { emulatorClientOptions, startEmulator } from "./mod.ts";
 * const emu = await startEmulator({ port: 0 });
 * const options = { ...emulatorClientOptions(emu.url), key: emu.keys[0] };
 * await emu.close();
 * ```
 */

export {
  type Emulator,
  type EmulatorOptions,
  startEmulator,
} from "./server.ts";
export {
  type EmulatorClientOptions,
  emulatorClientOptions,
} from "./client_options.ts";
export { type Capability, generateDevKey, type KeyInput } from "./auth/mod.ts";
