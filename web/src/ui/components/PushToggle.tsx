/** Turns Web Push on or off for this browser (the employee's settings; ui/push.ts). */

import { useEffect, useMemo, useState } from "preact/hooks";
import type { ApiClient } from "../../lib/api-client";
import { PushApi } from "../../lib/push-api";
import { t } from "../../i18n";
import { currentSubscription, disablePush, enablePush, pushSupported } from "../push";
import { problemText } from "../problem-text";

export function PushToggle({ http }: { http: ApiClient }) {
  const api = useMemo(() => new PushApi(http), [http]);
  const [subscribed, setSubscribed] = useState<boolean | null>(null);
  const [available, setAvailable] = useState(false);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);

  useEffect(() => {
    if (!pushSupported()) {
      return;
    }
    void Promise.all([api.config(), currentSubscription()])
      .then(([config, subscription]) => {
        setAvailable(config.enabled);
        setSubscribed(subscription !== null);
      })
      .catch((error: unknown) => {
        setFailure(problemText(error));
      });
  }, [api]);

  if (!available) {
    return <p class="muted small" data-testid="push-unavailable">{t("push.unavailable")}</p>;
  }
  const toggle = () => {
    setBusy(true);
    setFailure(null);
    (subscribed ? disablePush(api) : enablePush(api))
      .then(() => {
        setSubscribed(!subscribed);
      })
      .catch((error: unknown) => {
        setFailure(problemText(error));
      })
      .finally(() => {
        setBusy(false);
      });
  };
  return (
    <div class="push-toggle">
      <label class="inline">
        <input type="checkbox" checked={subscribed === true} disabled={busy || subscribed === null} onChange={toggle} data-testid="push-toggle" />
        {t("push.enable")}
      </label>
      {failure !== null && (
        <p class="error" role="alert">
          {failure}
        </p>
      )}
    </div>
  );
}
