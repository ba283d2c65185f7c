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
    /// `2026-11-21T04:31:00Z`.
    public static func iso8601UTC() -> String {
        let (d, _) = nowUTC()
        return "\(d[0])-\(d[1])-\(d[2])T\(d[3]):\(d[4]):\(d[5])Z"
    }

    /// `20261121-043100`: sortable and safe in a file name.
    public static func compactUTC() -> String {
        let (d, _) = nowUTC()
        return d[0...2].joined() + "-" + d[3...5].joined()
    }

    /// `20261121-043100-042`: as ``compactUTC()`` with the milliseconds, for names that runs
    /// started in the same second must not share.
    public static func compactUTCMilliseconds() -> String {
        let (d, milliseconds) = nowUTC()
        return d[0...2].joined() + "-" + d[3...5].joined() + "-" + digits(milliseconds, 3)
    }

    /// The time now in UTC: year, month, day, hour, minute and second as zero-padded digits
    /// (4, then 2 each), and the milliseconds.
    private static func nowUTC() -> (fields: [String], milliseconds: Int) {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        var seconds = ts.tv_sec
        var t = tm()
        gmtime_r(&seconds, &t)
        let fields = [digits(Int(t.tm_year) + 1900, 4), digits(Int(t.tm_mon) + 1, 2), digits(Int(t.tm_mday), 2),
                      digits(Int(t.tm_hour), 2), digits(Int(t.tm_min), 2), digits(Int(t.tm_sec), 2)]
        return (fields, Int(ts.tv_nsec) / 1_000_000)
    }

    private static func digits(_ v: Int, _ width: Int) -> String {
        let s = String(v)
        return String(repeating: "0", count: max(0, width - s.count)) + s
    }
}
