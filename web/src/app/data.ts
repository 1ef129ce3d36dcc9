// The client's copy of the server's state, kept current by the socket: the chat list, each chat's pages of
// messages (optimistic sends included), who is typing, who is online.
import type { Chat, Message, PresenceUpdateEvent } from "../../../Generated/typescript/types";
import { createStore } from "../lib/store";
import {
  addOptimistic,
  appendOlderPage,
  applyDelete,
  applyEdit,
  applyReceipt,
  bumpWithMessage,
  insertMessage,
  makeOptimisticMessage,
  markFailed,
  newTempId,
  refreshNewest,
  upsertChat,
  type MessagePages,
} from "../lib/queryCache";
import { api, currentSocket, ensureUsers, session, withSocket } from "./session";

export interface ChatsState {
  chats: Chat[];
  archived: Chat[];
  loaded: boolean;
  /** The chat on screen, whose messages count as read. */
  openChatId: string | null;
}
export const chats = createStore<ChatsState>({ chats: [], archived: [], loaded: false, openChatId: null });

export interface Thread {
  pages: MessagePages;
  /** The cursor of the next older page; null when the oldest was loaded. */
  nextCursor: string | null;
  loading: boolean;
}
export const threads = createStore<Record<string, Thread>>({});
/** chatId → ids of the users typing there. */
export const typing = createStore<Record<string, string[]>>({});
export const presence = createStore<Record<string, { online: boolean; lastSeen?: string }>>({});

const me = (): string => session.getState().me?._id ?? "";

export async function loadChats(): Promise<void> {
  const [current, archived] = await Promise.all([api.chats.list({ limit: 100 }), api.chats.list({ archived: true, limit: 100 })]);
  chats.setState({ chats: current.chats, archived: archived.chats, loaded: true });
  ensureUsers([...current.chats, ...archived.chats].flatMap((chat) => chat.participants));
}

function updateThread(chatId: string, update: (thread: Thread) => Partial<Thread>): void {
  threads.setState((all) => {
    const thread = all[chatId] ?? { pages: { pages: [] }, nextCursor: null, loading: false };
    return { [chatId]: { ...thread, ...update(thread) } };
  });
}

/** The newest page of a chat (again, after a reconnect that could not replay what was missed). */
export async function loadNewest(chatId: string): Promise<void> {
  updateThread(chatId, () => ({ loading: true }));
  try {
    const page = await api.messages.list(chatId, { limit: 30 });
    ensureUsers(page.messages.map((message) => message.senderId));
    updateThread(chatId, (thread) => ({ pages: refreshNewest(thread.pages, page), nextCursor: page.nextCursor, loading: false }));
  } catch (error) {
    updateThread(chatId, () => ({ loading: false }));
    throw error;
  }
}

export async function loadOlder(chatId: string): Promise<void> {
  const thread = threads.getState()[chatId];
  if (!thread || thread.loading || thread.nextCursor === null) return;
  updateThread(chatId, () => ({ loading: true }));
  try {
    const page = await api.messages.list(chatId, { limit: 30, cursor: thread.nextCursor });
    ensureUsers(page.messages.map((message) => message.senderId));
    updateThread(chatId, (current) => ({ pages: appendOlderPage(current.pages, page), nextCursor: page.nextCursor, loading: false }));
  } catch (error) {
    updateThread(chatId, () => ({ loading: false }));
    throw error;
  }
}

function receiveMessage(message: Message): void {
  updateThread(message.chatId, (thread) => ({ pages: insertMessage(thread.pages, message) }));
  const known = [...chats.getState().chats, ...chats.getState().archived].some((chat) => chat._id === message.chatId);
  if (!known) void loadChats();
  chats.setState((state) => ({ chats: bumpWithMessage(state.chats, message, me(), state.openChatId) }));
  if (message.senderId !== me() && chats.getState().openChatId === message.chatId && document.visibilityState === "visible") {
    markRead(message.chatId, [message._id]);
  }
}

export interface Draft {
  body: string;
  mediaId?: string;
  replyToId?: string;
  /** What the optimistic bubble shows until the stored message arrives. */
  preview?: Pick<Message, "replyTo" | "media">;
}

/**
 * Shows the message at once as "sending", then sends it over the socket; a failed ack leaves it "failed" with
 * a retry that reuses its tempId, so that a send the server did store is never stored twice.
 */
