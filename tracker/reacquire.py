"""Finding lost points again by matching binary descriptors against the first frame.

Each query point remembers the ORB keypoints of the first frame around it. To re-acquire,
the current frame's keypoints are matched to those neighbourhoods and a homography is
fitted per point from its own neighbourhood only: a local model, so points on objects at
different depths (or moving on their own) are found by their own surface.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

FLANN_INDEX_LSH = 6
LSH_SEED = 1


@dataclass
class ReacqParams:
    """Knobs of the re-acquisition layer, in working-image pixels."""

    n_ref: int = 1500  # ORB keypoints in the first frame
    n_cur: int = 800  # ORB keypoints per frame that only audits tracked points
    n_search: int = 1500  # ...per frame that searches for lost points (noise, blur and
    # compression leave few matches; the audit's tracked points have many)
    radius: float = 70.0  # neighbourhood of a point
    max_radius: float = 160.0  # grown up to this while the neighbourhood is too sparse
    min_kp: int = 20  # keypoints wanted in a neighbourhood
    levels: int = 8  # ORB pyramid (scale factor 1.2)
    fast_threshold: int = 20  # FAST corner contrast of the searched frames (10 is slower:
    # more corners to score, and noisy ones)
    blur: float = 1.0  # Gaussian sigma before ORB: noise makes FAST corners unstable
    ratio: float = 0.8  # Lowe ratio test
    # descriptors are matched by locality-sensitive hashing, not by brute force: brute
    # force compared every reference descriptor with every current one (1,400 x 1,500 in
    # a search, ~15 ms, the tracker's largest cost at 1280x720); the hash tables find
    # 98 % of the same matches in a third of the time
    lsh_tables: int = 6
    lsh_key_bits: int = 12
    lsh_probe: int = 1
    max_distance: int = 64  # Hamming distance above which a match is no match: where the
    # hashing missed a descriptor's true second neighbour, the ratio test passes junk
    ransac_px: float = 3.0
    min_inliers: int = 8
    global_stride: int = 3  # every n-th first-frame keypoint also joins the global fit
    dominant_min: int = 25  # inliers of the dominant fit that make it a fallback
    model_radius: float = 160.0  # a global model's inliers this near a point vote for it
    max_candidates: int = 3  # homographies per point handed to the template to choose
    # keypoints spread over a grid with this many columns (0: the strongest anywhere): a
    # busy background has the strongest corners, and nearer objects were left with none
    grid_ref: int = 8  # ...in the first frame
    grid_search: int = 8  # ...in the frames searched for lost points
    grid_over: int = 4  # corners detected per kept keypoint before the grid picks


class Reacquirer:
    """First-frame ORB neighbourhoods of the query points, matched on demand."""

    def __init__(
        self,
        img: np.ndarray,
        points: np.ndarray,
        params: ReacqParams | None = None,
    ) -> None:
        self.p = params or ReacqParams()
        self.orb_ref = cv2.ORB_create(
            nfeatures=self.p.n_ref, fastThreshold=10, nlevels=self.p.levels
        )
        self.orb_audit, self.orb_search = (
            cv2.ORB_create(nfeatures=n, fastThreshold=self.p.fast_threshold, nlevels=self.p.levels)
            for n in (self.p.n_cur, self.p.n_search)
        )
        kp, des = self._detect(self.orb_ref, self._smooth(img), self.p.n_ref, self.p.grid_ref)
        self.xy0 = np.float32([k.pt for k in kp]).reshape(-1, 2)
        self.des0 = des if des is not None else np.zeros((0, 32), np.uint8)
        self.pts0 = np.asarray(points, np.float32).reshape(-1, 2)
        self.sets: list[np.ndarray] = []
        for q in np.asarray(points, np.float32):
            d = np.linalg.norm(self.xy0 - q[None, :], axis=1) if len(self.xy0) else np.zeros(0)
            r = self.p.radius
            idx = np.flatnonzero(d < r)
            while len(idx) < self.p.min_kp and r < self.p.max_radius:
                r *= 1.4
                idx = np.flatnonzero(d < r)
            self.sets.append(idx)
        # the same neighbourhoods as masks over the first-frame keypoints (cheap lookups)
        self.member = np.zeros((len(self.sets), len(self.xy0)), bool)
        for k, idx in enumerate(self.sets):
            self.member[k, idx] = True
        self.matcher = cv2.FlannBasedMatcher(
            {
                "algorithm": FLANN_INDEX_LSH,
                "table_number": self.p.lsh_tables,
                "key_size": self.p.lsh_key_bits,
                "multi_probe_level": self.p.lsh_probe,
            },
            {"checks": 50},
        )

    def _detect(self, orb: cv2.ORB, img: np.ndarray, n: int, cols: int) -> tuple:
        """ORB keypoints and descriptors: `n` strongest overall, or spread over a grid.

        With a grid each cell keeps its strongest corners up to an equal share, and the
        strongest of the rest fill up to `n`: a nearer object has its own keypoints even
        where the background around it has far stronger corners.
        """
        if cols <= 0:
            return orb.detectAndCompute(img, None)
        orb.setMaxFeatures(n * self.p.grid_over)
        kp = orb.detect(img, None)
        orb.setMaxFeatures(n)
        if not kp:
            return (), None
        h, w = img.shape
        rows = max(1, round(cols * h / w))
        xy = np.float32([k.pt for k in kp])
        cx = np.minimum((xy[:, 0] * cols / w).astype(int), cols - 1)
        cy = np.minimum((xy[:, 1] * rows / h).astype(int), rows - 1)
        cell = cy * cols + cx
        strongest = np.argsort(-np.array([k.response for k in kp]), kind="stable")
        # rank of each keypoint within its cell, strongest first
        by_cell = strongest[np.argsort(cell[strongest], kind="stable")]
        first = np.searchsorted(cell[by_cell], cell[by_cell], side="left")
        in_share = np.zeros(len(kp), bool)
        in_share[by_cell] = np.arange(len(kp)) - first < max(1, n // (cols * rows))
        keep = [kp[i] for i in strongest if in_share[i]]
        rest = [kp[i] for i in strongest if not in_share[i]]
        return orb.compute(img, keep + rest[: max(0, n - len(keep))])

    def _smooth(self, img: np.ndarray) -> np.ndarray:
        return cv2.GaussianBlur(img, (0, 0), self.p.blur) if self.p.blur > 0 else img

    def find(
        self,
        img: np.ndarray,
        which: list[int],
        checked: list[int] | None = None,
        thorough: bool = True,
    ) -> dict[int, list[tuple[np.ndarray, int]]]:
        """Candidate first-frame-to-now homographies (working pixels) for the points in `which`.

        Each point gets the homographies fitted to the matches of its own neighbourhood, then
        the global fits (surfaces found by sequential RANSAC over all matches) with enough
        inliers near the point. Returns {point index: [(homography, inlier count), ...]},
        the point's own best fit first, for the points with any candidate. The points in
        `checked` (tracked ones being audited) get only that first candidate. `thorough`
        detects more keypoints, for points that are lost in view.
        """
        p = self.p
        single = set(checked or [])
        which = list(which) + [k for k in single if k not in which]
        if not which or len(self.des0) < p.min_inliers:
            return {}
        search = thorough and bool(set(which) - single)
        orb = self.orb_search if search else self.orb_audit
        kp, des = self._detect(
            orb,
            self._smooth(img),
            p.n_search if search else p.n_cur,
            p.grid_search if search else 0,
        )
        if des is None or len(kp) < p.min_inliers:
            return {}
        xy = np.float32([k.pt for k in kp])
        out: dict[int, list[tuple[np.ndarray, int]]] = {}
        # only the first-frame keypoints that can matter: the searched points' neighbourhoods,
        # and a sparse sample of the rest for the global fallback models (a search only: an
        # audit checks each point against its own neighbourhood)
        query = np.concatenate([self.sets[k] for k in which])
        if set(which) - single:
            query = np.union1d(query, np.arange(0, len(self.des0), p.global_stride))
        else:
            query = np.unique(query)
        # the hash functions are drawn from OpenCV's random generator: seeded, the same frame
        # gives the same matches whatever ran before (in a benchmark, in another session)
        cv2.setRNGSeed(LSH_SEED)
        pairs = self.matcher.knnMatch(self.des0[query], des, k=2)
        ref_i, cur_i = [], []
        for m in pairs:
            if (
                len(m) == 2
                and m[0].distance < p.ratio * m[1].distance
                and m[0].distance <= p.max_distance
            ):
                ref_i.append(int(query[m[0].queryIdx]))
                cur_i.append(m[0].trainIdx)
        if len(ref_i) < p.min_inliers:
            return out
        ref_a, cur_a = np.array(ref_i), np.array(cur_i)
        models: list[tuple[np.ndarray, np.ndarray]] | None = None  # fitted when first needed
        for k in which:
            cands = self._local_models(ref_a, cur_a, xy, k, 1 if k in single else 2)
            if cands and k in single:
                out[k] = cands
                continue
            if models is None:
                models = self._global_models(self.xy0[ref_a], xy[cur_a])
            glob = []
            for h, src_in in models:
                near = int((np.linalg.norm(src_in - self.pts0[k], axis=1) < p.model_radius).sum())
                if near >= p.min_inliers:
                    glob.append((h, near))
            cands += sorted(glob, key=lambda c: -c[1])
            if not cands and models and len(models[0][1]) >= p.dominant_min:
                # a flat scene is one plane: the dominant fit holds for every point on it
                cands.append((models[0][0], len(models[0][1])))
            if cands:
                out[k] = cands[: 1 if k in single else p.max_candidates]
        return out

    def _fits(
        self,
        src: np.ndarray,
        dst: np.ndarray,
        n_max: int,
    ) -> list[tuple[np.ndarray, int]]:
        """Up to `n_max` homographies by sequential RANSAC, most inliers first.

        Near an object's edge a neighbourhood spans two surfaces: RANSAC keeps the one
        with more matches, which need not be the point's; the template decides between them.
        """
        p = self.p
        out: list[tuple[np.ndarray, int]] = []
        for _ in range(n_max):
            if len(src) < p.min_inliers:
                break
            h, inl = cv2.findHomography(src, dst, cv2.USAC_FAST, p.ransac_px, maxIters=300)
            n = 0 if inl is None else int(inl.sum())
            if h is None or n < p.min_inliers:
                break
            out.append((h, n))
            keep = ~inl.ravel().astype(bool)
            src, dst = src[keep], dst[keep]
        return out

    def _local_models(
        self, ref_a: np.ndarray, cur_a: np.ndarray, xy: np.ndarray, k: int, n_max: int
    ) -> list[tuple[np.ndarray, int]]:
        """Homographies from the whole-frame matches of point k's own neighbourhood."""
        m = self.member[k][ref_a]
        return self._fits(self.xy0[ref_a[m]], xy[cur_a[m]], n_max)

    def _global_models(
        self,
        src: np.ndarray,
        dst: np.ndarray,
    ) -> list[tuple[np.ndarray, np.ndarray]]:
        """Sequential RANSAC: up to three homographies (surfaces) with their inlier sources."""
        models = []
        idx = np.arange(len(src))
        for _ in range(3):
            if len(idx) < 2 * self.p.min_inliers:
                break
            h, inl = cv2.findHomography(
                src[idx], dst[idx], cv2.USAC_FAST, self.p.ransac_px, maxIters=500
            )
            if h is None or inl is None or inl.sum() < 2 * self.p.min_inliers:
                break
            inl = inl.ravel().astype(bool)
            models.append((h, src[idx[inl]]))
            idx = idx[~inl]
        return models
