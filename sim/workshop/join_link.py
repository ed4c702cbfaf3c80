"""The join link a facilitator hands to the teams, and its QR code.

The link is the team page's address on this machine with the workshop's join code (public: teams type
it anyway), ``<base>/workshop_team?join=<code>``. A board opened at ``localhost`` would hand out an
address no phone can open, so a loopback host is replaced by the machine's address on the room's
network; a server that answers this machine only (the default ``server.address`` 127.0.0.1) is reported,
since no phone can reach it whatever the link says.
"""

from __future__ import annotations

import io
import ipaddress
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

TEAM_PAGE = "workshop_team"
LOOPBACK_NAMES = {"localhost", "ip6-localhost", ""}
MAX_BASE = 200


@dataclass(frozen=True)
class JoinBase:
    """Where the teams' browsers find this server: ``url`` (scheme, host, port), and whether the
    server listens beyond this machine."""
    url: str
    reachable: bool


def is_loopback(host: str) -> bool:
    host = host.strip("[]").lower()
    if host in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def join_base(browser_url: str | None, server_address: str | None, port: int, lan_ip: str | None) -> JoinBase:
    """The base address teams open. ``browser_url`` is the board's own (``st.context.url``), kept when
    its host is one the room can reach (a LAN address or a department's server name)."""
    listens_widely = not server_address or not is_loopback(server_address)
    parts = urlsplit(browser_url or "")
    if parts.scheme in ("http", "https") and parts.hostname and not is_loopback(parts.hostname):
        return JoinBase(f"{parts.scheme}://{parts.netloc}", True)
    host = lan_ip if lan_ip and not is_loopback(lan_ip) else "THIS-MACHINE"
    port = parts.port or port
    return JoinBase(f"http://{host}:{port}", listens_widely and host != "THIS-MACHINE")


def checked_base(text: str) -> str:
    """A base address typed by the facilitator, checked: ``http(s)://host[:port]``; refused with a
    message otherwise (``ValueError``)."""
    text = text.strip().rstrip("/")
    parts = urlsplit(text)
    try:
        port_ok = parts.port is None or 0 < parts.port < 65536
    except ValueError:
        port_ok = False
    if len(text) > MAX_BASE or parts.scheme not in ("http", "https") or not parts.hostname or not port_ok \
            or parts.path or parts.query or parts.fragment or any(c.isspace() for c in text):
        raise ValueError("Type the address as http://HOST:PORT (the machine's address on the room's "
                         "network and the server's port), with nothing after the port.")
    return text


def join_url(base: str, code: str) -> str:
    return f"{base.rstrip('/')}/{TEAM_PAGE}?join={quote(code, safe='')}"


def qr_png(url: str, scale: int = 8) -> bytes:
    """The link as a QR code, a PNG image (segno, pure Python; nothing leaves the machine)."""
    import segno

    out = io.BytesIO()
    segno.make(url, error="m", micro=False).save(out, kind="png", scale=scale, border=4)
    return out.getvalue()
