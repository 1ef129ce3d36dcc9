// The signed-in session: the generated REST client, the caller, and the one socket. The access token lives in
// memory only; a reload gets a new one from the refresh cookie (`auth.refresh`).
import { ApiError, ParleyClient } from "../../../Generated/typescript/client";
import type { Me, User } from "../../../Generated/typescript/types";
import type { ClientToServerEvents, ServerToClientEvents } from "../../../Generated/typescript/events";
import { createStore } from "../lib/store";
import { navigate } from "../lib/router";
import { SocketClient } from "../socket/client";

export type SocketStatus = "connecting" | "connected" | "reconnecting" | "disconnected" | "failed";

export interface SessionState {
  /** Unknown until the first refresh answers. */
  phase: "starting" | "signedOut" | "signedIn";
  me: Me | null;
  socket: SocketStatus;
}

export const session = createStore<SessionState>({ phase: "starting", me: null, socket: "disconnected" });

let accessToken: string | null = null;

export const api = new ParleyClient({
  getAccessToken: () => accessToken,
  onAccessToken: (token) => {
    accessToken = token;
    // A refresh that failed: the session is over.
    if (token === null && session.getState().phase === "signedIn") signOutLocally();
  },
});

export type ChatSocket = SocketClient<ServerToClientEvents, ClientToServerEvents>;
let socket: ChatSocket | null = null;
const socketListeners = new Set<(socket: ChatSocket) => void>();

/** Runs `attach` on the current socket and on each one made after (sign-in); returns a detach. */
export function withSocket(attach: (socket: ChatSocket) => void): () => void {
  socketListeners.add(attach);
  if (socket) attach(socket);
  return () => socketListeners.delete(attach);
}

export function currentSocket(): ChatSocket | null {
  return socket;
}

function openSocket(): void {
  socket?.disconnect();
  const created: ChatSocket = new SocketClient<ServerToClientEvents, ClientToServerEvents>(window.location.origin, {
    auth: () => ({ token: accessToken ?? "" }),
  });
  created.onStatus((status) => session.setState({ socket: status.kind }));
  // An expired token: refresh it (the REST client does on the 401 of any call), then try once more. Other refusals
  // (too many sockets) wait for the person's "reconnect".
  let retried = false;
  created.onStatus((status) => {
    if (status.kind === "connected") retried = false;
  });
  created.onConnectError(async (error) => {
    const code = typeof error.data === "object" && error.data !== null && !Array.isArray(error.data) ? error.data.code : undefined;
    if (code !== "UNAUTHORIZED" || retried) return;
    retried = true;
    try {
      await api.auth.me();
      created.reconnectNow();
    } catch {
      signOutLocally();
    }
  });
  socket = created;
  for (const attach of socketListeners) attach(created);
  created.connect();
}

function signedIn(me: Me): void {
  session.setState({ phase: "signedIn", me });
  openSocket();
}

function signOutLocally(): void {
  socket?.disconnect();
  socket = null;
  accessToken = null;
  session.setState({ phase: "signedOut", me: null, socket: "disconnected" });
  if (!["/login", "/register"].includes(window.location.pathname)) navigate("/login", { replace: true });
}

/** On load: a refresh cookie still valid signs the user back in. */
export async function start(): Promise<void> {
  try {
    const { accessToken: token } = await api.auth.refresh();
    accessToken = token;
    const { user } = await api.auth.me();
    signedIn(user);
  } catch {
    session.setState({ phase: "signedOut" });
  }
}

export async function login(email: string, password: string): Promise<void> {
  const { user } = await api.auth.login({ email, password });
  signedIn(user);
}

export async function register(body: { username: string; email: string; password: string; name: string }): Promise<void> {
  const { user } = await api.auth.register(body);
  signedIn(user);
}

export async function logout(): Promise<void> {
  try {
    await api.auth.logout();
  } finally {
    signOutLocally();
  }
}

export function updateMe(me: Me): void {
  session.setState({ me });
}

/** Users by id, fetched once each (names and avatars of chat members and senders). */
export const users = createStore<Record<string, User>>({});
const pendingUsers = new Set<string>();

export function rememberUsers(list: User[]): void {
  users.setState(Object.fromEntries(list.map((user) => [user._id, user])));
}

export function ensureUsers(ids: string[]): void {
  const known = users.getState();
  for (const id of ids) {
    if (known[id] || pendingUsers.has(id)) continue;
    pendingUsers.add(id);
    api.users
      .getById(id)
      .then(({ user }) => rememberUsers([user]))
      .catch(() => undefined)
      .finally(() => pendingUsers.delete(id));
  }
}

/** The message of an error for a person: the server's, or a generic one. */
export function describe(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof Error && error.message) return error.message;
  return "Something went wrong";
}
