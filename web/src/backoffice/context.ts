/** What every back-office view needs: the API clients, who is logged in, navigation, live events, calls. */

import { createContext } from "preact";
import { useContext } from "preact/hooks";
import type { EmployeeApi, MeOut } from "../lib/api";
import type { BackOfficeApi } from "../lib/backoffice-api";
import type { Route } from "../lib/backoffice-routes";
import type { LiveEvent } from "../lib/events";

export type LiveListener = (event: LiveEvent | null) => void;

export interface BackOffice {
  auth: EmployeeApi;
  api: BackOfficeApi;
  me: MeOut;
  navigate: (route: Route) => void;
  /** Listen to live events; `null` after a snapshot (events may have been missed: re-fetch). */
  subscribe: (listener: LiveListener) => () => void;
  /** START (or rejoin) the session's call: the call screen opens over the page. */
  startCall: (sessionId: number) => void;
  /** The login expired (an API answer 401): show the login, then the same page again. */
  signedOut: () => void;
}

export const BackOfficeContext = createContext<BackOffice | null>(null);

export function useBackOffice(): BackOffice {
  const value = useContext(BackOfficeContext);
  if (value === null) {
    throw new Error("useBackOffice outside the back office");
  }
  return value;
}

/** Moderators and administrators may make themselves responsible for any session. */
export function isModerator(me: MeOut): boolean {
  return me.employee.role === "administrator" || me.employee.role === "moderator";
}

export function isAdministrator(me: MeOut): boolean {
  return me.employee.role === "administrator";
}
