import { createStore, useStore } from "../../lib/store";

interface Toast {
  id: number;
  text: string;
}

const toasts = createStore<{ list: Toast[] }>({ list: [] });
let next = 1;

/** Shows `text` for a few seconds (errors the person should know of). */
export function toast(text: string): void {
  const id = next++;
  toasts.setState((state) => ({ list: [...state.list, { id, text }] }));
  setTimeout(() => toasts.setState((state) => ({ list: state.list.filter((item) => item.id !== id) })), 5000);
}

export function Toasts(): JSX.Element {
  const list = useStore(toasts, (state) => state.list);
  return (
    <div className="toasts" role="status" aria-live="polite">
      {list.map((item) => (
        <div key={item.id} className="toast">
          {item.text}
        </div>
      ))}
    </div>
  );
}
