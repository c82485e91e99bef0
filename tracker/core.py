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
4. Lost points are pinned by the confirmed points of their surface (`membership.py`);
   those whose prediction became unsure are searched for by ORB matching against the
   first frame (`recovery.py`, `reacquire.py`), but not far from where their plane pins
   them out of view. An untextured point, which has no patch of its own to search for, is
   taken back where many ORB inliers put it if the large patch, which reaches the texture
   around it, verifies there.
5. In a fast swing, where the patches leave points of the dominant plane unconfirmed, the
   picture is registered against a recent frame and those points are put where that
   registration takes them (`swing.py`); lost ones too while the scene is one plane
   (`planarity.py`).
"""

from __future__ import annotations

import math

import cv2
import numpy as np

from tracker.geometry import apply_h, inside, scale_h, translate
from tracker.membership import SurfaceMembership
from tracker.params import Params
from tracker.planarity import ParallaxWatch
from tracker.reacquire import Reacquirer
from tracker.recovery import Recovery
from tracker.surfaces import SurfaceSet
from tracker.swing import SwingChain
from tracker.template import Match, PointTemplate, aperture_blend, line_kernel


class PointTracker(SurfaceMembership, Recovery):
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
        self.swing = SwingChain(work, wid, p.swing)
        self.reacq = Reacquirer(work, np.asarray(points, np.float32) * self.s, p.reacq)
        self.p0 = np.asarray(points, np.float64).reshape(-1, 2)
        self.parallax = ParallaxWatch(self.p0, self.u, p.planarity)
        self.layered = False  # the scene shows surfaces at different depths
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
        self.debug: list[tuple[object, ...]] | None = None  # per point and frame, when a list

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
        swing = self.swing
        lost_then = self._lost_on_plane() if swing.begin(work) else None
        models = ss.update(work, p1[:n_feat], good[:n_feat])
        full = {sid: scale_h(h, s) for sid, h in models.items()}
        self.last_motion.update(full)
        self._update_points(frame, full, p1[n_feat:] / s, good[n_feat:])
        if self.t == 1 and self.p.first_blur_scale > 0:
            # the first frame was smeared by about the motion to the second
            for tp, d0 in zip(self.tmpl, self.pos - self.p0, strict=True):
                tp.set_smear(d0 * self.p.first_blur_scale)
        if self.parallax.can_judge:
            # until the points have had time to show parallax, a second group of features
            # is the only hint of depth
            self.layered = self.parallax.update(self.pos, self._confirmed()) or (
                self.t <= self.p.planarity.settle_frames and ss.count() > 1
            )
        else:
            # a call's few markers cannot show parallax: a second group of features, once
            # seen, counts for good
            self.layered = self.layered or ss.count() > 1
        carry = self._swing_candidates(lost_then) if lost_then is not None else None
        if carry is not None and swing.register():
            self._carry_swing(frame, carry)
        else:
            largest = ss.largest()
            swing.settle(full.get(largest) if largest is not None else None)
            if swing.wants_fit():
                on_plane = np.array([v == largest for v in self.surf])
                swing.refit(self.p0, self.pos, self._confirmed() & on_plane)
        self._reacquire(frame, work)
        self.prev = work
        return self.pos.astype(np.float32), self.ok.copy()

    def _lost_on_plane(self) -> np.ndarray:
        """Points lost in the last frame whose surface is the dominant one (or none)."""
        largest = self.surf_set.largest()
        return ~self.ok & np.array([v in (largest, None) for v in self.surf])

    def _confirmed(self) -> np.ndarray:
        """Points their own patches confirmed in this frame."""
        return np.array([m is not None for m in self.meas]) & (self.miss == 0) & self.ok

    def _swing_candidates(self, lost_then: np.ndarray) -> np.ndarray | None:
        """The points a swing's registration may place, if some of them in view are not
        confirmed (else the registration is not worth its cost)."""
        ch = self.swing
        # a lost point may be on a nearer object, which the picture's registration does
        # not move (and which may be out of view now): only where the scene has always
        # moved as one plane
        cand = ch.members if self.layered else ch.members | lost_then
        in_view = inside(self.pos, self.shape, ch.p.margin_px * self.u)
        return cand if (cand & ~self.ok & in_view).any() else None

    def _carry_swing(self, frame: np.ndarray, carry: np.ndarray) -> None:
        """Points of the dominant plane that their patches did not confirm in a swing, or
        confirmed far from where the registration puts them (a wrong peak in the blur)."""
        ch = self.swing
        h = ch.first_to_now()
        q = apply_h(h, self.p0)
        margin = ch.p.margin_px * self.u
        largest = self.surf_set.largest()
        off = np.hypot(*(self.pos - q).T) > self.p.swing_override_px * self.u
        back = np.linalg.inv(ch.motion)  # this frame -> the last one, for the smear
        for k in np.flatnonzero(carry & (~self.ok | off)):
            # only where the picture vouches for it: a wrong place written into a lost
            # point's state would mislead its own search afterwards
            if not inside(q[k : k + 1], self.shape, margin)[0]:
                continue
            if ch.looks_right(q[k]):
                # the keyframe may show the same hand over the spot: a lost point's own
                # patch must be in view there too
                bar = None if self.ok[k] else self.p.swing_lost_verify
            elif self.ok[k] or self.layered or ch.saw(q[k]) or not self.tmpl[k].textured:
                continue
            else:
                # coming back into view where the keyframe did not look: only its own
                # smeared patch can vouch for it (an untextured one's cannot), and only
                # where nothing nearer hides it
                bar = self.p.swing_unseen_verify
            if bar is not None and not self._in_view_after_swing(frame, int(k), h, q[k], back, bar):
                continue
            self.pos[k] = q[k]
            self.H[k] = h.copy()
            self.meas[k] = None
            self.ok[k] = True
            self.miss[k] = 0
            self.drift[k] = self.p.swing_hold_drift_px * self.u
            self.surf[k] = largest

    def _in_view_after_swing(
        self,
        frame: np.ndarray,
        k: int,
        h: np.ndarray,
        xy: np.ndarray,
        back: np.ndarray,
        bar: float,
    ) -> bool:
        """Does a lost point's own patch, smeared by the swing's last motion (`back` maps
        this frame to the last one), verify at `bar` where the registration puts it?"""
        tp = self.tmpl[k]
        if not (tp.textured or self._flat_visible(frame, k, h, xy)):
            return False
        # an untextured point's large patch reaches the texture around it
        ker = line_kernel(xy - apply_h(back, xy[None])[0], self.p.blur_scale)
        return tp.verify(frame, h, xy, ker) >= bar

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

        smear = tp.smear_kernel(h_pred)
        for c in cands:
            m = tp.search(frame, t, c, radius, judge, smear)
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
                    m = tp.search(frame, tb, c, radius, smear=smear)
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
        if jump > gate and fitted and not inside(pred[None], self.shape, -self.drift[k])[0]:
            # its fitted surface puts the point outside the picture: what matches inside is
            # a look-alike (LK, started out there, slides onto one)
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
                    and (not self.layered or self._own_surface_around(k, pred))
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
