import type { Signal } from "@preact/signals";

interface CounterProps {
  count: Signal<number>;
}

export default function Counter({ count }: CounterProps) {
  return (
    <div class="counter">
      <button
        type="button"
        onClick={() => count.value -= 1}
        aria-label="Decrement"
      >
        −
      </button>
      <output aria-live="polite">{count}</output>
      <button
        type="button"
        onClick={() => count.value += 1}
        aria-label="Increment"
      >
        +
      </button>
    </div>
  );
}
