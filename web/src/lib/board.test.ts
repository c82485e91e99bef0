import { describe, expect, it } from "vitest";

import { BoardModel } from "./board";

function board(role: "employee" | "code_user" = "employee"): BoardModel {
  let n = 0;
  return new BoardModel("s1", 640, 360, role, () => (n += 1));
}

describe("BoardModel", () => {
  it("creates elements in its role's colour, growing while drawn", () => {
    const mine = board();
    const made = mine.create("a", "pen", [[0.1, 0.1]]);
    expect(made).toMatchObject({ id: "a", version: 1, role: "employee", deleted: false });
    const grown = mine.extend("a", [[0.1, 0.1], [0.2, 0.2]]);
    expect(grown).toMatchObject({ version: 2, points: [[0.1, 0.1], [0.2, 0.2]] });
    expect(mine.elements().map((e) => e.id)).toEqual(["a"]);
  });

  it("undoes and redoes its own steps as new versions", () => {
    const mine = board();
    mine.create("a", "rect", [[0.1, 0.1], [0.3, 0.3]]);
    mine.extend("a", [[0.1, 0.1], [0.5, 0.5]]);
    const undone = mine.undo();
    expect(undone).toMatchObject({ id: "a", version: 3, deleted: true });
    expect(mine.elements()).toEqual([]);
    const redone = mine.redo();
    expect(redone).toMatchObject({ id: "a", version: 4, deleted: false, points: [[0.1, 0.1], [0.5, 0.5]] });
    expect(mine.canRedo).toBe(false);
  });

  it("erases the other side's element and undoes the erase; their edits merge in", () => {
    const mine = board("employee");
    const theirs = board("code_user");
    const text = theirs.create("t", "text", [[0.5, 0.5]], "Ventil");
    mine.receive([text]);
    expect(mine.hit([0.51, 0.5], 0.02)?.id).toBe("t");
    const erased = mine.erase("t");
    expect(erased).toMatchObject({ version: 2, deleted: true, role: "code_user" });
    theirs.receive(erased ? [erased] : []);
    expect(theirs.elements()).toEqual([]);
    const back = mine.undo();
    expect(back).toMatchObject({ version: 3, deleted: false, text: "Ventil" });
    theirs.receive(back ? [back] : []);
    expect(theirs.elements().map((e) => e.text)).toEqual(["Ventil"]);
    expect(mine.undo()).toBeNull(); // their creation is not ours to undo
  });

  it("finds elements by their outline", () => {
    const mine = board();
    mine.create("r", "rect", [[0.2, 0.2], [0.6, 0.6]]);
    mine.create("p", "arrow", [[0.0, 0.9], [0.4, 0.9]]);
    expect(mine.hit([0.4, 0.2], 0.01)?.id).toBe("r");
    expect(mine.hit([0.4, 0.4], 0.01)).toBeNull(); // inside the rectangle, far from its edges
    expect(mine.hit([0.2, 0.905], 0.01)?.id).toBe("p");
  });
});
