"""Point tracker for markers that stay on objects while a handheld camera moves."""

from tracker.core import Params, PointTracker

__all__ = ["Params", "PointTracker"]
