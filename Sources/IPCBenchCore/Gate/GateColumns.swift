/// A build's result columns against this version's (``CSVReport/columns``): a build of another
/// release may lack some and have others. The gate compares on what both sides have and lists
/// the rest, as `compare` does for files of two versions.
public struct GateColumns: Sendable, Equatable {
    /// This version's columns the build's header lacks.
    public var missing: [String] = []
    /// The build's columns this version does not know.
    public var unknown: [String] = []

    public init() {}

    public init(header: [String]) {
        let theirs = Set(header), ours = Set(CSVReport.columns)
        missing = CSVReport.columns.filter { !theirs.contains($0) }
        unknown = header.filter { !ours.contains($0) }
    }

    /// Both sets, for a side measured by several sessions (each scenario's header).
    public mutating func merge(_ other: GateColumns) {
        missing += other.missing.filter { !missing.contains($0) }
        unknown += other.unknown.filter { !unknown.contains($0) }
    }
}
