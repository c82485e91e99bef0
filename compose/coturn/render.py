"""Write coturn's configuration from turnserver.conf.tmpl and the environment (compose).

    python3 compose/coturn/render.py > /tmp/turnserver.conf && turnserver -c /tmp/turnserver.conf

TURN_SECRET must equal the orchestrators' FERNBLICK_TURN_SECRET; TURN_LISTENING_IP is
the host's address coturn listens and relays on (it runs in the host's network);
TURN_REALM is usually
the domain; TURN_EXTERNAL_IP is the public address when coturn sits behind NAT;
TURN_MIN_PORT/TURN_MAX_PORT bound the relay ports (publish the same range).
The test suite fills the same template (tests/support/coturn_server.py).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from string import Template

TEMPLATE = Path(__file__).with_name("turnserver.conf.tmpl")


def values(env: dict[str, str]) -> dict[str, str]:
    external = env.get("TURN_EXTERNAL_IP", "")
    return {
        "listening_ip": env["TURN_LISTENING_IP"],
        "listening_port": env.get("TURN_PORT", "3478"),
        "relay_ip": env.get("TURN_RELAY_IP") or env["TURN_LISTENING_IP"],
        "external_ip": f"external-ip={external}" if external else "#external-ip=",
        "min_port": env.get("TURN_MIN_PORT", "49160"),
        "max_port": env.get("TURN_MAX_PORT", "49359"),
        "static_auth_secret": env["TURN_SECRET"],
        "realm": env.get("TURN_REALM", "fernblick"),
        "loopback_peers": "",
        # Never relay into the server's own networks (loopback, private, link-local).
        "denied_peers": "\n".join(
            f"denied-peer-ip={block}"
            for block in (
                "0.0.0.0-0.255.255.255",
                "10.0.0.0-10.255.255.255",
                "127.0.0.0-127.255.255.255",
                "169.254.0.0-169.254.255.255",
                "172.16.0.0-172.31.255.255",
                "192.168.0.0-192.168.255.255",
            )
        ),
        "pid_file": env.get("TURN_PID_FILE", "/tmp/turnserver.pid"),
    }


if __name__ == "__main__":
    sys.stdout.write(
        Template(TEMPLATE.read_text(encoding="utf-8")).substitute(values(dict(os.environ)))
    )
