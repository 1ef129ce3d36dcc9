import { useEffect } from "react";
import { Sidebar } from "../components/Sidebar";
import { ChatView } from "../components/ChatView";
import { chats, loadChats } from "../data";
import { describe } from "../session";
import { toast } from "../components/Toasts";

/** Two panes on a desktop; on a phone, the list or the open chat. */
export function ChatsPage({ openChatId }: { openChatId: string | null }): JSX.Element {
  useEffect(() => {
    loadChats().catch((error) => toast(describe(error)));
  }, []);
  useEffect(() => {
    chats.setState({ openChatId });
    return () => chats.setState({ openChatId: null });
  }, [openChatId]);
  return (
    <div className={`layout ${openChatId ? "has-chat" : "no-chat"}`}>
      <Sidebar openChatId={openChatId} />
      {openChatId ? (
        <ChatView key={openChatId} chatId={openChatId} />
      ) : (
        <main className="empty-chat" aria-label="No chat open">
          <p>Pick a chat, or search for someone to start one.</p>
        </main>
      )}
    </div>
  );
}
