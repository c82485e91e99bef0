/**
 * The code user's device page at /d/<code> (what the device's QR code opens): the
 * device, its assistant buttons, the request flow, and the own sessions with live
 * status, the call, the rating and the recordings. Phone first, no login: the
 * identity is a token this browser keeps.
 */

import { render } from "preact";
import { useEffect, useMemo, useState } from "preact/hooks";
import { CodeUserApi, type CodeUserSession, type OpenedDevice } from "../lib/api";
import { ApiError } from "../lib/api-client";
import { t } from "../i18n";
import { OfflineBanner } from "../ui/components/OfflineBanner";
import { PageFrame } from "../ui/components/PageFrame";
import { toast } from "../ui/dom";
import { problemText } from "../ui/problem-text";
import { Assistant } from "./Assistant";
import { OwnSessionList } from "./OwnSessionList";
import { RequestForm } from "./RequestForm";
import { useOwnSessions } from "./useOwnSessions";

type Loaded = { kind: "loading" } | { kind: "failed"; text: string } | { kind: "ready"; opened: OpenedDevice };

function Ready({ api, opened }: { api: CodeUserApi; opened: OpenedDevice }) {
  const own = useOwnSessions(api);
  const [requestOpen, setRequestOpen] = useState(false);
  const device = opened.device;

  useEffect(() => {
    document.title = `${device.name} · Fernblick`;
  }, [device.name]);

  const sent = (session: CodeUserSession) => {
    own.put(session);
    setRequestOpen(false);
    toast(t("request.sent"), "request-sent");
    // Show the new session's card (the form above it just closed).
    requestAnimationFrame(() => {
      document.querySelector(`[data-session-id="${session.id}"]`)?.scrollIntoView({ block: "nearest" });
    });
  };

  return (
    <>
      <header class="device">
        {device.picture_url && <img src={device.picture_url} alt="" class="device-picture" />}
        <div>
          <h1 data-testid="device-name">{device.name}</h1>
          <p class="muted">{[device.location, opened.organisation_name].filter(Boolean).join(" · ")}</p>
        </div>
      </header>
      {opened.token !== null && (
        <p class="notice small" data-testid="new-identity">
          {t("device.newIdentity")}
        </p>
      )}
      <OfflineBanner status={own.status} />
      <Assistant opened={opened} requestOpen={requestOpen} onRequest={() => { setRequestOpen(true); }} />
      {requestOpen && <RequestForm api={api} opened={opened} onSent={sent} onClose={() => { setRequestOpen(false); }} />}
      <OwnSessionList api={api} own={own} />
    </>
  );
}

export function DevicePage({ code }: { code: string }) {
  const api = useMemo(() => new CodeUserApi(localStorage, (input, init) => fetch(input, init)), []);
  const [loaded, setLoaded] = useState<Loaded>({ kind: "loading" });

  useEffect(() => {
    api.open(code).then(
      (opened) => {
        setLoaded({ kind: "ready", opened });
      },
      (error: unknown) => {
        const text = error instanceof ApiError && error.status === 404 ? t("device.notFound") : problemText(error);
        setLoaded({ kind: "failed", text });
      },
    );
  }, [api, code]);

  return (
    <PageFrame
      class="code-user"
      loadingText={t("device.loading")}
      failure={loaded.kind === "failed" ? loaded.text : null}
      content={loaded.kind === "ready" ? () => <Ready api={api} opened={loaded.opened} /> : null}
    />
  );
}

export function devicePage(root: HTMLElement, code: string): void {
  render(<DevicePage code={code} />, root);
}
