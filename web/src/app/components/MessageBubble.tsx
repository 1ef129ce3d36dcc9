import { useState, type ReactNode } from "react";
import type { LinkPreview } from "../../../../Generated/typescript/types";
import { applyDelete, QueryCache, useQuery, type LocalMessage } from "../../lib/queryCache";
import { retrySend, threads } from "../data";
import { api, currentSocket, describe, session } from "../session";
import { toast } from "./Toasts";

const QUICK_REACTIONS = ["👍", "❤️", "😂", "😮", "😢", "🙏"];
const URL_PATTERN = /\bhttps?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)\]]/g;

/** Text as text: links become anchors, nothing is ever parsed as HTML. */
function linkify(text: string): ReactNode[] {
  const parts: ReactNode[] = [];
  let last = 0;
  for (const match of text.matchAll(URL_PATTERN)) {
    const start = match.index ?? 0;
    if (start > last) parts.push(text.slice(last, start));
    parts.push(
      <a key={start} href={match[0]} target="_blank" rel="noopener noreferrer">
        {match[0]}
      </a>
    );
    last = start + match[0].length;
  }
  if (last < text.length) parts.push(text.slice(last));
  return parts;
}

/** Link previews, fetched once per URL for every bubble that shows it (the server caches them a day too). */
const previews = new QueryCache();

function usePreview(text: string): LinkPreview | null {
  const url = text.match(URL_PATTERN)?.[0] ?? "";
  const { data } = useQuery(previews, url, () => api.media.linkPreview({ url }), { enabled: url !== "" });
  return url ? (data ?? null) : null;
}

function Ticks({ message }: { message: LocalMessage }): JSX.Element {
  if (message.local === "sending") return <span className="ticks" aria-label="Sending">🕓</span>;
  const label = { sent: "Sent", delivered: "Delivered", read: "Read" }[message.status];
  return (
    <span className={`ticks ${message.status}`} aria-label={label} title={label}>
      {message.status === "sent" ? "✓" : "✓✓"}
    </span>
  );
}

export function MessageBubble(props: {
  message: LocalMessage;
  mine: boolean;
  group: boolean;
  senderName: string;
  onReply: () => void;
  onEdit: () => void;
  onJump: (messageId: string) => void;
}): JSX.Element {
  const { message, mine } = props;
  const [menu, setMenu] = useState(false);
  const preview = usePreview(message.media ? "" : message.body);
  const local = message.local !== undefined;

  async function react(emoji: string): Promise<void> {
    setMenu(false);
    const me = session.getState().me?._id;
    const mineAlready = message.reactions.some((reaction) => reaction.emoji === emoji && reaction.userId === me);
    try {
      const ack = await currentSocket()?.emitWithAck("reaction:set", { messageId: message._id, emoji: mineAlready ? "" : emoji });
      if (ack && !ack.ok) toast(ack.error?.message ?? "Could not react");
    } catch (error) {
      toast(describe(error));
    }
  }

  async function remove(forEveryone: boolean): Promise<void> {
    setMenu(false);
    try {
      await api.messages.delete(message._id, { forEveryone });
      if (!forEveryone) {
        // Only the caller's copy goes: no event tells the others.
        threads.setState((all) => {
          const thread = all[message.chatId];
          return thread ? { [message.chatId]: { ...thread, pages: applyDelete(thread.pages, message._id) } } : {};
        });
      }
    } catch (error) {
      toast(describe(error));
    }
  }

  const reactions = new Map<string, number>();
  for (const reaction of message.reactions) reactions.set(reaction.emoji, (reactions.get(reaction.emoji) ?? 0) + 1);
  const canDeleteForEveryone = mine && Date.now() - new Date(message.createdAt).getTime() < 3600_000;

  return (
    <div id={`message-${message._id}`} className={`bubble-row ${mine ? "mine" : "theirs"}`}>
      <article className={`bubble ${message.local ?? ""}`} aria-label={`${mine ? "You" : props.senderName}: ${message.body || "attachment"}`}>
        {props.group && !mine && <div className="sender">{props.senderName}</div>}
        {message.replyTo && (
          <button type="button" className="quote" onClick={() => props.onJump(message.replyTo?.messageId ?? "")} aria-label="Show the original message">
            {message.replyTo.body || "Attachment"}
          </button>
        )}
        {message.media?.type === "image" && (
          <a href={message.media.url} target="_blank" rel="noopener noreferrer">
            <img className="media-image" src={message.media.url} alt="Shared image" loading="lazy" />
          </a>
        )}
        {message.media?.type === "audio" && <audio className="media-audio" controls src={message.media.url} aria-label="Voice message" />}
        {message.media?.type === "document" && (
          <a className="media-document" href={message.media.url} target="_blank" rel="noopener noreferrer" download>
            📄 Document
          </a>
        )}
        {message.body && <p className="text">{linkify(message.body)}</p>}
        {preview && (preview.title || preview.description) && (
          <a className="preview" href={preview.url} target="_blank" rel="noopener noreferrer">
            {preview.image && <img src={preview.image} alt="" loading="lazy" />}
            <strong>{preview.title}</strong>
            {preview.description && <span>{preview.description}</span>}
          </a>
        )}
        <footer className="meta">
          {message.editedAt && <span className="edited">edited</span>}
          <time dateTime={message.createdAt}>{new Date(message.createdAt).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })}</time>
          {mine && <Ticks message={message} />}
        </footer>
        {message.local === "failed" && (
          <button type="button" className="retry" onClick={() => message.tempId && retrySend(message.tempId)}>
            Failed — retry
          </button>
        )}
        {reactions.size > 0 && (
          <div className="reactions" aria-label="Reactions">
            {[...reactions].map(([emoji, count]) => (
              <button key={emoji} type="button" onClick={() => void react(emoji)} aria-label={`${emoji} ${count}`}>
                {emoji} {count > 1 ? count : ""}
              </button>
            ))}
          </div>
        )}
      </article>
      {!local && (
        <div className="bubble-menu">
          <button type="button" aria-haspopup="true" aria-expanded={menu} aria-label="Message actions" onClick={() => setMenu(!menu)}>
            ⋯
          </button>
          {menu && (
            <div className="menu" role="menu">
              <div className="quick-reactions" role="group" aria-label="React">
                {QUICK_REACTIONS.map((emoji) => (
                  <button key={emoji} type="button" role="menuitem" aria-label={`React ${emoji}`} onClick={() => void react(emoji)}>
                    {emoji}
                  </button>
                ))}
              </div>
              <button type="button" role="menuitem" onClick={() => (setMenu(false), props.onReply())}>
                Reply
              </button>
              {mine && !message.media && (
                <button type="button" role="menuitem" onClick={() => (setMenu(false), props.onEdit())}>
                  Edit
                </button>
              )}
              <button type="button" role="menuitem" onClick={() => void remove(false)}>
                Delete for me
              </button>
              {canDeleteForEveryone && (
                <button type="button" role="menuitem" onClick={() => void remove(true)}>
                  Delete for everyone
                </button>
              )}
            </div>
          )}
        </div>
      )}
    </div>
  );
}
