/** The employee's Web Push registration (docs/notifications.md): the VAPID key and this browser's subscription. */

import type { ApiClient } from "./api-client";

export interface PushConfig {
  enabled: boolean;
  /** VAPID public key, base64url: the `applicationServerKey`. */
  public_key: string;
}

export interface PushSubscriptionOut {
  id: number;
  endpoint: string;
  created_at: string;
}

export class PushApi {
  constructor(private readonly http: ApiClient) {}

  config(): Promise<PushConfig> {
    return this.http.request("GET", "/api/me/push-config");
  }

  subscriptions(): Promise<PushSubscriptionOut[]> {
    return this.http.request("GET", "/api/me/push-subscriptions");
  }

  /** `subscription` is the browser's `PushSubscription.toJSON()`. */
  add(subscription: PushSubscriptionJSON): Promise<PushSubscriptionOut> {
    return this.http.request("POST", "/api/me/push-subscriptions", { body: subscription });
  }

  remove(id: number): Promise<void> {
    return this.http.request("DELETE", `/api/me/push-subscriptions/${id}`);
  }
}

/** The bytes of a base64url string (the VAPID key as `PushManager.subscribe` wants it). */
export function base64UrlBytes(text: string): Uint8Array<ArrayBuffer> {
  const base64 = text.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(text.length / 4) * 4, "=");
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i += 1) {
    bytes[i] = binary.charCodeAt(i);
  }
  return bytes;
}
