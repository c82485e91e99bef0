/**
 * Web Push in this browser: the service worker (/sw.js, web/public/sw.js) and the
 * subscription with the organisation's VAPID key, made and dropped on the user's
 * click (browsers ask for the permission only then). The orchestrator keeps the
 * subscription, so the notifier reaches the employee while no page is open.
 */

import { base64UrlBytes, type PushApi } from "../lib/push-api";

export const SERVICE_WORKER_URL = "/sw.js";

/** Whether this browser can receive Web Push at all (a secure context with a push manager). */
export function pushSupported(): boolean {
  return window.isSecureContext && "serviceWorker" in navigator && "PushManager" in window && "Notification" in window;
}

/** This browser's subscription, if it has one. */
export async function currentSubscription(): Promise<PushSubscription | null> {
  const registration = await navigator.serviceWorker.getRegistration(SERVICE_WORKER_URL);
  return registration ? registration.pushManager.getSubscription() : null;
}

/** Register the worker, subscribe with the VAPID key, and hand the subscription to the server. */
export async function enablePush(api: PushApi): Promise<void> {
  const config = await api.config();
  if (!config.enabled) {
    throw new Error("push is not configured on the server");
  }
  if ((await Notification.requestPermission()) !== "granted") {
    throw new Error("notifications are not permitted");
  }
  const registration = await navigator.serviceWorker.register(SERVICE_WORKER_URL);
  await navigator.serviceWorker.ready;
  const subscription = await registration.pushManager.subscribe({
    userVisibleOnly: true,
    applicationServerKey: base64UrlBytes(config.public_key),
  });
  await api.add(subscription.toJSON());
}

/** Drop this browser's subscription here and on the server. */
export async function disablePush(api: PushApi): Promise<void> {
  const subscription = await currentSubscription();
  if (!subscription) {
    return;
  }
  const stored = (await api.subscriptions()).filter((row) => row.endpoint === subscription.endpoint);
  await Promise.all(stored.map((row) => api.remove(row.id)));
  await subscription.unsubscribe();
}
