/// What identifies a scenario across runs: the columns `compare` matches on.
public struct ScenarioKey: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var mechanism: String
    public var mode: String
    public var payloadBytes: Int
    public var placement: String
    public var pairs: Int
    public var wait: String
    /// `copy` or `zero`; rows written before the copy dimension read as `copy`.
    public var copy: String
    /// `pairs`, `fan-in:N`, `fan-out:N`; rows written before topologies read as `pairs`.
    public var topology: String
    /// `P>C` for a core-matrix cell, empty otherwise.
    public var cpuPair: String

    public init(mechanism: String, mode: String, payloadBytes: Int, placement: String, pairs: Int, wait: String,
                copy: String = "copy", topology: String = "pairs", cpuPair: String = "") {
        self.mechanism = mechanism
        self.mode = mode
        self.payloadBytes = payloadBytes
        self.placement = placement
        self.pairs = pairs
        self.wait = wait
        self.copy = copy
        self.topology = topology
        self.cpuPair = cpuPair
    }

    /// The key a scenario's rows carry.
    public init(_ s: Scenario) {
        self.init(mechanism: s.mechanism, mode: s.mode.rawValue, payloadBytes: s.payloadBytes,
                  placement: s.placement.rawValue, pairs: s.pairs, wait: s.wait.rawValue, copy: s.copy.rawValue,
                  topology: s.topology.rawValue, cpuPair: s.cpuPair?.description ?? "")
    }

    public var description: String {
        "\(mechanism) \(mode) \(ByteSize.format(payloadBytes)) \(placement) \(wait)" + (copy == "copy" ? "" : " \(copy)")
            + (topology == "pairs" ? "" : " \(topology)") + (cpuPair.isEmpty ? "" : " cpus \(cpuPair)")
            + (pairs > 1 ? " x\(pairs)" : "")
    }

    public static func < (a: ScenarioKey, b: ScenarioKey) -> Bool {
        let (x, y) = ((a.mechanism, a.mode, a.payloadBytes, a.placement, a.pairs, a.wait),
                      (b.mechanism, b.mode, b.payloadBytes, b.placement, b.pairs, b.wait))
        return x == y ? (a.copy, a.topology, a.cpuPair) < (b.copy, b.topology, b.cpuPair) : x < y
    }
}

/// One row of an ipcbench CSV, typed.
public struct ResultRow: Sendable {
    public var key: ScenarioKey
    public var repetition: Int
    public var status: String
    public var note: String
    /// Every numeric column that has a value, by name.
    public var values: [String: Double]
    /// The machine columns, by name.
    public var machine: [String: String]
    /// When the run started (`timestamp`), which tells repetitions of separate runs apart.
    public var timestamp: String = ""
    /// Set on rows of a paired A/B run (`ipcbench gate`): the rows of BASE and NEW with the same
    /// scenario and `ab_pair` were measured back to back, `ab_position` 1 first.
    public var abPair: Int?
    public var abPosition: Int?

    /// The host-state probe before the window (ns), when the row has one.
    public var probeNs: Double? { values["probe_ns"] }
}

/// An ipcbench CSV read back for `compare` and `plot`: validated, typed, grouped by scenario.
public struct ResultSet: Sendable {
    public private(set) var rows: [ResultRow]
    public let columns: [String]
    /// Row indices by scenario, so that looking a scenario up is not a scan of every row.
    private var rowsByKey: [ScenarioKey: [Int]] = [:]

    public init(rows: [ResultRow], columns: [String]) {
        self.rows = rows
        self.columns = columns
        for (i, row) in rows.enumerated() { rowsByKey[row.key, default: []].append(i) }
    }

    public static let keyColumns = ["mechanism", "mode", "payload_bytes", "placement", "pairs", "wait"]
    public static let requiredColumns = keyColumns + ["repetition", "status"]
    public static let machineColumns = ["hostname", "kernel", "cpu_model", "cpus"]
    /// Columns that hold figures: validated as finite, non-negative numbers when present.
    public static let numericColumns: Set<String> = [
        "messages", "msgs_per_s", "mib_per_s", "rtt_min_ns", "rtt_p50_ns", "rtt_p90_ns", "rtt_p99_ns",
        "rtt_p999_ns", "rtt_max_ns", "rtt_mean_ns", "rtt_stddev_ns", "oneway_min_ns", "oneway_p50_ns",
        "oneway_p90_ns", "oneway_p99_ns", "oneway_p999_ns", "oneway_max_ns", "oneway_mean_ns", "target_msgs_per_s", "cpu_ns_per_msg", "ctx_switches_per_msg",
        "futex_calls_per_msg", "lost_msgs", "reordered_msgs", "warmup_messages", "window_ns", "ring_bytes",
        "cv_pct", "involuntary_switches", "steal_pct", "loadavg_1m", "clock_overhead_ns",
        "min_window_ms", "probe_ns", "probe_end_ns", "producer_cpu", "consumer_cpu", "ab_pair", "ab_position",
    ]

    public enum LoadError: Error, CustomStringConvertible {
        case unreadable(String)
        case malformed(String, String)
        case notAResultFile(String, String)

        public var description: String {
            switch self {
            case let .unreadable(path): return "\(path): cannot read"
            case let .malformed(path, why): return "\(path): malformed CSV: \(why)"
            case let .notAResultFile(path, why): return "\(path): not an ipcbench result file: \(why)"
            }
        }
    }

    public static func load(_ path: String) throws(LoadError) -> ResultSet {
        guard let text = ProcFiles.read(path, limit: CSVReader.maximumBytes + 1) else { throw .unreadable(path) }
        return try parse(text, name: path)
    }

