// The app's pure modules: store, router, query cache, message pages and chat list reducers. The React hooks are
// rendered on the server (react-dom/server) where a check needs React; the rest runs without it.

import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { createElement } from "react";
import { renderToString } from "react-dom/server";
import type { Chat, Message, MessagePage, ReceiptEvent } from "../../Generated/typescript/types";
import { createStore, selectStable, shallowEqual, useStore } from "../src/lib/store";
import { getLocation, matchPath, navigate, subscribeLocation, useLocation } from "../src/lib/router";
import {
  addOptimistic,
  allMessages,
  appendOlderPage,
  applyDelete,
  applyEdit,
  applyReceipt,
  bumpWithMessage,
  chatListReducers,
  clearUnread,
  firstPage,
  insertMessage,
  LocalMessage,
  makeOptimisticMessage,
  markFailed,
  markSending,
  MessagePages,
  newTempId,
  nextCursor,
  QueryCache,
  refreshNewest,
  removeOptimistic,
  shouldFetch,
  sortChats,
  upsertChat,
  useQuery,
} from "../src/lib/queryCache";

// MARK: Fixtures

const me = "aaaaaaaaaaaaaaaaaaaaaaaa";
const other = "bbbbbbbbbbbbbbbbbbbbbbbb";
const chatId = "cccccccccccccccccccccccc";

function msg(n: number, overrides: Partial<Message> = {}): Message {
  return {
    _id: "m" + String(n).padStart(23, "0"),
    chatId,
    senderId: me,
    body: `message ${n}`,
    reactions: [],
    status: "sent",
    createdAt: new Date(Date.UTC(2026, 0, 1, 10, 0, n)).toISOString(),
    ...overrides,
  };
}

function page(messages: Message[], nextCursorValue: string | null = null): MessagePage {
  return { messages, nextCursor: nextCursorValue };
}

function ids(pages: MessagePages): string[][] {
  return pages.pages.map((p) => p.messages.map((m) => m._id));
}

function chat(id: string, overrides: Partial<Chat> = {}): Chat {
  return {
    _id: id,
    type: "direct",
    participants: [me, other],
    admins: [],
    pinned: false,
    archived: false,
    unreadCount: 0,
    createdAt: "2026-01-01T00:00:00.000Z",
    updatedAt: "2026-01-01T00:00:00.000Z",
    ...overrides,
  };
}

// MARK: Store

describe("store", () => {
  test("setState merges, notifies with new and previous state, and unsubscribes", () => {
    const store = createStore({ count: 0, name: "a" });
    const seen: [number, number][] = [];
    const off = store.subscribe((state, previous) => seen.push([state.count, previous.count]));
    store.setState({ count: 1 });
    store.setState((s) => ({ count: s.count + 1 }));
    assert.deepEqual(store.getState(), { count: 2, name: "a" });
    assert.deepEqual(seen, [
      [1, 0],
      [2, 1],
    ]);
    off();
    store.setState({ count: 3 });
    assert.equal(seen.length, 2);
  });

  test("an update that changes nothing keeps the state object and notifies no one", () => {
    const store = createStore({ list: [1], flag: true });
    const before = store.getState();
    let calls = 0;
    store.subscribe(() => calls++);
    store.setState({ flag: true, list: before.list });
    store.setState({});
    assert.equal(store.getState(), before);
    assert.equal(calls, 0);
  });

  test("selectStable keeps the previous selection while equal", () => {
    const memo = { current: null as { state: { a: number; b: number }; selector: (s: { a: number; b: number }) => number[]; value: number[] } | null };
    const selector = (s: { a: number; b: number }) => [s.a];
    const first = selectStable(memo, { a: 1, b: 1 }, selector, shallowEqual);
    const second = selectStable(memo, { a: 1, b: 2 }, selector, shallowEqual);
    assert.equal(second, first, "same content: same array");
    const third = selectStable(memo, { a: 2, b: 2 }, selector, shallowEqual);
    assert.deepEqual(third, [2]);
    assert.notEqual(third, first);
  });

  test("shallowEqual", () => {
    assert.ok(shallowEqual({ a: 1, b: "x" }, { a: 1, b: "x" }));
    assert.ok(!shallowEqual({ a: 1 }, { a: 1, b: undefined }));
    assert.ok(!shallowEqual({ a: {} }, { a: {} }));
    assert.ok(shallowEqual([1, 2], [1, 2]));
    assert.ok(!shallowEqual([1, 2], { 0: 1, 1: 2 }));
    assert.ok(!shallowEqual(null, {}));
  });

  test("useStore renders the selection", () => {
    const store = createStore({ user: "ada", unread: 3 });
    function Badge() {
      const unread = useStore(store, (s) => s.unread);
      return createElement("span", null, `${unread} unread`);
    }
    assert.equal(renderToString(createElement(Badge)), "<span>3 unread</span>");
  });
});

