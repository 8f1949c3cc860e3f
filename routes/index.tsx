import { useSignal } from "@preact/signals";
import Counter from "../islands/Counter.tsx";

export default function Home() {
  const count = useSignal(3);
  return (
    <main>
      <h1>live</h1>
      <p>Server-rendered with Preact; the counter below is an island.</p>
      <Counter count={count} />
      <p>
        <a href="/about">About</a>
      </p>
    </main>
  );
}
