/// Bencher Metric Format (`bencher run --adapter json`): one benchmark per scenario, named by
/// its key (``ScenarioKey/exportName``), with Bencher's two built-in measures:
///
/// - `latency`, in nanoseconds: the p50 round trip (latency mode) or the p50 one-way time from
///   the intended send (open loop);
/// - `throughput`, in messages per second (Bencher's operations per second), throughput and
///   open-loop modes. MiB/s is messages/s × payload bytes / 2^20.
///
/// `value` is the median over the scenario's ok repetitions, `lower_value` and `upper_value`
/// the lowest and highest repetition. Scenarios without an ok repetition are left out.
public enum BencherMetricFormat {
    public static let latencyMeasure = "latency"
    public static let throughputMeasure = "throughput"

    public static func json(_ results: ResultSet) -> JSON {
        .object(results.keys.compactMap { key in
            var measures: [(String, JSON)] = []
            if let p50 = ResultSchema.timed(in: key.mode)?.p50, let s = results.spread(key, p50) {
                measures.append((latencyMeasure, metric(s)))
            }
            if key.mode != .latency, let s = results.spread(key, ResultSchema.msgsPerSecond) {
                measures.append((throughputMeasure, metric(s)))
            }
            return measures.isEmpty ? nil : (key.exportName, .object(measures))
        })
    }

    static func metric(_ s: (median: Double, low: Double, high: Double, count: Int)) -> JSON {
        .object([("value", .number(s.median)), ("lower_value", .number(s.low)), ("upper_value", .number(s.high))])
    }
}
