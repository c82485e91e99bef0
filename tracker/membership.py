"""Which surface each query point moves with, and what its surface-mates say about it.

A point starts on the background surface. Its measured moves vote for the surface that
predicts them best (an object in front separates from the background by parallax); a
point that its surface lost tries the other surfaces around it; and the confirmed points
of a surface pin its unconfirmed ones (hidden or out of view), so that they stay close
enough to be found again.
"""

from __future__ import annotations

import cv2
import numpy as np

from tracker.geometry import apply_h, inside, translate
from tracker.point_state import PointState
from tracker.template import Match


class SurfaceMembership(PointState):
    """Mixed into `PointTracker` (`core.py`); works on its per-point state."""

    def _share_corrections(self, corr: dict[int, np.ndarray]) -> None:
        """Move unconfirmed points by the corrections their confirmed surface-mates needed.

        All points of a surface are advanced by the same chained model, so its drift is
        largely common to them; this keeps hidden and out-of-frame points close enough to
        be found again when they come back.
        """
        if not corr:
            return
        p = self.p
        fits: dict[int, np.ndarray | None] = {}
        for k in range(len(self.p0)):
            sid = self.surf[k]
            if k in corr or sid is None:
                continue
            mates = [j for j in corr if self.surf[j] == sid]
            if not mates:
                continue
            if sid not in fits:
                fits[sid] = self._mate_fit(mates)
            fit = fits[sid]
            if fit is not None:
                # the confirmed points of this plane pin its homography (no drift); in view,
                # not if that disagrees with the chained prediction more than its uncertainty
                q = apply_h(fit, self.p0[k : k + 1])[0]
                if (
                    not inside(self.pos[k : k + 1], self.shape)[0]
                    or np.linalg.norm(q - self.pos[k]) <= 2 * self.radius + 2 * self.drift[k]
                ):
                    self.H[k] = fit
                    self.pos[k] = q
                    self.pinned[k] = True
                    # pinned, the prediction is as good as its plane's fit: a far search
                    # around it would only find similar texture on whatever hides the point
                    self.drift[k] = (
                        min(self.drift[k], p.pinned_drift_px * self.u)
                        if self.tmpl[k].textured
                        else 0.0
                    )
                    continue
            d = np.array([corr[j] for j in mates])
            dist = np.linalg.norm(self.pos[mates] - self.pos[k], axis=1)
            w = 1.0 / (dist + 50.0 * self.u)
            shift = (w[:, None] * d).sum(0) / w.sum()
            self.H[k] = translate(*shift) @ self.H[k]
            self.pos[k] = self.pos[k] + shift
            if self.layered:
                # the mates may lie on another surface (not yet separated, or beside a
                # depth edge): the shift is a guess, whose uncertainty widens the point's
                # own search and sends it to the descriptor search (`reacq_drift_px`)
                self.drift[k] += p.shift_drift * float(np.hypot(*shift))

    def _other_surfaces(
        self, frame: np.ndarray, k: int, full: dict[int, np.ndarray], need: float
    ) -> tuple[Match, float, np.ndarray, np.ndarray, int] | None:
        """Try the motion of the other surfaces around a point that its own one lost.

        A point starts on the background surface; an object in front moves differently, and
        this is how its points move over to the object's surface as soon as it separates.
        """
        xy = self.pos[k]
        if not inside(xy[None], self.shape)[0]:
            return None
        sup = self.surf_set.support_near(xy * self.s, 1.5 * self.p.support_px * self.u * self.s)
        best = None
        for sid, cnt in sorted(sup.items(), key=lambda x: -x[1]):
            if sid == self.surf[k] or sid not in full or cnt < 3:
                continue
            h = full[sid] @ self.H[k]
            pred = apply_h(h, self.p0[k : k + 1])[0]
            m, v = self._locate(frame, k, h, [pred], pred - xy, self.radius)
            if m is not None and v >= need and (best is None or v > best[1]):
                best = (m, v, h, pred, sid)
        return best

    def _mate_fit(self, mates: list[int]) -> np.ndarray | None:
        """First-frame-to-now homography of a surface from its confirmed points, if well posed."""
        if len(mates) < self.p.mate_fit_min:
            return None
        src, dst = self.p0[mates], self.pos[mates]
        span = np.ptp(src, axis=0)
        if min(span) < 0.15 * self.shape[0]:
            return None
        # least squares first (cheap); RANSAC only if some confirmed point disagrees
        h, _ = cv2.findHomography(src, dst, 0)
        if h is not None and np.all(np.linalg.norm(apply_h(h, src) - dst, axis=1) < 2.0 * self.u):
            return h
        h, inl = cv2.findHomography(src, dst, cv2.USAC_FAST, 2.0 * self.u, maxIters=100)
        if h is None or inl is None or inl.sum() < max(self.p.mate_fit_min, len(mates) // 2 + 1):
            return None
        # refit on the inliers: a sample of four can be off by a pixel elsewhere
        inl = inl.ravel().astype(bool)
        h2, _ = cv2.findHomography(src[inl], dst[inl], 0)
        return h2 if h2 is not None else h

    def _own_surface_around(self, k: int, xy: np.ndarray) -> bool:
        """For a point that cannot be matched: do the features around it move with it?

        Where another surface's features dominate, a nearer object has slid over the point.
        """
        sup = self.surf_set.support_near(xy * self.s, self.p.flat_support_px * self.u * self.s)
        total = sum(sup.values())
        own = self.surf[k]
        return total < 3 or (own is not None and sup.get(own, 0) >= 0.5 * total)

    def _surface_near(self, xy: np.ndarray) -> int | None:
        sup = self.surf_set.support_near(xy * self.s, self.p.support_px * self.u * self.s)
        if not sup:
            return self.surf_set.largest()
        return max(sup, key=lambda i: sup[i])

    def _evidence(self, k: int, xy: np.ndarray, full: dict[int, np.ndarray]) -> None:
        """Compare each nearby surface's prediction with the measured move of point k."""
        prev = self.meas[k]
        if prev is None:
            return
        p = self.p
        sup = self.surf_set.support_near(xy * self.s, p.support_px * self.u * self.s)
        sc = self.score[k]
        for sid in list(sc):
            if sid not in full:
                del sc[sid]
        for sid, cnt in sup.items():
            if cnt < 3 or sid not in full:
                continue
            e = float(np.linalg.norm(apply_h(full[sid], prev[None])[0] - xy))
            sc[sid] = p.evidence_decay * sc.get(sid, e) + (1 - p.evidence_decay) * e
        own = self.surf[k]
        if own is None or own not in sc:
            if sc:
                self.surf[k] = min(sc, key=lambda i: sc[i])
            return
        best = min(sc, key=lambda i: sc[i])
        if best != own and sc[best] + p.switch_margin_px * self.u < sc[own]:
            self.surf[k] = best
