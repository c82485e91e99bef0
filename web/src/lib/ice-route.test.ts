import { describe, expect, it } from "vitest";

import { selectedCandidateType } from "./ice-route";

function stats(entries: [string, object][]): Map<string, unknown> {
  return new Map(entries);
}

describe("selectedCandidateType", () => {
  it("follows transport → selected pair → local candidate", () => {
    const report = stats([
      ["T1", { type: "transport", selectedCandidatePairId: "P1" }],
      ["P1", { type: "candidate-pair", localCandidateId: "L1" }],
      ["L1", { type: "local-candidate", candidateType: "relay" }],
      ["L2", { type: "local-candidate", candidateType: "host" }],
    ]);
    expect(selectedCandidateType(report)).toBe("relay");
  });

  it("is null before a pair is selected", () => {
    expect(selectedCandidateType(stats([["T1", { type: "transport" }]]))).toBeNull();
    expect(selectedCandidateType(stats([["T1", { type: "transport", selectedCandidatePairId: "P9" }]]))).toBeNull();
  });
});
