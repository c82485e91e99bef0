/** The live connection's state: a banner while it is lost and being re-established. */

import type { SocketStatus } from "../../lib/socket";
import { t } from "../../i18n";

export function OfflineBanner({ status }: { status: SocketStatus }) {
  if (status !== "offline") {
    return null;
  }
  return (
    <div class="offline" role="status" data-testid="offline">
      {t("app.offline")}
    </div>
  );
}
