import { describe, expect, it } from "vitest";
import { render } from "preact-render-to-string";
import { EmployeeApi } from "../../lib/api";
import { setLanguage } from "../../i18n";
import { LoginForm } from "./LoginForm";

describe("LoginForm", () => {
  it("labels its fields in the current language", () => {
    const api = new EmployeeApi(() => Promise.reject(new Error("no network in this test")));
    setLanguage("de");
    const html = render(<LoginForm api={api} onLoggedIn={() => undefined} />);
    expect(html).toContain("Passwort");
    expect(html).toContain('autocomplete="current-password"');
    setLanguage("en");
    expect(render(<LoginForm api={api} onLoggedIn={() => undefined} />)).toContain("Password");
  });
});