// MARK: Router

describe("router", () => {
  test("matchPath", () => {
    assert.deepEqual(matchPath("/chats/:id", "/chats/abc"), { id: "abc" });
    assert.deepEqual(matchPath("/chats/:id", "/chats/abc/"), { id: "abc" });
    assert.deepEqual(matchPath("/chats/:id", "/chats/abc?q=1#m"), { id: "abc" });
    assert.deepEqual(matchPath("/chats/:id", "/chats/a%20b"), { id: "a b" });
    assert.deepEqual(matchPath("/", "/"), {});
    assert.deepEqual(matchPath("/chats", "/chats"), {});
    assert.deepEqual(matchPath("/chats/:chatId/messages/:messageId", "/chats/1/messages/2"), { chatId: "1", messageId: "2" });
    assert.deepEqual(matchPath("/files/*", "/files/a/b%2Fc"), { "*": "a/b/c" });
    assert.deepEqual(matchPath("/files/*", "/files"), { "*": "" });
    assert.equal(matchPath("/chats/:id", "/chats"), null);
    assert.equal(matchPath("/chats/:id", "/chats/a/b"), null);
    assert.equal(matchPath("/chats", "/Chats"), null);
    assert.equal(matchPath("/", "/chats"), null);
    assert.equal(matchPath("/chats/:id", "/chats/%E0%A4%A"), null, "a malformed escape does not throw");
  });

  test("navigate pushes or replaces and tells subscribers; popstate too", () => {
    const fake = installFakeWindow("/login");
    const seen: string[] = [];
    const off = subscribeLocation(() => seen.push(getLocation()));
    assert.equal(fake.popstateListeners(), 1);
    navigate("/chats");
    navigate("/chats/1?x=2");
    navigate("/chats/2", { replace: true });
    navigate("/chats/2"); // where we already are: no duplicate entry
    assert.deepEqual(fake.entries, ["/login", "/chats", "/chats/2"]);
    fake.back();
    assert.deepEqual(seen, ["/chats", "/chats/1?x=2", "/chats/2", "/chats/2", "/chats"]);
    off();
    assert.equal(fake.popstateListeners(), 0, "the last unsubscribe removes the popstate listener");
    navigate("/settings");
    assert.equal(seen.length, 5);
  });

  test("useLocation renders the server snapshot without a window", () => {
    function Where() {
      return createElement("p", null, useLocation());
    }
    assert.equal(renderToString(createElement(Where)), "<p>/</p>");
  });
});

/** Enough of window.location, history and popstate for the router. */
function installFakeWindow(start: string) {
  const entries = [start];
  let index = 0;
  const listeners = new Set<() => void>();
  const location = { pathname: "", search: "", hash: "" };
  const show = (url: string) => {
    const parsed = new URL(url, "http://app.test");
    location.pathname = parsed.pathname;
    location.search = parsed.search;
    location.hash = parsed.hash;
  };
  show(start);
  const window = {
    location,
    history: {
      pushState(_state: unknown, _title: string, url: string) {
        entries.splice(index + 1);
        entries.push(url);
        index = entries.length - 1;
        show(url);
      },
      replaceState(_state: unknown, _title: string, url: string) {
        entries[index] = url;
        show(url);
      },
    },
    addEventListener(type: string, listener: () => void) {
      if (type === "popstate") listeners.add(listener);
    },
    removeEventListener(type: string, listener: () => void) {
      if (type === "popstate") listeners.delete(listener);
    },
  };
  (globalThis as unknown as { window: unknown }).window = window;
  return {
    entries,
    popstateListeners: () => listeners.size,
    back() {
      index -= 1;
      show(entries[index]);
      for (const listener of [...listeners]) listener();
    },
  };
}

// MARK: Query cache

