"""Render the Janus configuration of one Fernblick node into a folder.

The templates next to this module hold every option Fernblick sets, with its
meaning and default; this module only fills in what differs between nodes:
ports, bind addresses, secrets, NAT settings and the event handler.

    python -m janus_config.render --out var/janus/janus-1 --http-port 8088 \
        --admin-port 7088 --ws-port 8188 --event-url http://127.0.0.1:8080/janus/events

Secrets are read from ``FERNBLICK_JANUS_API_SECRET``, ``FERNBLICK_JANUS_ADMIN_SECRET``
and ``FERNBLICK_JANUS_VIDEOROOM_ADMIN_KEY`` unless given as options, so that they
need not appear in the process list.
"""

from __future__ import annotations

import argparse
import glob
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from string import Template
from typing import Literal

TEMPLATE_DIR = Path(__file__).resolve().parent
EventHandler = Literal["sample", "rabbitmq", "none"]
EVENT_HANDLER_FILES: dict[str, str] = {
    "sample": "libjanus_sampleevh.so",
    "rabbitmq": "libjanus_rabbitmqevh.so",
}
ALL_EVENT_HANDLER_FILES = (
    "libjanus_gelfevh.so",
    "libjanus_mqttevh.so",
    "libjanus_nanomsgevh.so",
    "libjanus_rabbitmqevh.so",
    "libjanus_sampleevh.so",
    "libjanus_wsevh.so",
)


def find_janus_lib_dir() -> str:
    """Where the Debian package put the plugin folders (``/usr/lib/<triplet>/janus``)."""
    candidates = [*sorted(glob.glob("/usr/lib/*/janus")), "/usr/lib/janus"]
    for candidate in candidates:
        if Path(candidate, "plugins").is_dir():
            return candidate
    return candidates[0]


@dataclass(frozen=True)
class RabbitMqTarget:
    """Where the RabbitMQ event handler publishes."""

    host: str = "127.0.0.1"
    port: int = 5672
    username: str = "guest"
    password: str = "guest"
    vhost: str = "/"
    exchange: str = "janus.events"
    route_key: str = "janus.event"


@dataclass(frozen=True)
class JanusNodeConfig:
    """Everything that differs between two Janus nodes of one deployment."""

    api_secret: str
    admin_secret: str
    admin_key: str
    server_name: str = "janus-1"
    http_port: int = 8088
    http_ip: str = "127.0.0.1"
    admin_port: int = 7088
    admin_ip: str = "127.0.0.1"
    ws_port: int = 8188
    ws_ip: str = "127.0.0.1"
    event_handler: EventHandler = "none"
    event_url: str = ""
    event_user: str = ""
    event_password: str = ""
    rabbitmq: RabbitMqTarget = RabbitMqTarget()
    session_timeout: int = 60
    debug_level: int = 4
    log_file: str = ""
    rtp_port_range: str = ""
    stun_server: str = ""
    stun_port: int = 3478
    nat_1_1_mapping: str = ""
    ice_ignore_list: str = "vmnet"
    lib_dir: str = ""

    def __post_init__(self) -> None:
        if self.event_handler == "sample" and not self.event_url:
            raise ValueError("the sample event handler needs an event URL")
        for name in ("api_secret", "admin_secret", "admin_key"):
            value = getattr(self, name)
            if not value or '"' in value or "\\" in value:
                raise ValueError(f"{name} must be non-empty and free of quotes and backslashes")
        for name in ("event_user", "event_password"):
            if '"' in getattr(self, name) or "\\" in getattr(self, name):
                raise ValueError(f"{name} must be free of quotes and backslashes")


def _option(name: str, value: str | int, example: str) -> str:
    """An active ``name = value`` line, or the commented example when unset."""
    if value == "" or value is None:
        return f"#{name} = {example}"
    if isinstance(value, int):
        return f"{name} = {value}"
    return f'{name} = "{value}"'


def _core_values(config: JanusNodeConfig, out_dir: Path) -> dict[str, str]:
    enabled = EVENT_HANDLER_FILES.get(config.event_handler)
    disabled = [name for name in ALL_EVENT_HANDLER_FILES if name != enabled]
    return {
        "configs_folder": str(out_dir),
        "lib_dir": config.lib_dir or find_janus_lib_dir(),
        "debug_level": str(config.debug_level),
        "log_to_file": _option("log_to_file", config.log_file, '"/path/to/janus.log"'),
        "server_name": config.server_name,
        "api_secret": config.api_secret,
        "admin_secret": config.admin_secret,
        "session_timeout": str(config.session_timeout),
        "rtp_port_range": _option("rtp_port_range", config.rtp_port_range, '"20000-40000"'),
        "stun_server": _option("stun_server", config.stun_server, '"stun.example.org"'),
        "stun_port": _option("stun_port", config.stun_port if config.stun_server else "", "3478"),
        "nat_1_1_mapping": _option("nat_1_1_mapping", config.nat_1_1_mapping, '"203.0.113.1"'),
        "ice_ignore_list": config.ice_ignore_list,
        "broadcast": "true" if enabled else "false",
        "disabled_event_handlers": ",".join(disabled),
    }


