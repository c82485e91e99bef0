/**
 * The call flow of one page (docs/calls.md): START, the incoming call with
 * accept/decline, hang-up, the end of a call announced by the server, and the
 * rejoin after a reload (the active call's session is kept in sessionStorage).
 */

import type { CallApi, CallWithTicket, JoinTicket } from "../lib/api";
import { ApiError } from "../lib/api-client";
import type { FacingMode } from "../lib/call";
import { callIdOf, ringingData, type CallSide, type LiveEvent } from "../lib/events";
import { t } from "../i18n";
import type { CallScreen } from "./call-screen";
import type { RecordingIndicator } from "./recording-indicator";
import { h, toast } from "./dom";
import { problemText } from "./problem-text";
import { Ringer } from "./ring";

const ACTIVE_CALL_KEY = "fernblick.activeCall";

export interface CallControllerOptions {
  calls: CallApi;
  side: CallSide;
  cameraOn: boolean;
  facingMode: FacingMode;
  mount: HTMLElement;
}

/** The text for an API error a person can act on. */
export function errorText(error: unknown): string {
  return problemText(error);
}

function iceTransportPolicy(): RTCIceTransportPolicy | undefined {
  // ?ice=relay forces TURN: for networks that block direct media, and for tests.
  return new URLSearchParams(location.search).get("ice") === "relay" ? "relay" : undefined;
}

export class CallController {
  private readonly options: CallControllerOptions;
  private screen: CallScreen | null = null;
  private recording: RecordingIndicator | null = null;
  private sessionId: number | null = null;
  private callId: number | null = null;
  private incoming: { sessionId: number; callId: number; node: HTMLElement } | null = null;
  private readonly ringer = new Ringer();
  /** A rejoin, START or accept in flight: it is getting a ticket (see checkRinging). */
  private pending: Promise<void> | null = null;

  constructor(options: CallControllerOptions) {
    this.options = options;
  }

  /** The session whose call is on screen, if any. */
  get activeSession(): number | null {
    return this.sessionId;
  }

  /** After a reload: rejoin the call this tab was in, when it still runs. */
  resume(): Promise<void> {
    return this.joining(() => this.rejoinStored());
  }

  /** Run a step that gets a join ticket, known as pending until it is done. */
  private joining(step: () => Promise<void>): Promise<void> {
    const run: Promise<void> = step().finally(() => {
      if (this.pending === run) {
        this.pending = null;
      }
    });
    this.pending = run;
    return run;
  }

  private async rejoinStored(): Promise<void> {
    const stored = Number(sessionStorage.getItem(ACTIVE_CALL_KEY));
    if (!stored) {
      return;
    }
    try {
      const current = await this.options.calls.current(stored);
      if (current && current.call.state !== "ended") {
        await this.show(stored, current);
        return;
      }
    } catch (error) {
      toast(errorText(error));
    }
    sessionStorage.removeItem(ACTIVE_CALL_KEY);
  }

  /**
   * Catch up with a call that rang while this page was not listening (opened or
   * reloaded during the ring, or offline for a moment): show it as incoming.
   */
  async checkRinging(sessionIds: number[]): Promise<void> {
    // Asking about a call this side may join issues a new ticket and revokes the one a
    // rejoin, START or accept is about to join with: let those finish first.
    while (this.pending !== null) {
      await this.pending.catch(() => undefined);
    }
    for (const sessionId of sessionIds) {
      if (!this.idle()) {
        return;
      }
      const current = await this.options.calls.current(sessionId).catch(() => null);
      const call = current?.call;
      if (call && call.state === "ringing" && call.started_by !== this.options.side && this.idle()) {
        this.ring(sessionId, call.id, call.caller_name);
        return;
      }
    }
  }

  private idle(): boolean {
    return this.sessionId === null && this.incoming === null && this.pending === null;
  }

  /** START: call the other side (or accept their ringing call, the server decides). */
  start(sessionId: number): Promise<void> {
    if (this.sessionId !== null) {
      return Promise.resolve();
    }
    return this.joining(() => this.startCall(sessionId));
  }

  private async startCall(sessionId: number): Promise<void> {
    try {
      await this.show(sessionId, await this.options.calls.start(sessionId));
    } catch (error) {
      if (error instanceof ApiError && error.code === "call_in_progress") {
        const current = await this.options.calls.current(sessionId);
        if (current) {
          await this.show(sessionId, current);
          return;
        }
      }
      toast(errorText(error), "call-start-error");
    }
  }

  /** Tell the orchestrator first (so it ends the call as a hang-up, not as lost media), then leave. */
  async hangup(): Promise<void> {
    const sessionId = this.sessionId;
    if (sessionId !== null) {
      sessionStorage.removeItem(ACTIVE_CALL_KEY);
      for (let attempt = 1; attempt <= 3; attempt += 1) {
        try {
          await this.options.calls.hangup(sessionId);
          break;
        } catch (error) {
          // 409: a concurrent change (e.g. Janus reporting media) won; try again on the new state.
          const retry = error instanceof ApiError && error.status === 409 && attempt < 3;
          if (!retry) {
            if (!(error instanceof ApiError && error.status === 404)) {
              toast(errorText(error));
            }
            break;
          }
        }
      }
    }
    this.close();
  }

