/**
 * A modal dialog on the native <dialog> element: the browser traps focus, Escape
 * closes it, and focus returns to where it was when it closes.
 */

import { useEffect, useRef } from "preact/hooks";
import type { ComponentChildren } from "preact";
import { t } from "../../i18n";

export interface DialogProps {
  title: string;
  onClose: () => void;
  children: ComponentChildren;
  testId?: string;
}

export function Dialog({ title, onClose, children, testId }: DialogProps) {
  const ref = useRef<HTMLDialogElement>(null);
  const latestClose = useRef(onClose);
  latestClose.current = onClose;

  useEffect(() => {
    const dialog = ref.current;
    const opener = document.activeElement instanceof HTMLElement ? document.activeElement : null;
    if (dialog && !dialog.open) {
      dialog.showModal();
    }
    const closed = () => {
      latestClose.current();
    };
    dialog?.addEventListener("close", closed);
    return () => {
      dialog?.removeEventListener("close", closed);
      if (dialog?.open) {
        dialog.close();
      }
      opener?.focus();
    };
  }, []);

  return (
    <dialog ref={ref} class="dialog" aria-labelledby="dialog-title" data-testid={testId}>
      <header class="dialog-head">
        <h2 id="dialog-title">{title}</h2>
        <button type="button" class="link" onClick={onClose} data-testid="dialog-close">
          {t("bo.close")}
        </button>
      </header>
      {children}
    </dialog>
  );
}
