import { useEffect, useRef, useState, type KeyboardEvent } from "react";
import type { MediaType, Message, PresignRequest } from "../../../../Generated/typescript/types";
import { sendMessage } from "../data";
import { api, currentSocket, describe } from "../session";
import { upload } from "../upload";
import { toast } from "./Toasts";

const EMOJI = "😀 😂 🥲 😊 😍 😘 😎 🤔 😮 😢 😡 👍 👎 👏 🙏 💪 🎉 ❤️ 🔥 ✨ 🍕 ☕ 🌍 ✅".split(" ");
const TYPES: Record<string, MediaType> = {
  "image/jpeg": "image",
  "image/png": "image",
  "image/gif": "image",
  "image/webp": "image",
  "audio/mpeg": "audio",
  "audio/ogg": "audio",
  "audio/mp4": "audio",
  "application/pdf": "document",
  "application/msword": "document",
  "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "document",
};

export function Composer(props: {
  chatId: string;
  replyTo: Message | null;
  replyName: string;
  editing: Message | null;
  onDone: () => void;
}): JSX.Element {
  const [text, setText] = useState("");
  const [emoji, setEmoji] = useState(false);
  const [progress, setProgress] = useState<number | null>(null);
  const input = useRef<HTMLTextAreaElement>(null);
  const file = useRef<HTMLInputElement>(null);
  const typingSince = useRef(0);
  const stopTimer = useRef<ReturnType<typeof setTimeout>>();

  useEffect(() => {
    if (props.editing) setText(props.editing.body);
    input.current?.focus();
  }, [props.editing, props.replyTo]);

  function stopTyping(): void {
    clearTimeout(stopTimer.current);
    if (typingSince.current === 0) return;
    typingSince.current = 0;
    currentSocket()?.emit("typing:stop", { chatId: props.chatId });
  }

  function onInput(value: string): void {
    setText(value);
    // typing:start at most every 3 s (the server lets it lapse after 5), typing:stop after 3 s of quiet.
    const now = Date.now();
    if (now - typingSince.current > 3000) {
      typingSince.current = now;
      currentSocket()?.emit("typing:start", { chatId: props.chatId });
    }
    clearTimeout(stopTimer.current);
    stopTimer.current = setTimeout(stopTyping, 3000);
  }

  async function submit(): Promise<void> {
    const body = text.trim();
    if (!body) return;
    stopTyping();
    setText("");
    if (props.editing) {
      const editing = props.editing;
      props.onDone();
      try {
        await api.messages.edit(editing._id, { body });
      } catch (error) {
        toast(describe(error));
      }
      return;
    }
    const replyToId = props.replyTo?._id;
    const preview = props.replyTo ? { replyTo: { messageId: props.replyTo._id, body: props.replyTo.body, senderId: props.replyTo.senderId } } : {};
    props.onDone();
    await sendMessage(props.chatId, { body, ...(replyToId ? { replyToId } : {}), preview });
  }

  async function attach(chosen: File): Promise<void> {
    const kind = TYPES[chosen.type];
    if (!kind) {
      toast("Photos (JPEG, PNG, GIF, WebP), audio (MP3, OGG, M4A) and documents (PDF, Word) can be sent");
      return;
    }
    try {
      setProgress(0);
      const request: PresignRequest = { fileName: chosen.name, fileType: chosen.type as PresignRequest["fileType"], fileSize: chosen.size };
      const grant = await api.media.presign(request);
      await upload(grant.uploadUrl, chosen, setProgress);
      const body = text.trim();
      setText("");
      await sendMessage(props.chatId, {
        body,
        mediaId: grant.mediaId,
        preview: { media: { type: kind, url: URL.createObjectURL(chosen), mediaId: grant.mediaId } },
      });
    } catch (error) {
      toast(describe(error));
    } finally {
      setProgress(null);
      if (file.current) file.current.value = "";
    }
  }

  function onKey(event: KeyboardEvent<HTMLTextAreaElement>): void {
    if (event.key === "Enter" && !event.shiftKey) {
      event.preventDefault();
      void submit();
    } else if (event.key === "Escape" && (props.editing || props.replyTo)) {
      setText("");
      props.onDone();
    }
  }

  return (
    <footer className="composer">
      {(props.replyTo || props.editing) && (
        <div className="composer-context">
          <span>
            {props.editing ? "Editing" : `Replying to ${props.replyName}`}: <em>{(props.editing ?? props.replyTo)?.body.slice(0, 80)}</em>
          </span>
          <button type="button" aria-label="Cancel" onClick={() => (setText(""), props.onDone())}>
            ✕
          </button>
        </div>
      )}
      {progress !== null && <progress className="upload" value={progress} max={1} aria-label="Upload progress" />}
      {emoji && (
        <div className="emoji-picker" role="group" aria-label="Emoji">
          {EMOJI.map((symbol) => (
            <button
              key={symbol}
              type="button"
              aria-label={`Insert ${symbol}`}
              onClick={() => {
                setText(text + symbol);
                setEmoji(false);
                input.current?.focus();
              }}
            >
              {symbol}
            </button>
          ))}
        </div>
      )}
      <div className="composer-row">
        <button type="button" aria-label="Emoji" aria-expanded={emoji} onClick={() => setEmoji(!emoji)}>
          😊
        </button>
        <button type="button" aria-label="Attach a file" onClick={() => file.current?.click()} disabled={progress !== null}>
          📎
        </button>
        <input ref={file} id="composer-file" className="visually-hidden" aria-label="Choose a file" tabIndex={-1} type="file" accept={Object.keys(TYPES).join(",")} onChange={(event) => event.target.files?.[0] && void attach(event.target.files[0])} />
        <textarea
          id="composer-input"
          aria-label="Message"
          ref={input}
          rows={1}
          placeholder="Type a message"
          value={text}
          maxLength={10000}
          onChange={(event) => onInput(event.target.value)}
          onKeyDown={onKey}
          onBlur={stopTyping}
        />
        <button type="button" className="primary" onClick={() => void submit()} disabled={text.trim().length === 0} aria-label="Send">
          ➤
        </button>
      </div>
    </footer>
  );
}
