"""The tracker's knobs in one place; the feature and re-acquisition layers keep their own."""

from __future__ import annotations

from dataclasses import dataclass, field

from tracker.planarity import PlanarityParams
from tracker.reacquire import ReacqParams
from tracker.surfaces import SurfaceParams
from tracker.swing import SwingParams


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
    first_blur_scale: float = 0.75  # ...in the first frame, of the motion to the second
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
    shift_drift: float = 0.5  # uncertainty added per pixel an unpinned point is shifted by
    # its surface-mates' corrections in a layered scene (they may be another surface's)
    pinned_drift_px: float = 2.0  # uncertainty of a textured point so pinned
    pinned_reach_px: float = 12.0  # ...and farthest from there it may be re-acquired
    outlier_px: float = 3.0  # an audited point this far from its ORB position is checked
    flat_support_px: float = 40.0  # untextured point: radius of the features that vouch for it
    flat_drift_max_px: float = 3.0  # untextured point: uncertainty up to which it is ok
    flat_std_ratio: float = 2.5  # untextured point: hidden if its window gets this textured
    ncc_flat_hold: float = 0.3  # untextured point: verification that keeps it ok...
    ncc_flat_take: float = 0.7  # untextured point: verification that takes it back after loss...
    flat_take_inliers: int = 12  # ...at the position that this many ORB inliers around it give
    surfaces: SurfaceParams = field(default_factory=SurfaceParams)
    reacq: ReacqParams = field(default_factory=ReacqParams)
    swing: SwingParams = field(default_factory=SwingParams)
    planarity: PlanarityParams = field(default_factory=PlanarityParams)
    swing_lost_verify: float = 0.4  # a lost point's own smeared patch where a swing puts it
    swing_unseen_verify: float = 0.7  # ...where the keyframe did not see it
    swing_hold_drift_px: float = 2.0  # uncertainty of a point a swing's registration placed
    swing_override_px: float = 5.0  # a point confirmed this far from where it puts it is moved
