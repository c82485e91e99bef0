/** Dates and sizes as the current UI language writes them. */

import { language } from "../i18n";

export function dateTime(iso: string | null | undefined): string {
  if (!iso) {
    return "";
  }
  return new Date(iso).toLocaleString(language() === "de" ? "de-DE" : "en-GB", { dateStyle: "medium", timeStyle: "short" });
}

export function fileSize(bytes: number): string {
  if (bytes < 1024 * 1024) {
    return `${Math.max(1, Math.round(bytes / 1024))} KB`;
  }
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}
