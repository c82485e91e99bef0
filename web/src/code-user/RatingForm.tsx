/** After the call: 1–5 stars and an optional comment for a finished session. */

import { useEffect, useRef, useState } from "preact/hooks";
import type { CodeUserApi, CodeUserSession } from "../lib/api";
import { t } from "../i18n";
import { problemText } from "../ui/problem-text";

export interface RatingFormProps {
  api: CodeUserApi;
  sessionId: number;
  /** Focus the form: the call just ended in front of the user. */
  prompt: boolean;
  onRated: (session: CodeUserSession) => void;
}

const STARS = [1, 2, 3, 4, 5];

export function RatingForm({ api, sessionId, prompt, onRated }: RatingFormProps) {
  const [stars, setStars] = useState(0);
  const [comment, setComment] = useState("");
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<string | null>(null);
  const legend = useRef<HTMLLegendElement>(null);

  useEffect(() => {
    if (prompt) {
      legend.current?.scrollIntoView({ block: "center" });
      legend.current?.focus();
    }
  }, [prompt]);

  const submit = (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setFailure(null);
    api
      .rate(sessionId, stars, comment.trim())
      .then(onRated)
      .catch((error: unknown) => {
        setFailure(problemText(error));
        setBusy(false);
      });
  };

  return (
    <form class="rating" data-testid="rating-form" onSubmit={submit} aria-busy={busy}>
      <fieldset>
        <legend ref={legend} tabIndex={-1}>
          {t("rating.title")}
        </legend>
        <div class="stars">
          {STARS.map((n) => (
            <label key={n} class={n <= stars ? "star on" : "star"} title={t("rating.star", { n })}>
              <input
                type="radio"
                name={`stars-${sessionId}`}
                value={n}
                checked={stars === n}
                required
                aria-label={t("rating.star", { n })}
                data-testid={`rating-star-${n}`}
                onChange={() => {
                  setStars(n);
                }}
              />
              <span aria-hidden="true">★</span>
            </label>
          ))}
        </div>
        <label>
          {t("rating.comment")}
          <textarea
            rows={2}
            maxLength={5000}
            value={comment}
            data-testid="rating-comment"
            onInput={(e) => {
              setComment(e.currentTarget.value);
            }}
          />
        </label>
      </fieldset>
      {failure !== null && (
        <p class="error" role="alert" data-testid="rating-error">
          {failure}
        </p>
      )}
      <button type="submit" class="primary wide" disabled={busy || stars === 0} data-testid="rating-submit">
        {busy ? t("rating.sending") : t("rating.submit")}
      </button>
    </form>
  );
}
