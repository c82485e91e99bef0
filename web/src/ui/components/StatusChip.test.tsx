import { describe, expect, it } from "vitest";
import { render } from "preact-render-to-string";
import { setLanguage } from "../../i18n";
import { StatusChip } from "./StatusChip";

describe("StatusChip", () => {
  it("shows the exact German and English names", () => {
    setLanguage("de");
    expect(render(<StatusChip status="REQUESTED" />)).toContain("Angefragt");
    setLanguage("en");
    expect(render(<StatusChip status="DONE" />)).toContain("Done");
  });
});
