/** A tiny element builder: enough for the call screen and the minimal pages. */

type Child = Node | string | null | undefined | false;
type Attrs = Record<string, string | number | boolean | null | undefined | EventListener>;

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) {
      continue;
    }
    if (typeof value === "function") {
      element.addEventListener(name.replace(/^on/, ""), value);
    } else if (value === true) {
      element.setAttribute(name, "");
    } else {
      element.setAttribute(name, String(value));
    }
  }
  for (const child of children) {
    if (child !== null && child !== undefined && child !== false) {
      element.append(child);
    }
  }
  return element;
}

export function clear(element: Element): void {
  element.replaceChildren();
}

/** A short message at the bottom of the screen. */
export function toast(text: string, testId = "toast"): void {
  const node = h("div", { class: "toast", role: "status", "data-testid": testId }, text);
  document.body.append(node);
  setTimeout(() => {
    node.remove();
  }, 6000);
}
