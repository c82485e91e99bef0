/** The notifier's in-app messages as browser notifications (the Notification API). */

import type { InAppNotification } from "../lib/events";

/** Ask for permission once, from a user gesture (browsers ignore requests without one). */
export function askForNotifications(): void {
  if ("Notification" in window && Notification.permission === "default") {
    void Notification.requestPermission();
  }
}

/** Show `notification`; a click opens its session. Without permission the list alone shows it. */
export function showNotification(notification: InAppNotification): void {
  if (!("Notification" in window) || Notification.permission !== "granted") {
    return;
  }
  const shown = new Notification(notification.title, {
    body: notification.body,
    tag: `fernblick-${notification.id}`,
  });
  shown.onclick = () => {
    window.focus();
    location.assign(notification.url);
    shown.close();
  };
}
