import Glibc

/// The CSV contract: one row per scenario and repetition, RFC 4180 quoting, the columns of
/// ``ResultSchema`` in its order. Empty cells where a figure does not apply.
public enum CSVReport {
    public static let columns = ResultSchema.columns.map(\.name)

    public static func row(_ r: RepetitionResult, machine: MachineInfo, timestamp: String, clockOverheadNs: UInt64? = nil,
                           run: RunLabel = RunLabel()) -> [String] {
        let source = RowSource(r, machine: machine, timestamp: timestamp, clockOverheadNs: clockOverheadNs, run: run)
        return ResultSchema.columns.map { $0.text(source) }
    }

    /// RFC 4180: a field with a comma, quote, CR or LF is quoted, quotes doubled.
    public static func escape(_ field: String) -> String {
        // Look at scalars, not Characters: "\r\n" and a quote followed by a combining mark are
        // single Characters in Swift, and would slip past a Character comparison.
        guard field.unicodeScalars.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return field }
        var out = "\""
        for scalar in field.unicodeScalars {
            if scalar == "\"" { out += "\"\"" } else { out.unicodeScalars.append(scalar) }
        }
        return out + "\""
    }

    /// Any table (header included) as RFC 4180 text.
    public static func renderRaw(_ table: [[String]]) -> String {
        table.map { $0.map(escape).joined(separator: ",") + "\r\n" }.joined()
    }

    public static func render(_ rows: [[String]]) -> String {
        var out = columns.joined(separator: ",") + "\r\n"
        for row in rows { out += row.map(escape).joined(separator: ",") + "\r\n" }
        return out
    }
}

extension String {
    public func replacingAll(_ target: Character, with replacement: String) -> String {
        var out = ""
        for c in self { if c == target { out += replacement } else { out.append(c) } }
        return out
    }
}
