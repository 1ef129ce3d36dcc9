import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "react";
import type { Message } from "../../../../Generated/typescript/types";
import { navigate } from "../../lib/router";
import { useStore } from "../../lib/store";
import { allMessages, type LocalMessage } from "../../lib/queryCache";
import { chats, loadNewest, loadOlder, loadPresence, markRead, presence, threads, typing } from "../data";
import { api, describe, ensureUsers, session, users } from "../session";
import { Avatar, chatAvatar, chatTitle, lastSeenText } from "./common";
import { Composer } from "./Composer";
import { MessageBubble } from "./MessageBubble";
import { toast } from "./Toasts";

export function ChatView({ chatId }: { chatId: string }): JSX.Element {
  const me = useStore(session, (state) => state.me?._id ?? "");
  const chat = useStore(chats, (state) => state.chats.find((c) => c._id === chatId) ?? state.archived.find((c) => c._id === chatId));
  const known = useStore(users, (state) => state);
  const thread = useStore(threads, (state) => state[chatId]);
  const typists = useStore(typing, (state) => state[chatId] ?? []);
  const other = chat?.type === "direct" ? chat.participants.find((id) => id !== me) : undefined;
  const otherPresence = useStore(presence, (state) => (other ? state[other] : undefined));
  const [replyTo, setReplyTo] = useState<Message | null>(null);
  const [editing, setEditing] = useState<Message | null>(null);
  const list = useRef<HTMLDivElement>(null);
  const stickToBottom = useRef(true);

  const messages = useMemo(() => (thread ? [...allMessages(thread.pages)].reverse() : []), [thread]);

  useEffect(() => {
    loadNewest(chatId).catch((error) => toast(describe(error)));
  }, [chatId]);
  useEffect(() => {
    if (other) loadPresence(other).catch(() => undefined);
  }, [other]);
  useEffect(() => {
    if (chat) ensureUsers(chat.participants);
  }, [chat]);

  // What is on screen is read: the messages of others this chat shows.
  useEffect(() => {
    if (document.visibilityState !== "visible") return;
    const unread = messages.filter((message) => message.senderId !== me && message.status !== "read").map((message) => message._id);
    if (unread.length > 0) markRead(chatId, unread);
  }, [messages, chatId, me]);

  // Newest at the bottom: stay there as messages arrive, unless the reader scrolled up. The list exists only once
  // the chat is known, which after a reload may be after its messages.
  const shown = chat !== undefined;
  useLayoutEffect(() => {
    const element = list.current;
    if (element && stickToBottom.current) element.scrollTop = element.scrollHeight;
  }, [messages.length, shown]);

  function onScroll(): void {
    const element = list.current;
    if (!element) return;
    stickToBottom.current = element.scrollHeight - element.scrollTop - element.clientHeight < 80;
    if (element.scrollTop < 120 && thread && thread.nextCursor !== null && !thread.loading) {
      const before = element.scrollHeight;
      loadOlder(chatId)
        .then(() => requestAnimationFrame(() => (element.scrollTop += element.scrollHeight - before)))
        .catch((error) => toast(describe(error)));
    }
  }

  async function block(userId: string, name: string): Promise<void> {
    if (!window.confirm(`Block ${name}? Neither of you can write in this chat until you unblock them in Settings.`)) return;
    try {
      await api.users.block({ userId });
      toast(`${name} is blocked`);
    } catch (error) {
      toast(describe(error));
    }
  }

  function jumpTo(messageId: string): void {
    const target = document.getElementById(`message-${messageId}`);
    if (target) {
      target.scrollIntoView({ block: "center", behavior: "smooth" });
      target.classList.add("flash");
      setTimeout(() => target.classList.remove("flash"), 1500);
    } else {
      toast("That message is further back; scroll up to load it");
    }
  }

  if (!chat) {
    return (
      <main className="chat" aria-busy="true">
        <p className="empty-chat">Loading chat…</p>
      </main>
    );
  }
  const title = chatTitle(chat, me, known);
  const typingNames = typists.map((id) => known[id]?.name ?? "Someone");
  const status =
    typingNames.length > 0
      ? `${typingNames.join(", ")} ${typingNames.length === 1 ? "is" : "are"} typing…`
      : chat.type === "group"
        ? `${chat.participants.length} members`
        : otherPresence?.online
          ? "online"
          : lastSeenText(otherPresence?.lastSeen ?? (other ? known[other]?.lastSeen : undefined));

  let lastDay = "";
  return (
    <main className="chat" aria-label={`Chat with ${title}`}>
      <header className="chat-header">
        <button type="button" className="back" onClick={() => navigate("/chats")} aria-label="Back to chats">
          ←
        </button>
        <Avatar name={title} url={chatAvatar(chat, me, known)} />
        <div>
          <h2>{title}</h2>
          <p className={`chat-status ${typingNames.length > 0 ? "typing" : ""}`} aria-live="polite">
            {status}
            {typingNames.length > 0 && <span className="dots" aria-hidden="true" />}
          </p>
        </div>
        {other && (
          <button type="button" className="block-user" onClick={() => void block(other, title)}>
            Block
          </button>
        )}
      </header>
      <div className="messages" ref={list} onScroll={onScroll} role="log" aria-label="Messages" tabIndex={0}>
        {thread?.loading && <p className="loading">Loading…</p>}
        {messages.map((message: LocalMessage) => {
          const day = new Date(message.createdAt).toDateString();
          const divider = day !== lastDay;
          lastDay = day;
          return (
            <div key={message.tempId && message.senderId === me ? `t-${message.tempId}` : message._id}>
              {divider && (
                <div className="day" role="separator">
                  {new Date(message.createdAt).toLocaleDateString([], { weekday: "long", day: "numeric", month: "long" })}
                </div>
              )}
              <MessageBubble
                message={message}
                mine={message.senderId === me}
                group={chat.type === "group"}
                senderName={known[message.senderId]?.name ?? ""}
                onReply={() => setReplyTo(message)}
                onEdit={() => setEditing(message)}
                onJump={jumpTo}
              />
            </div>
          );
        })}
      </div>
      <Composer
        chatId={chatId}
        replyTo={replyTo}
        editing={editing}
        onDone={() => {
          setReplyTo(null);
          setEditing(null);
          stickToBottom.current = true;
        }}
        replyName={replyTo ? (replyTo.senderId === me ? "You" : (known[replyTo.senderId]?.name ?? "")) : ""}
      />
    </main>
  );
}
