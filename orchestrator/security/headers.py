"""Security headers on every response, the Content-Security-Policy first.

The policy allows no inline script or style: the web app is built into files under
``/assets`` (Vite), the API documentation links its stylesheet, and Preact sets
styles through the CSSOM, which a CSP does not restrict. Connections go to this
site, its WebSocket, the Janus nodes' public URLs and, with S3 storage, the bucket's
endpoint (pre-signed playback). HSTS is sent only when the site is served over
HTTPS, where a browser must not fall back to plain HTTP.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from aiohttp import web

from orchestrator.settings import Settings

HSTS = "max-age=31536000"
PERMISSIONS_POLICY = (
    "camera=(self), microphone=(self), fullscreen=(self), display-capture=(), "
    "geolocation=(), payment=(), usb=(), serial=(), bluetooth=(), interest-cohort=()"
)

HEADERS_KEY = web.AppKey("security_headers", dict)


def _origin(url: str) -> str | None:
    parts = urlsplit(url)
    if not parts.scheme or not parts.netloc:
        return None
    return f"{parts.scheme}://{parts.netloc}"


def _websocket_origin(site: str) -> str:
    scheme, rest = site.split("://", 1)
    return ("wss://" if scheme == "https" else "ws://") + rest


def content_security_policy(settings: Settings) -> str:
    site = _origin(settings.site_url) or "'self'"
    janus = sorted({o for node in settings.janus_nodes if (o := _origin(node.public_url))})
    storage = []
    if settings.storage_backend == "s3" and (s3 := _origin(settings.s3_endpoint_url)):
        storage.append(s3)
    connect = ["'self'", _websocket_origin(site), *janus, *storage]
    directives = {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:", "blob:", *storage],
        "media-src": ["'self'", "blob:", *storage],
        "connect-src": connect,
        "font-src": ["'self'"],
        "worker-src": ["'self'"],
        "manifest-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
    return "; ".join(
        f"{name} {' '.join(dict.fromkeys(values))}" for name, values in directives.items()
    )


def security_header_values(settings: Settings) -> dict[str, str]:
    """The headers every response gets; ``create_app`` computes them once."""
    headers = {
        "Content-Security-Policy": content_security_policy(settings),
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "same-origin",
        "X-Frame-Options": "DENY",
        "Permissions-Policy": PERMISSIONS_POLICY,
        "Cross-Origin-Opener-Policy": "same-origin",
    }
    if settings.site_url.startswith("https://"):
        headers["Strict-Transport-Security"] = HSTS
    return headers


@web.middleware
async def security_headers(request: web.Request, handler: Any) -> web.StreamResponse:
    response: web.StreamResponse = await handler(request)
    for name, value in request.app[HEADERS_KEY].items():
        response.headers.setdefault(name, value)
    if request.secure and "Strict-Transport-Security" not in response.headers:
        response.headers["Strict-Transport-Security"] = HSTS
    if request.path.startswith("/api/") and "Cache-Control" not in response.headers:
        response.headers["Cache-Control"] = "no-store"
    return response
