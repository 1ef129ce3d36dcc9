import { useEffect } from "react";
import { matchPath, navigate, useLocation } from "../lib/router";
import { useStore } from "../lib/store";
import { AuthPage } from "./pages/AuthPage";
import { ChatsPage } from "./pages/ChatsPage";
import { ProfilePage } from "./pages/ProfilePage";
import { SettingsPage } from "./pages/SettingsPage";
import { session } from "./session";
import { Toasts } from "./components/Toasts";

/** The routes of the app; the server answers index.html for each, so a reload lands on the same page. */
export function App(): JSX.Element {
  const path = useLocation();
  const phase = useStore(session, (state) => state.phase);
  const publicPage = path === "/login" || path === "/register";

  useEffect(() => {
    if (phase === "signedOut" && !publicPage) navigate("/login", { replace: true });
    if (phase === "signedIn" && (publicPage || path === "/")) navigate("/chats", { replace: true });
  }, [phase, path, publicPage]);

  let page: JSX.Element;
  if (phase === "starting") {
    page = (
      <main className="splash" aria-busy="true">
        <p>Loading…</p>
      </main>
    );
  } else if (publicPage) {
    page = <AuthPage mode={path === "/register" ? "register" : "login"} />;
  } else if (phase !== "signedIn") {
    page = <main className="splash" />;
  } else if (path === "/profile") {
    page = <ProfilePage />;
  } else if (path === "/settings") {
    page = <SettingsPage />;
  } else {
    const chat = matchPath("/chats/:id", path);
    page = <ChatsPage openChatId={chat?.id ?? null} />;
  }
  return (
    <>
      {page}
      <Toasts />
    </>
  );
}
