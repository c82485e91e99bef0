/** Small hooks of the back office: load data with its error, and run an action with progress. */

import { useCallback, useContext, useEffect, useRef, useState } from "preact/hooks";
import { ApiError } from "../lib/api-client";
import { BackOfficeContext } from "./context";

/** An expired login answers 401 anywhere: back to the login form (which returns to this page). */
function useSignedOutCheck(): (error: unknown) => void {
  const bo = useContext(BackOfficeContext);
  return useCallback(
    (error: unknown) => {
      if (error instanceof ApiError && error.status === 401) {
        bo?.signedOut();
      }
    },
    [bo],
  );
}

export interface Loaded<T> {
  data: T | null;
  error: unknown;
  loading: boolean;
  reload: () => void;
  set: (data: T) => void;
}

/** Load `load()` now and whenever `deps` change; a late answer of an older load is dropped. */
export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): Loaded<T> {
  const [data, setData] = useState<T | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [loading, setLoading] = useState(true);
  const [tick, setTick] = useState(0);
  const check = useSignedOutCheck();
  const latest = useRef(load);
  latest.current = load;

  useEffect(() => {
    let current = true;
    setLoading(true);
    latest
      .current()
      .then((value) => {
        if (current) {
          setData(value);
          setError(null);
        }
      })
      .catch((reason: unknown) => {
        if (current) {
          setError(reason);
          check(reason);
        }
      })
      .finally(() => {
        if (current) {
          setLoading(false);
        }
      });
    return () => {
      current = false;
    };
  }, [...deps, tick]);

  const reload = useCallback(() => {
    setTick((n) => n + 1);
  }, []);
  return { data, error, loading, reload, set: setData };
}

export interface Action {
  busy: boolean;
  error: unknown;
  /** Run `work`; its error is kept for the page to show, and `busy` shows progress. */
  run: (work: () => Promise<unknown>) => Promise<boolean>;
  clear: () => void;
}

export function useAction(): Action {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>(null);
  const check = useSignedOutCheck();
  const run = useCallback(async (work: () => Promise<unknown>) => {
    setBusy(true);
    setError(null);
    try {
      await work();
      return true;
    } catch (reason) {
      setError(reason);
      check(reason);
      return false;
    } finally {
      setBusy(false);
    }
  }, [check]);
  const clear = useCallback(() => {
    setError(null);
  }, []);
  return { busy, error, run, clear };
}
