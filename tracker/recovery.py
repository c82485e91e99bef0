"""Lost points found again by ORB matching against the first frame, and tracked points audited.

Lost points whose prediction became unsure are searched for by descriptor matching
(`reacquire.py`), but not far from where their plane pins them out of view; the candidate
whose template verifies best is taken. An untextured point, which has no patch of its own
to search for, is taken back where many ORB inliers put it if the large patch, which
reaches the texture around it, verifies there. Every few frames the points reported ok
are audited the same way: a template that slid onto similar texture keeps verifying
itself, but the descriptor matches around the point put it elsewhere.
"""

from __future__ import annotations

import numpy as np

from tracker.geometry import apply_h, inside, scale_h, translate
from tracker.point_state import PointState


class Recovery(PointState):
    """Mixed into `PointTracker` (`core.py`); works on its per-point state."""

    def _reacquire(self, frame: np.ndarray, work: np.ndarray) -> None:
        """ORB search for points that are lost but may be in view, and audit of the others.

        Every `audit_every` frames the points reported ok are checked against the first
        frame too: a template that slid onto similar texture keeps verifying itself, but the
        descriptor matches around the point in the first frame put it elsewhere.
        """
        p = self.p
        want = []
        # with (almost) no point confirmed the scene itself is lost (a fast pan, a blurred
        # stretch) and every prediction is doubtful, also the ones out of view: search for
        # all of them in every frame, thoroughly, until the scene is found again. A few
        # markers (a call) say nothing about the scene: one of them lost is just lost.
        n = len(self.ok)
        scene_lost = n >= p.scene_lost_below and int(self.ok.sum()) < p.scene_lost_below
        if scene_lost:
            self.scene_lost_at = self.t
        # ...and for a few frames after it is found again: the points lost with it may be
        # back in view although their predictions, carried through the blur, say otherwise
        search_all = self.t - self.scene_lost_at <= p.scene_found_frames
        rare = search_all or self.t % (2 * p.reacq_every) == 0
        if self.t % p.reacq_every == 0 or search_all:
            for k in range(len(self.p0)):
                if self.ok[k]:
                    continue
                # an occluded point whose surface is tracked needs no search: the template
                # finds it at its prediction when it shows again; search when it is unsure
                if self.surf[k] is not None and self.drift[k] < p.reacq_drift_px * self.u:
                    continue
                # a point that its fitted surface carried out of view in this very frame has
                # left it: descriptors would find it only at the edge, cut off and misplaced
                just_left = self.miss[k] <= 1 and self.coast[k] == 0
                if just_left and not inside(self.pos[k : k + 1], self.shape)[0]:
                    continue
                if self.surf[k] is None or inside(self.pos[k : k + 1], self.shape)[0] or rare:
                    want.append(k)
        audit = (
            [k for k in range(len(self.p0)) if self.ok[k]]
            if p.audit_every and self.t % p.audit_every == 0
            else []
        )
        if not want and not audit:
            return
        # points predicted out of view are searched for with fewer keypoints: they are
        # many, and rarely back where the search can see them
        in_view = bool(want) and (search_all or bool(inside(self.pos[want], self.shape).any()))
        found = self.reacq.find(work, want, audit, thorough=in_view)
        for k, cands in found.items():
            if not self.tmpl[k].textured:
                if not self.ok[k]:
                    flat = self._flat_candidate(frame, k, cands)
                    if flat is not None:
                        self._take(k, *flat)
                continue
            if self.ok[k]:
                h_abs = scale_h(cands[0][0], self.s)
                pred = apply_h(h_abs, self.p0[k : k + 1])[0]
                if inside(pred[None], self.shape)[0]:
                    self._audit(frame, k, h_abs, pred, cands[0][1])
                continue
            best = self._best_candidate(frame, k, cands)
            if best is not None:
                self._take(k, *best)

    def _best_candidate(
        self,
        frame: np.ndarray,
        k: int,
        cands: list[tuple[np.ndarray, int]],
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """The re-acquisition candidate whose template verifies best, if one verifies enough.

        Many descriptor inliers around the point are evidence of their own: a noisy or
        blurred frame lowers the template score, not the geometry.
        """
        p = self.p
        best, best_v = None, -1.0
        for h_loc, n_in in cands:
            h_abs = scale_h(h_loc, self.s)
            pred = apply_h(h_abs, self.p0[k : k + 1])[0]
            if not inside(pred[None], self.shape)[0] or self._far_from_pin(k, pred):
                continue
            m, v = self._locate(frame, k, h_abs, [pred], np.zeros(2), self.radius)
            strong = n_in >= p.reacq_strong_inliers
            need = p.ncc_reacq_strong if strong else p.ncc_reacq
            xy = m.xy if m is not None and m.score >= p.loc_min else pred
            if strong and v < need:
                # beside a depth edge a nearer surface covers part of the large patch: with
                # many inliers around the point, its halves may verify the match
                v = max(v, self.tmpl[k].verify(frame, h_abs, xy, None, need))
            if v >= need and v > best_v:
                best, best_v = (h_abs, pred, xy), v
        return best

    def _far_from_pin(self, k: int, xy: np.ndarray) -> bool:
        """A lost point that its plane's confirmed points pin is not far from that place."""
        reach = (self.p.pinned_reach_px + 2 * self.drift[k]) * self.u
        return bool(
            self.pinned[k]
            and not inside(self.pos[k : k + 1], self.shape)[0]
            and np.linalg.norm(xy - self.pos[k]) > reach
        )

    def _flat_candidate(
        self, frame: np.ndarray, k: int, cands: list[tuple[np.ndarray, int]]
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
        """Where many descriptor inliers put an untextured point, if its surroundings agree.

        Its own patch cannot be searched for, but the verification patch reaches the
        texture around it; the position is taken as predicted, unrefined.
        """
        p = self.p
        best, best_v = None, p.ncc_flat_take
        for h_loc, n_in in cands:
            if n_in < p.flat_take_inliers:
                continue
            h_abs = scale_h(h_loc, self.s)
            pred = apply_h(h_abs, self.p0[k : k + 1])[0]
            if not inside(pred[None], self.shape)[0]:
                continue
            v = self.tmpl[k].verify(frame, h_abs, pred, None)
            if v >= best_v and self._flat_visible(frame, k, h_abs, pred):
                best, best_v = (h_abs, pred, pred), v
        return best

    def _take(self, k: int, h_abs: np.ndarray, pred: np.ndarray, xy: np.ndarray) -> None:
        """Set point k to a position found by re-acquisition."""
        self.H[k] = translate(*(xy - pred)) @ h_abs
        self.pos[k] = xy
        self.meas[k] = xy
        self.ok[k] = True
        self.surf[k] = self._surface_near(xy)
        self.score[k] = {}
        self.coast[k] = 0
        self.miss[k] = 0
        self.drift[k] = 0.0

    def _audit(
        self, frame: np.ndarray, k: int, h_abs: np.ndarray, pred: np.ndarray, n_in: int
    ) -> None:
        """A tracked point that its first-frame neighbourhood puts elsewhere moves there if its
        template agrees better there, or is reported lost if the evidence is strong."""
        p = self.p
        if np.linalg.norm(pred - self.pos[k]) <= p.outlier_px * self.u:
            return
        m, v = self._locate(frame, k, h_abs, [pred], np.zeros(2), self.radius)
        cur = self.tmpl[k].verify(frame, self.H[k], self.pos[k], None)
        if m is not None and v >= p.ncc_reacq and v > cur + p.audit_margin:
            self._take(k, h_abs, pred, m.xy)
        elif n_in >= p.audit_strong and cur < p.ncc_reacq:
            self.ok[k] = False
