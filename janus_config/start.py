"""Render one node's configuration, start Janus on it and wait until it answers.

    python -m janus_config.start --out var/janus/janus-1 --http-port 8088 \
        --admin-port 7088 --ws-port 8188 --event-url http://127.0.0.1:8080/janus/events

With ``--node NAME`` the ports and secrets come from the orchestrator's settings
(``FERNBLICK_JANUS_NODES`` and the ``FERNBLICK_JANUS_*`` secrets), so the README's
run command and the orchestrator cannot disagree. The command stays in the
foreground and stops Janus when it receives SIGINT or SIGTERM.
"""

from __future__ import annotations

import argparse
import json
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from types import FrameType
from urllib.parse import urlsplit

from janus_config.render import JanusNodeConfig, add_arguments, config_from_arguments, render

JANUS_BINARY = "janus"


class JanusDidNotStart(RuntimeError):
    """Janus exited or stayed silent while we waited for its HTTP API."""


def janus_command(jcfg: Path, binary: str = JANUS_BINARY) -> list[str]:
    """The command line: config file, config folder, plain (colourless) log lines."""
    return [binary, "-C", str(jcfg), "-F", str(jcfg.parent), "-o"]


def info_url(config: JanusNodeConfig) -> str:
    host = "127.0.0.1" if config.http_ip in ("0.0.0.0", "") else config.http_ip
    return f"http://{host}:{config.http_port}/janus/info"


def wait_until_answering(
    url: str, process: subprocess.Popen[bytes], timeout: float = 15.0
) -> dict[str, object]:
    """Poll Janus's ``info`` endpoint until it answers; fail early if Janus exits."""
    deadline = time.monotonic() + timeout
    last_error = "no answer"
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise JanusDidNotStart(f"janus exited with status {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=1.0) as response:
                answer: dict[str, object] = json.loads(response.read())
                if answer.get("janus") == "server_info":
                    return answer
        except (urllib.error.URLError, ConnectionError, TimeoutError, ValueError) as error:
            last_error = str(error)
        time.sleep(0.05)
    raise JanusDidNotStart(f"janus did not answer {url} within {timeout} s: {last_error}")


def start_janus(
    config: JanusNodeConfig,
    out_dir: Path,
    *,
    log_path: Path | None = None,
    timeout: float = 15.0,
) -> subprocess.Popen[bytes]:
    """Render into ``out_dir``, start Janus and return the process once it answers.

    The caller owns the process and must terminate it. The log goes to
    ``log_path`` (or inherits our stdout when None).
    """
    jcfg = render(config, out_dir)
    log = log_path.open("ab") if log_path is not None else None
    try:
        process = subprocess.Popen(
            janus_command(jcfg),
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT if log is not None else None,
        )
    finally:
        if log is not None:
            log.close()
    try:
        wait_until_answering(info_url(config), process, timeout)
    except BaseException:
        stop_janus(process)
        raise
    return process


def stop_janus(process: subprocess.Popen[bytes], timeout: float = 5.0) -> None:
    """SIGTERM, then SIGKILL if Janus has not exited within ``timeout``."""
    if process.poll() is not None:
        return
    process.terminate()
    try:
        process.wait(timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout)


def _apply_settings_node(config: JanusNodeConfig, node_name: str) -> JanusNodeConfig:
    """Take ports and secrets of ``node_name`` from the orchestrator's settings."""
    from orchestrator.settings import load_settings

    settings = load_settings()
    nodes = {node.name: node for node in settings.janus_nodes}
    if node_name not in nodes:
        raise SystemExit(f"no Janus node {node_name!r} in FERNBLICK_JANUS_NODES")
    node = nodes[node_name]
    api, admin, public = urlsplit(node.url), urlsplit(node.admin_url), urlsplit(node.public_url)
    return replace(
        config,
        server_name=node.name,
        http_port=api.port or config.http_port,
        admin_port=admin.port or config.admin_port,
        ws_port=public.port or config.ws_port,
        api_secret=settings.janus_api_secret.get_secret_value(),
        admin_secret=settings.janus_admin_secret.get_secret_value(),
        admin_key=settings.janus_videoroom_admin_key.get_secret_value(),
        event_user=settings.janus_event_user,
        event_password=settings.janus_event_password.get_secret_value(),
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_arguments(parser)
    parser.add_argument("--node", default=None, help="take ports and secrets from settings")
    parser.add_argument("--timeout", type=float, default=15.0)
    args = parser.parse_args(argv)
    if args.node:
        for name in ("api_secret", "admin_secret", "admin_key"):
            setattr(args, name, getattr(args, name) or "from-settings")
    config = config_from_arguments(args)
    if args.node:
        config = _apply_settings_node(config, args.node)
    process = start_janus(config, args.out, timeout=args.timeout)
    print(f"janus {config.server_name} answering on {info_url(config)}", file=sys.stderr)

    def forward(signum: int, _frame: FrameType | None) -> None:
        process.send_signal(signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    return process.wait()


if __name__ == "__main__":
    raise SystemExit(main())
