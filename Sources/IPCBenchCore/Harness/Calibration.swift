/// Time-based message counts, like Google Benchmark's minimum time: a measured window long
/// enough that one preemption (a few ms on a shared VM) cannot move a repetition by tens of
/// percent.
///
/// Before a scenario's first repetition, untimed pilot repetitions run with the suite's count;
/// while a pilot's window is shorter than the minimum, the count grows by the ratio the pilot
/// suggests (with 20% to spare, at most 10x a step, at most four pilots), within the 1 GiB a
/// repetition may move. Counts only grow: a suite's count is also a floor for stable
/// percentiles. Every repetition of the scenario then uses the same count, and the CSV records
/// the minimum it was calibrated for (`min_window_ms`).
public enum Calibration {
    public static let maximumPilots = 4

    public static func calibrate(
        _ scenario: Scenario, minimumWindowNs: UInt64, coordinator: Coordinator
    ) -> (scenario: Scenario, interruptedBy: Int32?) {
        var s = scenario
        s.minimumWindowNs = minimumWindowNs
        for _ in 0..<maximumPilots {
            let pilot = coordinator.run(s, repetition: 0)
            if let signal = pilot.interruptedBy { return (s, signal) }
            guard pilot.status == .ok, let window = pilot.windowNs, window > 0 else {
                return (s, nil)  // the real repetition will say what went wrong
            }
            if window >= minimumWindowNs { return (s, nil) }
            let grow = min(10, Double(minimumWindowNs) / Double(window) * 1.2)
            let cap = max(3, Scenario.bytesPerRepetition / max(1, s.payloadBytes))
            let next = min(cap, 1_000_000_000, Int((Double(s.messages) * grow).rounded(.up)))
            if next <= s.messages { return (s, nil) }
            s.messages = next
        }
        return (s, nil)
    }
}

extension Setting {
    /// A duration such as `50ms`, `0.2s` or `0.2` (seconds), from 1 ms to 60 s; in ns.
    public static func duration(_ value: String) throws(SettingError) -> UInt64 {
        let t = value.trimmingCharacters(in: " \t").lowercased()
        var number = Substring(t), scale = 1e9
        if t.hasSuffix("ms") { number = t.dropLast(2); scale = 1e6 }
        else if t.hasSuffix("s") { number = t.dropLast(1) }
        guard let v = Double(number), v.isFinite, v * scale >= 1e6, v * scale <= 60e9 else {
            throw SettingError(message: "'\(echo(t))' is not a duration from 1ms to 60s (e.g. 50ms, 0.2s)")
        }
        return UInt64(v * scale)
    }
}