function deferred<T>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe("QueryCache", () => {
  test("get, set with a value or an updater, update only with data, subscribe per key", () => {
    const cache = new QueryCache();
    const notified: string[] = [];
    const off = cache.subscribe("a", () => notified.push("a"));
    cache.subscribe("b", () => notified.push("b"));
    assert.equal(cache.get("a"), undefined);
    cache.update<number>("a", (n) => n + 1);
    assert.equal(cache.get("a"), undefined, "update does nothing without data");
    cache.set("a", 1);
    cache.set<number>("a", (n) => (n ?? 0) + 1);
    cache.set("a", 2); // unchanged: no notification
    cache.update<number>("a", (n) => n * 10);
    assert.equal(cache.get<number>("a"), 20);
    assert.deepEqual(notified, ["a", "a", "a"]);
    off();
    cache.set("a", 3);
    assert.equal(notified.length, 3);
  });

  test("concurrent fetches of a key share one request", async () => {
    const cache = new QueryCache();
    let calls = 0;
    const d = deferred<string>();
    const fetcher = () => {
      calls++;
      return d.promise;
    };
    const first = cache.fetch("k", fetcher);
    const second = cache.fetch("k", fetcher);
    assert.equal(cache.getEntry("k").fetching, true);
    d.resolve("data");
    assert.deepEqual(await Promise.all([first, second]), ["data", "data"]);
    assert.equal(calls, 1);
    const entry = cache.getEntry<string>("k");
    assert.equal(entry.data, "data");
    assert.equal(entry.fetching, false);
    assert.equal(entry.stale, false);
    await cache.fetch("k", fetcher);
    assert.equal(calls, 2, "a later fetch is a new request");
  });

  test("errors land in the entry and keep the data; a sync throw is a rejection too", async () => {
    const cache = new QueryCache();
    cache.set("k", "old");
    await assert.rejects(cache.fetch("k", () => Promise.reject(new Error("offline"))), /offline/);
    assert.equal(cache.getEntry("k").data, "old");
    assert.match(String(cache.getEntry("k").error), /offline/);
    await assert.rejects(
      cache.fetch("k", () => {
        throw new Error("sync");
      }),
      /sync/,
    );
    await cache.fetch("k", () => Promise.resolve("new"));
    assert.equal(cache.getEntry("k").error, undefined);
  });

  test("invalidate marks stale and notifies; a fetch invalidated while in flight lands stale", async () => {
    const cache = new QueryCache();
    await cache.fetch("chats", () => Promise.resolve([1]));
    await cache.fetch("messages:1", () => Promise.resolve([2]));
    let notified = 0;
    cache.subscribe("chats", () => notified++);
    cache.invalidate("chats");
    assert.equal(notified, 1);
    assert.equal(cache.getEntry("chats").stale, true);
    assert.ok(shouldFetch(cache.getEntry("chats")));
    assert.equal(cache.getEntry("messages:1").stale, false);
    cache.invalidate((key) => key.startsWith("messages:"));
    assert.equal(cache.getEntry("messages:1").stale, true);

    const d = deferred<number[]>();
    const running = cache.fetch("chats", () => d.promise);
    assert.equal(cache.getEntry("chats").stale, false, "fetching clears stale");
    assert.ok(!shouldFetch(cache.getEntry("chats")), "not while a fetch runs");
    cache.invalidate("chats");
    d.resolve([9]);
    await running;
    assert.deepEqual(cache.get("chats"), [9]);
    assert.equal(cache.getEntry("chats").stale, true, "the answer may predate the change: fetch again");
  });

  test("clear() forgets everything, and a late answer does not come back", async () => {
    const cache = new QueryCache();
    const d = deferred<string>();
    const running = cache.fetch("me", () => d.promise);
    cache.set("other", 1);
    cache.clear();
    d.resolve("previous user");
    await running;
    assert.equal(cache.get("me"), undefined);
    assert.equal(cache.get("other"), undefined);
  });

  test("an unknown key has one stable empty entry (a stable snapshot for React)", () => {
    const cache = new QueryCache();
    assert.equal(cache.getEntry("x"), cache.getEntry("y"));
    assert.ok(shouldFetch(cache.getEntry("x")));
  });

  test("useQuery renders loading first, then the cached data", () => {
    const cache = new QueryCache();
    function Chats() {
      const { data, loading } = useQuery(cache, "chats", () => Promise.resolve(["general"]));
      return createElement("p", null, loading ? "loading" : (data ?? []).join(","));
    }
    assert.equal(renderToString(createElement(Chats)), "<p>loading</p>");
    cache.set("chats", ["general", "random"]);
    assert.equal(renderToString(createElement(Chats)), "<p>general,random</p>");
  });
});

// MARK: Message pages

