/**
 * Browser notifications for new requests: permission is asked only on a tap (browsers
 * ignore requests without one); the button then says whether they are on or blocked.
 */

import { useState } from "preact/hooks";
import { t } from "../i18n";

type Permission = NotificationPermission | "unsupported";

function current(): Permission {
  return "Notification" in window ? Notification.permission : "unsupported";
}

export function NotificationButton() {
  const [permission, setPermission] = useState<Permission>(current());
  if (permission === "unsupported") {
    return null;
  }
  if (permission !== "default") {
    return (
      <p class="small notification-state" role="status" data-testid="notifications-state">
        {permission === "granted" ? t("mobile.notificationsOn") : t("mobile.notificationsBlocked")}
      </p>
    );
  }
  return (
    <button
      type="button"
      class="notify-button"
      data-testid="notifications-ask"
      onClick={() => {
        void Notification.requestPermission().then(setPermission);
      }}
    >
      {t("mobile.notificationsAsk")}
    </button>
  );
}
