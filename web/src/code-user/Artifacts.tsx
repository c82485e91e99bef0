/**
 * The recordings and screenshots of an own session. Their content is authorized by the
 * code user's token (a header, not a cookie), so it is fetched and shown from a blob.
 */

import { useEffect, useState } from "preact/hooks";
import type { ArtifactOut, CodeUserApi } from "../lib/api";
import { uploadStatus } from "../lib/upload-status";
import { language, t } from "../i18n";
import { problemText } from "../ui/problem-text";

interface Opened {
  url: string;
  type: string;
}

function size(bytes: number): string {
  const mb = bytes / 1_000_000;
  return mb >= 1 ? `${mb.toFixed(1)} MB` : `${Math.max(1, Math.round(bytes / 1000))} kB`;
}

function when(iso: string): string {
  return new Date(iso).toLocaleString(language(), { dateStyle: "short", timeStyle: "short" });
}

function Artifact({ api, sessionId, artifact }: { api: CodeUserApi; sessionId: number; artifact: ArtifactOut }) {
  const [opened, setOpened] = useState<Opened | null>(null);
  const [progress, setProgress] = useState<string | null>(null);
  const [failure, setFailure] = useState<string | null>(null);

  useEffect(
    () => () => {
      if (opened) {
        URL.revokeObjectURL(opened.url);
      }
    },
    [opened],
  );

  const open = () => {
    setFailure(null);
    setProgress("");
    api
      .artifact(sessionId, artifact.id, (loaded, total) => {
        setProgress(total ? `${Math.round((100 * loaded) / total)} %` : size(loaded));
      })
      .then((blob) => {
        setOpened({ url: URL.createObjectURL(blob), type: blob.type || artifact.content_type });
      })
      .catch((error: unknown) => {
        setFailure(problemText(error));
      })
      .finally(() => {
        setProgress(null);
      });
  };

  const label = artifact.kind === "recording" ? t("artifacts.recording") : t("artifacts.screenshot");
  const status = uploadStatus(artifact);
  return (
    <li class="artifact" data-testid="artifact" data-kind={artifact.kind}>
      <div>
        <strong>{label}</strong>{" "}
        <span class="muted small">
          {when(artifact.created_at)} · {size(artifact.size_bytes)}
        </span>
      </div>
      {artifact.state === "stored" && opened === null && (
        <button type="button" onClick={open} disabled={progress !== null} aria-busy={progress !== null} data-testid="artifact-open">
          {progress !== null ? t("artifacts.loading", { percent: progress }) : t("artifacts.open")}
        </button>
      )}
      {status !== null && (
        <p class="muted small" data-testid="artifact-state" data-state={artifact.state}>
          {t(status.key, status.params)}
        </p>
      )}
      {artifact.state === "failed" && <p class="muted small">{t("artifacts.failed")}</p>}
      {failure !== null && (
        <p class="error" role="alert">
          {failure}
        </p>
      )}
      {opened !== null && (
        <div class="artifact-view">
          {opened.type.startsWith("image/") ? (
            <img src={opened.url} alt={label} data-testid="artifact-image" />
          ) : (
            <video src={opened.url} controls playsInline data-testid="artifact-video" />
          )}
          <a href={opened.url} download class="button">
            {t("artifacts.download")}
          </a>
        </div>
      )}
    </li>
  );
}

export function Artifacts({ api, sessionId, artifacts }: { api: CodeUserApi; sessionId: number; artifacts: ArtifactOut[] }) {
  if (artifacts.length === 0) {
    return null;
  }
  return (
    <div class="artifacts">
      <h3>{t("artifacts.title")}</h3>
      <ul>
        {artifacts.map((artifact) => (
          <Artifact key={artifact.id} api={api} sessionId={sessionId} artifact={artifact} />
        ))}
      </ul>
    </div>
  );
}
