/**
 * A phone-first page: the language switch on top, then "loading", a failure in words,
 * or the content. The content is a function, so a language switch renders it afresh
 * (t() reads the current language).
 */

import type { ComponentChildren } from "preact";
import { useState } from "preact/hooks";
import { language } from "../../i18n";
import { LanguageSwitch } from "./LanguageSwitch";

export interface PageFrameProps {
  loadingText: string;
  /** Null while loading or when loaded. */
  failure: string | null;
  /** Null while loading. */
  content: (() => ComponentChildren) | null;
  class?: string;
}

export function PageFrame({ loadingText, failure, content, class: className = "" }: PageFrameProps) {
  const [, setLang] = useState(language());
  return (
    <main class={`page narrow ${className}`}>
      <div class="topbar">
        <LanguageSwitch onChange={setLang} />
      </div>
      {failure !== null ? (
        <p class="error" role="alert" data-testid="page-error">
          {failure}
        </p>
      ) : content === null ? (
        <p class="muted" role="status">
          {loadingText}
        </p>
      ) : (
        content()
      )}
    </main>
  );
}
