import { useEffect, useState } from "react";
import { navigate } from "../../lib/router";
import { toast } from "../components/Toasts";
import type { User } from "../../../../Generated/typescript/types";
import { PersonRow } from "../components/common";
import { api, describe } from "../session";

function base64UrlToBytes(text: string): Uint8Array {
  const padded = text.replace(/-/g, "+").replace(/_/g, "/") + "=".repeat((4 - (text.length % 4)) % 4);
  return Uint8Array.from(atob(padded), (char) => char.charCodeAt(0));
}

/** Push notifications through the service worker, subscribed with the server's VAPID key. */
async function currentSubscription(): Promise<PushSubscription | null> {
  if (!("serviceWorker" in navigator) || !("PushManager" in window)) return null;
  const registration = await navigator.serviceWorker.ready;
  return registration.pushManager.getSubscription();
}

export function SettingsPage(): JSX.Element {
  const supported = "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
  const [enabled, setEnabled] = useState(false);
  const [dark, setDark] = useState(document.documentElement.dataset.theme === "dark");
  const [blocked, setBlocked] = useState<User[] | null>(null);

  useEffect(() => {
    api.users
      .blocked()
      .then(({ users }) => setBlocked(users))
      .catch((error) => toast(describe(error)));
  }, []);

  async function unblock(user: User): Promise<void> {
    try {
      await api.users.unblock({ userId: user._id });
      setBlocked((list) => (list ?? []).filter((other) => other._id !== user._id));
    } catch (error) {
      toast(describe(error));
    }
  }

  useEffect(() => {
    currentSubscription()
      .then((subscription) => setEnabled(subscription !== null))
      .catch(() => undefined);
  }, []);

  async function enablePush(): Promise<void> {
    try {
      if ((await Notification.requestPermission()) !== "granted") {
        toast("Notifications are blocked for this site in the browser's settings");
        return;
      }
      const { publicKey } = await api.notifications.vapidPublicKey();
      const registration = await navigator.serviceWorker.ready;
      const subscription = await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: base64UrlToBytes(publicKey) });
      const json = subscription.toJSON();
      await api.notifications.subscribe({
        subscription: { endpoint: subscription.endpoint, keys: { p256dh: json.keys?.p256dh ?? "", auth: json.keys?.auth ?? "" } },
      });
      setEnabled(true);
    } catch (error) {
      toast(describe(error));
    }
  }

  async function disablePush(): Promise<void> {
    try {
      const subscription = await currentSubscription();
      if (subscription) {
        await api.notifications.unsubscribe({ endpoint: subscription.endpoint });
        await subscription.unsubscribe();
      }
      setEnabled(false);
    } catch (error) {
      toast(describe(error));
    }
  }

  function toggleTheme(): void {
    const next = dark ? "light" : "dark";
    document.documentElement.dataset.theme = next;
    localStorage.setItem("theme", next);
    setDark(!dark);
  }

  return (
    <main className="page">
      <button type="button" className="back-link" onClick={() => navigate("/chats")}>
        ← Chats
      </button>
      <section className="card" aria-labelledby="settings-title">
        <h1 id="settings-title">Settings</h1>
        <h2>Notifications</h2>
        {supported ? (
          <button type="button" onClick={() => void (enabled ? disablePush() : enablePush())} aria-pressed={enabled}>
            {enabled ? "Turn off push notifications" : "Turn on push notifications"}
          </button>
        ) : (
          <p>This browser cannot receive push notifications.</p>
        )}
        <h2>Blocked people</h2>
        {blocked === null ? (
          <p>Loading…</p>
        ) : blocked.length === 0 ? (
          <p>Nobody is blocked.</p>
        ) : (
          <ul className="blocked">
            {blocked.map((user) => (
              <PersonRow key={user._id} user={user}>
                <button type="button" onClick={() => void unblock(user)} aria-label={`Unblock ${user.name}`}>
                  Unblock
                </button>
              </PersonRow>
            ))}
          </ul>
        )}
        <h2>Appearance</h2>
        <button type="button" onClick={toggleTheme} aria-pressed={dark}>
          Dark theme
        </button>
      </section>
    </main>
  );
}
