"""Point tracker: local surface motion + first-frame template refinement + re-acquisition.

Per frame:
1. Corner features and the query points are tracked together by one pyramidal LK call,
   starting from the motion of their surface.
2. Features are grouped into surfaces, each with its own frame-to-frame homography
   (`surfaces.py`): the background and every object at another depth or moving on its own.
3. Each query point carries its own first-frame-to-now homography, advanced by the motion
   of the surface it sits on; the point's first-frame patch, warped by that homography, is
   searched for around the prediction (`template.py`); where the small patch finds several
   near-equal peaks (repetitive texture), a larger patch around each decides. A good match
   corrects the position (no drift) and is evidence for which surface the point belongs
   to; no match means the point is hidden or lost, and it is reported so. Beside a depth
   edge, where a nearer surface covers part of the large patch, a tracked point verifies
   by the half of that patch that is in view.
4. Lost points are pinned by the confirmed points of their surface; those whose prediction
   became unsure are searched for by ORB matching against the first frame
   (`reacquire.py`), but not far from where their plane pins them out of view. An
   untextured point, which has no patch of its own to search for, is taken back where
   many ORB inliers put it if the large patch, which reaches the texture around it,
   verifies there.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import cv2
import numpy as np

from tracker.geometry import apply_h, inside, scale_h, translate
from tracker.reacquire import ReacqParams, Reacquirer
from tracker.surfaces import SurfaceParams, SurfaceSet
from tracker.template import Match, PointTemplate, aperture_blend, line_kernel


@dataclass
class Params:
    """All knobs; pixel sizes are for a 640 px wide frame and scale with the width."""

    work_width: int = 640  # features and ORB run on frames at most this wide
    lk_win: int = 15
    lk_levels: int = 3
    lk_iters: int = 10
    tmpl_half: tuple[int, ...] = (10, 14, 20)
    tmpl_min_std: float = 8.0
    verify_factor: float = 2.0  # verification patch size / localisation patch size
    max_zoom: float = 2.0  # the localisation patch grows with the magnification, up to this
    search_px: int = 6  # template search radius around a prediction
    drift_in_px: float = 0.15  # prediction uncertainty added per frame while in view
    drift_out_px: float = 1.0  # ...while out of view (the model is extrapolated)
    drift_coast_px: float = 3.0  # ...while the point's surface could not be fitted
    gate_px: float = 2.0  # largest correction accepted for a tracked point...
    gate_rel: float = 0.1  # ...plus this fraction of its image motion
    gate_coast_px: float = 6.0  # ...plus this while its surface could not be fitted
    lk_agree_px: float = 1.5  # ...unless the point's own LK motion lands there too
    lk_jump_max_px: float = 16.0  # ...and the jump is at most this (an occluder's edge
    # that looks like the point drags LK and the template along; a surface's lag is less)
    aperture_ratio: float = 0.3  # peak curvature ratio below which an axis is not corrected...
    blend_check_px: float = 1.0  # ...and if that moves the match this far, it must not
    blend_margin: float = 0.05  # ...verify this much worse than the match
    ambiguity: float = 0.03  # a jump is refused if another peak scores this close
    search_max_px: int = 24
    loc_strong: float = 0.9  # small-patch score that confirms a point at its prediction
    loc_min: float = 0.5  # localisation score below which nothing is accepted
    halves_min: float = 0.7  # ...and below which a tracked point may not verify by halves
    ncc_ok: float = 0.6  # verification score that confirms a tracked point
    ncc_refind: float = 0.75  # ...that takes a lost point back away from its prediction
    ncc_hold: float = 0.7  # ...that keeps an unrefined prediction of a tracked point
    hold_drift_px: float = 1.0  # ...for at most this much accumulated uncertainty
    ncc_reacq: float = 0.7  # ...needed to take a point back after loss
    blur_min_px: float = 4.0  # motion above which a blurred template is also tried...
    blur_try_below: float = 0.8  # ...when the sharp template scores below this
    blur_scale: float = 0.75  # motion-blur length assumed, as a fraction of the motion
    coast_frames: int = 3  # frames a surface may be extrapolated without a fit
    support_px: float = 60.0  # radius of the features that vote for a point's surface
    evidence_decay: float = 0.7
    evidence_every: int = 2  # frames between surface-membership votes
    switch_margin_px: float = 0.7
    border_px: float = 1.0  # a point this close to the image edge may be just outside
    reacq_every: int = 2
    scene_lost_below: int = 3  # fewer points confirmed than this: the scene is lost
    scene_found_frames: int = 8  # ...and is searched as lost this many frames after
    reacq_strong_inliers: int = 12  # ORB inliers around a point that lower the bar...
    ncc_reacq_strong: float = 0.6  # ...for its verification to this
    audit_every: int = 6  # frames between ORB checks of the points reported ok
    audit_margin: float = 0.05  # verification gain needed to move a tracked point
    audit_strong: int = 20  # ORB inliers that make a disagreement a loss
    reacq_drift_px: float = 1.0  # prediction uncertainty above which a lost point is searched
    share_corrections: bool = True
    retry_frames: int = 30  # lost this long, a point no longer tries other surfaces
    mate_fit_min: int = 6  # confirmed points of a surface that pin its lost points
    pinned_drift_px: float = 2.0  # uncertainty of a textured point so pinned
    pinned_reach_px: float = 12.0  # ...and farthest from there it may be re-acquired
    outlier_px: float = 3.0  # an audited point this far from its ORB position is checked
    flat_support_px: float = 40.0  # untextured point: radius of the features that vouch for it
    flat_drift_max_px: float = 3.0  # untextured point: uncertainty up to which it is ok
    flat_std_ratio: float = 2.5  # untextured point: hidden if its window gets this textured
    ncc_flat_hold: float = 0.3  # untextured point: verification that keeps it ok...
    ncc_flat_take: float = 0.8  # untextured point: verification that takes it back after loss...
    flat_take_inliers: int = 12  # ...at the position that this many ORB inliers around it give
    surfaces: SurfaceParams = field(default_factory=SurfaceParams)
    reacq: ReacqParams = field(default_factory=ReacqParams)


class PointTracker:
    """Tracks N points through a grayscale video; see the module docstring."""

    def __init__(
        self,
        first: np.ndarray,
        points: np.ndarray,
        params: Params | None = None,
    ) -> None:
        self.p = p = params or Params()
        wid = first.shape[1]
        self.shape = first.shape
        self.s = min(1.0, p.work_width / wid)  # working / full scale
        self.u = wid / 640.0  # full-size pixel unit
        work = self._work(first)
        self.prev = work
        self.surf_set = SurfaceSet(work, p.surfaces)
        self.reacq = Reacquirer(work, np.asarray(points, np.float32) * self.s, p.reacq)
        self.p0 = np.asarray(points, np.float64).reshape(-1, 2)
        n = len(self.p0)
        halves = tuple(max(4, round(h * self.u)) for h in p.tmpl_half)
        self.tmpl = [
            PointTemplate(first, q, halves, p.tmpl_min_std, p.verify_factor, p.max_zoom)
            for q in self.p0
        ]
        self.radius = max(3, round(p.search_px * self.u))
        self.border = p.border_px * self.u
        self.H = [np.eye(3) for _ in range(n)]
        self.pos = self.p0.copy()
        self.ok = np.ones(n, bool)
        self.surf: list[int | None] = [0] * n
        self.coast = np.zeros(n, np.int32)
        self.vel = np.zeros((n, 2))  # a confirmed point's own last motion per frame
        self.miss = np.zeros(n, np.int32)  # frames since last confirmed
        self.drift = np.zeros(n)  # uncertainty of the prediction (px)
        self.pinned = np.zeros(n, bool)  # placed by its plane's confirmed points this frame
        self.meas: list[np.ndarray | None] = [q.copy() for q in self.p0]
        self.score: list[dict[int, float]] = [{} for _ in range(n)]
        self.last_motion: dict[int, np.ndarray] = {}
        self.t = 0
        self.scene_lost_at = -1_000_000
        self.debug: list[tuple] | None = None  # per point and frame, when a list

    # ------------------------------------------------------------------ helpers
    def _work(self, img: np.ndarray) -> np.ndarray:
        if self.s == 1.0:
            return img
        size = (round(img.shape[1] * self.s), round(img.shape[0] * self.s))
        return cv2.resize(img, size, interpolation=cv2.INTER_AREA)

    def _lk(
        self,
        cur: np.ndarray,
        p0: np.ndarray,
        guess: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray]:
        """One LK call for features and points, started from the predicted positions.

        No backward check: surface fits reject bad features by RANSAC and point positions
        are only candidates for the template search, which is cheaper than a second LK pass.
        """
        w = self.p.lk_win
        crit = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, self.p.lk_iters, 0.03)
        p1, st, _ = cv2.calcOpticalFlowPyrLK(
            self.prev,
            cur,
            p0.reshape(-1, 1, 2).astype(np.float32),
            guess.reshape(-1, 1, 2).astype(np.float32).copy(),
            winSize=(w, w),
            maxLevel=self.p.lk_levels,
            criteria=crit,
            flags=cv2.OPTFLOW_USE_INITIAL_FLOW,
        )
        p1 = p1.reshape(-1, 2)
        return p1, (st.ravel() == 1) & inside(p1, cur.shape)

    # ------------------------------------------------------------------ main step
    def update(self, frame: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Advance one frame; returns (N, 2) float32 positions and (N,) ok flags."""
        self.t += 1
        s = self.s
        work = self._work(frame)
        ss = self.surf_set
        n_feat = len(ss.pts)
        pt_prev = (self.pos * s).astype(np.float32)
        pt_guess = pt_prev.copy()
        for sid in set(self.surf):
            g = ss.motion.get(sid) if sid is not None else None
            if g is None:
                continue
            idx = [k for k, v in enumerate(self.surf) if v == sid]
            q = apply_h(g, pt_prev[idx])
            fin = np.all(np.isfinite(q), axis=1)
            pt_guess[np.array(idx)[fin]] = q[fin]
        p_all = np.concatenate([ss.pts, pt_prev], 0)
        g_all = np.concatenate([ss.predicted(), pt_guess], 0)
        ok_in = np.all(np.isfinite(p_all), axis=1)
        p_all[~ok_in] = 0
        g_all[~ok_in] = 0
        p1, good = self._lk(work, p_all, g_all)
        good &= ok_in
        models = ss.update(work, p1[:n_feat], good[:n_feat])
        full = {sid: scale_h(h, s) for sid, h in models.items()}
        self.last_motion.update(full)
        self._update_points(frame, full, p1[n_feat:] / s, good[n_feat:])
        self._reacquire(frame, work)
        self.prev = work
        return self.pos.astype(np.float32), self.ok.copy()

    def _motion_for(self, k: int, full: dict[int, np.ndarray]) -> tuple[np.ndarray, bool]:
        """Frame-to-frame motion for point k and whether it is a real fit of its surface."""
        sid = self.surf[k] = self.surf_set.resolve(self.surf[k])
        if sid is not None and sid in full:
            self.coast[k] = 0
            return full[sid], True
        self.coast[k] += 1
        if sid is not None and sid in self.last_motion and self.coast[k] <= self.p.coast_frames:
            return self.last_motion[sid], False
        # the surface is gone (features lost in blur, or it left the view): adopt the surface
        # seen around the point now, or the largest one when the point is out of view
        near = (
            self._surface_near(self.pos[k])
            if inside(self.pos[k : k + 1], self.shape)[0]
            else self.surf_set.largest()
        )
        self.surf[k] = near if near in full else None
        self.coast[k] = 0
        if near is not None and near in full:
            return full[near], False
        # no surface around it moves (too few features, or all lost in blur): the point's
        # own last motion is the best guess
        return translate(*self.vel[k]), False

    def _search_point(
        self,
        frame: np.ndarray,
        k: int,
        h_pred: np.ndarray,
        cands: list[np.ndarray],
        motion: np.ndarray,
        radius: int,
    ) -> tuple[Match | None, np.ndarray | None]:
        """Template search around the candidates; also with a motion-blurred template when the
        point moves fast and the sharp one does not fit well. Returns the match and the blur."""
        tp = self.tmpl[k]
        t = tp.warped(h_pred)
        if t is None:
            return None, None
        best: Match | None = None

        def judge(xy: np.ndarray) -> float:
            return tp.verify(frame, h_pred, xy, None)

        for c in cands:
            m = tp.search(frame, t, c, radius, judge)
            if best is None or m.score > best.score:
                best = m
        ker = None
        if (
            best is not None
            and best.score < self.p.blur_try_below
            and np.hypot(*motion) > self.p.blur_min_px * self.u
        ):
            ker = line_kernel(motion, self.p.blur_scale)
            if ker is not None:
                tb = cv2.filter2D(t, -1, ker, borderType=cv2.BORDER_REPLICATE)
                for c in cands:
                    m = tp.search(frame, tb, c, radius)
                    if m.score > best.score:
                        best = m
        return best, ker

    def _locate(
        self,
        frame: np.ndarray,
        k: int,
        h_pred: np.ndarray,
        cands: list[np.ndarray],
        motion: np.ndarray,
        radius: int,
    ) -> tuple[Match | None, float]:
        """Template search, then verification with the large patch."""
        m, ker = self._search_point(frame, k, h_pred, cands, motion, radius)
        if m is None or m.score < self.p.loc_min:
            return m, -1.0
        return m, self.tmpl[k].verify(frame, h_pred, m.xy, ker)

    def _accept(
        self,
        frame: np.ndarray,
        k: int,
        m: Match,
        ker: np.ndarray | None,
        h_pred: np.ndarray,
        pred: np.ndarray,
        motion: np.ndarray,
        fitted: bool,
        lk_xy: np.ndarray,
        lk_ok: bool,
    ) -> bool:
        """Is this template match the point? Guards against slips, occluders and noise."""
        p = self.p
        jump = math.hypot(*(m.xy - pred))
        gate = (p.gate_px + p.gate_rel * float(np.hypot(*motion))) * self.u + self.drift[k]
        if not fitted:
            gate += p.gate_coast_px * self.u
        tracked = self.surf[k] is not None and self.miss[k] == 0
        lk_agrees = (
            lk_ok
            and tracked
            and math.hypot(*(m.xy - lk_xy)) < p.lk_agree_px * self.u
            and jump <= p.lk_jump_max_px * self.u
        )
        ambiguous = m.second > m.score - p.ambiguity
        # a well-tracked surface predicts to a pixel: a larger jump is a slip onto repetitive
        # texture or onto an occluder, unless the point's own LK motion lands there too or
        # the point, lost for a while, shows up on a clear peak
        if jump > gate and not lk_agrees and not (self.miss[k] > 0 and not ambiguous):
            return False
        if ambiguous and jump > self.radius:
            return False
        # a strong small-patch match at the prediction, confirmed by LK, stands on its own:
        # the big verification patch can overlap another surface or an occluder's edge
        if m.score >= p.loc_strong and jump <= gate and lk_agrees:
            return True
        # beside a depth edge the halves verify a point whose small patch matches well; near
        # the image border, where the patch is cut already, halves of a poor match are noise
        halves = p.ncc_ok if tracked and jump <= gate and m.score >= p.halves_min else None
        v = self.tmpl[k].verify(frame, h_pred, m.xy, ker, halves)
        if jump > gate:
            # a lost point found away from its prediction: similar texture nearby matches
            # well too, so this needs the strongest evidence
            return v >= p.ncc_refind
        return v >= (p.ncc_ok if tracked else p.ncc_reacq)

    def _update_points(
        self,
        frame: np.ndarray,
        full: dict[int, np.ndarray],
        lk_pts: np.ndarray,
        lk_good: np.ndarray,
    ) -> None:
        p = self.p
        corr: dict[int, np.ndarray] = {}
        self.pinned[:] = False
        # the dominant surface's prediction is trusted along edges (see aperture_blend)
        largest = self.surf_set.largest()
        for k in range(len(self.p0)):
            g, fitted = self._motion_for(k, full)
            h_pred = g @ self.H[k]
            pred = apply_h(h_pred, self.p0[k : k + 1])[0]
            motion = pred - self.pos[k]
            radius = min(round(p.search_max_px * self.u), self.radius + round(self.drift[k]))
            cands = [pred]
            if lk_good[k] and math.hypot(*(lk_pts[k] - pred)) > 0.5 * radius:
                cands.append(lk_pts[k].astype(np.float64))
            tp = self.tmpl[k]
            m, good = None, False
            if tp.textured and inside(pred[None], self.shape, -tp.half)[0]:
                m, ker = self._search_point(frame, k, h_pred, cands, motion, radius)
                good = (
                    m is not None
                    and m.score >= p.loc_min
                    and self._accept(
                        frame, k, m, ker, h_pred, pred, motion, fitted, lk_pts[k], bool(lk_good[k])
                    )
                )
            if self.debug is not None:
                self.debug.append(
                    (
                        self.t,
                        k,
                        len(cands),
                        -2.0 if m is None else m.score,
                        float(good),
                        self.surf[k],
                        fitted,
                        pred,
                        None if m is None else m.xy,
                    )
                )
            if not good and tp.textured and self.miss[k] < p.retry_frames:
                alt = self._other_surfaces(frame, k, full, p.ncc_reacq)
                if alt is not None:
                    m, _, h_pred, pred, sid = alt
                    good = True
                    self.surf[k] = sid
                    self.score[k] = {}
            if good and m is not None:
                if (
                    p.aperture_ratio > 0
                    and self.miss[k] == 0
                    and fitted
                    and self.surf[k] == largest
                ):
                    blended = aperture_blend(pred, m.xy, m.curv, p.aperture_ratio)
                    # ...unless the surface is the wrong one for this point: then its
                    # prediction is off along the edge too, and the patch says so
                    if (
                        math.hypot(*(blended - m.xy)) < p.blend_check_px * self.u
                        or tp.verify(frame, h_pred, blended, None)
                        >= tp.verify(frame, h_pred, m.xy, None) - p.blend_margin
                    ):
                        m.xy = blended
                self.drift[k] = 0.0
                corr[k] = m.xy - pred
                self.vel[k] = m.xy - self.pos[k] if self.miss[k] == 0 else 0.0
                h_pred = translate(*(m.xy - pred)) @ h_pred
                if self.t % p.evidence_every == 0:
                    self._evidence(k, m.xy, full)
                self.meas[k] = m.xy
                self.pos[k] = m.xy
                self.miss[k] = 0
                if self.surf[k] is None:
                    self.surf[k] = self._surface_near(m.xy)
                self.ok[k] = bool(inside(m.xy[None], self.shape, self.border)[0])
            elif tp.textured and self._prediction_holds(frame, k, h_pred, pred, fitted, motion):
                # the search picked a wrong peak (noise, a template a little off in scale),
                # but the surface's prediction still looks like the point: keep it, unrefined
                self.pos[k] = pred
                self.meas[k] = None
                self.ok[k] = bool(inside(pred[None], self.shape, self.border)[0])
                self.drift[k] += p.drift_in_px * self.u
            elif not tp.textured and self.surf[k] is not None and fitted:
                self.pos[k] = pred
                self.meas[k] = None
                # nothing checks its position: it is ok only while its plane's confirmed
                # points pinned it recently (see _share_corrections)
                self.drift[k] += p.drift_in_px * self.u
                self.ok[k] = (
                    bool(inside(pred[None], self.shape, self.border)[0])
                    and self.drift[k] <= p.flat_drift_max_px * self.u
                    and self._flat_visible(frame, k, h_pred, pred)
                    and self._own_surface_around(k, pred)
                    # its own patch is flat; the large one may reach texture around it
                    and (
                        not tp.verifiable or tp.verify(frame, h_pred, pred, None) >= p.ncc_flat_hold
                    )
                )
                self.miss[k] = 0 if self.ok[k] else self.miss[k] + 1
            else:
                self.pos[k] = pred
                self.meas[k] = None
                self.ok[k] = False
                self.miss[k] += 1
                step = p.drift_in_px if inside(pred[None], self.shape)[0] else p.drift_out_px
                self.drift[k] += (step if fitted else p.drift_coast_px) * self.u
            self.H[k] = h_pred
        if p.share_corrections:
            self._share_corrections(corr)

    def _prediction_holds(
        self,
        frame: np.ndarray,
        k: int,
        h_pred: np.ndarray,
        pred: np.ndarray,
        fitted: bool,
        motion: np.ndarray,
    ) -> bool:
        """Does a tracked point's prediction from a fitted surface still verify?

        In a fast pan the frame is smeared along the motion and the sharp patch verifies
        badly even at the right place; the patch blurred the same way is tried then.
        """
        p = self.p
        if (
            not fitted
            or self.miss[k]
            or self.surf[k] is None
            or self.drift[k] > p.hold_drift_px * self.u
        ):
            return False
        if self.tmpl[k].verify(frame, h_pred, pred, None) >= p.ncc_hold:
            return True
        if np.hypot(*motion) <= p.blur_min_px * self.u:
            return False
        ker = line_kernel(motion, p.blur_scale)
        return ker is not None and self.tmpl[k].verify(frame, h_pred, pred, ker) >= p.ncc_hold

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
            if k in corr or self.surf[k] is None:
                continue
            mates = [j for j in corr if self.surf[j] == self.surf[k]]
            if not mates:
                continue
            sid = self.surf[k]
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

    def _flat_visible(self, frame: np.ndarray, k: int, h_pred: np.ndarray, xy: np.ndarray) -> bool:
        """An untextured point cannot be matched; it is hidden if its window gained texture.

        The window is compared with the first frame's view of the same area: seen from
        farther away, the same window also takes in the textured surroundings.
        """
        tp = self.tmpl[k]
        n = 2 * tp.half + 1
        cur = cv2.getRectSubPix(frame, (n, n), (float(xy[0]), float(xy[1])))
        then = tp.warped(h_pred, tp.half)
        expected = tp.std if then is None else max(tp.std, float(then.std()))
        return float(cur.std()) <= self.p.flat_std_ratio * expected + 5.0

    def _own_surface_around(self, k: int, xy: np.ndarray) -> bool:
        """For a point that cannot be matched: do the features around it move with it?

        Where another surface's features dominate, a nearer object has slid over the point.
        """
        sup = self.surf_set.support_near(xy * self.s, self.p.flat_support_px * self.u * self.s)
        total = sum(sup.values())
        return total < 3 or sup.get(self.surf[k], 0) >= 0.5 * total

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
