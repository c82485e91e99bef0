/**
 * German and English UI text. The language comes from the employee's setting or,
 * for code users, from navigator.language; German is the fallback for anything else
 * than English.
 */

import type { SessionStatus } from "../lib/events";
import { de } from "./de";
import { en, type Messages } from "./en";

export type Language = "de" | "en";
export type MessageKey = keyof Messages;

const catalogs: Record<Language, Messages> = { de, en };
let current: Language = "de";

export function detectLanguage(browserLanguage: string | undefined): Language {
  return browserLanguage?.toLowerCase().startsWith("en") ? "en" : "de";
}

/** Where a language picked by hand is remembered (localStorage). */
export const LANGUAGE_KEY = "fernblick.language";

/** The language picked by hand on this browser, if any (storage may be refused). */
export function storedLanguage(): Language | null {
  try {
    const stored = localStorage.getItem(LANGUAGE_KEY);
    return stored === "de" || stored === "en" ? stored : null;
  } catch {
    return null;
  }
}

/** The language to start with: the one picked by hand before, else the browser's. */
export function initialLanguage(stored: string | null, browserLanguage: string | undefined): Language {
  return stored === "de" || stored === "en" ? stored : detectLanguage(browserLanguage);
}

export function setLanguage(language: Language): void {
  current = language;
}

export function language(): Language {
  return current;
}

/** The text for `key`, with `{name}` placeholders filled from `vars`. */
export function t(key: MessageKey, vars: Record<string, string | number> = {}): string {
  return catalogs[current][key].replace(/\{(\w+)\}/g, (match, name: string) =>
    name in vars ? String(vars[name]) : match,
  );
}

const STATUS_KEYS: Record<SessionStatus, MessageKey> = {
  REQUESTED: "status.REQUESTED",
  CONFIRMED: "status.CONFIRMED",
  RUNNING: "status.RUNNING",
  DONE: "status.DONE",
  CANCELLED: "status.CANCELLED",
};

export function statusLabel(status: SessionStatus): string {
  return t(STATUS_KEYS[status]);
}
