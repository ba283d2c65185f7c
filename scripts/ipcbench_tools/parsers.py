"""Parsers for the output of the tools the scripts run beside ipcbench, one per tool.

Each cross-check parser returns {figure name: value}, round trips in microseconds and rates in
MiB/s (2^20 bytes per second), converted here and nowhere else, and raises ValueError (or
KeyError for a JSON document that lacks a field) when the text holds no figure.
"""
import json
import re

from .runs import strip_ansi

#: Bytes in a MiB, the unit of every throughput figure in the reports.
MIB = 2 ** 20

QPERF_TIME_TO_US = {"ns": 1e-3, "us": 1.0, "ms": 1e3, "sec": 1e6}
QPERF_RATE_TO_BYTES = {"bytes/sec": 1.0, "KB/sec": 1e3, "MB/sec": 1e6, "GB/sec": 1e9, "TB/sec": 1e12}

_SOCKPERF_ANOMALIES = re.compile(
    r"# dropped messages = (\d+); # duplicated messages = (\d+); # out-of-order messages = (\d+)")


def parse_perf(text):
    """perf bench sched pipe: usecs/op, one op being one round trip (write, then read the echo)."""
    m = re.search(r"([\d.]+)\s+usecs/op", text)
    if not m:
        raise ValueError("no usecs/op in perf output")
    return {"perf_mean_us": float(m.group(1))}


def parse_sockperf(text):
    """sockperf ping-pong: usec; one-way (RTT/2) unless run with --full-rtt, which says 'avg-rtt'.

    One-way figures are doubled into round trips. Dropped, duplicated or out-of-order messages,
    when any, come back as the line that counts them, under "sockperf_anomalies".
    """
    text = strip_ansi(text)
    one_way = "avg-rtt=" not in text
    avg = re.search(r"avg-(?:latency|rtt)=([\d.]+)", text)
    p50 = re.search(r"percentile 50\.000 =\s*([\d.]+)", text)
    if not avg or not p50:
        raise ValueError("no avg-latency or percentile 50.000 in sockperf output")
    factor = 2.0 if one_way else 1.0
    out = {"sockperf_avg_us": float(avg.group(1)) * factor, "sockperf_p50_us": float(p50.group(1)) * factor,
           "sockperf_one_way": one_way}
    anomalies = _SOCKPERF_ANOMALIES.search(text)
    if anomalies and any(int(g) for g in anomalies.groups()):
        out["sockperf_anomalies"] = anomalies.group(0)
    return out


def parse_iperf3(text):
    """iperf3 -J: end.sum_received.bits_per_second, SI bits; MiB/s = bits / 8 / 2^20."""
    data = json.loads(text)
    if data.get("error"):
        raise ValueError("iperf3: " + data["error"])
    bits = float(data["end"]["sum_received"]["bits_per_second"])
    return {"iperf3_mib_s": bits / 8 / MIB}


def parse_qperf(text):
    """qperf: latency = total time / messages received by both sides, the mean one-way time, so
    x2 is the mean round trip; bw in SI bytes/s (KB = 1000 B), so / 2^20 for MiB/s.

    Figures are named after the test: qperf_tcp_lat_rtt_us, qperf_tcp_bw_mib_s, ...
    """
    out, test = {}, None
    for line in text.splitlines():
        header = re.match(r"^(\w+):\s*$", line)
        if header:
            test = header.group(1)
            continue
        m = re.match(r"^\s+(\w+)\s+=\s+([\d.,]+)\s+(\S+)", line)
        if not m or test is None:
            continue
        name, value, unit = m.group(1), float(m.group(2).replace(",", "")), m.group(3)
        if name == "latency" and unit in QPERF_TIME_TO_US:
            out[f"qperf_{test}_rtt_us"] = 2 * value * QPERF_TIME_TO_US[unit]
        elif name == "bw" and unit in QPERF_RATE_TO_BYTES:
            out[f"qperf_{test}_mib_s"] = value * QPERF_RATE_TO_BYTES[unit] / MIB
    if not out:
        raise ValueError("no latency or bw in qperf output")
    return out


def parse_ipcref_line(line):
    """One line of Benchmarks/reference/ipcref.c's output ("key=value key=value ..."), as
    {key: text}; words without "=" are left out."""
    return dict(item.split("=", 1) for item in line.split() if "=" in item)


def parse_strace_calls(text, syscall):
    """The calls column of `strace -c`'s line for `syscall`; 0 when it has no line (none made)."""
    for line in text.splitlines():
        fields = line.split()
        if fields and fields[-1] == syscall:
            return int(fields[3])
    return 0
