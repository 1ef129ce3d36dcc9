// A minimal external store for app state, read from React through useSyncExternalStore so that concurrent
// rendering never tears (every component of one render sees the same state).

import { useRef, useSyncExternalStore } from "react";

export interface Store<S> {
  getState(): S;
  /** Shallow-merges the update into the state; listeners run only if some field actually changed. */
  setState(update: Partial<S> | ((state: S) => Partial<S>)): void;
  /** Listeners get the new and the previous state; returns the unsubscribe function. */
  subscribe(listener: (state: S, previous: S) => void): () => void;
}

export function createStore<S extends object>(initial: S): Store<S> {
  let state = initial;
  const listeners = new Set<(state: S, previous: S) => void>();
  return {
    getState: () => state,
    setState(update) {
      const patch = typeof update === "function" ? update(state) : update;
      // Unchanged fields keep the state object as it is: selectors and React bail out on identity.
      const changed = (Object.keys(patch) as (keyof S)[]).some((key) => !Object.is(patch[key], state[key]));
      if (!changed) return;
      const previous = state;
      state = { ...state, ...patch };
      for (const listener of [...listeners]) listener(state, previous);
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
  };
}

/**
 * A selection of a store's state; the component re-renders only when the selection changes by `equal`
 * (Object.is by default). A selector may build a new object or array each call if `equal` compares by value
 * (e.g. shallowEqual): the previous selection is returned while equal, as useSyncExternalStore requires a stable
 * snapshot.
 */
export function useStore<S, T>(store: Store<S>, selector: (state: S) => T, equal: (a: T, b: T) => boolean = Object.is): T {
  const memo = useRef<{ state: S; selector: (state: S) => T; value: T } | null>(null);
  const getSnapshot = (): T => selectStable(memo, store.getState(), selector, equal);
  return useSyncExternalStore(store.subscribe, getSnapshot, getSnapshot);
}

/** The memoisation of useStore, apart for tests: recomputes when the state or the selector changed. */
export function selectStable<S, T>(
  memo: { current: { state: S; selector: (state: S) => T; value: T } | null },
  state: S,
  selector: (state: S) => T,
  equal: (a: T, b: T) => boolean,
): T {
  const last = memo.current;
  if (last && last.state === state && last.selector === selector) return last.value;
  const value = selector(state);
  const kept = last && equal(last.value, value) ? last.value : value;
  memo.current = { state, selector, value: kept };
  return kept;
}

/** Equality of plain objects or arrays by their own top-level entries; a ready `equal` for useStore. */
export function shallowEqual<T>(a: T, b: T): boolean {
  if (Object.is(a, b)) return true;
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null) return false;
  if (Array.isArray(a) !== Array.isArray(b)) return false;
  const keysA = Object.keys(a);
  const keysB = Object.keys(b);
  if (keysA.length !== keysB.length) return false;
  const recordA = a as Record<string, unknown>;
  const recordB = b as Record<string, unknown>;
  return keysA.every((key) => Object.prototype.hasOwnProperty.call(b, key) && Object.is(recordA[key], recordB[key]));
}
