/**
 * The numeric options of a bench script, `--name value` pairs, e.g.
 * `deno task bench:rooms -- --rate 300`; the `--` that `deno task` passes on
 * is skipped.
 */
export function numberArgs(args: string[] = Deno.args): Map<string, number> {
  const argv = args.filter((a) => a !== "--");
  const options = new Map<string, number>();
  for (let i = 0; i < argv.length; i += 2) {
    options.set(argv[i].replace(/^--/, ""), Number(argv[i + 1]));
  }
  return options;
}
