import { Head } from "$fresh/runtime.ts";

export default function About() {
  return (
    <main>
      <Head>
        <title>About · live</title>
      </Head>
      <h1>About</h1>
      <p>
        Authenticated realtime for a server-rendered Deno site. This page has no
        islands, so it ships no JavaScript.
      </p>
      <p>
        <a href="/">Home</a>
      </p>
    </main>
  );
}
