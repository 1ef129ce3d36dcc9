// Shows Parley's Web Push messages ({title, body, icon, badge, data: {chatId, messageId}}) and opens the chat
// on click, in a window of the app when one is open.
self.addEventListener("push", (event) => {
  let payload = {};
  try {
    payload = event.data ? event.data.json() : {};
  } catch (error) {
    payload = { title: "Parley", body: event.data ? event.data.text() : "" };
  }
  const data = payload.data || {};
  event.waitUntil(
    self.registration.showNotification(payload.title || "Parley", {
      body: payload.body || "",
      icon: payload.icon || "/icon.svg",
      badge: payload.badge || "/icon.svg",
      tag: data.chatId ? `chat-${data.chatId}` : undefined,
      data,
    })
  );
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const chatId = event.notification.data && event.notification.data.chatId;
  const target = chatId ? `/chats/${chatId}` : "/chats";
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((windows) => {
      for (const client of windows) {
        if ("focus" in client) {
          client.navigate(target);
          return client.focus();
        }
      }
      return self.clients.openWindow(target);
    })
  );
});
