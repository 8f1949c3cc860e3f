import { Head } from "$fresh/runtime.ts";

export default function NotFound() {
  return (
    <main>
      <Head>
        <title>Not found · live</title>
      </Head>
      <h1>Page not found</h1>
      <p>
        <a href="/">Back to the home page</a>
      </p>
    </main>
  );
}
