"""Loaded by a Python process whose ``PYTHONPATH`` starts with this folder (tests/e2e/test_offline.py):
records every network connection and name lookup the process makes that is not to this machine.

An audit hook (PEP 578) sees ``socket.connect`` and ``socket.getaddrinfo`` however they are reached
(Streamlit's own HTTP calls, urllib, a UDP datagram); each one to a host other than the loopback
address is appended to the file named by ``ALLIANCE_NET_AUDIT``.
"""

import ipaddress
import os
import socket
import sys

_LOG = os.environ.get("ALLIANCE_NET_AUDIT")
_LOCAL_NAMES = {"", "localhost", "ip6-localhost"}


def _local(host) -> bool:
    if host is None or isinstance(host, bytes | bytearray):
        host = (host or b"").decode(errors="replace")
    host = str(host).strip("[]")
    if host in _LOCAL_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.split("%")[0]).is_loopback
    except ValueError:
        return False


def _hook(event: str, args: tuple) -> None:
    if event == "socket.connect" and isinstance(args[1], tuple):
        if args[0].type == socket.SOCK_DGRAM:
            return   # connecting a UDP socket sends nothing: Streamlit uses it to find the LAN address
        host = args[1][0]
    elif event == "socket.sendto" and isinstance(args[1], tuple):
        host = args[1][0]
    elif event == "socket.getaddrinfo":
        host = args[0]
    else:
        return
    if not _local(host):
        with open(_LOG, "a", encoding="utf-8") as f:
            f.write(f"{event} {host!r} pid {os.getpid()}\n")


if _LOG:
    sys.addaudithook(_hook)
