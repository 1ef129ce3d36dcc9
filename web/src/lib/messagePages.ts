// A chat's messages as the infinite list the app keeps: pages as the API returns them (each newest first, page 0
// the newest), changed by socket events and the user's own sends. Every function is pure and returns its input
// unchanged (the same object) when there is nothing to do, so React and the query cache see no change.

import type { Message, MessagePage, MessageStatus, ReceiptEvent } from "../../../Generated/typescript/types";

/** A message as the app shows it: an optimistic copy is "sending" until the server's copy replaces it. */
export type LocalMessage = Message & { local?: "sending" | "failed" };

export interface LocalMessagePage {
  messages: LocalMessage[];
  nextCursor: string | null;
}

/** The loaded pages of one chat; an API MessagePage fits as it is. Empty means not loaded yet. */
export interface MessagePages {
  pages: LocalMessagePage[];
}

/** Prefix of the `_id` of an optimistic copy: the server's ids are ObjectIds, which never start with it. */
export const tempIdPrefix = "temp-";

export function isOptimistic(message: Message): boolean {
  return message._id.startsWith(tempIdPrefix);
}

/** The pages with the first page only, as fetched when a chat opens. */
export function firstPage(page: MessagePage): MessagePages {
  return { pages: [page] };
}

/** Adds the next older page at the end; a message already loaded (it arrived live meanwhile) is not repeated. */
export function appendOlderPage(pages: MessagePages, page: MessagePage): MessagePages {
  const known = new Set(allMessages(pages).map((m) => m._id));
  const messages = page.messages.filter((m) => !known.has(m._id));
  return { pages: [...pages.pages, messages.length === page.messages.length ? page : { ...page, messages }] };
}

/** Whether there are older messages to fetch, and the cursor to fetch them with. */
export function nextCursor(pages: MessagePages): string | null {
  const last = pages.pages[pages.pages.length - 1];
  return last ? last.nextCursor : null;
}

/**
 * A message from the server (message:new, or the ack of the caller's send). It replaces the copy with the same
 * `_id`, else the caller's optimistic copy with the same tempId, else goes at the top of page 0. While no page is
 * loaded it is ignored: the first fetch will bring it.
 */
export function insertMessage(pages: MessagePages, message: Message): MessagePages {
  if (pages.pages.length === 0) return pages;
  const hasReal = findMessage(pages, (m) => m._id === message._id) !== undefined;
  const isTempCopy = (m: LocalMessage) => message.tempId !== undefined && isOptimistic(m) && m.tempId === message.tempId;
  if (hasReal) {
    // Keep the newest status a receipt may already have given the copy we have.
    const replaced = mapMessages(pages, (m) => (m._id === message._id ? withStatusAtLeast(message, m.status) : m));
    // Both the ack and message:new carry the message; an optimistic copy left over would show it twice.
    return removeMessages(replaced, isTempCopy);
  }
  if (findMessage(pages, isTempCopy) !== undefined) {
    let done = false;
    return mapMessages(pages, (m) => {
      if (done || !isTempCopy(m)) return m;
      done = true;
      return message;
    });
  }
  return prepend(pages, message);
}

/** Builds the optimistic copy of a message the caller is sending. */
export function makeOptimisticMessage(fields: {
  chatId: string;
  senderId: string;
  tempId: string;
  body: string;
  replyTo?: Message["replyTo"];
  media?: Message["media"];
  createdAt?: string;
}): LocalMessage {
  const message: LocalMessage = {
    _id: tempIdPrefix + fields.tempId,
    chatId: fields.chatId,
    senderId: fields.senderId,
    body: fields.body,
    reactions: [],
    status: "sent",
    tempId: fields.tempId,
    createdAt: fields.createdAt ?? new Date().toISOString(),
    local: "sending",
  };
  if (fields.replyTo) message.replyTo = fields.replyTo;
  if (fields.media) message.media = fields.media;
  return message;
}

/** A client id for a message: unique enough that the server's (sender, tempId) de-duplication never merges two. */
export function newTempId(): string {
  const cryptoObject = typeof crypto !== "undefined" ? crypto : undefined;
  if (cryptoObject && typeof cryptoObject.randomUUID === "function") return cryptoObject.randomUUID();
  return Date.now().toString(36) + "-" + Math.random().toString(36).slice(2, 12);
}

/** Shows the caller's message at once, at the top of page 0, as "sending" (unless it says otherwise). */
export function addOptimistic(pages: MessagePages, message: LocalMessage): MessagePages {
  if (pages.pages.length === 0) return pages;
  const copy: LocalMessage = message.local ? message : { ...message, local: "sending" };
  // A retry of the same tempId replaces the failed copy rather than adding a second one.
  const existing = message.tempId === undefined ? undefined : findMessage(pages, (m) => isOptimistic(m) && m.tempId === message.tempId);
  if (existing) return mapMessages(pages, (m) => (m === existing ? copy : m));
  return prepend(pages, copy);
}

