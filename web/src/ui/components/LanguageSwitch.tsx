/**
 * Deutsch | English: switches the UI language at once and remembers the choice in
 * this browser (localStorage), over the browser's own language.
 */

import { LANGUAGE_KEY, language, setLanguage, t, type Language } from "../../i18n";

const NAMES: Record<Language, string> = { de: "Deutsch", en: "English" };
const LANGUAGES: Language[] = ["de", "en"];

/** Apply `next` to the page and remember it (private browsing may refuse storage). */
export function chooseLanguage(next: Language): void {
  setLanguage(next);
  document.documentElement.lang = next;
  try {
    localStorage.setItem(LANGUAGE_KEY, next);
  } catch {
    // Not remembered; the page still switches.
  }
}

export function LanguageSwitch({ onChange }: { onChange: (next: Language) => void }) {
  const current = language();
  return (
    <div class="lang-switch" role="group" aria-label={t("lang.label")}>
      {LANGUAGES.map((code) => (
        <button
          key={code}
          type="button"
          lang={code}
          aria-pressed={code === current}
          data-testid={`lang-${code}`}
          onClick={() => {
            chooseLanguage(code);
            onChange(code);
          }}
        >
          {NAMES[code]}
        </button>
      ))}
    </div>
  );
}
