/** "/": where to go from here. */

import { h } from "./dom";
import { t } from "../i18n";

export function landingPage(root: HTMLElement): void {
  root.replaceChildren(
    h(
      "main",
      { class: "page narrow" },
      h("h1", {}, t("app.title")),
      h("p", {}, h("a", { href: "/app" }, t("login.title"))),
      h("p", {}, h("a", { href: "/api/docs" }, "API")),
    ),
  );
}
