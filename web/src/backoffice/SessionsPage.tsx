/**
 * The sessions table: filter by status, search, sort, live updates over the
 * WebSocket; confirm and START right from a row, and create a new session.
 */

import { useEffect, useRef, useState } from "preact/hooks";
import type { SessionSummary } from "../lib/api";
import type { SortKey } from "../lib/backoffice-api";
import { SESSION_STATUSES, type SessionStatus } from "../lib/events";
import { isCallable } from "../lib/sessions";
import { applyTableEvent, upsertItem, type TableFilter } from "../lib/session-table";
import { statusLabel, t, type MessageKey } from "../i18n";
import { ProblemAlert } from "../ui/components/ProblemAlert";
import { StatusChip } from "../ui/components/StatusChip";
import { dateTime } from "../ui/format";
import { useBackOffice } from "./context";
import { CreateSessionDialog } from "./CreateSessionDialog";
import { useAction } from "./hooks";

const OPEN: SessionStatus[] = ["REQUESTED", "CONFIRMED", "RUNNING"];
const SORTS: SortKey[] = ["-created_at", "created_at", "-updated_at", "-number", "number"];
const FILTER_KEY = "fernblick.backoffice.filter";

type StatusChoice = "open" | "all" | SessionStatus;

function statusesOf(choice: StatusChoice): SessionStatus[] {
  if (choice === "open") return OPEN;
  if (choice === "all") return [];
  return [choice];
}

interface Stored {
  choice: StatusChoice;
  sort: SortKey;
  q: string;
}

/** The filter is kept for this tab, so coming back from a session keeps it. */
function storedFilter(): Stored {
  try {
    const raw = sessionStorage.getItem(FILTER_KEY);
    if (raw) {
      return JSON.parse(raw) as Stored;
    }
  } catch {
    // fall through to the default
  }
  return { choice: "open", sort: "-created_at", q: "" };
}

