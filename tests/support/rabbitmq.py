"""The real RabbitMQ broker on 127.0.0.1:5672: private virtual hosts and forced disconnects.

A test that closes "all connections" does so in a virtual host of its own, so it
never hits a colleague's test run on the same broker.
"""

from __future__ import annotations

import asyncio
import re
import subprocess
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import aio_pika

BROKER = "amqp://guest:guest@127.0.0.1:5672"


def rabbitmqctl(*args: str) -> str:
    done = subprocess.run(
        ["rabbitmqctl", *args], capture_output=True, text=True, timeout=60, check=True
    )
    return done.stdout


@contextmanager
def temporary_vhost() -> Iterator[str]:
    """A fresh virtual host that guest may use; deleted (with its queues) afterwards."""
    name = f"fernblick-test-{uuid.uuid4().hex[:8]}"
    rabbitmqctl("add_vhost", name)
    try:
        rabbitmqctl("set_permissions", "-p", name, "guest", ".*", ".*", ".*")
        yield name
    finally:
        rabbitmqctl("delete_vhost", name)


async def close_all_connections(vhost: str) -> int:
    """Have the broker close every connection of ``vhost``; return how many it closed."""
    process = await asyncio.create_subprocess_exec(
        "rabbitmqctl", "close_all_connections", "-p", vhost, "test",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    stdout, stderr = await asyncio.wait_for(process.communicate(), 60)
    assert process.returncode == 0, stderr.decode()
    closed = re.search(r"Closed (\d+) connections", stdout.decode())
    return int(closed.group(1)) if closed else 0


async def take_dead_letters(url: str, queue: str) -> list[aio_pika.abc.AbstractIncomingMessage]:
    """Take everything from ``<queue>.dead`` (the bus's dead-letter queue of ``queue``)."""
    connection = await aio_pika.connect(url)
    async with connection:
        channel = await connection.channel()
        dead = await channel.declare_queue(f"{queue}.dead", passive=True)
        messages = []
        while (message := await dead.get(no_ack=True, fail=False)) is not None:
            messages.append(message)
        return messages


async def queue_consumers(url: str, queue: str) -> int:
    """How many consumers ``queue`` has; 0 when it does not exist yet."""
    import aio_pika
    from aio_pika.exceptions import ChannelClosed

    connection = await aio_pika.connect(url)
    async with connection:
        channel = await connection.channel()
        try:
            declared = await channel.declare_queue(queue, passive=True)
        except ChannelClosed:  # 404 NOT_FOUND
            return 0
        result = declared.declaration_result
        return int(result.consumer_count or 0) if result is not None else 0
