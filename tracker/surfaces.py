"""Corner features tracked frame to frame and grouped into rigidly moving surfaces.

A real scene is not one plane: objects in front of the background move differently in
the image (parallax) and some slide on their own. Each group of features whose
frame-to-frame motion fits one homography is a "surface"; query points borrow the
motion of the surface they sit on. Labels are sticky (a feature keeps its surface while
the surface's model explains it), so surfaces persist even while the camera only rotates
and every surface moves alike.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from tracker.geometry import apply_h, sane

UNLABELLED = -1


@dataclass
class SurfaceParams:
    """Knobs of the feature layer, in working-image pixels."""

    max_features: int = 160
    min_distance: float = 12.0
    quality: float = 0.01        # corner strength kept, relative to the best in its cell
    grid: int = 6                # columns of the cells that each get a share of the features
    redetect_below: float = 0.8  # fraction of max_features that triggers re-detection
    redetect_every: int = 4      # ...but at most this often (frames)
    ransac_px: float = 1.5       # inlier threshold of a surface's frame-to-frame model
    assign_px: float = 2.0       # residual under which a feature belongs to a surface
    min_surface: int = 10        # features needed to keep a surface alive
    min_fit: int = 6             # features needed to fit a surface's motion in one frame
    new_surface_min: int = 14    # inliers needed to found a new surface
    label_radius: float = 40.0   # new features take the label of a labelled neighbour
    blur_rel: float = 0.1        # thresholds grow by this fraction of the image motion
    merge_steps: int = 4         # surfaces that move alike over this many windows become one
    window: int = 6              # frames between segmentations on accumulated motion
    window_px: float = 2.0       # residual over a window that separates two surfaces


class SurfaceSet:
    """Feature tracks with per-feature surface labels and per-surface homographies."""

    def __init__(self, img: np.ndarray, params: SurfaceParams | None = None) -> None:
        self.p = params or SurfaceParams()
        self.pts = self._detect(img, np.zeros((0, 2), np.float32))
        self.labels = np.zeros(len(self.pts), np.int32)
        self._labelled: tuple[np.ndarray, ...] | None = None
        # positions at the start of the current window: parallax between surfaces is often
        # well under a pixel per frame, but it adds up over a few frames
        self.anchor = self.pts.copy()
        self.since_anchor = 0
        self.next_id = 1
        self.motion: dict[int, np.ndarray] = {0: np.eye(3)}  # last frame-to-frame model
        self.since_detect = 0
        self.alike: dict[tuple[int, int], int] = {}
        self.merged: dict[int, int] = {}  # absorbed surface id -> surviving id

    # ------------------------------------------------------------------ detection
    def _detect(self, img: np.ndarray, existing: np.ndarray) -> np.ndarray:
        """New corners away from the existing features, each grid cell topped up to its share.

        A busy background has the strongest corners; ranked over the whole image, a nearer
        object with fainter texture got none, so it never became a surface of its own and
        its points moved with the background. Ranked per cell, it keeps its own (as the
        re-acquisition keypoints do; here each cell is searched on its own, because the
        detector's quality threshold is relative to the best corner of what it searches).
        """
        mask = np.full(img.shape, 255, np.uint8)
        r = int(self.p.min_distance)
        for x, y in existing.astype(int):
            cv2.circle(mask, (int(x), int(y)), r, 0, -1)
        hgt, wid = img.shape
        cols = max(1, self.p.grid)
        rows = max(1, round(cols * hgt / wid))
        share = max(1, self.p.max_features // (cols * rows))
        ex = existing.reshape(-1, 2)
        found = []
        for i in range(rows):
            y0, y1 = i * hgt // rows, (i + 1) * hgt // rows
            for j in range(cols):
                x0, x1 = j * wid // cols, (j + 1) * wid // cols
                in_x = (ex[:, 0] >= x0) & (ex[:, 0] < x1)
                want = share - int((in_x & (ex[:, 1] >= y0) & (ex[:, 1] < y1)).sum())
                if want <= 0:
                    continue
                f = cv2.goodFeaturesToTrack(
                    np.ascontiguousarray(img[y0:y1, x0:x1]), maxCorners=want,
                    qualityLevel=self.p.quality, minDistance=self.p.min_distance, blockSize=7,
                    mask=np.ascontiguousarray(mask[y0:y1, x0:x1]),
                )
                if f is not None:
                    found.append(f.reshape(-1, 2) + np.float32([x0, y0]))
        return np.concatenate(found).astype(np.float32) if found else np.zeros((0, 2), np.float32)

    def predicted(self) -> np.ndarray:
        """Where each feature should be in the next frame if its surface keeps its motion."""
        out = self.pts.astype(np.float64).copy()
        for s, g in self.motion.items():
            m = self.labels == s
            if m.any():
                out[m] = apply_h(g, self.pts[m])
        bad = ~np.all(np.isfinite(out), axis=1)
        out[bad] = self.pts[bad]
        return out.astype(np.float32)

    # ------------------------------------------------------------------ update
    def update(self, img: np.ndarray, new_pts: np.ndarray, good: np.ndarray) -> dict[int, np.ndarray]:
        """Take LK results for the features, refit every surface, return its motion.

        Returns {surface id: frame-to-frame homography} for the surfaces that could be fitted
        in this frame; surfaces without enough support are absent (their motion is unknown).
        """
        p = self.p
        src, dst, lab = self.pts[good], new_pts[good], self.labels[good]
        anchor = self.anchor[good]
        # LK errors grow with motion blur: loosen the thresholds with the image motion
        move = float(np.median(np.linalg.norm(dst - src, axis=1))) if len(src) else 0.0
        self.thr = max(p.assign_px, p.blur_rel * move)
        self.rthr = max(p.ransac_px, p.blur_rel * move)
        models: dict[int, np.ndarray] = {}
        for s in np.unique(lab):
            if s == UNLABELLED:
                continue
            m = lab == s
            if m.sum() < p.min_fit:
                continue
            h, _ = cv2.findHomography(src[m], dst[m], cv2.USAC_FAST, self.rthr, maxIters=200,
                                      confidence=0.995)
            if sane(h):
                models[int(s)] = h
        lab = self._relabel(src, dst, lab, models, 2.0 * self.thr)
        lab = self._found_surfaces(src, dst, lab, models)
        self.since_anchor += 1
        if self.since_anchor >= p.window:
            lab = self._segment_window(anchor, dst, lab, models)
            anchor = dst.copy()
            self.since_anchor = 0
        self.pts, self.labels, self.anchor = dst.astype(np.float32), lab, anchor
        self._labelled = None
        self.motion = {s: h for s, h in models.items() if (lab == s).any()}
        self.since_detect += 1
        if (len(self.pts) < p.redetect_below * p.max_features
                and self.since_detect >= p.redetect_every) or len(self.pts) < p.min_surface * 2:
            self._replenish(img)
        return models

    def _relabel(self, src: np.ndarray, dst: np.ndarray, lab: np.ndarray,
                 models: dict[int, np.ndarray], thr: float) -> np.ndarray:
        """Keep a feature's label while its surface explains it, else move or unlabel it."""
        lab = lab.copy()
        if not models or not len(src):
            return lab
        ids = np.array(list(models))
        res = np.stack([np.linalg.norm(apply_h(models[s], src) - dst, axis=1) for s in ids], 1)
        res[~np.isfinite(res)] = np.inf
        own = np.full(len(src), np.inf)
        for j, s in enumerate(ids):
            own[lab == s] = res[lab == s, j]
        best = np.argmin(res, axis=1)
        best_res = res[np.arange(len(src)), best]
        # a feature joins a surface only if no other surface explains it about as well: in
        # one frame the parallax between surfaces is often below the threshold, and the
        # largest surface would otherwise absorb every feature that its own surface dropped
        if len(ids) > 1:
            second = np.partition(res, 1, axis=1)[:, 1]
            clear = second >= thr
        else:
            clear = np.ones(len(src), bool)
        unfit = (lab != UNLABELLED) & ~np.isin(lab, ids)
        keep = (own < thr) | unfit
        move = ~keep & (best_res < thr) & clear
        lab[move] = ids[best[move]]
        lab[~keep & ~move] = UNLABELLED
        return lab

    def _found_surfaces(self, src: np.ndarray, dst: np.ndarray, lab: np.ndarray,
                        models: dict[int, np.ndarray]) -> np.ndarray:
        """Sequential RANSAC on the unexplained features: each big consistent group is a surface."""
        p = self.p
        for _ in range(2):
            free = np.flatnonzero(lab == UNLABELLED)
            if len(free) < p.new_surface_min:
                break
            h, inl = cv2.findHomography(src[free], dst[free], cv2.USAC_FAST, self.rthr,
                                        maxIters=300, confidence=0.995)
            if h is None or not sane(h):
                break
            inl = inl.ravel().astype(bool)
            if inl.sum() < p.new_surface_min:
                break
            # a group an existing surface still roughly explains is noise of that surface
            near = self._closest(models, src[free[inl]], dst[free[inl]])
            if near is not None:
                lab[free[inl]] = near
                continue
            sid = self.next_id
            self.next_id += 1
            lab[free[inl]] = sid
            models[sid] = h
        return lab

    def _segment_window(self, a: np.ndarray, b: np.ndarray, lab: np.ndarray,
                        models: dict[int, np.ndarray]) -> np.ndarray:
        """Re-split the features by their motion over the whole window (anchor -> now)."""
        p = self.p
        ok = np.all(np.isfinite(a), axis=1)
        if ok.sum() < p.min_surface:
            return lab
        idx = np.flatnonzero(ok)
        src, dst, sub = a[idx], b[idx], lab[idx].copy()
        wmodels: dict[int, np.ndarray] = {}
        for sid in np.unique(sub):
            m = sub == sid
            if sid == UNLABELLED or m.sum() < p.min_fit:
                continue
            h, _ = cv2.findHomography(src[m], dst[m], cv2.USAC_FAST, p.window_px, maxIters=300,
                                      confidence=0.995)
            if h is not None and np.all(np.isfinite(h)):
                wmodels[int(sid)] = h
        saved, saved_r = self.thr, self.rthr
        self.thr = self.rthr = max(p.window_px, saved)
        sub = self._relabel(src, dst, sub, wmodels, self.thr)
        before = set(wmodels)
        sub = self._found_surfaces(src, dst, sub, wmodels)
        for sid in set(wmodels) - before:  # new surface: its frame motion is unknown yet
            models.pop(sid, None)
        sub = self._merge(src, dst, sub, wmodels)
        self.thr, self.rthr = saved, saved_r
        for sid in list(models):
            if sid not in wmodels and sid in self.merged:
                models.pop(sid)
        lab = lab.copy()
        lab[idx] = sub
        return lab

    def _closest(self, models: dict[int, np.ndarray], src: np.ndarray,
                 dst: np.ndarray) -> int | None:
        """An existing surface whose model explains these matches within the threshold."""
        best, best_e = None, self.thr
        for sid, h in models.items():
            e = float(np.median(np.linalg.norm(apply_h(h, src) - dst, axis=1)))
            if e < best_e:
                best, best_e = sid, e
        return best

    def _merge(self, src: np.ndarray, dst: np.ndarray, lab: np.ndarray,
               models: dict[int, np.ndarray]) -> np.ndarray:
        """Join surfaces whose models have explained each other's features for a while."""
        ids = sorted(s for s in models if (lab == s).sum() >= self.p.min_fit)
        seen = set()
        for i, a in enumerate(ids):
            for b in ids[i + 1:]:
                if a not in models or b not in models:
                    continue
                ma, mb = lab == a, lab == b
                ea = np.median(np.linalg.norm(apply_h(models[b], src[ma]) - dst[ma], axis=1))
                eb = np.median(np.linalg.norm(apply_h(models[a], src[mb]) - dst[mb], axis=1))
                key = (a, b)
                seen.add(key)
                if ea < 0.5 * self.thr and eb < 0.5 * self.thr:
                    self.alike[key] = self.alike.get(key, 0) + 1
                else:
                    self.alike[key] = 0
                if self.alike[key] >= self.p.merge_steps:
                    lab[lab == b] = a
                    del models[b]
                    self.merged[b] = a
        self.alike = {k: v for k, v in self.alike.items() if k in seen}
        return lab

    def resolve(self, sid: int | None) -> int | None:
        """Follow merges: the surface that now carries the motion of `sid`."""
        while sid is not None and sid in self.merged:
            sid = self.merged[sid]
        return sid

    def _replenish(self, img: np.ndarray) -> None:
        """Detect new corners away from existing ones; label them by a labelled neighbour."""
        self.since_detect = 0
        new = self._detect(img, self.pts)
        if not len(new):
            return
        lab = np.full(len(new), UNLABELLED, np.int32)
        known = self.labels != UNLABELLED
        if known.any():
            ref = self.pts[known]
            d = np.linalg.norm(new[:, None, :] - ref[None, :, :], axis=2)
            j = np.argmin(d, axis=1)
            near = d[np.arange(len(new)), j] < self.p.label_radius
            lab[near] = self.labels[known][j[near]]
        self.pts = np.concatenate([self.pts, new.astype(np.float32)], 0)
        self.labels = np.concatenate([self.labels, lab])
        self._labelled = None
        self.anchor = np.concatenate([self.anchor, np.full((len(new), 2), np.nan, np.float32)])

    def support_near(self, xy: np.ndarray, radius: float) -> dict[int, int]:
        """Count the labelled features of each surface within `radius` of `xy`."""
        # asked for every point several times a frame: the labelled features are split out
        # once per frame (and per replenishment)
        if self._labelled is None:
            known = self.labels != UNLABELLED
            pts = self.pts[known].astype(np.float64)
            self._labelled = (pts[:, 0].copy(), pts[:, 1].copy(), self.labels[known])
        fx, fy, lab = self._labelled
        if not len(lab):
            return {}
        dx, dy = fx - float(xy[0]), fy - float(xy[1])
        cnt = np.bincount(lab[dx * dx + dy * dy < radius * radius])  # small non-negative ids
        return {int(i): int(cnt[i]) for i in np.flatnonzero(cnt)}

    def count(self) -> int:
        """How many surfaces have features now (one: the scene moves as one plane)."""
        return len(np.unique(self.labels[self.labels != UNLABELLED]))

    def largest(self) -> int | None:
        """The surface with the most features (usually the background)."""
        lab = self.labels[self.labels != UNLABELLED]
        if not len(lab):
            return None
        return int(np.argmax(np.bincount(lab)))