export async function sendMessage(chatId: string, draft: Draft, tempId = newTempId()): Promise<void> {
  const optimistic = makeOptimisticMessage({ chatId, senderId: me(), tempId, body: draft.body, ...draft.preview });
  updateThread(chatId, (thread) => ({ pages: addOptimistic(thread.pages, optimistic) }));
  pendingDrafts.set(tempId, { chatId, draft });
  try {
    const socket = currentSocket();
    if (!socket) throw new Error("not connected");
    const ack = await socket.emitWithAck("message:send", {
      chatId,
      body: draft.body,
      tempId,
      ...(draft.mediaId ? { mediaId: draft.mediaId } : {}),
      ...(draft.replyToId ? { replyToId: draft.replyToId } : {}),
    });
    if (!ack.ok || !ack.message) throw new Error(ack.error?.message ?? "not sent");
    pendingDrafts.delete(tempId);
    receiveMessage(ack.message);
  } catch {
    updateThread(chatId, (thread) => ({ pages: markFailed(thread.pages, tempId) }));
  }
}

const pendingDrafts = new Map<string, { chatId: string; draft: Draft }>();

export function retrySend(tempId: string): void {
  const pending = pendingDrafts.get(tempId);
  if (pending) void sendMessage(pending.chatId, pending.draft, tempId);
}

/** Sends the failed messages again once the socket is back (same tempIds: no duplicates). */
function resendFailed(): void {
  for (const [tempId, pending] of pendingDrafts) void sendMessage(pending.chatId, pending.draft, tempId);
}

const reported = new Set<string>();

export function markRead(chatId: string, messageIds: string[]): void {
  const fresh = messageIds.filter((id) => !id.startsWith("temp-") && !reported.has(id));
  if (fresh.length === 0) return;
  for (const id of fresh) reported.add(id);
  currentSocket()
    ?.emitWithAck("message:read", { chatId, messageIds: fresh })
    .catch(() => fresh.forEach((id) => reported.delete(id)));
  chats.setState((state) => ({ chats: state.chats.map((chat) => (chat._id === chatId ? { ...chat, unreadCount: 0 } : chat)) }));
}

const typingTimers = new Map<string, ReturnType<typeof setTimeout>>();

function setTyping(chatId: string, userId: string, isTyping: boolean): void {
  const key = `${chatId}:${userId}`;
  clearTimeout(typingTimers.get(key));
  typing.setState((all) => {
    const others = (all[chatId] ?? []).filter((id) => id !== userId);
    return { [chatId]: isTyping ? [...others, userId] : others };
  });
  // The server ends a typing that is never stopped after 5 s; so does the client, in case the stop is lost.
  if (isTyping) typingTimers.set(key, setTimeout(() => setTyping(chatId, userId, false), 6000));
}

function applyPresence(update: PresenceUpdateEvent): void {
  presence.setState({ [update.userId]: { online: update.online, ...(update.lastSeen ? { lastSeen: update.lastSeen } : {}) } });
}

export async function loadPresence(userId: string): Promise<void> {
  const answer = await api.users.presence(userId);
  presence.setState({ [userId]: { online: answer.online, ...(answer.lastSeen ? { lastSeen: answer.lastSeen } : {}) } });
}

withSocket((socket) => {
  socket.on("message:new", receiveMessage);
  socket.on("message:edit", (message) => updateThread(message.chatId, (thread) => ({ pages: applyEdit(thread.pages, message) })));
  socket.on("message:delete", (event) => updateThread(event.chatId, (thread) => ({ pages: applyDelete(thread.pages, event.messageId) })));
  socket.on("receipt:delivered", (receipt) =>
    updateThread(receipt.chatId, (thread) => ({ pages: applyReceipt(thread.pages, receipt, "delivered", me()) }))
  );
  socket.on("receipt:read", (receipt) => updateThread(receipt.chatId, (thread) => ({ pages: applyReceipt(thread.pages, receipt, "read", me()) })));
  socket.on("typing:update", (event) => {
    if (event.userId !== me()) setTyping(event.chatId, event.userId, event.isTyping);
  });
  socket.on("presence:update", applyPresence);
  socket.on("chat:updated", (chat) => {
    ensureUsers(chat.participants);
    chats.setState((state) =>
      chat.archived
        ? { archived: upsertChat(state.archived, chat), chats: state.chats.filter((other) => other._id !== chat._id) }
        : { chats: upsertChat(state.chats, chat), archived: state.archived.filter((other) => other._id !== chat._id) }
    );
  });
  socket.onStatus((status) => {
    if (status.kind !== "connected") return;
    // Recovered: the server replayed what this socket missed. Otherwise read the state again.
    if (!status.recovered) {
      void loadChats();
      const open = chats.getState().openChatId;
      if (open) void loadNewest(open);
    }
    resendFailed();
  });
});