    public static func parse(_ text: String, name: String) throws(LoadError) -> ResultSet {
        let table: [[String]]
        do { table = try CSVReader.parse(text) } catch { throw .malformed(name, error.description) }
        guard let header = table.first, !(header.count == 1 && header[0].isEmpty) else {
            throw .notAResultFile(name, "empty")
        }
        var index: [String: Int] = [:]
        for (i, column) in header.enumerated() {
            guard index[column] == nil else { throw .notAResultFile(name, "column '\(echo(column))' appears twice") }
            index[column] = i
        }
        let missing = requiredColumns.filter { index[$0] == nil }
        guard missing.isEmpty else {
            throw .notAResultFile(name, "missing column\(missing.count > 1 ? "s" : "") \(missing.joined(separator: ", "))")
        }
        var rows: [ResultRow] = []
        /// A repetition is one scenario, repetition number, run and A/B pair: the same one twice is
        /// a copy (a file concatenated with itself), which would count as extra evidence.
        struct Identity: Hashable { let key: ScenarioKey, repetition: Int, timestamp: String, pair: Int? }
        var seen: [Identity: Int] = [:]
        for (n, cells) in table.dropFirst().enumerated() {
            let line = n + 2
            if cells.count == 1 && cells[0].isEmpty { continue }
            guard cells.count == header.count else {
                throw .malformed(name, "line \(line): \(cells.count) fields, the header has \(header.count)")
            }
            func cell(_ c: String) -> String { cells[index[c]!] }
            guard let bytes = Int(cell("payload_bytes")), bytes >= 1, bytes <= ByteSize.maximum,
                  let pairs = Int(cell("pairs")), pairs >= 1, pairs <= 1024,
                  let repetition = Int(cell("repetition")), repetition >= 1 else {
                throw .malformed(name, "line \(line): payload_bytes, pairs or repetition is not a valid whole number")
            }
            let status = cell("status")
            guard ["ok", "skipped", "failed"].contains(status) else {
                throw .malformed(name, "line \(line): status '\(echo(status, limit: 20))' is not ok, skipped or failed")
            }
            var values: [String: Double] = [:]
            for (column, i) in index where numericColumns.contains(column) {
                let text = cells[i]
                if text.isEmpty { continue }
                guard text.utf8.count <= 40, let v = Double(text), v.isFinite, v >= 0 else {
                    throw .malformed(name, "line \(line): \(column) '\(echo(text, limit: 20))' is not a finite, non-negative number")
                }
                values[column] = v
            }
            var machine: [String: String] = [:]
            for c in machineColumns { if let i = index[c] { machine[c] = cells[i] } }
            let key = ScenarioKey(
                mechanism: cell("mechanism"), mode: cell("mode"), payloadBytes: bytes,
                placement: cell("placement"), pairs: pairs, wait: cell("wait"),
                copy: index["copy"].map { cells[$0] }.flatMap { $0.isEmpty ? nil : $0 } ?? "copy",
                topology: index["topology"].map { cells[$0] }.flatMap { $0.isEmpty ? nil : $0 } ?? "pairs",
                cpuPair: index["cpu_pair"].map { cells[$0] } ?? "")
            var row = ResultRow(key: key, repetition: repetition, status: status,
                                note: index["note"].map { cells[$0] } ?? "", values: values, machine: machine)
            row.timestamp = index["timestamp"].map { cells[$0] } ?? ""
            // Whole numbers a gate writes; anything else is not a pair this file can mean.
            for column in ["ab_pair", "ab_position"] {
                if let v = values[column], v != v.rounded() || v > 1e15 {
                    throw .malformed(name, "line \(line): \(column) '\(echo(cells[index[column]!], limit: 20))' is not a whole number")
                }
            }
            row.abPair = values["ab_pair"].map { Int($0) }
            row.abPosition = values["ab_position"].map { Int($0) }
            let identity = Identity(key: key, repetition: repetition, timestamp: row.timestamp, pair: row.abPair)
            if let first = seen[identity] {
                throw .malformed(name, "line \(line) repeats the repetition on line \(first) (\(echo(key.description, limit: 80)), "
                    + "repetition \(repetition)\(row.timestamp.isEmpty ? "" : ", run \(echo(row.timestamp))")): "
                    + "a copied row would count as another measurement")
            }
            seen[identity] = line
            rows.append(row)
        }
        return ResultSet(rows: rows, columns: header)
    }

    /// Scenario keys in first-seen order.
    public var keys: [ScenarioKey] {
        var seen: Set<ScenarioKey> = []
        return rows.compactMap { seen.insert($0.key).inserted ? $0.key : nil }
    }

    /// Every row of one scenario, in file order.
    public func rows(_ key: ScenarioKey) -> [ResultRow] {
        (rowsByKey[key] ?? []).map { rows[$0] }
    }

    /// The `ok` repetitions' values of `metric` for one scenario.
    public func samples(_ key: ScenarioKey, _ metric: String) -> [Double] {
        rows(key).filter { $0.status == "ok" }.compactMap { $0.values[metric] }
    }

    /// The machine the rows came from (the first row's), or nil for an empty file.
    public var machine: [String: String]? { rows.first?.machine }

    /// Every distinct machine in the file, in first-seen order: more than one means rows from
    /// different hosts were put together.
    public var machines: [[String: String]] {
        var seen: [[String: String]] = []
        for row in rows where !seen.contains(row.machine) { seen.append(row.machine) }
        return seen
    }

    /// Adds rows (the gate grows its two sets round by round).
    public mutating func append(_ row: ResultRow) {
        rowsByKey[row.key, default: []].append(rows.count)
        rows.append(row)
    }
}
