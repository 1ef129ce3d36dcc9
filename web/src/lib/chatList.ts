// The chat list as the sidebar shows it, kept in the server's order (pinned first, then the latest activity
// first) as socket events change it. Pure functions; the input array is returned as is when nothing changes.

import type { Chat, Message } from "../../../Generated/typescript/types";

/** When a chat last saw activity: its last message, else its last change. */
export function chatActivity(chat: Chat): string {
  return chat.lastMessageRef?.createdAt ?? chat.updatedAt;
}

/** Pinned first, then by activity, newest first; ties by id so that the order never flickers. */
export function compareChats(a: Chat, b: Chat): number {
  if (a.pinned !== b.pinned) return a.pinned ? -1 : 1;
  const byTime = timeOf(chatActivity(b)) - timeOf(chatActivity(a));
  if (byTime !== 0) return byTime;
  return a._id < b._id ? -1 : a._id > b._id ? 1 : 0;
}

function timeOf(iso: string): number {
  const t = Date.parse(iso);
  return Number.isNaN(t) ? 0 : t;
}

export function sortChats(chats: Chat[]): Chat[] {
  return [...chats].sort(compareChats);
}

/** chat:updated or a created chat: replaces the chat with the same id, or adds it, and keeps the order. */
export function upsertChat(chats: Chat[], chat: Chat): Chat[] {
  const index = chats.findIndex((c) => c._id === chat._id);
  const next = index === -1 ? [...chats, chat] : chats.map((c, i) => (i === index ? chat : c));
  return sortChats(next);
}

/**
 * message:new for the chat list: the chat's lastMessageRef becomes this message and the chat moves up; its
 * unreadCount grows unless the message is the caller's or the chat is open. A chat not in the list gives the same
 * array back (fetch that chat: it is new to this client). A message seen already (a replay, or the ack and
 * message:new of the same send) changes nothing; an older one only counts as unread.
 */
export function bumpWithMessage(chats: Chat[], message: Message, me: string, openChatId: string | null | undefined): Chat[] {
  const index = chats.findIndex((c) => c._id === message.chatId);
  if (index === -1) return chats;
  const chat = chats[index];
  const last = chat.lastMessageRef;
  if (last && last.messageId === message._id) return chats;
  // The optimistic copy of the caller's own send was the last message: the server's copy takes its place.
  const replacesOptimistic = last !== undefined && message.tempId !== undefined && last.messageId === "temp-" + message.tempId;
  const counts = message.senderId !== me && chat._id !== openChatId && !replacesOptimistic;
  const newer = !last || replacesOptimistic || timeOf(message.createdAt) >= timeOf(last.createdAt);
  if (!counts && !newer) return chats;
  const updated: Chat = { ...chat };
  if (counts) updated.unreadCount = chat.unreadCount + 1;
  if (newer) {
    updated.lastMessageRef = { messageId: message._id, body: message.body, senderId: message.senderId, createdAt: message.createdAt };
    if (timeOf(message.createdAt) > timeOf(chat.updatedAt)) updated.updatedAt = message.createdAt;
  }
  return sortChats(chats.map((c, i) => (i === index ? updated : c)));
}

/** The caller opened or read a chat: its unread count is cleared locally (the server is told separately). */
export function clearUnread(chats: Chat[], chatId: string): Chat[] {
  const index = chats.findIndex((c) => c._id === chatId);
  if (index === -1 || chats[index].unreadCount === 0) return chats;
  return chats.map((c, i) => (i === index ? { ...c, unreadCount: 0 } : c));
}

/** The same functions as one object, for callers that pass reducers around. */
export const chatListReducers = { upsertChat, bumpWithMessage, clearUnread, sortChats };
