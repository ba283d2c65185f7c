/// A run as JSON: the same rows as the CSV (numbers as numbers, empty cells as null), the
/// machine description, and every ok repetition's latency histogram (`histograms`, read back by
/// ``LatencySpectra``), for tools that would rather not parse CSV.
public enum RunDocument {
    public static func json(rows: [[String]], machine: MachineInfo, timestamp: String, suite: String, clockOverheadNs: UInt64,
                            run: RunLabel = RunLabel(), results: [RepetitionResult] = []) -> JSON {
        let limits = MachineLimits.current()
        return .object([
            ("ipcbench_version", .string(ipcbenchVersion)),
            ("timestamp", .string(timestamp)),
            ("suite", .string(suite)),
            ("commit", run.commit.map { .string($0) } ?? .null),
            ("label", run.label.map { .string($0) } ?? .null),
            ("machine", .object([
                ("hostname", .string(machine.hostname)), ("kernel", .string(machine.kernel)),
                ("cpu_model", .string(machine.cpuModel)), ("cpus", .integer(machine.cpus)),
                ("allowed_cpus", .array(CPUSet.allowed().map { .integer(Int($0)) })),
                ("clock", .string("CLOCK_MONOTONIC")), ("clock_read_ns", .integer(Int(clockOverheadNs))),
                ("clocksource", ProcFiles.read("/sys/devices/system/clocksource/clocksource0/current_clocksource")
                    .map { .string($0.trimmingCharacters(in: " \n")) } ?? .null),
                ("governor", ProcFiles.read("/sys/devices/system/cpu/cpu\(CPUSet.allowed().first ?? 0)/cpufreq/scaling_governor")
                    .map { .string($0.trimmingCharacters(in: " \n")) } ?? .null),
                ("load_average_1m", LoadAverage.oneMinute().map { .number($0) } ?? .null),
                ("limits", .object([
                    ("mqueue_msgsize_max", .integer(limits.mqMessageSizeMax)),
                    ("mqueue_msg_max", .integer(limits.mqMessagesMax)),
                    ("rlimit_msgqueue", limits.mqBytesLimit == Int.max ? .null : .integer(limits.mqBytesLimit)),
                    ("sysv_msgmax", .integer(limits.sysvMessageMax)), ("sysv_msgmnb", .integer(limits.sysvQueueBytes)),
                    ("pipe_max_size", .integer(limits.pipeMaxSize)),
                    ("wmem_default", .integer(limits.socketSendBufferDefault)),
                ])),
            ])),
            ("columns", .array(CSVReport.columns.map { .string($0) })),
            ("rows", .array(rows.map { row in
                .object(zip(CSVReport.columns, row).map { ($0, JSON.cell($1, column: $0)) })
            })),
            ("histograms", .array(results.flatMap(histograms))),
        ])
    }

    /// One repetition's histograms: its key, which times (`rtt` round trips, `oneway` one-way),
    /// the totals and every non-empty bucket as `[lowest ns, highest ns, count]`.
    static func histograms(_ r: RepetitionResult) -> [JSON] {
        guard r.status == .ok else { return [] }
        let key = ScenarioKey(r.scenario)
        return [(LatencySpectra.Kind.roundTrip, r.latency), (.oneWay, r.oneWay)].compactMap { kind, histogram in
            guard let h = histogram, h.count > 0 else { return nil }
            let buckets = h.counts.enumerated().filter { $0.element > 0 }.map { index, count in
                JSON.inline([.integer(Int(HistogramLayout.lowerBound(index))), .integer(Int(HistogramLayout.upperBound(index))),
                             .integer(Int(count))])
            }
            return .object(zip(ResultSet.keyColumns, key.cells).map { ($0, JSON.cell($1, column: $0)) } + [
                ("repetition", .integer(r.repetition)), ("kind", .string(kind.rawValue)), ("unit", .string("ns")),
                ("count", .integer(Int(h.count))), ("min", .integer(Int(h.totals.min))), ("max", .integer(Int(h.totals.max))),
                ("sum", .integer(Int(clamping: h.totals.sum))), ("sum_of_squares", .number(h.totals.sumOfSquares)),
                ("buckets", .inline(buckets)),
            ])
        }
    }
}