/** The optimistic copy of `tempId` could not be sent (the ack said no, or timed out): show it as failed. */
export function markFailed(pages: MessagePages, tempId: string): MessagePages {
  return setLocal(pages, tempId, "failed");
}

/** A failed copy is being sent again. */
export function markSending(pages: MessagePages, tempId: string): MessagePages {
  return setLocal(pages, tempId, "sending");
}

/** Drops the optimistic copy of `tempId` (the user discarded a failed message). */
export function removeOptimistic(pages: MessagePages, tempId: string): MessagePages {
  return removeMessages(pages, (m) => isOptimistic(m) && m.tempId === tempId);
}

function setLocal(pages: MessagePages, tempId: string, local: "sending" | "failed"): MessagePages {
  return mapMessages(pages, (m) => (isOptimistic(m) && m.tempId === tempId && m.local !== local ? { ...m, local } : m));
}

/** message:edit: the new text or reactions of a loaded message; a message not loaded is ignored. */
export function applyEdit(pages: MessagePages, message: Message): MessagePages {
  return mapMessages(pages, (m) => {
    if (m._id !== message._id) return m;
    // The event may omit the sender-only tempId, and its status may lag behind a receipt seen here.
    const merged: LocalMessage = withStatusAtLeast({ ...message }, m.status);
    if (merged.tempId === undefined && m.tempId !== undefined) merged.tempId = m.tempId;
    return merged;
  });
}

/** message:delete: the message disappears (removed rather than shown as a tombstone). */
export function applyDelete(pages: MessagePages, messageId: string): MessagePages {
  return removeMessages(pages, (m) => m._id === messageId);
}

const statusRank: Record<MessageStatus, number> = { sent: 0, delivered: 1, read: 2 };

/**
 * receipt:delivered / receipt:read: the caller's own messages named by the receipt move forward (sent →
 * delivered → read, never back). Receipts by the caller (their other devices) change nothing shown here.
 */
export function applyReceipt(pages: MessagePages, receipt: ReceiptEvent, kind: "delivered" | "read", me: string): MessagePages {
  if (receipt.userId === me) return pages;
  const ids = new Set(receipt.messageIds);
  return mapMessages(pages, (m) =>
    ids.has(m._id) && m.senderId === me && m.chatId === receipt.chatId ? withStatusAtLeast(m, kind) : m,
  );
}

function withStatusAtLeast<M extends Message>(message: M, status: MessageStatus): M {
  return statusRank[status] > statusRank[message.status] ? { ...message, status } : message;
}

/** Every loaded message, newest first, each once. */
export function allMessages(pages: MessagePages): LocalMessage[] {
  const seen = new Set<string>();
  const result: LocalMessage[] = [];
  for (const page of pages.pages) {
    for (const message of page.messages) {
      if (seen.has(message._id)) continue;
      seen.add(message._id);
      result.push(message);
    }
  }
  return result;
}

// MARK: Helpers that keep identity when nothing changes

function findMessage(pages: MessagePages, predicate: (m: LocalMessage) => boolean): LocalMessage | undefined {
  for (const page of pages.pages) {
    const found = page.messages.find(predicate);
    if (found) return found;
  }
  return undefined;
}

function prepend(pages: MessagePages, message: LocalMessage): MessagePages {
  const [first, ...rest] = pages.pages;
  return { pages: [{ ...first, messages: [message, ...first.messages] }, ...rest] };
}

function mapMessages(pages: MessagePages, transform: (m: LocalMessage) => LocalMessage): MessagePages {
  let changed = false;
  const mapped = pages.pages.map((page) => {
    let pageChanged = false;
    const messages = page.messages.map((m) => {
      const next = transform(m);
      if (next !== m) pageChanged = true;
      return next;
    });
    if (!pageChanged) return page;
    changed = true;
    return { ...page, messages };
  });
  return changed ? { pages: mapped } : pages;
}

function removeMessages(pages: MessagePages, predicate: (m: LocalMessage) => boolean): MessagePages {
  let changed = false;
  const filtered = pages.pages.map((page) => {
    const messages = page.messages.filter((m) => !predicate(m));
    if (messages.length === page.messages.length) return page;
    changed = true;
    return { ...page, messages };
  });
  return changed ? { pages: filtered } : pages;
}

/**
 * The newest page fetched again, plus what the client holds that the page cannot know: sends still in flight, and
 * messages that arrived while it was being fetched (a reconnect refetches while failed sends go out again).
 */
export function refreshNewest(current: MessagePages, page: MessagePage): MessagePages {
  let merged = appendOlderPage({ pages: [] }, page);
  const newest = page.messages[0]?.createdAt ?? "";
  const stored = new Set(page.messages.map((message) => message.tempId).filter((id) => id !== undefined));
  for (const message of [...allMessages(current)].reverse()) {
    if (message.local !== undefined) {
      if (!message.tempId || !stored.has(message.tempId)) merged = addOptimistic(merged, message);
    } else if (message.createdAt > newest) {
      merged = insertMessage(merged, message);
    }
  }
  return merged;
}
