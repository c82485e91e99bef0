/** Which route a connection took, from its WebRTC statistics (pure). */

/** The part of RTCStatsReport this needs (a Map in tests). */
export interface StatsLike {
  get(id: string): unknown;
  values(): IterableIterator<unknown>;
}

interface Report {
  type?: string;
  selectedCandidatePairId?: string;
  localCandidateId?: string;
  candidateType?: string;
}

/** The local candidate type of the selected pair ("host", "srflx", "relay"), or null before one is chosen. */
export function selectedCandidateType(stats: StatsLike): string | null {
  let pairId: string | null = null;
  for (const report of stats.values() as IterableIterator<Report>) {
    if (report.type === "transport" && report.selectedCandidatePairId) {
      pairId = report.selectedCandidatePairId;
    }
  }
  if (pairId === null) {
    return null;
  }
  const pair = stats.get(pairId) as Report | undefined;
  const local = pair?.localCandidateId ? (stats.get(pair.localCandidateId) as Report | undefined) : undefined;
  return local?.candidateType ?? null;
}
