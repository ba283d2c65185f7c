import XCTest
@testable import IPCBenchCore

/// The result schema: one list of columns that writes the CSV, reads it back typed, types the
/// JSON and tells compare which way is better.
final class ResultSchemaTests: XCTestCase {
    /// The CSV header as released: files written before and after must read alike.
    static let header = "mechanism,mode,payload_bytes,placement,pairs,wait,copy,topology,cpu_pair,repetition,messages,status,note,msgs_per_s,mib_per_s,"
        + "rtt_min_ns,rtt_p50_ns,rtt_p90_ns,rtt_p99_ns,rtt_p999_ns,rtt_max_ns,rtt_mean_ns,rtt_stddev_ns,"
        + "oneway_min_ns,oneway_p50_ns,oneway_p90_ns,oneway_p99_ns,oneway_p999_ns,oneway_max_ns,oneway_mean_ns,"
        + "target_msgs_per_s,cpu_ns_per_msg,ctx_switches_per_msg,futex_calls_per_msg,"
        + "syscalls_per_msg,syscall_source,voluntary_switches_per_msg,involuntary_switches_per_msg,minor_faults_per_msg,lost_msgs,reordered_msgs,"
        + "warmup_messages,window_ns,min_window_ms,verify,ring_bytes,cv_pct,noisy,involuntary_switches,steal_pct,"
        + "loadavg_1m,probe_ns,probe_end_ns,producer_cpu,consumer_cpu,cpu_relation,clock_overhead_ns,ab_pair,ab_position,hostname,kernel,cpu_model,cpus,"
        + "timestamp,ipcbench_version,commit,label"

    static let machine = MachineInfo(hostname: "host, \"q\"", kernel: "6.1", cpuModel: "CPU", cpus: 4)

    /// A latency repetition with every figure filled in, and a skipped one.
    static func fixtures() -> [RepetitionResult] {
        var s = Scenario(mechanism: "shm-posix", mode: .latency, payloadBytes: 64, placement: .sameCore, pairs: 2, wait: .spin,
                         messages: 1000, verify: true, oneWay: true)
        s.minimumWindowNs = 25_000_000
        var r = RepetitionResult(scenario: s, repetition: 3, status: .ok, note: "a, \"b\"")
        r.latency = Histogram(values: [120, 250, 251, 300, 999, 1000, 4000, 70_000])
        r.oneWay = Histogram(values: [60, 61, 130, 5000])
        r.windowNs = 987_654_321
        r.cpuNsPerMessage = 123.456
        r.spreadPercent = 12.345
        r.noisy = true
        r.probeNs = 70
        let skipped = RepetitionResult(scenario: Scenario(mechanism: "posix-mq", mode: .openLoop, payloadBytes: 65536, messages: 10),
                                       repetition: 1, status: .skipped, note: "exceeds")
        return [r, skipped]
    }

    func testTheHeaderIsTheReleasedOneInItsOrderWithTheRunLabelLast() {
        XCTAssertEqual(CSVReport.columns.joined(separator: ","), Self.header)
        XCTAssertEqual(Set(CSVReport.columns).count, CSVReport.columns.count, "a column listed twice")
    }

    func testEveryMetricHasAUnitAndADirectionAndNothingElseHasADirection() {
        for column in ResultSchema.columns {
            if column.kind == .metric {
                XCTAssertNotEqual(column.direction, .none, column.name)
                XCTAssertNotNil(column.unit, column.name)
                XCTAssertTrue(column.isNumeric, column.name)
            } else {
                XCTAssertEqual(column.direction, .none, column.name)
            }
        }
        XCTAssertEqual(ResultSchema.columns(.key).map(\.name),
                       ["mechanism", "mode", "payload_bytes", "placement", "pairs", "wait", "copy", "topology", "cpu_pair"])
    }

    func testCompareJudgesThroughputUpAndTimesDown() {
        XCTAssertEqual(ResultSchema.compared(in: .throughput).map(\.name), ["mib_per_s"])
        XCTAssertEqual(ResultSchema.compared(in: .latency).map(\.name), ["rtt_p50_ns", "rtt_p99_ns"])
        XCTAssertEqual(ResultSchema.compared(in: .openLoop).map(\.name), ["oneway_p50_ns", "oneway_p99_ns"])
        XCTAssertTrue(ResultSchema.mibPerSecond.higherIsBetter)
        XCTAssertEqual(ResultSchema.rttP99Ns.direction, .lowerIsBetter)
        XCTAssertEqual(ResultSchema.compared(in: .latency).map(\.label), ["p50 rtt", "p99 rtt"])
    }

