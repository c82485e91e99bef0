/**
 * Recording on the call screen (docs/recording.md): a red dot at the top left on both
 * sides while a recording runs; the employee's start/stop button; and, for the code
 * user, the consent question when the organisation records and they have not agreed
 * yet (at request time or here). The state comes from the session when the screen
 * opens, then from the live events `recording.start` / `recording.stop`, which reach
 * both sides' sockets.
 */

import type { RecordingState } from "../lib/api";
import type { CallSide, LiveEvent } from "../lib/events";
import { t } from "../i18n";
import { h, toast } from "./dom";
import { problemText } from "./problem-text";
import "./recording-indicator.css";

/** The calls the indicator makes (CallApi has them). */
export interface RecordingApi {
  recordingState(sessionId: number): Promise<RecordingState>;
  startRecording(sessionId: number): Promise<unknown>;
  stopRecording(sessionId: number): Promise<unknown>;
  consentToRecording(sessionId: number): Promise<unknown>;
}

/** Whether `event` starts (true) or stops (false) a recording of `sessionId`; else null. */
export function recordingChange(event: LiveEvent, sessionId: number): boolean | null {
  if (event.payload.session.id !== sessionId) {
    return null;
  }
  return event.type === "recording.start" ? true : event.type === "recording.stop" ? false : null;
}

export class RecordingIndicator {
  /** Goes on the call screen with `CallScreen.addOverlay()`. */
  readonly node: HTMLElement;
  private readonly dot: HTMLElement;
  private readonly toggle: HTMLButtonElement;
  private readonly consent: HTMLElement;
  private running = false;
  private busy = false;

  constructor(
    private readonly api: RecordingApi,
    private readonly sessionId: number,
    private readonly side: CallSide,
  ) {
    this.dot = h("span", { class: "recording-dot", role: "status", "data-testid": "recording-dot", hidden: true });
    this.dot.setAttribute("aria-label", t("recording.on"));
    this.dot.title = t("recording.on");
    this.toggle = h("button", { type: "button", class: "recording-toggle", "data-testid": "recording-toggle", hidden: true });
    this.toggle.addEventListener("click", () => void this.startOrStop());
    const yes = h("button", { type: "button", "data-testid": "recording-consent-yes" }, t("recording.consentYes"));
    const no = h("button", { type: "button", class: "secondary", "data-testid": "recording-consent-no" }, t("recording.consentNo"));
    yes.addEventListener("click", () => void this.agree());
    no.addEventListener("click", () => {
      this.consent.hidden = true;
    });
    this.consent = h(
      "div",
      { class: "recording-consent", role: "dialog", "aria-live": "polite", "data-testid": "recording-consent", hidden: true },
      h("p", {}, t("recording.consentQuestion")),
      h("div", { class: "recording-consent-actions" }, no, yes),
    );
    this.node = h("div", { class: "recording", "data-testid": "recording" }, this.dot, this.toggle, this.consent);
  }

  /** Read the session's recording state (when the screen opens, and after a resync). */
  async refresh(): Promise<void> {
    try {
      const state = await this.api.recordingState(this.sessionId);
      this.show(state.recording !== null);
      if (this.side === "employee") {
        this.toggle.hidden = !state.recording_allowed;
      } else {
        this.consent.hidden = !state.recording_allowed || state.recording_consent;
      }
    } catch (error) {
      toast(problemText(error));
    }
  }

  /** Live events of the page's socket. */
  onEvent(event: LiveEvent): void {
    const running = recordingChange(event, this.sessionId);
    if (running !== null) {
      this.show(running);
    }
  }

  private show(running: boolean): void {
    this.running = running;
    this.dot.hidden = !running;
    this.node.dataset.recording = String(running);
    this.toggle.textContent = t(running ? "recording.stop" : "recording.start");
    this.toggle.setAttribute("aria-pressed", String(running));
  }

  private async startOrStop(): Promise<void> {
    if (this.busy) {
      return;
    }
    this.busy = true;
    this.toggle.disabled = true;
    try {
      if (this.running) {
        await this.api.stopRecording(this.sessionId);
        this.show(false);
      } else {
        await this.api.startRecording(this.sessionId);
        this.show(true);
      }
    } catch (error) {
      toast(problemText(error), "recording-error");
    } finally {
      this.busy = false;
      this.toggle.disabled = false;
    }
  }

  private async agree(): Promise<void> {
    try {
      await this.api.consentToRecording(this.sessionId);
      this.consent.hidden = true;
    } catch (error) {
      toast(problemText(error));
    }
  }
}
