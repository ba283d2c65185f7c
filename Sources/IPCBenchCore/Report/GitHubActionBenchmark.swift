/// github-action-benchmark's custom JSON (`tool: customSmallerIsBetter` and
/// `customBiggerIsBetter`): `[{name, unit, value, range, extra}]`, one list per direction, since
/// the action takes one direction per file. Each entry is one metric `compare` judges (plus
/// msgs/s beside MiB/s), named `<scenario key> <metric>`, e.g.
/// `pipe/latency/64/cross-core/1/block p50 rtt`, so a chart follows one scenario across commits.
/// `value` is the median over ok repetitions; `range` is `± half the spread` of the repetitions.
public enum GitHubActionBenchmark {
    public static func entries(_ results: ResultSet) -> (smaller: [JSON], bigger: [JSON]) {
        var smaller: [JSON] = [], bigger: [JSON] = []
        let machine = results.machine.map { m in
            [m["hostname"], m["cpu_model"], m["cpus"].map { "\($0) CPUs" }, m["kernel"].map { "Linux \($0)" }]
                .compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ", ")
        } ?? ""
        for key in results.keys {
            var metrics = ResultSchema.compared(in: key.mode)
            if key.mode != .latency { metrics.append(ResultSchema.msgsPerSecond) }
            for metric in metrics {
                guard let s = results.spread(key, metric) else { continue }
                let entry = JSON.object([
                    ("name", .string("\(key.exportName) \(metric.label)")),
                    ("unit", .string(metric.unit?.rawValue ?? "")),
                    ("value", .number(s.median)),
                    ("range", .string("± " + threeDigits((s.high - s.low) / 2))),
                    ("extra", .string("median of \(s.count) ok repetition\(s.count == 1 ? "" : "s"), "
                        + "lowest \(threeDigits(s.low)), highest \(threeDigits(s.high)) \(metric.unit?.rawValue ?? "")"
                        + (machine.isEmpty ? "" : "\n\(machine)"))),
                ])
                if metric.higherIsBetter { bigger.append(entry) } else { smaller.append(entry) }
            }
        }
        return (smaller, bigger)
    }
}
