/**
 * The deterministic merge of screenshot annotations (pure): the mirror of
 * orchestrator/realtime/board_merge.py. Of two versions of one element the higher
 * (version, nonce) wins, so every side converges whatever the order of arrival.
 * Both merges are checked against tests/fixtures/board_merge.json.
 */

import type { Element } from "./tool-messages";

export type BoardState = Map<string, Element>;

/** Whether `candidate` replaces `current` (a missing element always loses). */
export function wins(candidate: Element, current: Element | undefined): boolean {
  if (current === undefined) {
    return true;
  }
  if (candidate.version !== current.version) {
    return candidate.version > current.version;
  }
  return candidate.nonce > current.nonce;
}

/** Apply `incoming` to `board` in place; the elements that changed it. */
export function merge(board: BoardState, incoming: Iterable<Element>): Element[] {
  const changed: Element[] = [];
  for (const element of incoming) {
    if (wins(element, board.get(element.id))) {
      board.set(element.id, element);
      changed.push(element);
    }
  }
  return changed;
}

/** The elements to draw, in a stable order (by id; erased ones left out). */
export function visible(board: BoardState): Element[] {
  return [...board.keys()]
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    .map((key) => board.get(key))
    .filter((element): element is Element => element !== undefined && !element.deleted);
}
