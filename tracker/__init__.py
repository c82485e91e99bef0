"""Point tracker for markers that stay on objects while a handheld camera moves."""

from tracker.core import PointTracker
from tracker.params import Params

__all__ = ["Params", "PointTracker"]
