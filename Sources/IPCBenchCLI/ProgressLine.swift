import IPCBenchCore

/// The progress line `run` keeps on a terminal's stderr: where the sweep is and, once it has
/// run long enough to tell, about how long is left (the mean time per scenario run so far,
/// times the runs to go).
struct ProgressLine {
    let total: Int
    let startNs: UInt64

    /// No estimate before this much of the sweep has run, nor for a sweep estimated shorter
    /// than `shortestSweepNs`: it would be over before anyone read it.
    static let firstEstimateAfterNs: UInt64 = 2_000_000_000
    static let shortestSweepNs: Double = 5e9

    init(total: Int, startNs: UInt64 = MonotonicClock.nowNs()) {
        self.total = total
        self.startNs = startNs
    }

    /// Seconds left after `completed` of `total` scenario runs, or nil while it is too early
    /// (or the sweep too short) to say.
    static func secondsLeft(elapsedNs: UInt64, completed: Int, total: Int) -> Double? {
        guard completed > 0, completed < total, elapsedNs >= firstEstimateAfterNs else { return nil }
        let perRun = Double(elapsedNs) / Double(completed)
        guard perRun * Double(total) >= shortestSweepNs else { return nil }
        return perRun * Double(total - completed) / 1e9
    }

    /// `45 s`, `3 min 10 s`, `2 h 05 min`.
    static func durationText(_ seconds: Double) -> String {
        let s = max(0, Int(seconds.rounded(.up)))
        if s < 60 { return "\(s) s" }
        if s < 3600 { return "\(s / 60) min \(s % 60 < 10 ? "0" : "")\(s % 60) s" }
        let m = (s % 3600) / 60
        return "\(s / 3600) h \(m < 10 ? "0" : "")\(m) min"
    }

    /// The line shown as scenario run `number` (1-based) starts.
    func text(number: Int, scenario: Scenario, repetition: Int, of repetitions: Int, nowNs: UInt64 = MonotonicClock.nowNs()) -> String {
        var line = "[\(number)/\(total)] \(scenario.mechanism) \(scenario.mode.rawValue) \(ByteSize.format(scenario.payloadBytes)) "
            + "\(scenario.placement.rawValue) \(scenario.wait.rawValue) rep \(repetition)/\(repetitions)"
        if let left = Self.secondsLeft(elapsedNs: nowNs &- startNs, completed: number - 1, total: total) {
            line += ", about \(Self.durationText(left)) left"
        }
        return line
    }
}
