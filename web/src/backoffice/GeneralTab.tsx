/** General: device, reason, requester, consent, history, recordings and screenshots, rating, invitation. */

import type { SessionDetails } from "../lib/backoffice-api";
import { statusLabel, t, type MessageKey } from "../i18n";
import { uploadStatus } from "../lib/upload-status";
import { dateTime, fileSize } from "../ui/format";
import { useBackOffice } from "./context";
import { InvitePanel } from "./InvitePanel";

export function GeneralTab({ session: s }: { session: SessionDetails }) {
  const bo = useBackOffice();
  const finished = s.status === "DONE" || s.status === "CANCELLED";
  return (
    <div class="general">
      <dl class="facts">
        <dt>{t("bo.details.device")}</dt>
        <dd data-testid="detail-device">{s.device?.name ?? t("bo.none")}</dd>
        <dt>{t("bo.details.reason")}</dt>
        <dd data-testid="detail-reason" class="prewrap">{s.reason || t("bo.none")}</dd>
        <dt>{t("bo.details.requester")}</dt>
        <dd data-testid="detail-requester">{s.requester?.name || s.requester_name || (s.requester ? t("bo.details.noName") : t("bo.none"))}</dd>
        {(s.contact || s.requester?.contact) && (
          <>
            <dt>{t("bo.details.contact")}</dt>
            <dd>{s.contact || s.requester?.contact}</dd>
          </>
        )}
        {s.labels.length > 0 && (
          <>
            <dt>{t("bo.details.labels")}</dt>
            <dd>{s.labels.join(", ")}</dd>
          </>
        )}
        <dt>{t("bo.details.created")}</dt>
        <dd>
          {dateTime(s.created_at)}
          {s.created_by ? ` · ${t("bo.details.historyBy", { name: s.created_by.name })}` : ""}
        </dd>
        <dt>{t("bo.details.consent")}</dt>
        <dd data-testid="detail-consent">
          {s.recording_consent ? t("bo.details.consentYes", { at: dateTime(s.recording_consent_at) }) : t("bo.details.consentNo")}
          {s.recording && <strong class="recording-dot"> ● {t("bo.details.recordingNow")}</strong>}
        </dd>
        {s.rating && (
          <>
            <dt>{t("bo.details.rating")}</dt>
            <dd>
              {t("bo.details.ratingValue", { stars: s.rating.stars })}
              {s.rating.comment ? ` · ${s.rating.comment}` : ""}
            </dd>
          </>
        )}
      </dl>

      {!finished && <InvitePanel sessionId={s.id} number={s.number} />}

      <h2>{t("bo.details.history")}</h2>
      <ol class="history" data-testid="history">
        {s.history.map((change, index) => (
          <li key={index} data-to={change.to_status}>
            <time dateTime={change.at}>{dateTime(change.at)}</time> · {statusLabel(change.to_status)} (
            {t(`bo.trigger.${change.trigger}` as MessageKey)}
            {change.actor_name ? `, ${t("bo.details.historyBy", { name: change.actor_name })}` : ""})
            {change.reason && <span class="muted"> · {change.reason}</span>}
          </li>
        ))}
      </ol>

      <h2>{t("bo.details.artifacts")}</h2>
      {s.artifacts.length === 0 ? (
        <p class="muted">{t("bo.details.noArtifacts")}</p>
      ) : (
        <ul class="artifacts" data-testid="artifacts">
          {s.artifacts.map((artifact) => {
            const name = t(artifact.kind === "recording" ? "bo.artifact.recording" : "bo.artifact.screenshot");
            const url = bo.api.artifactUrl(s.id, artifact.id);
            return (
              <li key={artifact.id} data-testid="artifact" data-kind={artifact.kind}>
                {artifact.kind === "screenshot" && artifact.state === "stored" && (
                  <img src={url} alt={`${name} ${dateTime(artifact.created_at)}`} class="thumb" loading="lazy" />
                )}
                <span>
                  {name} · {dateTime(artifact.created_at)} · {fileSize(artifact.size_bytes)}
                  {artifact.duration_ms !== null ? ` · ${Math.round(artifact.duration_ms / 1000)} s` : ""}
                </span>
                {artifact.state === "stored" ? (
                  <a href={url} target="_blank" rel="noopener">
                    {t("bo.artifact.open")}
                  </a>
                ) : (
                  <span class="muted" data-testid="artifact-state" data-state={artifact.state}>
                    {uploadText(artifact)}
                  </span>
                )}
              </li>
            );
          })}
        </ul>
      )}
    </div>
  );
}

/** A recording or screenshot on its way to storage: waiting, being stored (attempt), or failed. */
function uploadText(artifact: SessionDetails["artifacts"][number]): string {
  const status = uploadStatus(artifact);
  return status ? t(status.key, status.params) : t("bo.artifact.failed");
}