describe("message pages", () => {
  test("refreshNewest keeps sends in flight and messages newer than the page, drops what the page replaced", () => {
    const held = addOptimistic(
      insertMessage(appendOlderPage({ pages: [] }, page([msg(3), msg(2)])), msg(9, { senderId: other })),
      makeOptimisticMessage({ chatId, senderId: me, tempId: "t-pending", body: "pending" })
    );
    const stale = addOptimistic(held, makeOptimisticMessage({ chatId, senderId: me, tempId: "t-stored", body: "stored" }));
    const fetched = page([msg(5, { tempId: "t-stored" }), msg(4), msg(3)]);
    const merged = refreshNewest(stale, fetched);
    const all = allMessages(merged);
    assert.deepEqual(all.filter((m) => m.local === undefined).map((m) => m._id), [msg(9)._id, msg(5)._id, msg(4)._id, msg(3)._id]);
    assert.deepEqual(all.filter((m) => m.local !== undefined).map((m) => m.tempId), ["t-pending"], "the stored send is not shown twice");
    assert.equal(all.filter((m) => m._id === msg(2)._id).length, 0, "older pages start again from the fetched one");
  });

  const loaded = () => firstPage(page([msg(5), msg(4), msg(3)], "cursor-1"));

  test("appendOlderPage adds at the end without repeating messages; nextCursor follows", () => {
    let pages = loaded();
    assert.equal(nextCursor(pages), "cursor-1");
    pages = appendOlderPage(pages, page([msg(3), msg(2), msg(1)], null));
    assert.deepEqual(ids(pages), [[msg(5)._id, msg(4)._id, msg(3)._id], [msg(2)._id, msg(1)._id]]);
    assert.equal(nextCursor(pages), null);
    assert.deepEqual(
      allMessages(pages).map((m) => m.body),
      ["message 5", "message 4", "message 3", "message 2", "message 1"],
    );
    assert.equal(nextCursor({ pages: [] }), null);
    assert.deepEqual(ids(appendOlderPage({ pages: [] }, page([msg(1)]))), [[msg(1)._id]]);
  });

  test("insertMessage: new at the top of page 0, same _id replaced in place, nothing while not loaded", () => {
    const pages = loaded();
    const added = insertMessage(pages, msg(6));
    assert.deepEqual(ids(added)[0], [msg(6)._id, msg(5)._id, msg(4)._id, msg(3)._id]);
    const edited = insertMessage(added, msg(4, { body: "again" }));
    assert.deepEqual(ids(edited)[0], ids(added)[0]);
    assert.equal(edited.pages[0].messages[2].body, "again");
    const empty: MessagePages = { pages: [] };
    assert.equal(insertMessage(empty, msg(1)), empty);
    assert.equal(pages.pages[0].messages.length, 3, "the input is not mutated");
  });

  test("the server's copy replaces the optimistic one with the same tempId", () => {
    const optimistic = makeOptimisticMessage({ chatId, senderId: me, tempId: "t-1", body: "hello", createdAt: "2026-01-01T10:00:09.000Z" });
    assert.equal(optimistic._id, "temp-t-1");
    assert.equal(optimistic.local, "sending");
    let pages = addOptimistic(loaded(), optimistic);
    assert.deepEqual(ids(pages)[0][0], "temp-t-1");
    const real = msg(9, { body: "hello", tempId: "t-1" });
    pages = insertMessage(pages, real);
    assert.deepEqual(ids(pages)[0], [real._id, msg(5)._id, msg(4)._id, msg(3)._id]);
    assert.equal(pages.pages[0].messages[0].local, undefined);
    // The ack and message:new both carry it: the second changes nothing but the content.
    const again = insertMessage(pages, real);
    assert.deepEqual(ids(again), ids(pages));
  });

  test("a real copy already present and a leftover optimistic copy: the optimistic one goes", () => {
    const real = msg(9, { tempId: "t-1" });
    const stale: LocalMessage = { ...makeOptimisticMessage({ chatId, senderId: me, tempId: "t-1", body: "x" }) };
    const pages: MessagePages = { pages: [{ messages: [stale, real, msg(5)], nextCursor: null }] };
    assert.deepEqual(ids(insertMessage(pages, real)), [[real._id, msg(5)._id]]);
  });

  test("addOptimistic, markFailed, markSending, removeOptimistic", () => {
    const optimistic = makeOptimisticMessage({ chatId, senderId: me, tempId: "t-2", body: "yo" });
    let pages = addOptimistic(loaded(), optimistic);
    pages = markFailed(pages, "t-2");
    assert.equal(pages.pages[0].messages[0].local, "failed");
    assert.equal(markFailed(pages, "t-2"), pages, "no change: same object");
    assert.equal(markFailed(pages, "unknown"), pages);
    // A retry re-adds the same tempId: it replaces the failed copy instead of adding one.
    const retried = addOptimistic(pages, { ...optimistic, local: "sending" });
    assert.equal(retried.pages[0].messages.length, 4);
    assert.equal(retried.pages[0].messages[0].local, "sending");
    assert.equal(markSending(pages, "t-2").pages[0].messages[0].local, "sending");
    assert.deepEqual(ids(removeOptimistic(pages, "t-2")), ids(loaded()));
    // A real message with the same tempId is never marked: only optimistic copies are local.
    const withReal = insertMessage(pages, msg(8, { tempId: "t-2" }));
    assert.equal(markFailed(withReal, "t-2"), withReal);
    const empty: MessagePages = { pages: [] };
    assert.equal(addOptimistic(empty, optimistic), empty);
  });

  test("applyEdit replaces a loaded message and never moves its status back", () => {
    let pages = applyReceipt(loaded(), { chatId, messageIds: [msg(4)._id], userId: other }, "read", me);
    const before = pages;
    pages = applyEdit(pages, msg(4, { body: "edited", editedAt: "2026-01-01T11:00:00.000Z", status: "sent" }));
    const edited = pages.pages[0].messages[1];
    assert.equal(edited.body, "edited");
    assert.equal(edited.status, "read");
    assert.equal(applyEdit(before, msg(99)), before, "not loaded: unchanged");
    const withTemp = insertMessage(loaded(), msg(7, { tempId: "t-7" }));
    const reacted = applyEdit(withTemp, msg(7, { reactions: [{ userId: other, emoji: "👍", createdAt: "2026-01-01T10:00:10.000Z" }] }));
    assert.equal(reacted.pages[0].messages[0].tempId, "t-7", "the sender's tempId is kept");
    assert.equal(reacted.pages[0].messages[0].reactions.length, 1);
  });

  test("applyDelete removes the message", () => {
    const pages = appendOlderPage(loaded(), page([msg(2)], null));
    const deleted = applyDelete(pages, msg(2)._id);
    assert.deepEqual(ids(deleted), [[msg(5)._id, msg(4)._id, msg(3)._id], []]);
    assert.equal(applyDelete(deleted, "nope"), deleted);
  });

  test("applyReceipt moves only the caller's own messages forward, never back", () => {
    const pages = firstPage(page([msg(3), msg(2, { senderId: other }), msg(1)]));
    const receipt = (messageIds: string[], userId = other): ReceiptEvent => ({ chatId, messageIds, userId });
    const all = [msg(3)._id, msg(2)._id, msg(1)._id];
    const delivered = applyReceipt(pages, receipt(all), "delivered", me);
    assert.deepEqual(delivered.pages[0].messages.map((m) => m.status), ["delivered", "sent", "delivered"]);
    const read = applyReceipt(delivered, receipt([msg(3)._id]), "read", me);
    assert.deepEqual(read.pages[0].messages.map((m) => m.status), ["read", "sent", "delivered"]);
    const late = applyReceipt(read, receipt(all), "delivered", me);
    assert.equal(late, read, "delivered after read changes nothing");
    assert.equal(applyReceipt(pages, receipt(all, me), "read", me), pages, "the caller's own receipts change nothing");
    assert.equal(applyReceipt(pages, { chatId: "other-chat", messageIds: all, userId: other }, "read", me), pages);
  });

  test("allMessages skips duplicates across pages", () => {
    const pages: MessagePages = { pages: [page([msg(3), msg(2)]), page([msg(2), msg(1)])] };
    assert.deepEqual(
      allMessages(pages).map((m) => m._id),
      [msg(3)._id, msg(2)._id, msg(1)._id],
    );
  });

  test("newTempId is unique and within the schema's 64 characters", () => {
    const a = newTempId();
    const b = newTempId();
    assert.notEqual(a, b);
    assert.ok(a.length >= 1 && a.length <= 64);
  });
});

