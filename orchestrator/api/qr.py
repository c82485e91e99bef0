"""QR codes of device pages (segno) and a printable sheet."""

from __future__ import annotations

import base64
import html
import io

import segno

from orchestrator.db.models import Device


def device_page_url(public_url: str, device: Device) -> str:
    return f"{public_url.rstrip('/')}/d/{device.code}"


def qr_svg(url: str) -> bytes:
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="svg", scale=6, border=2, xmldecl=False)
    return buffer.getvalue()


def qr_data_url(url: str) -> str:
    """The QR code of ``url`` as a ``data:`` URL, so a page can show it without a request."""
    return "data:image/svg+xml;base64," + base64.b64encode(qr_svg(url)).decode("ascii")


def qr_png(url: str) -> bytes:
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="png", scale=10, border=2)
    return buffer.getvalue()


def qr_sheet(public_url: str, devices: list[Device]) -> str:
    """A printable A4 page: one labelled QR code per device, no external assets."""
    cells = []
    for device in devices:
        url = device_page_url(public_url, device)
        cells.append(
            "<figure>"
            f"{qr_svg(url).decode()}"
            f"<figcaption><strong>{html.escape(device.name)}</strong><br>"
            f"{html.escape(device.location)}<br><small>{html.escape(url)}</small>"
            "<br>Videosupport / video support</figcaption></figure>"
        )
    return (
        "<!doctype html><html lang='de'><head><meta charset='utf-8'>"
        "<title>Fernblick QR codes</title><style>"
        "@page{size:A4;margin:12mm}body{font-family:sans-serif}"
        "main{display:grid;grid-template-columns:repeat(2,1fr);gap:10mm}"
        "figure{break-inside:avoid;border:1px dashed #999;padding:6mm;margin:0;text-align:center}"
        "svg{width:60mm;height:60mm}</style></head><body><main>"
        + "".join(cells)
        + "</main></body></html>"
    )
