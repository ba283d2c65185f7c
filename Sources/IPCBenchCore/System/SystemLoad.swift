/// What else the machine was doing: CPU time stolen by the hypervisor (/proc/stat) and the load
/// average (/proc/loadavg), read around each repetition so a noisy row can say why.
public struct CPUTimes: Sendable {
    public var steal: UInt64
    public var total: UInt64

    /// The aggregate "cpu" line of /proc/stat, in clock ticks.
    public static func read() -> CPUTimes? {
        guard let text = ProcFiles.read("/proc/stat", limit: 65536),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("cpu ") }) else { return nil }
        let fields = line.split(separator: " ").dropFirst().compactMap { UInt64($0) }
        guard fields.count >= 8 else { return nil }
        // user nice system idle iowait irq softirq steal [guest guest_nice] (guest is in user).
        return CPUTimes(steal: fields[7], total: fields.prefix(8).reduce(0, +))
    }

    /// Percent of all CPU time stolen between two readings.
    public static func stealPercent(from a: CPUTimes, to b: CPUTimes) -> Double? {
        guard b.total > a.total else { return nil }
        return Double(b.steal &- a.steal) * 100 / Double(b.total - a.total)
    }
}

public enum LoadAverage {
    /// The one-minute load average.
    public static func oneMinute() -> Double? {
        guard let text = ProcFiles.read("/proc/loadavg"), let first = text.split(separator: " ").first else { return nil }
        return Double(first)
    }
}