// MARK: Chat list

describe("chat list", () => {
  const at = (minute: number) => new Date(Date.UTC(2026, 0, 1, 12, minute)).toISOString();

  test("sortChats: pinned first, then last message (else updatedAt) newest first", () => {
    const chats = [
      chat("a", { updatedAt: at(1) }),
      chat("b", { updatedAt: at(5) }),
      chat("c", { pinned: true, updatedAt: at(0) }),
      chat("d", { updatedAt: at(2), lastMessageRef: { messageId: "x", body: "", senderId: other, createdAt: at(9) } }),
    ];
    assert.deepEqual(
      sortChats(chats).map((c) => c._id),
      ["c", "d", "b", "a"],
    );
  });

  test("upsertChat replaces or adds and keeps the order", () => {
    let chats = sortChats([chat("a", { updatedAt: at(1) }), chat("b", { updatedAt: at(2) })]);
    chats = upsertChat(chats, chat("c", { updatedAt: at(3), title: "new" }));
    assert.deepEqual(chats.map((c) => c._id), ["c", "b", "a"]);
    chats = upsertChat(chats, chat("a", { updatedAt: at(1), pinned: true }));
    assert.deepEqual(chats.map((c) => c._id), ["a", "c", "b"]);
    assert.equal(chats.length, 3);
  });

  test("bumpWithMessage updates lastMessageRef, moves the chat up and counts unread", () => {
    const chats = sortChats([chat("a", { updatedAt: at(1) }), chat("b", { updatedAt: at(2) }), chat("p", { pinned: true, updatedAt: at(0) })]);
    const incoming = msg(1, { _id: "n1", chatId: "a", senderId: other, body: "hey", createdAt: at(10) });
    const bumped = bumpWithMessage(chats, incoming, me, null);
    assert.deepEqual(bumped.map((c) => c._id), ["p", "a", "b"], "to the top, below the pinned");
    const a = bumped.find((c) => c._id === "a");
    assert.deepEqual(a?.lastMessageRef, { messageId: "n1", body: "hey", senderId: other, createdAt: at(10) });
    assert.equal(a?.unreadCount, 1);
    assert.equal(a?.updatedAt, at(10));
    assert.equal(bumpWithMessage(bumped, incoming, me, null), bumped, "the same message twice changes nothing");

    const mine = bumpWithMessage(bumped, msg(2, { _id: "n2", chatId: "b", senderId: me, createdAt: at(11) }), me, null);
    assert.equal(mine.find((c) => c._id === "b")?.unreadCount, 0, "the caller's own message is not unread");
    const open = bumpWithMessage(bumped, msg(3, { _id: "n3", chatId: "b", senderId: other, createdAt: at(12) }), me, "b");
    assert.equal(open.find((c) => c._id === "b")?.unreadCount, 0, "the open chat is being read");
    assert.equal(bumpWithMessage(bumped, msg(4, { chatId: "unknown" }), me, null), bumped, "unknown chat: fetch it");
  });

  test("bumpWithMessage: an older message counts as unread but does not replace the last one", () => {
    const chats = [chat("a", { updatedAt: at(5), lastMessageRef: { messageId: "l", body: "latest", senderId: other, createdAt: at(5) } })];
    const older = bumpWithMessage(chats, msg(1, { _id: "o", chatId: "a", senderId: other, createdAt: at(1) }), me, null);
    assert.equal(older[0].lastMessageRef?.messageId, "l");
    assert.equal(older[0].unreadCount, 1);
  });

  test("bumpWithMessage: the server's copy of the caller's send replaces the optimistic one", () => {
    const optimistic = makeOptimisticMessage({ chatId: "a", senderId: me, tempId: "t-1", body: "x", createdAt: at(9) });
    let chats = bumpWithMessage([chat("a")], optimistic, me, "a");
    assert.equal(chats[0].lastMessageRef?.messageId, "temp-t-1");
    chats = bumpWithMessage(chats, msg(1, { _id: "real", chatId: "a", tempId: "t-1", createdAt: at(8) }), me, null);
    assert.equal(chats[0].lastMessageRef?.messageId, "real", "even with an earlier server time");
    assert.equal(chats[0].unreadCount, 0);
  });

  test("clearUnread and the reducers object", () => {
    const chats = [chat("a", { unreadCount: 4 }), chat("b")];
    const cleared = clearUnread(chats, "a");
    assert.equal(cleared[0].unreadCount, 0);
    assert.equal(clearUnread(cleared, "a"), cleared);
    assert.equal(chatListReducers.upsertChat, upsertChat);
    assert.equal(chatListReducers.bumpWithMessage, bumpWithMessage);
  });
});
