"""The anchor of bench/api.py: a bare aiohttp handler returning a constant JSON."""

from __future__ import annotations

import sys

from aiohttp import web

BODY = b'{"status": "ok", "items": [1, 2, 3]}'


async def constant(_request: web.Request) -> web.Response:
    return web.Response(body=BODY, content_type="application/json")


def main() -> None:
    app = web.Application()
    app.router.add_get("/", constant)
    web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), print=None, access_log=None)


if __name__ == "__main__":
    main()
