import { describe, expect, it } from "vitest";

import casesJson from "../../../tests/fixtures/board_merge.json?raw";
import { merge, visible, type BoardState } from "./board-merge";
import type { Element } from "./tool-messages";

interface Case {
  name: string;
  base: Element[];
  incoming: Element[];
  visible: string[];
  changed: string[];
  expect?: Record<string, [number, number]>;
}

/** The cases the Python merge passes too (tests/unit/test_board_merge.py). */
const CASES = JSON.parse(casesJson) as Case[];

describe("merge: the shared cases", () => {
  it.each(CASES.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    const board: BoardState = new Map(c.base.map((e) => [e.id, e]));
    const changed = merge(board, c.incoming);
    expect(changed.filter((e) => board.get(e.id) === e).map((e) => e.id)).toEqual(c.changed);
    expect(visible(board).map((e) => e.id)).toEqual(c.visible);
    for (const [key, [version, nonce]] of Object.entries(c.expect ?? {})) {
      expect([board.get(key)?.version, board.get(key)?.nonce]).toEqual([version, nonce]);
    }
  });
});

/** A small seeded generator, so a failure can be replayed. */
function generator(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

describe("merge: convergence", () => {
  it("ends with the same board for every order, batching and duplication", () => {
    for (let seed = 1; seed <= 200; seed += 1) {
      const random = generator(seed);
      const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;
      const edits = new Map<string, Element>();
      for (let i = 0; i < 10; i += 1) {
        const edit: Element = {
          id: pick(["a", "b", "c"]),
          version: 1 + Math.floor(random() * 4),
          nonce: Math.floor(random() * 4),
          deleted: random() < 0.3,
          shape: pick(["pen", "arrow", "rect", "text"] as const),
          role: pick(["code_user", "employee"] as const),
          points: [[random(), random()]],
          text: "",
        };
        edits.set(`${edit.id}/${edit.version}/${edit.nonce}`, edit); // one edit per nonce
      }
      const all = [...edits.values()];
      const reference: BoardState = new Map();
      merge(reference, all);
      for (let side = 0; side < 3; side += 1) {
        const order = [...all, ...all.filter(() => random() < 0.5)].sort(() => random() - 0.5);
        const board: BoardState = new Map();
        while (order.length > 0) {
          merge(board, order.splice(0, 1 + Math.floor(random() * 3)));
        }
        expect(visible(board)).toEqual(visible(reference));
        expect([...board.entries()].sort()).toEqual([...reference.entries()].sort());
      }
    }
  });
});