def template_values(config: JanusNodeConfig, out_dir: Path) -> dict[str, dict[str, str]]:
    """The substitutions for each template file, keyed by the rendered file name."""
    rabbit = config.rabbitmq
    return {
        "janus.jcfg": _core_values(config, out_dir),
        "janus.plugin.videoroom.jcfg": {"admin_key": config.admin_key},
        "janus.transport.http.jcfg": {
            "http_port": str(config.http_port),
            "http_ip": config.http_ip,
            "admin_port": str(config.admin_port),
            "admin_ip": config.admin_ip,
        },
        "janus.transport.websockets.jcfg": {
            "ws_port": str(config.ws_port),
            "ws_ip": config.ws_ip,
        },
        "janus.eventhandler.sampleevh.jcfg": {
            "enabled": "true" if config.event_handler == "sample" else "false",
            "backend": config.event_url or "http://127.0.0.1:8080/janus/events",
            "backend_user": _option("backend_user", config.event_user, '"janus"'),
            "backend_pwd": _option("backend_pwd", config.event_password, '"secret"'),
        },
        "janus.eventhandler.rabbitmqevh.jcfg": {
            "enabled": "true" if config.event_handler == "rabbitmq" else "false",
            "host": rabbit.host,
            "port": str(rabbit.port),
            "username": rabbit.username,
            "password": rabbit.password,
            "vhost": rabbit.vhost,
            "exchange": rabbit.exchange,
            "route_key": rabbit.route_key,
        },
    }


def render(config: JanusNodeConfig, out_dir: Path) -> Path:
    """Write all configuration files into ``out_dir``; return the path of janus.jcfg.

    The folder holds secrets, so it is created readable by its owner only.
    """
    out_dir = out_dir.resolve()
    out_dir.mkdir(parents=True, exist_ok=True)
    out_dir.chmod(0o700)
    for file_name, values in template_values(config, out_dir).items():
        template = Template((TEMPLATE_DIR / f"{file_name}.tmpl").read_text(encoding="utf-8"))
        target = out_dir / file_name
        target.write_text(template.substitute(values), encoding="utf-8")
        target.chmod(0o600)
    return out_dir / "janus.jcfg"


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """The options shared by ``render`` and ``start``."""
    env = os.environ.get
    parser.add_argument("--out", type=Path, required=True, help="folder to render into")
    parser.add_argument("--name", default="janus-1", help="node name (server_name)")
    parser.add_argument("--http-port", type=int, default=8088)
    parser.add_argument("--http-ip", default="127.0.0.1")
    parser.add_argument("--admin-port", type=int, default=7088)
    parser.add_argument("--admin-ip", default="127.0.0.1")
    parser.add_argument("--ws-port", type=int, default=8188)
    parser.add_argument("--ws-ip", default="127.0.0.1")
    parser.add_argument("--api-secret", default=env("FERNBLICK_JANUS_API_SECRET"))
    parser.add_argument("--admin-secret", default=env("FERNBLICK_JANUS_ADMIN_SECRET"))
    parser.add_argument("--admin-key", default=env("FERNBLICK_JANUS_VIDEOROOM_ADMIN_KEY"))
    parser.add_argument("--event-handler", choices=["sample", "rabbitmq", "none"], default=None)
    parser.add_argument("--event-url", default="", help="sample handler: URL to POST to")
    parser.add_argument("--event-user", default=env("FERNBLICK_JANUS_EVENT_USER", ""))
    parser.add_argument("--event-password", default=env("FERNBLICK_JANUS_EVENT_PASSWORD", ""))
    parser.add_argument("--amqp-host", default="127.0.0.1")
    parser.add_argument("--amqp-port", type=int, default=5672)
    parser.add_argument("--amqp-user", default=env("FERNBLICK_JANUS_AMQP_USER", "guest"))
    parser.add_argument("--amqp-password", default=env("FERNBLICK_JANUS_AMQP_PASSWORD", "guest"))
    parser.add_argument("--amqp-exchange", default="janus.events")
    parser.add_argument("--session-timeout", type=int, default=60)
    parser.add_argument("--debug-level", type=int, default=4)
    parser.add_argument("--log-file", default="")
    parser.add_argument("--rtp-port-range", default="")
    parser.add_argument("--stun-server", default="")
    parser.add_argument("--nat-1-1", default="", help="public IP for 1:1 NAT")
    parser.add_argument("--ice-ignore-list", default="vmnet")


def config_from_arguments(args: argparse.Namespace) -> JanusNodeConfig:
    """Build the node configuration from parsed options; refuses missing secrets."""
    missing = [n for n in ("api_secret", "admin_secret", "admin_key") if not getattr(args, n)]
    if missing:
        names = ", ".join("--" + n.replace("_", "-") for n in missing)
        raise SystemExit(f"missing {names} (or the FERNBLICK_JANUS_* environment variables)")
    event_handler: EventHandler = args.event_handler or ("sample" if args.event_url else "none")
    return JanusNodeConfig(
        api_secret=args.api_secret,
        admin_secret=args.admin_secret,
        admin_key=args.admin_key,
        server_name=args.name,
        http_port=args.http_port,
        http_ip=args.http_ip,
        admin_port=args.admin_port,
        admin_ip=args.admin_ip,
        ws_port=args.ws_port,
        ws_ip=args.ws_ip,
        event_handler=event_handler,
        event_url=args.event_url,
        event_user=args.event_user,
        event_password=args.event_password,
        rabbitmq=RabbitMqTarget(
            host=args.amqp_host,
            port=args.amqp_port,
            username=args.amqp_user,
            password=args.amqp_password,
            exchange=args.amqp_exchange,
        ),
        session_timeout=args.session_timeout,
        debug_level=args.debug_level,
        log_file=args.log_file,
        rtp_port_range=args.rtp_port_range,
        stun_server=args.stun_server,
        nat_1_1_mapping=args.nat_1_1,
        ice_ignore_list=args.ice_ignore_list,
    )


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_arguments(parser)
    args = parser.parse_args(argv)
    jcfg = render(config_from_arguments(args), args.out)
    print(jcfg)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
