// A tiny router on the History API. The location is the one source of truth: navigate() changes it and tells
// subscribers (pushState fires no event), and the browser's back/forward arrive as popstate.

import { useSyncExternalStore } from "react";

/**
 * Matches a path against a pattern of literal segments, `:name` parameters and an optional trailing `*` (the rest,
 * as params["*"]). Returns the decoded parameters, or null. The path's query and hash are ignored, as is a trailing
 * slash; literal segments match case-sensitively.
 */
export function matchPath(pattern: string, path: string): Record<string, string> | null {
  const patternSegments = segments(pattern);
  const pathSegments = segments(stripQueryAndHash(path));
  const params: Record<string, string> = {};
  for (let i = 0; i < patternSegments.length; i++) {
    const part = patternSegments[i];
    if (part === "*" && i === patternSegments.length - 1) {
      const rest = pathSegments.slice(i).map(decode);
      if (rest.some((s) => s === null)) return null;
      params["*"] = rest.join("/");
      return params;
    }
    const segment = pathSegments[i];
    if (segment === undefined) return null;
    if (part.startsWith(":")) {
      const value = decode(segment);
      if (value === null) return null;
      params[part.slice(1)] = value;
    } else if (part !== segment) {
      return null;
    }
  }
  return pathSegments.length === patternSegments.length ? params : null;
}

function segments(path: string): string[] {
  return path.split("/").filter((s) => s.length > 0);
}

function stripQueryAndHash(path: string): string {
  const end = path.search(/[?#]/);
  return end === -1 ? path : path.slice(0, end);
}

/** decodeURIComponent, but null for malformed escapes (a hand-typed URL must not crash the app). */
function decode(segment: string): string | null {
  try {
    return decodeURIComponent(segment);
  } catch {
    return null;
  }
}

const listeners = new Set<() => void>();
let listeningToPopState = false;

/** The current location as a string: pathname, query and hash. */
export function getLocation(): string {
  const { pathname, search, hash } = window.location;
  return pathname + search + hash;
}

/** Goes to `to` (a path on this origin); replace keeps the history length, e.g. for redirects. */
export function navigate(to: string, options: { replace?: boolean } = {}): void {
  // Going where we already are would stack a duplicate entry that the back button then seems to ignore.
  const replace = options.replace === true || to === getLocation();
  if (replace) window.history.replaceState(null, "", to);
  else window.history.pushState(null, "", to);
  notify();
}

function notify(): void {
  for (const listener of [...listeners]) listener();
}

/** Called on every change of location (navigate, back, forward); returns the unsubscribe function. */
export function subscribeLocation(listener: () => void): () => void {
  listeners.add(listener);
  if (!listeningToPopState) {
    window.addEventListener("popstate", notify);
    listeningToPopState = true;
  }
  return () => {
    listeners.delete(listener);
    if (listeners.size === 0 && listeningToPopState) {
      window.removeEventListener("popstate", notify);
      listeningToPopState = false;
    }
  };
}

/** The current location (pathname + query + hash); re-renders on every change. */
export function useLocation(): string {
  // No window on the server: a server render would only ever see "/".
  return useSyncExternalStore(subscribeLocation, getLocation, () => "/");
}