  /** Call events from the page's live socket. */
  onEvent(event: LiveEvent): void {
    this.recording?.onEvent(event);
    const sessionId = event.payload.session.id;
    const ringing = ringingData(event);
    if (ringing) {
      if (ringing.from !== this.options.side && this.sessionId === null) {
        this.ring(sessionId, ringing.call_id, ringing.caller_name);
      }
      return;
    }
    const callId = callIdOf(event);
    if (callId === null) {
      return;
    }
    if (this.incoming && this.incoming.callId === callId && event.type !== "call.started") {
      this.stopRinging();
    }
    if (sessionId !== this.sessionId || (this.callId !== null && callId !== this.callId)) {
      return;
    }
    if (event.type === "call.declined") {
      this.close();
      toast(t("call.declined"), "call-ended-toast");
    } else if (event.type === "call.missed") {
      this.close();
      toast(t("call.missed"), "call-ended-toast");
    } else if (event.type === "call.ended") {
      this.close();
      toast(t("call.ended"), "call-ended-toast");
    }
  }

  private ring(sessionId: number, callId: number, callerName: string): void {
    this.stopRinging();
    const accept = h("button", { type: "button", class: "accept", "data-testid": "accept-call" }, t("incoming.accept"));
    const decline = h("button", { type: "button", class: "decline", "data-testid": "decline-call" }, t("incoming.decline"));
    const node = h(
      "div",
      { class: "incoming", role: "alertdialog", "aria-modal": "true", "aria-labelledby": "incoming-title", "data-testid": "incoming-call" },
      h("h2", { id: "incoming-title" }, t("incoming.title")),
      h("p", {}, t("incoming.from", { name: callerName || "Fernblick" })),
      h("div", { class: "incoming-actions" }, decline, accept),
    );
    accept.addEventListener("click", () => {
      this.stopRinging();
      void this.accept(sessionId);
    });
    decline.addEventListener("click", () => {
      this.stopRinging();
      void this.options.calls.decline(sessionId).catch((error: unknown) => {
        toast(errorText(error));
      });
    });
    this.incoming = { sessionId, callId, node };
    document.body.append(node);
    accept.focus();
    this.ringer.start();
    // While it rings, load the call code and janus.js so that accepting only has to connect.
    void import("./call-screen").then(() => import("../lib/call")).then(({ prepareCalls }) => prepareCalls());
  }

  private stopRinging(): void {
    this.ringer.stop();
    this.incoming?.node.remove();
    this.incoming = null;
  }

  private accept(sessionId: number): Promise<void> {
    return this.joining(() => this.acceptCall(sessionId));
  }

  private async acceptCall(sessionId: number): Promise<void> {
    try {
      await this.show(sessionId, await this.options.calls.accept(sessionId));
    } catch (error) {
      toast(errorText(error), "call-start-error");
    }
  }

  private async show(sessionId: number, { call, ticket }: CallWithTicket): Promise<void> {
    this.screen?.close();
    this.sessionId = sessionId;
    this.callId = call.id;
    sessionStorage.setItem(ACTIVE_CALL_KEY, String(sessionId));
    // The call code (janus.js, webrtc-adapter) loads only when a call starts.
    const { CallScreen } = await import("./call-screen");
    if (this.sessionId !== sessionId) {
      return;
    }
    this.screen = new CallScreen({
      ticket,
      side: this.options.side,
      sessionId,
      toolsUrl: this.options.calls.toolsUrl(location.origin),
      calls: this.options.calls,
      cameraOn: this.options.cameraOn,
      facingMode: this.options.facingMode,
      iceTransportPolicy: iceTransportPolicy(),
      refreshTicket: async (): Promise<JoinTicket | null> => {
        const current = await this.options.calls.current(sessionId);
        return current && current.call.state !== "ended" ? current.ticket : null;
      },
      onHangup: () => {
        void this.hangup();
      },
      onFailed: () => {
        // The screen stays up with the error; its hang-up button closes it.
        sessionStorage.removeItem(ACTIVE_CALL_KEY);
      },
    });
    this.screen.open(this.options.mount);
    const screen = this.screen;
    const { RecordingIndicator } = await import("./recording-indicator");
    if (this.screen === screen) {
      this.recording = new RecordingIndicator(this.options.calls, sessionId, this.options.side);
      screen.addOverlay(this.recording.node);
      void this.recording.refresh();
    }
  }

  private close(): void {
    this.screen?.close();
    this.screen = null;
    this.recording = null;
    this.sessionId = null;
    this.callId = null;
    sessionStorage.removeItem(ACTIVE_CALL_KEY);
  }
}
