import { useEffect, useState } from "react";
import type { Chat, User } from "../../../../Generated/typescript/types";
import { navigate } from "../../lib/router";
import { useStore } from "../../lib/store";
import { upsertChat } from "../../lib/queryCache";
import { chats } from "../data";
import { api, describe, logout, rememberUsers, session, users } from "../session";
import { Avatar, chatAvatar, chatTitle, PersonRow, shortTime } from "./common";
import { toast } from "./Toasts";

export function Sidebar({ openChatId }: { openChatId: string | null }): JSX.Element {
  const me = useStore(session, (state) => state.me);
  const socket = useStore(session, (state) => state.socket);
  const list = useStore(chats, (state) => state.chats);
  const archived = useStore(chats, (state) => state.archived);
  const known = useStore(users, (state) => state);
  const [showArchived, setShowArchived] = useState(false);
  const [query, setQuery] = useState("");
  const [found, setFound] = useState<User[]>([]);
  const [picked, setPicked] = useState<User[]>([]);
  const [groupTitle, setGroupTitle] = useState("");

  // Search as the person types, once they pause.
  useEffect(() => {
    const text = query.trim();
    if (text.length === 0) {
      setFound([]);
      return;
    }
    const timer = setTimeout(() => {
      api.users
        .search({ q: text.slice(0, 64), limit: 10 })
        .then(({ users: result }) => {
          rememberUsers(result);
          setFound(result);
        })
        .catch((error) => toast(describe(error)));
    }, 250);
    return () => clearTimeout(timer);
  }, [query]);

  async function open(chat: Chat): Promise<void> {
    chats.setState((state) => ({ chats: upsertChat(state.chats, chat) }));
    setQuery("");
    setPicked([]);
    setGroupTitle("");
    navigate(`/chats/${chat._id}`);
  }

  async function startDirect(user: User): Promise<void> {
    try {
      const { chat } = await api.chats.create({ type: "direct", participantIds: [user._id] });
      await open(chat);
    } catch (error) {
      toast(describe(error));
    }
  }

  async function createGroup(): Promise<void> {
    try {
      const { chat } = await api.chats.create({ type: "group", participantIds: picked.map((user) => user._id), title: groupTitle.trim() });
      await open(chat);
    } catch (error) {
      toast(describe(error));
    }
  }

  async function toggle(chat: Chat, what: "pin" | "archive"): Promise<void> {
    try {
      let updated: Chat;
      if (what === "pin") {
        await api.chats.pin(chat._id, { pinned: !chat.pinned });
        updated = { ...chat, pinned: !chat.pinned };
      } else {
        await api.chats.archive(chat._id, { archived: !chat.archived });
        updated = { ...chat, archived: !chat.archived };
      }
      chats.setState((state) =>
        updated.archived
          ? { archived: upsertChat(state.archived, updated), chats: state.chats.filter((other) => other._id !== updated._id) }
          : { chats: upsertChat(state.chats, updated), archived: state.archived.filter((other) => other._id !== updated._id) }
      );
    } catch (error) {
      toast(describe(error));
    }
  }

  const myId = me?._id ?? "";
  const item = (chat: Chat) => {
    const title = chatTitle(chat, myId, known);
    const last = chat.lastMessageRef;
    const sender = last && last.senderId === myId ? "You: " : "";
    return (
      <li key={chat._id} className={`chat-item ${chat._id === openChatId ? "active" : ""}`}>
        <a
          href={`/chats/${chat._id}`}
          aria-current={chat._id === openChatId ? "page" : undefined}
          onClick={(event) => {
            event.preventDefault();
            navigate(`/chats/${chat._id}`);
          }}
        >
          <Avatar name={title} url={chatAvatar(chat, myId, known)} />
          <span className="chat-text">
            <span className="chat-title">
              {chat.pinned && <span aria-label="Pinned">📌 </span>}
              {title}
            </span>
            <span className="chat-preview">{last ? sender + (last.body || "📎 Attachment") : "No messages yet"}</span>
          </span>
          <span className="chat-meta">
            {last && <time dateTime={last.createdAt}>{shortTime(last.createdAt)}</time>}
            {chat.unreadCount > 0 && (
              <span className="badge" aria-label={`${chat.unreadCount} unread`}>
                {chat.unreadCount}
              </span>
            )}
          </span>
        </a>
        <span className="chat-actions">
          <button type="button" onClick={() => void toggle(chat, "pin")} aria-label={chat.pinned ? `Unpin ${title}` : `Pin ${title}`}>
            {chat.pinned ? "Unpin" : "Pin"}
          </button>
          <button type="button" onClick={() => void toggle(chat, "archive")} aria-label={chat.archived ? `Unarchive ${title}` : `Archive ${title}`}>
            {chat.archived ? "Unarchive" : "Archive"}
          </button>
        </span>
      </li>
    );
  };

  return (
    <aside className="sidebar" aria-label="Chats">
      <header className="sidebar-header">
        <h1 className="app-name">Parley</h1>
        <Avatar name={me?.name ?? "?"} url={me?.avatarUrl} size={36} />
        <strong className="me-name">{me?.name}</strong>
        <nav aria-label="Account">
          <a href="/profile" onClick={(event) => (event.preventDefault(), navigate("/profile"))}>
            Profile
          </a>
          <a href="/settings" onClick={(event) => (event.preventDefault(), navigate("/settings"))}>
            Settings
          </a>
          <button type="button" onClick={() => void logout()}>
            Sign out
          </button>
        </nav>
      </header>
      {socket !== "connected" && <ConnectionBanner status={socket} />}
      <div className="search">
        <input id="user-search" type="search" aria-label="Search people" placeholder="Search people" value={query} onChange={(event) => setQuery(event.target.value)} />
      </div>
      {found.length > 0 && (
        <section aria-label="People found" className="found">
          <ul>
            {found.map((user) => (
              <PersonRow key={user._id} user={user}>
                <button type="button" onClick={() => void startDirect(user)} aria-label={`Message ${user.name}`}>
                  Message
                </button>
                <button
                  type="button"
                  aria-pressed={picked.some((other) => other._id === user._id)}
                  onClick={() =>
                    setPicked(picked.some((other) => other._id === user._id) ? picked.filter((other) => other._id !== user._id) : [...picked, user])
                  }
                  aria-label={`Add ${user.name} to a new group`}
                >
                  + Group
                </button>
              </PersonRow>
            ))}
          </ul>
        </section>
      )}
      {picked.length > 0 && (
        <form
          className="new-group"
          aria-label="New group"
          onSubmit={(event) => {
            event.preventDefault();
            void createGroup();
          }}
        >
          <p>With {picked.map((user) => user.name).join(", ")}</p>
          <label className="field">
            <span>Group name</span>
            <input value={groupTitle} onChange={(event) => setGroupTitle(event.target.value)} maxLength={100} required />
          </label>
          <button type="submit" className="primary" disabled={groupTitle.trim().length === 0}>
            Create group
          </button>
        </form>
      )}
      <ul className="chat-list" aria-label="Chat list">
        {list.map(item)}
      </ul>
      {archived.length > 0 && (
        <section className="archived">
          <button type="button" aria-expanded={showArchived} onClick={() => setShowArchived(!showArchived)}>
            Archived ({archived.length})
          </button>
          {showArchived && <ul className="chat-list">{archived.map(item)}</ul>}
        </section>
      )}
    </aside>
  );
}

function ConnectionBanner({ status }: { status: string }): JSX.Element {
  return (
    <div className="banner" role="status">
      {status === "failed" ? (
        <>
          Disconnected.{" "}
          <button type="button" onClick={() => import("../session").then(({ currentSocket }) => currentSocket()?.reconnectNow())}>
            Reconnect
          </button>
        </>
      ) : (
        "Connecting…"
      )}
    </div>
  );
}
