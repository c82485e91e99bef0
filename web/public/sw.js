/*
 * Fernblick's service worker: shows the notifier's Web Push messages while no
 * Fernblick page is open (notifier/channels/web_push.py sends {title, body, url, ...})
 * and opens the session on a click. Served at /sw.js so that its scope is the whole app.
 */

self.addEventListener("push", (event) => {
  let message = { title: "Fernblick", body: "", url: "/app", id: null };
  try {
    message = { ...message, ...event.data.json() };
  } catch {
    // Not JSON: show the text as it is.
    message.body = event.data ? event.data.text() : "";
  }
  event.waitUntil(
    self.registration.showNotification(message.title, {
      body: message.body,
      tag: message.id ? `fernblick-${message.id}` : undefined,
      data: { url: message.url },
    }),
  );
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const url = new URL(event.notification.data?.url || "/app", self.location.origin).href;
  event.waitUntil(
    self.clients.matchAll({ type: "window", includeUncontrolled: true }).then((windows) => {
      const open = windows.find((client) => client.url === url);
      return open ? open.focus() : self.clients.openWindow(url);
    }),
  );
});
