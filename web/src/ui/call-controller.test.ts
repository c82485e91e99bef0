import { afterEach, beforeEach, describe, expect, it } from "vitest";
import type { CallApi, CallWithTicket } from "../lib/api";
import { CallController } from "./call-controller";

/** A `calls.current` whose answers the test hands out one by one. */
class ControlledCalls {
  readonly asked: number[] = [];
  private readonly answers: ((answer: CallWithTicket | null) => void)[] = [];

  current(sessionId: number): Promise<CallWithTicket | null> {
    this.asked.push(sessionId);
    return new Promise((resolve) => this.answers.push(resolve));
  }

  answer(answer: CallWithTicket | null): void {
    const next = this.answers.shift();
    if (!next) {
      throw new Error("nobody asked");
    }
    next(answer);
  }
}

function endedCall(): CallWithTicket {
  return { call: { id: 3, state: "ended" }, ticket: null } as unknown as CallWithTicket;
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 0));

describe("CallController", () => {
  const stored = new Map<string, string>();

  beforeEach(() => {
    stored.clear();
    Object.assign(globalThis, {
      sessionStorage: {
        getItem: (key: string) => stored.get(key) ?? null,
        setItem: (key: string, value: string) => stored.set(key, value),
        removeItem: (key: string) => stored.delete(key),
      },
    });
  });

  afterEach(() => {
    Reflect.deleteProperty(globalThis, "sessionStorage");
  });

  it("asks about ringing calls only after a reload's rejoin got its ticket", async () => {
    // Asking about a running call issues a new ticket, which would revoke the rejoin's.
    stored.set("fernblick.activeCall", "7");
    const calls = new ControlledCalls();
    const controller = new CallController({
      calls: calls as unknown as CallApi,
      side: "code_user",
      cameraOn: true,
      facingMode: "environment",
      mount: {} as HTMLElement,
    });

    const resumed = controller.resume();
    const checked = controller.checkRinging([7]);
    await settle();
    expect(calls.asked).toEqual([7]); // the rejoin only

    calls.answer(endedCall());
    await resumed;
    await settle();
    expect(calls.asked).toEqual([7, 7]); // now the ringing check
    expect(stored.has("fernblick.activeCall")).toBe(false);

    calls.answer(null);
    await checked;
  });
});
