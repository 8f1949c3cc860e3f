import { Head } from "$fresh/runtime.ts";
import type { PageProps } from "$fresh/server.ts";

export default function ServerError(_props: PageProps) {
  return (
    <main>
      <Head>
        <title>Error · live</title>
      </Head>
      <h1>Something went wrong</h1>
      <p>The error has been logged. Please try again in a moment.</p>
    </main>
  );
}
