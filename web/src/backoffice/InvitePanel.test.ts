import { afterEach, describe, expect, it } from "vitest";
import { setLanguage } from "../i18n";
import { mailtoHref } from "./InvitePanel";

const invite = {
  url: "https://support.example/i/inv_abc",
  token: "inv_abc",
  expires_at: "2026-12-01T10:00:00Z",
  qr_data_url: "data:image/svg+xml;base64,PHN2Zz4=",
};

afterEach(() => {
  setLanguage("de");
});

describe("the invitation e-mail", () => {
  it("carries the link and the session's number in the recipient's words", () => {
    setLanguage("en");
    const href = new URL(mailtoHref(invite, 42));
    expect(href.protocol).toBe("mailto:");
    expect(href.searchParams.get("subject")).toBe("Your video session No. 42");
    expect(href.searchParams.get("body")).toContain("https://support.example/i/inv_abc");
    setLanguage("de");
    expect(new URL(mailtoHref(invite, 42)).searchParams.get("subject")).toBe("Ihre Videositzung Nr. 42");
  });
});
