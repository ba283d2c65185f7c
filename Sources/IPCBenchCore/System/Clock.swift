import Glibc

/// CLOCK_MONOTONIC in nanoseconds: system-wide, so stamps from two processes compare directly.
public enum MonotonicClock {
    @inline(__always)
    public static func nowNs() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }

    /// Median cost of one clock read, measured by reading it back to back (clock_gettime).
    public static func readOverheadNs(samples: Int = 2001) -> UInt64 {
        var deltas = [UInt64]()
        deltas.reserveCapacity(samples)
        var previous = nowNs()
        for _ in 0..<samples {
            let now = nowNs()
            deltas.append(now &- previous)
            previous = now
        }
        deltas.sort()
        return deltas[deltas.count / 2]
    }
}

/// CPU time (user and system) this process has used, CLOCK_PROCESS_CPUTIME_ID in nanoseconds:
/// exact to the scheduler's accounting, where getrusage rounds to microseconds and splits user
/// from system by tick sampling. A system call, not the vDSO: read it outside timed loops.
enum ProcessCPUClock {
    @inline(__always)
    static func nowNs() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts)
        return UInt64(ts.tv_sec) &* 1_000_000_000 &+ UInt64(ts.tv_nsec)
    }
}

/// Wall-clock time for report stamps (clock_gettime CLOCK_REALTIME, formatted in UTC).
public enum WallClock {
    public static func iso8601UTC() -> String {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        var seconds = ts.tv_sec
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func two(_ v: Int32) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(parts.tm_year + 1900)-\(two(parts.tm_mon + 1))-\(two(parts.tm_mday))T"
            + "\(two(parts.tm_hour)):\(two(parts.tm_min)):\(two(parts.tm_sec))Z"
    }

    /// `20261121-043100`: sortable and safe in a file name.
    public static func compactUTC() -> String {
        let iso = iso8601UTC()
        return String(iso.filter { $0.isNumber || $0 == "T" }.map { $0 == "T" ? "-" : $0 })
    }

    /// `20261121-043100-042`: as ``compactUTC()`` with the milliseconds, for names that runs
    /// started in the same second must not share.
    public static func compactUTCMilliseconds() -> String {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        var seconds = ts.tv_sec
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func digits(_ v: Int, _ width: Int) -> String {
            let s = String(v)
            return String(repeating: "0", count: max(0, width - s.count)) + s
        }
        return digits(Int(parts.tm_year) + 1900, 4) + digits(Int(parts.tm_mon) + 1, 2) + digits(Int(parts.tm_mday), 2) + "-"
            + digits(Int(parts.tm_hour), 2) + digits(Int(parts.tm_min), 2) + digits(Int(parts.tm_sec), 2) + "-"
            + digits(Int(ts.tv_nsec) / 1_000_000, 3)
    }
}
