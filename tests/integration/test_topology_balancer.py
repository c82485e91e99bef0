"""The topology's entry point on real sockets: round robin, failover, 503 with none left."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import aiohttp
from aiohttp import web

from orchestrator.topology.balancer import Balancer
from tests.support.ports import free_tcp_ports


@contextlib.asynccontextmanager
async def named_server(name: str, port: int) -> AsyncIterator[web.AppRunner]:
    """An HTTP server answering its name, with a WebSocket echo at /ws."""

    async def hello(_request: web.Request) -> web.Response:
        return web.Response(text=name)

    async def echo(request: web.Request) -> web.WebSocketResponse:
        socket = web.WebSocketResponse()
        await socket.prepare(request)
        async for message in socket:
            await socket.send_str(f"{name}:{message.data}")
        return socket

    app = web.Application()
    app.router.add_get("/", hello)
    app.router.add_get("/ws", echo)
    runner = web.AppRunner(app)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", port).start()
    try:
        yield runner
    finally:
        await runner.cleanup()


@contextlib.asynccontextmanager
async def balancer_on(port: int, backends: list[int]) -> AsyncIterator[str]:
    stop = asyncio.Event()
    balancer = Balancer([("127.0.0.1", backend) for backend in backends], retry_after=60)
    task = asyncio.create_task(balancer.serve("127.0.0.1", port, stop))
    await asyncio.sleep(0.1)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        stop.set()
        await task


async def names(http: aiohttp.ClientSession, url: str, count: int) -> list[str]:
    answers = []
    for _ in range(count):
        async with http.get(url, headers={"Connection": "close"}) as response:
            answers.append(await response.text())
    return answers


async def test_connections_alternate_and_a_dead_backend_is_skipped() -> None:
    entry, port_a, port_b = free_tcp_ports(3)
    async with (
        balancer_on(entry, [port_a, port_b]) as url,
        aiohttp.ClientSession() as http,
        named_server("a", port_a),
        named_server("b", port_b) as server_b,
    ):
        assert sorted(await names(http, url, 4)) == ["a", "a", "b", "b"]
        async with http.ws_connect(f"{url}/ws") as socket:
            await socket.send_str("hi")
            assert (await socket.receive_str(timeout=5)) in ("a:hi", "b:hi")
        await server_b.cleanup()
        assert await names(http, url, 4) == ["a"] * 4


async def test_no_backend_left_answers_a_503_problem_document() -> None:
    entry, port_a = free_tcp_ports(2)
    async with (
        balancer_on(entry, [port_a]) as url,
        aiohttp.ClientSession() as http,
        http.get(f"{url}/api/sessions") as response,
    ):
        assert response.status == 503
        assert response.content_type == "application/problem+json"
        assert (await response.json())["code"] == "service_unavailable"
