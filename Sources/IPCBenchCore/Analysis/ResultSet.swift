/// What identifies a scenario across runs: the `key` columns of ``ResultSchema``, which
/// `compare` matches on.
public struct ScenarioKey: Hashable, Sendable, Comparable, CustomStringConvertible {
    public var mechanism: String
    public var mode: Mode
    public var payloadBytes: Int
    public var placement: Placement
    public var pairs: Int
    public var wait: WaitMode
    /// Through the workers' buffers, or in the channel's memory (`--copy`). Rows written
    /// before this column and the next two read as `copy`, `pairs` and no CPU pair.
    public var copy: CopyMode
    /// One producer and one consumer per channel, or several on one side (`--topology`).
    public var topology: Topology
    /// The two CPUs named outright (a core-matrix cell), overriding where `placement` would pin.
    public var cpuPair: CPUPair?

    public init(mechanism: String, mode: Mode, payloadBytes: Int, placement: Placement, pairs: Int, wait: WaitMode,
                copy: CopyMode = .copy, topology: Topology = .pairs, cpuPair: CPUPair? = nil) {
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
    public init(_ s: Scenario) { self = s.key }

    /// A key read back from its cells, in the order of ``ResultSet/keyColumns``; a value no
    /// ipcbench writes is an error that names the column.
    public init(cells: [String]) throws(InvalidCell) {
        guard cells.count == ResultSet.keyColumns.count else { throw InvalidCell(message: "expected \(ResultSet.keyColumns.count) key columns") }
        func parse<T: RawRepresentable & CaseIterable>(_ text: String, _ column: String, _: T.Type) throws(InvalidCell) -> T where T.RawValue == String {
            guard let value = T(rawValue: text) else {
                throw InvalidCell(message: "\(column) '\(echo(text, limit: 20))' is not one of \(T.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return value
        }
        guard let bytes = Int(cells[2]), bytes >= 1, bytes <= ByteSize.maximum, let pairs = Int(cells[4]), pairs >= 1, pairs <= 1024 else {
            throw InvalidCell(message: "payload_bytes or pairs is not a valid whole number")
        }
        // Columns added later: empty (or absent) reads as the value every older row had.
        let copy = cells[6].isEmpty ? CopyMode.copy : try parse(cells[6], "copy", CopyMode.self)
        guard let topology = cells[7].isEmpty ? Topology.pairs : Topology(rawValue: cells[7]) else {
            throw InvalidCell(message: "topology '\(echo(cells[7], limit: 20))' is not pairs, fan-in:N or fan-out:N")
        }
        var cpuPair: CPUPair?
        if !cells[8].isEmpty {
            guard let pair = CPUPair(cells[8]) else { throw InvalidCell(message: "cpu_pair '\(echo(cells[8], limit: 20))' is not P>C") }
            cpuPair = pair
        }
        self.init(mechanism: cells[0], mode: try parse(cells[1], "mode", Mode.self), payloadBytes: bytes,
                  placement: try parse(cells[3], "placement", Placement.self), pairs: pairs, wait: try parse(cells[5], "wait", WaitMode.self),
                  copy: copy, topology: topology, cpuPair: cpuPair)
    }

    /// The key's cells as written, in the order of ``ResultSet/keyColumns``.
    public var cells: [String] {
        [mechanism, mode.rawValue, String(payloadBytes), placement.rawValue, String(pairs), wait.rawValue,
         copy.rawValue, topology.rawValue, cpuPair?.description ?? ""]
    }

    public var description: String {
        "\(mechanism) \(mode.rawValue) \(ByteSize.format(payloadBytes)) \(placement.rawValue) \(wait.rawValue)"
            + (copy == .copy ? "" : " \(copy.rawValue)") + (topology == .pairs ? "" : " \(topology.rawValue)")
            + (cpuPair.map { " cpus \($0)" } ?? "") + (pairs > 1 ? " x\(pairs)" : "")
    }

    /// Ordered by the text of the cells, as the file reads.
    public static func < (a: ScenarioKey, b: ScenarioKey) -> Bool {
        a.cells.lexicographicallyPrecedes(b.cells) { x, y in
            // Numbers as numbers, so 64 comes before 4096.
            if let m = Int(x), let n = Int(y) { return m < n }
            return x < y
        }
    }
}

/// A cell no ipcbench writes, in words.
public struct InvalidCell: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

/// One row of an ipcbench CSV, typed.
public struct ResultRow: Sendable {
    public var key: ScenarioKey
    public var repetition: Int
    public var status: RunStatus
    public var note: String
    /// Every numeric column that has a value.
    public var values: [ResultColumn: Double]
    /// The machine columns, by name.
    public var machine: [String: String]
    /// When the run started (`timestamp`), which tells repetitions of separate runs apart.
    public var timestamp: String = ""
    /// What the run was given as `--commit` and `--label`; empty when not (or an older file).
    public var run = RunLabel()
    /// How /sys relates the row's two CPUs (`cpu_relation`), when the file says.
    public var cpuRelation = ""
    /// Set on rows of a paired A/B run (`ipcbench gate`): the rows of BASE and NEW with the same
    /// scenario and `ab_pair` were measured back to back, `ab_position` 1 first.
    public var abPair: Int?
    public var abPosition: Int?

    public init(key: ScenarioKey, repetition: Int, status: RunStatus, note: String, values: [ResultColumn: Double], machine: [String: String]) {
        self.key = key
        self.repetition = repetition
        self.status = status
        self.note = note
        self.values = values
        self.machine = machine
    }

    /// The value of a numeric column, when the row has one.
    public subscript(_ column: ResultColumn) -> Double? { values[column] }

    /// The host-state probe before the window (ns), when the row has one.
    public var probeNs: Double? { values[ResultSchema.probeNs] }
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

    public static let keyColumns = ResultSchema.columns(.key).map(\.name)
    /// Key columns added later may be absent: their cells read as empty.
    public static let requiredColumns = ResultSchema.columns(.key).filter { !$0.addedLater }.map(\.name) + ["repetition", "status"]
    public static let machineColumns = ResultSchema.columns(.machine).map(\.name)

    public enum LoadError: Error, CustomStringConvertible {
        case unreadable(String)
        case malformed(String, String)
        /// A JSON input (`run --json`) that does not parse or whose rows are wrong: the byte
        /// or `rows[N]`, and why.
        case malformedJSON(String, String)
        case notAResultFile(String, String)

        public var description: String {
            switch self {
            case let .unreadable(path): return "\(path): cannot read"
            case let .malformed(path, why): return "\(path): malformed CSV: \(why)"
            case let .malformedJSON(path, why): return "\(path): malformed JSON: \(why)"
            case let .notAResultFile(path, why): return "\(path): not an ipcbench result file: \(why)"
            }
        }
    }

    /// A run's CSV, or its JSON (`run --json`: the same rows).
    public static func load(_ path: String) throws(LoadError) -> ResultSet {
        try RunFile.load(path).results
    }

    /// A CSV, or a run's JSON document when the text starts with `{`.
    public static func parse(_ text: String, name: String) throws(LoadError) -> ResultSet {
        if RunFile.isJSON(text) { return try RunFile.parse(text, name: name).results }
        let table: [[String]]
        do { table = try CSVReader.parse(text) } catch { throw .malformed(name, error.description) }
        return try parse(table: table, name: name)
    }

    /// Where a table's rows came from, for its errors: a CSV's lines, or a JSON's `rows`.
    enum Source { case csv, json }

    /// Rows as cells, the header first.
    static func parse(table: [[String]], name: String, source: Source = .csv) throws(LoadError) -> ResultSet {
        /// A record's place: the CSV's line (the header is line 1) or the JSON's `rows[N]`.
        func place(_ n: Int) -> String { source == .csv ? "line \(n + 2)" : "rows[\(n)]" }
        func malformed(_ why: String) -> LoadError { source == .csv ? .malformed(name, why) : .malformedJSON(name, why) }
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
        // The numeric columns the file has that the schema knows, other than the key and the machine.
        let numeric = ResultSchema.columns.compactMap { column -> (ResultColumn, Int)? in
            guard column.isNumeric, column.kind != .key, column.kind != .machine, let i = index[column.name] else { return nil }
            return (column, i)
        }
        var rows: [ResultRow] = []
        /// A repetition is one scenario, repetition number, run and A/B pair: the same one twice is
        /// a copy (a file concatenated with itself), which would count as extra evidence.
        struct Identity: Hashable { let key: ScenarioKey, repetition: Int, timestamp: String, pair: Int? }
        var seen: [Identity: Int] = [:]
        for (n, cells) in table.dropFirst().enumerated() {
            let line = place(n)
            if cells.count == 1 && cells[0].isEmpty { continue }
            guard cells.count == header.count else {
                throw malformed("\(line): \(cells.count) fields, the header has \(header.count)")
            }
            func cell(_ c: String) -> String { cells[index[c]!] }
            let key: ScenarioKey
            do { key = try ScenarioKey(cells: keyColumns.map { index[$0].map { cells[$0] } ?? "" }) } catch {
                throw malformed("\(line): \(error.message)")
            }
            guard let repetition = Int(cell("repetition")), repetition >= 1 else {
                throw malformed("\(line): repetition is not a valid whole number")
            }
            guard let status = RunStatus(rawValue: cell("status")) else {
                throw malformed("\(line): status '\(echo(cell("status"), limit: 20))' is not ok, skipped or failed")
            }
            var values: [ResultColumn: Double] = [:]
            for (column, i) in numeric {
                let text = cells[i]
                if text.isEmpty { continue }
                guard text.utf8.count <= 40, let v = Double(text), v.isFinite, v >= 0 else {
                    throw malformed("\(line): \(column) '\(echo(text, limit: 20))' is not a finite, non-negative number")
                }
                values[column] = v
            }
            var machine: [String: String] = [:]
            for c in machineColumns { if let i = index[c] { machine[c] = cells[i] } }
            var row = ResultRow(key: key, repetition: repetition, status: status,
                                note: index["note"].map { cells[$0] } ?? "", values: values, machine: machine)
            row.timestamp = index["timestamp"].map { cells[$0] } ?? ""
            row.cpuRelation = index["cpu_relation"].map { cells[$0] } ?? ""
            row.run = RunLabel(commit: index["commit"].map { cells[$0] }.flatMap { $0.isEmpty ? nil : $0 },
                               label: index["label"].map { cells[$0] }.flatMap { $0.isEmpty ? nil : $0 })
            // Whole numbers a gate writes; anything else is not a pair this file can mean.
            for column in [ResultSchema.abPair, ResultSchema.abPosition] {
                if let v = values[column], v != v.rounded() || v > 1e15 {
                    throw malformed("\(line): \(column) '\(echo(cells[index[column.name]!], limit: 20))' is not a whole number")
                }
            }
            row.abPair = values[ResultSchema.abPair].map { Int($0) }
            row.abPosition = values[ResultSchema.abPosition].map { Int($0) }
            let identity = Identity(key: key, repetition: repetition, timestamp: row.timestamp, pair: row.abPair)
            if let first = seen[identity] {
                throw malformed("\(line) repeats the repetition on \(place(first)) (\(echo(key.description, limit: 80)), "
                    + "repetition \(repetition)\(row.timestamp.isEmpty ? "" : ", run \(echo(row.timestamp))")): "
                    + "a copied row would count as another measurement")
            }
            seen[identity] = n
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
    public func samples(_ key: ScenarioKey, _ metric: ResultColumn) -> [Double] {
        rows(key).filter { $0.status == .ok }.compactMap { $0[metric] }
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
