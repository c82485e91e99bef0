/** An API or network error shown in words, where the failed action was (role=alert). */

import { problemText } from "../problem-text";

export function ProblemAlert({ error, testId = "problem" }: { error: unknown; testId?: string }) {
  if (error === null || error === undefined) {
    return null;
  }
  return (
    <p class="error problem" role="alert" data-testid={testId}>
      {problemText(error)}
    </p>
  );
}
