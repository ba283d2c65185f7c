"""Ports on 127.0.0.1 for scripts/cross-check.sh: one free for a server, and whether a server
listens on it yet, read from /proc/net so that no probe traffic reaches the server.

    python3 -m ipcbench_tools.loopback free-port tcp|udp
        prints a port the kernel just handed out as free on 127.0.0.1 for the protocol
    python3 -m ipcbench_tools.loopback wait-listening tcp|udp PORT PID [loopback]
        waits until something listens on PORT (exit 0), PID dies or 10 s pass (exit 1); with
        "loopback", a listener on any address but 127.0.0.1 is an error (exit 2), not a server
"""
import os
import socket
import sys
import time

#: /proc/net's state of a listening TCP socket, and of an unconnected UDP one.
LISTENING_STATE = {"tcp": "0A", "udp": "07"}
#: 127.0.0.1 as /proc/net/tcp writes it (hex, in host byte order).
LOOPBACK_HEX = "0100007F"
WAIT_SECONDS = 10
POLL_SECONDS = 0.05


def free_port(protocol):
    """A port that was free on 127.0.0.1 a moment ago (another process can still take it)."""
    kind = socket.SOCK_STREAM if protocol == "tcp" else socket.SOCK_DGRAM
    with socket.socket(socket.AF_INET, kind) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def listeners_in(table_text, port, state):
    """The local addresses (hex, as /proc/net writes them) of the table's sockets on `port`
    in `state`; the table's first line is its header."""
    found = []
    for line in table_text.splitlines()[1:]:
        fields = line.split()
        if len(fields) < 4:
            continue
        address, local_port = fields[1].rsplit(":", 1)
        if int(local_port, 16) == port and fields[3] == state:
            found.append(address)
    return found


def listeners(protocol, port):
    """Local addresses listening on `port`, IPv4 and IPv6, in this network namespace."""
    found = []
    for table in (protocol, protocol + "6"):
        try:
            with open(f"/proc/net/{table}") as f:
                found += listeners_in(f.read(), port, LISTENING_STATE[protocol])
        except OSError:
            pass
    return found


def process_alive(pid):
    """Whether the process exists (a zombie still counts, as kill(pid, 0) sees it)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def wait_listening(protocol, port, pid, loopback_only):
    """0 once something listens on the port, 1 when `pid` dies or time runs out, 2 when
    `loopback_only` and a listener has an address other than 127.0.0.1."""
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        found = listeners(protocol, port)
        if found and loopback_only and any(a != LOOPBACK_HEX for a in found):
            print(f"port {port} has a listener on an address other than 127.0.0.1: {found}", file=sys.stderr)
            return 2
        if found:
            return 0
        if not process_alive(pid):
            return 1
        time.sleep(POLL_SECONDS)
    return 1


def main(argv):
    """Runs one subcommand (see the module's doc); returns its exit status."""
    if argv[:1] == ["free-port"] and len(argv) == 2:
        print(free_port(argv[1]))
        return 0
    if argv[:1] == ["wait-listening"] and len(argv) in (4, 5):
        return wait_listening(argv[1], int(argv[2]), int(argv[3]), argv[4:] == ["loopback"])
    print(__doc__.strip(), file=sys.stderr)
    return 64


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