export function SessionsPage() {
  const bo = useBackOffice();
  const [stored, setStored] = useState<Stored>(storedFilter);
  const [query, setQuery] = useState(stored.q);
  const [items, setItems] = useState<SessionSummary[]>([]);
  const [loading, setLoading] = useState(true);
  const [loadError, setLoadError] = useState<unknown>(null);
  const [nextCursor, setNextCursor] = useState<string | null>(null);
  const [creating, setCreating] = useState(false);
  const action = useAction();
  const itemsRef = useRef(items);
  const filter: TableFilter = { statuses: statusesOf(stored.choice), q: stored.q, sort: stored.sort };
  const filterRef = useRef(filter);
  filterRef.current = filter;

  const show = (next: SessionSummary[]) => {
    itemsRef.current = next;
    setItems(next);
  };

  const [reloadTick, setReloadTick] = useState(0);
  useEffect(() => {
    sessionStorage.setItem(FILTER_KEY, JSON.stringify(stored));
    let current = true;
    setLoading(true);
    bo.api
      .sessions(filterRef.current)
      .then((page) => {
        if (current) {
          show(page.items);
          setNextCursor(page.next_cursor);
          setLoadError(null);
        }
      })
      .catch((error: unknown) => {
        if (current) setLoadError(error);
      })
      .finally(() => {
        if (current) setLoading(false);
      });
    return () => {
      current = false;
    };
  }, [bo.api, stored, reloadTick]);

  // The search box asks the server a moment after typing stops.
  useEffect(() => {
    if (query === stored.q) return;
    const timer = setTimeout(() => {
      setStored((s) => ({ ...s, q: query }));
    }, 250);
    return () => {
      clearTimeout(timer);
    };
  }, [query, stored.q]);

  useEffect(
    () =>
      bo.subscribe((event) => {
        if (event === null) {
          setReloadTick((n) => n + 1);
          return;
        }
        const outcome = applyTableEvent(itemsRef.current, event, filterRef.current);
        show(outcome.items);
        if (outcome.fetchId !== null) {
          bo.api
            .session(outcome.fetchId)
            .then((details) => {
              show(upsertItem(itemsRef.current, details, filterRef.current));
            })
            .catch(() => undefined);
        }
      }),
    [bo],
  );

  const confirm = (row: SessionSummary) => {
    void action.run(async () => {
      const details = await bo.api.confirm(row);
      show(upsertItem(itemsRef.current, details, filterRef.current));
    }).then((ok) => {
      if (!ok) setReloadTick((n) => n + 1);
    });
  };

  // The next page of the same query, merged (live events may have added some rows already).
  const more = () => {
    void action.run(async () => {
      const page = await bo.api.sessions(filterRef.current, nextCursor);
      show(page.items.reduce((rows, item) => upsertItem(rows, item, filterRef.current), itemsRef.current));
      setNextCursor(page.next_cursor);
    });
  };

  const open = (row: SessionSummary) => {
    bo.navigate({ name: "session", id: row.id, tab: "general" });
  };

  return (
    <section aria-labelledby="sessions-title">
      <div class="bo-title">
        <h1 id="sessions-title">{t("sessions.title")}</h1>
        <button type="button" class="primary" onClick={() => { setCreating(true); }} data-testid="create-session">
          {t("bo.create.button")}
        </button>
      </div>
      <form class="bo-filters" role="search" onSubmit={(e) => { e.preventDefault(); setStored((s) => ({ ...s, q: query })); }}>
        <label>
          {t("bo.table.status")}
          <select
            value={stored.choice}
            data-testid="filter-status"
            onChange={(e) => {
              const choice = e.currentTarget.value as StatusChoice;
              setStored((s) => ({ ...s, choice }));
            }}
          >
            <option value="open">{t("bo.filter.open")}</option>
            {SESSION_STATUSES.map((status) => (
              <option key={status} value={status}>
                {statusLabel(status)}
              </option>
            ))}
            <option value="all">{t("bo.filter.all")}</option>
          </select>
        </label>
        <label class="grow">
          {t("bo.filter.search")}
          <input
            type="search"
            value={query}
            placeholder={t("bo.filter.searchHint")}
            data-testid="filter-search"
            onInput={(e) => { setQuery(e.currentTarget.value); }}
          />
        </label>
        <label>
          {t("bo.filter.sort")}
          <select
            value={stored.sort}
            data-testid="sort"
            onChange={(e) => {
              const sort = e.currentTarget.value as SortKey;
              setStored((s) => ({ ...s, sort }));
            }}
          >
            {SORTS.map((sort) => (
              <option key={sort} value={sort}>
                {t(`bo.sort.${sort}` as MessageKey)}
              </option>
            ))}
          </select>
        </label>
      </form>
      <ProblemAlert error={loadError} />
      <ProblemAlert error={action.error} testId="action-problem" />
      <p class="muted small" aria-live="polite" data-testid="sessions-count">
        {loading ? t("bo.loading") : t(nextCursor ? "bo.table.countMore" : "bo.table.count", { count: items.length })}
      </p>
      {items.length === 0 && !loading ? (
        <p class="muted" data-testid="sessions-empty">
          {t("bo.table.empty")}
        </p>
      ) : (
        <table class="bo-table sessions-table" data-testid="sessions">
          <caption class="visually-hidden">{t("bo.table.caption")}</caption>
          <thead>
            <tr>
              <th scope="col">{t("bo.table.number")}</th>
              <th scope="col">{t("bo.table.title")}</th>
              <th scope="col">{t("bo.table.device")}</th>
              <th scope="col">{t("bo.table.requester")}</th>
              <th scope="col">{t("bo.table.responsible")}</th>
              <th scope="col">{t("bo.table.status")}</th>
              <th scope="col">{t("bo.table.updated")}</th>
              <th scope="col">{t("bo.table.actions")}</th>
            </tr>
          </thead>
          <tbody>
            {items.map((row) => (
              <tr key={row.id} data-testid="session" data-session-id={row.id} data-status={row.status}>
                <td data-label={t("bo.table.number")}>{row.number}</td>
                <td data-label={t("bo.table.title")}>
                  <a
                    href={`/app/sessions/${row.id}`}
                    data-testid="open-session"
                    onClick={(e) => {
                      e.preventDefault();
                      open(row);
                    }}
                  >
                    {row.title || t("sessions.number", { number: row.number })}
                  </a>
                  {row.reason && <div class="muted small clamp">{row.reason}</div>}
                </td>
                <td data-label={t("bo.table.device")}>{row.device?.name ?? ""}</td>
                <td data-label={t("bo.table.requester")}>{row.requester_name}</td>
                <td data-label={t("bo.table.responsible")}>{row.responsible.map((r) => r.name).join(", ")}</td>
                <td data-label={t("bo.table.status")}>
                  <StatusChip status={row.status} />
                </td>
                <td data-label={t("bo.table.updated")}>
                  <time dateTime={row.updated_at}>{dateTime(row.updated_at)}</time>
                </td>
                <td class="row-actions">
                  {row.status === "REQUESTED" && (
                    <button type="button" disabled={action.busy} onClick={() => { confirm(row); }} data-testid="confirm">
                      {t("sessions.confirm")}
                    </button>
                  )}
                  {isCallable(row.status) && (
                    <button type="button" class="primary" onClick={() => { bo.startCall(row.id); }} data-testid="start-call">
                      {row.status === "RUNNING" ? t("sessions.rejoin") : t("sessions.start")}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {nextCursor !== null && (
        <button type="button" onClick={more} disabled={action.busy} aria-busy={action.busy} data-testid="sessions-more">
          {action.busy ? t("bo.loading") : t("bo.table.more")}
        </button>
      )}
      {creating && (
        <CreateSessionDialog
          onClose={() => {
            setCreating(false);
          }}
        />
      )}
    </section>
  );
}
