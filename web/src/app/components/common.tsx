import type { ReactNode } from "react";
import type { Chat, User } from "../../../../Generated/typescript/types";

/** Initials on a colour of the name, or the picture when there is one. */
export function Avatar({ name, url, size = 40 }: { name: string; url?: string | undefined; size?: number }): JSX.Element {
  const initials = name
    .split(/\s+/)
    .filter(Boolean)
    .slice(0, 2)
    .map((part) => [...part][0]?.toUpperCase() ?? "")
    .join("");
  const hue = [...name].reduce((sum, char) => sum + (char.codePointAt(0) ?? 0), 0) % 360;
  return url ? (
    <img className="avatar" src={url} alt="" width={size} height={size} />
  ) : (
    <span className="avatar" aria-hidden="true" style={{ width: size, height: size, background: `hsl(${hue} 45% 45%)` }}>
      {initials || "?"}
    </span>
  );
}

/** A chat's title as its viewer sees it: the group's, or the other person's name. */
export function chatTitle(chat: Chat, me: string, users: Record<string, User>): string {
  if (chat.type === "group") return chat.title ?? "Group";
  const other = chat.participants.find((id) => id !== me);
  return (other && users[other]?.name) || "…";
}

export function chatAvatar(chat: Chat, me: string, users: Record<string, User>): string | undefined {
  if (chat.type === "group") return chat.avatarUrl;
  const other = chat.participants.find((id) => id !== me);
  return other ? users[other]?.avatarUrl : undefined;
}

export function shortTime(iso: string): string {
  const date = new Date(iso);
  const today = new Date();
  return date.toDateString() === today.toDateString()
    ? date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" })
    : date.toLocaleDateString([], { day: "numeric", month: "short" });
}

export function lastSeenText(lastSeen: string | undefined): string {
  if (!lastSeen) return "offline";
  return `last seen ${new Date(lastSeen).toLocaleString([], { dateStyle: "medium", timeStyle: "short" })}`;
}

/** A person in a list (search results, blocked people): picture, name, handle, then the row's actions. */
export function PersonRow({ user, children }: { user: User; children: ReactNode }): JSX.Element {
  return (
    <li className="person">
      <Avatar name={user.name} url={user.avatarUrl} size={32} />
      <span>
        {user.name} <small>@{user.username}</small>
      </span>
      {children}
    </li>
  );
}
