"""Free ports and listeners on 127.0.0.1, with real sockets."""
import contextlib
import io
import os
import socket
import subprocess
import sys
import unittest

from ipcbench_tools import loopback

PROC_NET_TCP = """\
  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode
   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0 100 0 0 10 0
   1: 00000000:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 2 1 0 100 0 0 10 0
   2: 0100007F:1F90 0100007F:C350 01 00000000:00000000 00:00000000 00000000     0        0 3 1 0 20 4 30 10 -1
"""


class LoopbackTests(unittest.TestCase):
    def test_a_free_port_can_be_bound_on_loopback(self):
        port = loopback.free_port("tcp")
        with socket.socket() as s:
            s.bind(("127.0.0.1", port))

    def test_listeners_are_read_from_the_proc_net_table(self):
        self.assertEqual(loopback.listeners_in(PROC_NET_TCP, 8080, "0A"), ["0100007F", "00000000"])
        self.assertEqual(loopback.listeners_in(PROC_NET_TCP, 8081, "0A"), [])

    def test_a_loopback_listener_is_seen(self):
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            s.listen()
            port = s.getsockname()[1]
            self.assertEqual(loopback.wait_listening("tcp", port, os.getpid(), loopback_only=True), 0)

    def test_a_listener_on_every_address_is_refused(self):
        with socket.socket() as s:
            s.bind(("0.0.0.0", 0))
            s.listen()
            port = s.getsockname()[1]
            status, _, err = _capture(lambda: loopback.wait_listening("tcp", port, os.getpid(), loopback_only=True))
            self.assertEqual(status, 2)
            self.assertIn("an address other than 127.0.0.1", err)

    def test_waiting_stops_when_the_server_has_died(self):
        child = subprocess.Popen([sys.executable, "-c", "pass"])
        child.wait()
        self.assertEqual(loopback.wait_listening("udp", loopback.free_port("udp"), child.pid, loopback_only=False), 1)


def _capture(body):
    """(status, "", stderr) of body()."""
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        status = body()
    return status, "", err.getvalue()


if __name__ == "__main__":
    unittest.main()
