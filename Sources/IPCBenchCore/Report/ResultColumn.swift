/// Whether a larger value of a column is better, worse, or neither (package-benchmark's
/// `BenchmarkMetric.polarity`): compare, the exports and the charts read it from here.
public enum Direction: String, Sendable {
    case higherIsBetter
    case lowerIsBetter
    case none
}

/// What a column says about its row.
public enum ColumnKind: String, Sendable {
    /// Identifies a scenario across runs: `compare` matches rows on these (``ScenarioKey``).
    case key
    /// Tells one measurement of a scenario from another: repetition, run, A/B pair.
    case run
    /// How the repetition ended: `status` and `note`.
    case outcome
    /// How the scenario was run: counts, rates asked for, ring size, verification.
    case setting
    /// A measured figure of the mechanism, with a direction.
    case metric
    /// What disturbed or framed the measurement: spread, preemptions, steal, host probes.
    case diagnostic
    /// The machine the row was measured on: rows of different machines are not compared.
    case machine
}

/// The unit a column's numbers are in.
public enum Unit: String, Sendable {
    case nanoseconds = "ns"
    case milliseconds = "ms"
    case bytes = "B"
    case messagesPerSecond = "msgs/s"
    case mibPerSecond = "MiB/s"
    case percent = "%"
    /// A count of messages, calls or switches (per message where the name says so).
    case count
}

/// Everything a row is written from: one repetition, the machine and the run it belongs to.
public struct RowSource: Sendable {
    public var result: RepetitionResult
    public var machine: MachineInfo?
    public var timestamp: String
    public var clockOverheadNs: UInt64?
    public var run: RunLabel

    public init(_ result: RepetitionResult, machine: MachineInfo? = nil, timestamp: String = "",
                clockOverheadNs: UInt64? = nil, run: RunLabel = RunLabel()) {
        self.result = result
        self.machine = machine
        self.timestamp = timestamp
        self.clockOverheadNs = clockOverheadNs
        self.run = run
    }

    var scenario: Scenario { result.scenario }
    var ok: Bool { result.status == .ok }
}

/// What the user says a run is (`run --commit SHA --label TEXT`): written on every row, so that
/// a folder of runs can be put in order and named (`plot --history`).
public struct RunLabel: Sendable, Equatable {
    public var commit: String?
    public var label: String?

    public init(commit: String? = nil, label: String? = nil) {
        self.commit = commit
        self.label = label
    }

    /// A commit or label as given: one line of at most `limit` characters, no control characters.
    public static func text(_ value: String, limit: Int) throws(SettingError) -> String {
        guard !value.isEmpty, value.count <= limit else { throw SettingError(message: "needs 1 to \(limit) characters") }
        guard !value.unicodeScalars.contains(where: { $0.value < 0x20 || (0x7F..<0xA0).contains($0.value) }) else {
            throw SettingError(message: "'\(echo(value))' holds a control character")
        }
        return value
    }
}

/// One column of the result CSV: its name, what it is, which way is better, and how its cell
/// is computed from a repetition. ``ResultSchema/columns`` lists them in file order; the CSV
/// writer and reader, the JSON document, compare, the table, plot and the exports all read
/// their columns from there.
public struct ResultColumn: Sendable, Hashable, CustomStringConvertible {
    /// How a cell's value is computed and written; the reader parses it back by the same case.
    public enum Cell: Sendable {
        case text(@Sendable (RowSource) -> String)
        /// A whole number, written in full.
        case integer(@Sendable (RowSource) -> Int?)
        /// A number written with `places` decimals.
        case decimal(places: Int, @Sendable (RowSource) -> Double?)
        /// `true` or `false`, or empty.
        case flag(@Sendable (RowSource) -> Bool?)
    }

    public let name: String
    public let kind: ColumnKind
    public let unit: Unit?
    public let direction: Direction
    /// A short name for tables and charts ("p50 rtt"); the column name where none is given.
    public let label: String
    /// Added after the first CSV version: files without it still read and compare.
    public let addedLater: Bool
    public let cell: Cell

    init(_ name: String, _ kind: ColumnKind, unit: Unit?, _ direction: Direction, label: String?, addedLater: Bool, _ cell: Cell) {
        self.name = name
        self.kind = kind
        self.unit = unit
        self.direction = direction
        self.label = label ?? name
        self.addedLater = addedLater
        self.cell = cell
    }

    // One constructor per kind of cell, so that the schema's long list type-checks quickly.

    public static func text(_ name: String, _ kind: ColumnKind, addedLater: Bool = false,
                            _ value: @escaping @Sendable (RowSource) -> String) -> ResultColumn {
        ResultColumn(name, kind, unit: nil, .none, label: nil, addedLater: addedLater, .text(value))
    }

    public static func integer(_ name: String, _ kind: ColumnKind, unit: Unit? = nil, _ direction: Direction = .none,
                               label: String? = nil, addedLater: Bool = false,
                               _ value: @escaping @Sendable (RowSource) -> Int?) -> ResultColumn {
        ResultColumn(name, kind, unit: unit, direction, label: label, addedLater: addedLater, .integer(value))
    }

    public static func decimal(_ name: String, _ kind: ColumnKind, places: Int, unit: Unit? = nil, _ direction: Direction = .none,
                               label: String? = nil, addedLater: Bool = false,
                               _ value: @escaping @Sendable (RowSource) -> Double?) -> ResultColumn {
        ResultColumn(name, kind, unit: unit, direction, label: label, addedLater: addedLater, .decimal(places: places, value))
    }

    public static func flag(_ name: String, _ kind: ColumnKind, addedLater: Bool = false,
                            _ value: @escaping @Sendable (RowSource) -> Bool?) -> ResultColumn {
        ResultColumn(name, kind, unit: nil, .none, label: nil, addedLater: addedLater, .flag(value))
    }

    public var description: String { name }
    public var higherIsBetter: Bool { direction == .higherIsBetter }

    /// Whether the reader takes the cell as a number (validated finite and non-negative).
    public var isNumeric: Bool {
        switch cell {
        case .integer, .decimal: return true
        case .text, .flag: return false
        }
    }

    public var isFlag: Bool {
        if case .flag = cell { return true }
        return false
    }

    /// The cell as written in the CSV; empty where the figure does not apply.
    public func text(_ source: RowSource) -> String {
        switch cell {
        case let .text(f): return f(source)
        case let .integer(f): return f(source).map(String.init) ?? ""
        case let .decimal(places, f): return f(source).map { fixed($0, places) } ?? ""
        case let .flag(f): return f(source).map { $0 ? "true" : "false" } ?? ""
        }
    }

    /// The cell as a number, unrounded (the table's medians use it); nil for text and flags.
    public func value(_ source: RowSource) -> Double? {
        switch cell {
        case let .integer(f): return f(source).map { Double($0) }
        case let .decimal(_, f): return f(source)
        case .text, .flag: return nil
        }
    }

    public static func == (a: ResultColumn, b: ResultColumn) -> Bool { a.name == b.name }
    public func hash(into hasher: inout Hasher) { hasher.combine(name) }
}
