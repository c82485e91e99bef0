import { afterEach, describe, expect, it } from "vitest";

import { de } from "./de";
import { en } from "./en";
import { detectLanguage, initialLanguage, setLanguage, statusLabel, t } from "./index";

afterEach(() => {
  setLanguage("de");
});

describe("i18n", () => {
  it("picks English for English browsers and German otherwise", () => {
    expect(detectLanguage("en-GB")).toBe("en");
    expect(detectLanguage("de-AT")).toBe("de");
    expect(detectLanguage("fr-FR")).toBe("de");
    expect(detectLanguage(undefined)).toBe("de");
  });

  it("keeps a language picked by hand over the browser's", () => {
    expect(initialLanguage("en", "de-DE")).toBe("en");
    expect(initialLanguage("de", "en-US")).toBe("de");
    expect(initialLanguage(null, "en-US")).toBe("en");
    expect(initialLanguage("fr", "de-DE")).toBe("de");
  });

  it("has the exact status names in both languages", () => {
    const statuses = ["REQUESTED", "CONFIRMED", "RUNNING", "DONE", "CANCELLED"] as const;
    setLanguage("de");
    expect(statuses.map(statusLabel)).toEqual(["Angefragt", "Bestätigt", "Läuft", "Fertig", "Abgebrochen"]);
    setLanguage("en");
    expect(statuses.map(statusLabel)).toEqual(["Requested", "Confirmed", "Running", "Done", "Cancelled"]);
  });

  it("fills placeholders and keeps unknown ones", () => {
    setLanguage("en");
    expect(t("incoming.from", { name: "Emil" })).toBe("Emil is calling");
    expect(t("incoming.from")).toBe("{name} is calling");
  });

  it("has every text in both languages, with the same placeholders", () => {
    expect(Object.keys(de).sort()).toEqual(Object.keys(en).sort());
    for (const key of Object.keys(en) as (keyof typeof en)[]) {
      const names = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
      expect(names(de[key]), key).toEqual(names(en[key]));
    }
  });
});