    func testARowWrittenReadsBackIntoTheSameTypedValues() throws {
        let rows = Self.fixtures().map { CSVReport.row($0, machine: Self.machine, timestamp: "t", clockOverheadNs: 31) }
        let set = try ResultSet.parse(CSVReport.render(rows), name: "fixture")
        let ok = set.rows[0], skipped = set.rows[1]
        XCTAssertEqual(ok.key, ScenarioKey(mechanism: "shm-posix", mode: .latency, payloadBytes: 64, placement: .sameCore, pairs: 2, wait: .spin))
        XCTAssertEqual(ok.status, .ok)
        XCTAssertEqual(ok.note, "a, \"b\"")
        XCTAssertEqual(ok[ResultSchema.rttP50Ns], Double(Self.fixtures()[0].latency!.percentile(50)!))
        XCTAssertEqual(ok[ResultSchema.messages], 2000)
        XCTAssertEqual(ok[ResultSchema.minWindowMs], 25)
        XCTAssertEqual(ok.probeNs, 70)
        XCTAssertEqual(ok.machine["hostname"], "host, \"q\"")
        XCTAssertEqual(skipped.key.mode, .openLoop)
        XCTAssertEqual(skipped.status, .skipped)
        XCTAssertNil(skipped[ResultSchema.onewayP50Ns])
    }

    func testTheJSONTypesEachCellByItsColumn() {
        let row = CSVReport.row(Self.fixtures()[0], machine: Self.machine, timestamp: "t", clockOverheadNs: 31)
        let cells = Dictionary(uniqueKeysWithValues: zip(CSVReport.columns, row).map { ($0, JSON.cell($1, column: $0).render()) })
        XCTAssertEqual(cells["mechanism"], "\"shm-posix\"")
        XCTAssertEqual(cells["payload_bytes"], "64")
        XCTAssertEqual(cells["rtt_mean_ns"], "9615")
        XCTAssertEqual(cells["cv_pct"], "12.35")
        XCTAssertEqual(cells["verify"], "true")
        XCTAssertEqual(cells["cpus"], "4")
        XCTAssertEqual(cells["msgs_per_s"], "null")
        // A hostname that reads as a flag or a number is still a name.
        XCTAssertEqual(JSON.cell("true", column: "hostname").render(), "\"true\"")
        XCTAssertEqual(JSON.cell("42", column: "note").render(), "\"42\"")
    }

    func testTheTableReadsItsFiguresThroughTheSchema() {
        let table = SummaryTable.render(Self.fixtures())
        let lines = table.split(separator: "\n")
        XCTAssertTrue(lines[0].contains("MiB/s") && lines[0].contains("cpu/msg"), table)
        XCTAssertTrue(lines[1].contains("300 ns") && lines[1].contains("123 ns"), table)
    }

    func testEveryColumnNamedInCodeIsInTheSchema() {
        for column in [ResultSchema.messages, ResultSchema.msgsPerSecond, ResultSchema.mibPerSecond, ResultSchema.rttP50Ns,
                       ResultSchema.rttP99Ns, ResultSchema.onewayP50Ns, ResultSchema.onewayP99Ns, ResultSchema.probeNs,
                       ResultSchema.abPair, ResultSchema.abPosition, ResultSchema.minWindowMs] {
            XCTAssertEqual(ResultSchema.column(column.name), column)
        }
        XCTAssertEqual(Set(ResultSchema.columns.filter(\.addedLater).map(\.name)),
                       ["min_window_ms", "probe_ns", "probe_end_ns", "ab_pair", "ab_position", "commit", "label", "copy", "topology",
                        "cpu_pair", "producer_cpu", "consumer_cpu", "cpu_relation", "syscalls_per_msg", "syscall_source",
                        "voluntary_switches_per_msg", "involuntary_switches_per_msg", "minor_faults_per_msg"])
    }
}
