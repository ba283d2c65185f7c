"""The tool-output parsers, on real captured output (perf, strace, ipcref) and on samples in
each tool's layout (sockperf, iperf3, qperf; see fixtures/README.md)."""
import json
import unittest

from .support import read_fixture
from ipcbench_tools import parsers


class PerfTests(unittest.TestCase):
    def test_mean_round_trip_is_usecs_per_op(self):
        figures = parsers.parse_perf(read_fixture("tools", "perf-bench-sched-pipe.txt"))
        self.assertEqual(figures, {"perf_mean_us": 17.5266})

    def test_output_without_usecs_per_op_is_an_error(self):
        with self.assertRaisesRegex(ValueError, "no usecs/op"):
            parsers.parse_perf("# Running 'sched/pipe' benchmark:\n")


class SockperfTests(unittest.TestCase):
    def test_one_way_figures_are_doubled_into_round_trips_through_colour_codes(self):
        figures = parsers.parse_sockperf(read_fixture("tools", "sockperf-ping-pong.txt"))
        self.assertAlmostEqual(figures["sockperf_avg_us"], 2 * 24.512)
        self.assertAlmostEqual(figures["sockperf_p50_us"], 2 * 23.871)
        self.assertTrue(figures["sockperf_one_way"])
        self.assertNotIn("sockperf_anomalies", figures)

    def test_full_rtt_figures_are_taken_as_they_are(self):
        figures = parsers.parse_sockperf(read_fixture("tools", "sockperf-ping-pong-full-rtt.txt"))
        self.assertAlmostEqual(figures["sockperf_avg_us"], 47.930)
        self.assertAlmostEqual(figures["sockperf_p50_us"], 46.015)
        self.assertFalse(figures["sockperf_one_way"])

    def test_dropped_or_reordered_messages_are_reported(self):
        figures = parsers.parse_sockperf(read_fixture("tools", "sockperf-ping-pong-full-rtt.txt"))
        self.assertEqual(figures["sockperf_anomalies"],
                         "# dropped messages = 3; # duplicated messages = 0; # out-of-order messages = 1")

    def test_output_without_a_median_is_an_error(self):
        text = read_fixture("tools", "sockperf-ping-pong.txt").replace("percentile 50.000", "percentile 50")
        with self.assertRaisesRegex(ValueError, "percentile 50.000"):
            parsers.parse_sockperf(text)


class Iperf3Tests(unittest.TestCase):
    def test_receiver_bits_per_second_become_mib_per_second(self):
        figures = parsers.parse_iperf3(read_fixture("tools", "iperf3-client.json"))
        self.assertAlmostEqual(figures["iperf3_mib_s"], 31875210987.4 / 8 / 2 ** 20)

    def test_a_document_with_an_error_is_an_error(self):
        with self.assertRaisesRegex(ValueError, "iperf3: unable to connect"):
            parsers.parse_iperf3(read_fixture("tools", "iperf3-error.json"))

    def test_output_that_is_not_json_is_an_error(self):
        with self.assertRaises(json.JSONDecodeError):
            parsers.parse_iperf3("iperf3: error - unable to connect to server\n")


class QperfTests(unittest.TestCase):
    def test_one_way_latency_is_doubled_and_bandwidth_is_si_bytes(self):
        figures = parsers.parse_qperf(read_fixture("tools", "qperf.txt"))
        self.assertAlmostEqual(figures["qperf_tcp_lat_rtt_us"], 39.2)
        self.assertAlmostEqual(figures["qperf_udp_lat_rtt_us"], 34.6)
        self.assertAlmostEqual(figures["qperf_tcp_bw_mib_s"], 1020e6 / 2 ** 20)

    def test_other_time_units_are_converted_to_microseconds(self):
        figures = parsers.parse_qperf("udp_lat:\n    latency  =  0.0185 ms\ntcp_lat:\n    latency  =  900 ns\n")
        self.assertAlmostEqual(figures["qperf_udp_lat_rtt_us"], 37.0)
        self.assertAlmostEqual(figures["qperf_tcp_lat_rtt_us"], 1.8)

    def test_output_without_figures_is_an_error(self):
        with self.assertRaisesRegex(ValueError, "no latency or bw"):
            parsers.parse_qperf("qperf: failed to connect\n")


class IpcrefAndStraceTests(unittest.TestCase):
    def test_ipcref_line_becomes_its_fields(self):
        fields = parsers.parse_ipcref_line(read_fixture("tools", "ipcref-latency.out").strip())
        self.assertEqual(fields["mechanism"], "pipe")
        self.assertEqual(fields["rtt_p50_ns"], "105006")

    def test_words_without_an_equals_sign_are_left_out(self):
        self.assertEqual(parsers.parse_ipcref_line("ipcref: mib_per_s=1257.30 done"), {"mib_per_s": "1257.30"})

    def test_strace_calls_come_from_the_calls_column(self):
        self.assertEqual(parsers.parse_strace_calls(read_fixture("tools", "strace-c-futex.txt"), "futex"), 202)

    def test_a_syscall_strace_did_not_list_was_not_made(self):
        self.assertEqual(parsers.parse_strace_calls(read_fixture("tools", "strace-c-futex.txt"), "read"), 0)


if __name__ == "__main__":
    unittest.main()
