"""Render a screenshot with its annotations into one image (OpenCV), for the session.

The browsers draw boards on a canvas; after the call the server renders the same
elements (``board_merge.visible``) onto the original, so the stored image does not
depend on a browser being open at the end. Sizes are shares of the image width, as
in ``web/src/ui/screenshot-board.ts``, so both look alike.
"""

from __future__ import annotations

import cv2
import numpy as np

from orchestrator.domain.errors import InvalidInput
from orchestrator.realtime.tool_messages import Element

LINE_WIDTH = 0.005
"""Stroke width as a share of the image width (the browsers use the same)."""
TEXT_SIZE = 0.035
"""Text height as a share of the image width."""
COLOURS_BGR = {"code_user": (255, 107, 30), "employee": (43, 35, 229)}
"""#1e6bff and #e5232b, as in ``web/src/lib/tool-messages.ts`` ``roleColour``."""


def image_size(data: bytes) -> tuple[int, int]:
    """(width, height) of a JPEG or PNG; InvalidInput when it is no such image."""
    picture = cv2.imdecode(np.frombuffer(data, np.uint8), cv2.IMREAD_COLOR)
    if picture is None:
        raise InvalidInput("the body is not a JPEG or PNG image", code="not_an_image")
    height, width = picture.shape[:2]
    return int(width), int(height)


def render(original: bytes, elements: list[Element]) -> bytes:
    """The original with ``elements`` drawn on it, as PNG."""
    picture = cv2.imdecode(np.frombuffer(original, np.uint8), cv2.IMREAD_COLOR)
    if picture is None:
        raise InvalidInput("the stored screenshot is not an image", code="not_an_image")
    height, width = picture.shape[:2]
    thickness = max(2, round(width * LINE_WIDTH))

    def at(point: tuple[float, float]) -> tuple[int, int]:
        return round(point[0] * width), round(point[1] * height)

    for element in elements:
        colour = COLOURS_BGR[element.role.value]
        points = [at(p) for p in element.points]
        if not points:
            continue
        if element.shape == "pen":
            outline = np.array(points, np.int32).reshape(-1, 1, 2)
            cv2.polylines(picture, [outline], False, colour, thickness, cv2.LINE_AA)
        elif element.shape == "arrow" and len(points) >= 2:
            cv2.arrowedLine(picture, points[0], points[-1], colour, thickness, cv2.LINE_AA, 0, 0.2)
        elif element.shape == "rect" and len(points) >= 2:
            cv2.rectangle(picture, points[0], points[-1], colour, thickness, cv2.LINE_AA)
        elif element.shape == "text" and element.text:
            scale = width * TEXT_SIZE / 22  # Hershey simplex is ~22 px high at scale 1
            baseline = (points[0][0], points[0][1] + round(width * TEXT_SIZE))
            cv2.putText(
                picture,
                element.text,
                baseline,
                cv2.FONT_HERSHEY_SIMPLEX,
                scale,
                colour,
                thickness,
                cv2.LINE_AA,
            )
    ok, encoded = cv2.imencode(".png", picture)
    assert ok, "OpenCV could not encode a PNG"
    return encoded.tobytes()
