/// Reads RFC 4180 CSV strictly: quoted fields may hold commas, quotes ("") and line breaks;
/// anything malformed is an error that says where, never a guess.
public enum CSVReader {
    public struct ParseError: Error, CustomStringConvertible, Equatable {
        public let line: Int
        public let message: String
        public var description: String { "line \(line): \(message)" }
    }

    public static let maximumBytes = 256 << 20

    public static func parse(_ text: String) throws(ParseError) -> [[String]] {
        var bytes = Array(text.utf8)
        // A leading byte-order mark (spreadsheets write one) is not part of the first column's name.
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes.removeFirst(3) }
        if bytes.count > maximumBytes { throw ParseError(line: 0, message: "larger than 256 MiB") }
        if bytes.contains(0) { throw ParseError(line: 1, message: "not text (NUL byte)") }
        var rows: [[String]] = []
        var row: [String] = []
        var field: [UInt8] = []
        var i = 0
        var line = 1
        var inQuotes = false
        var fieldWasQuoted = false
        func endField() {
            row.append(String(decoding: field, as: UTF8.self))
            field.removeAll(keepingCapacity: true)
            fieldWasQuoted = false
        }
        while i < bytes.count {
            let b = bytes[i]
            if inQuotes {
                if b == UInt8(ascii: "\"") {
                    if i + 1 < bytes.count && bytes[i + 1] == UInt8(ascii: "\"") {
                        field.append(b)
                        i += 2
                        continue
                    }
                    inQuotes = false
                    i += 1
                    // After a closing quote only a separator or a line end may follow.
                    if i < bytes.count, ![UInt8(ascii: ","), UInt8(ascii: "\r"), UInt8(ascii: "\n")].contains(bytes[i]) {
                        throw ParseError(line: line, message: "text after a closing quote")
                    }
                    continue
                }
                if b == UInt8(ascii: "\n") { line += 1 }
                field.append(b)
                i += 1
                continue
            }
            switch b {
            case UInt8(ascii: "\""):
                guard field.isEmpty && !fieldWasQuoted else { throw ParseError(line: line, message: "a quote inside an unquoted field") }
                inQuotes = true
                fieldWasQuoted = true
            case UInt8(ascii: ","):
                endField()
            case UInt8(ascii: "\r"):
                guard i + 1 < bytes.count, bytes[i + 1] == UInt8(ascii: "\n") else {
                    throw ParseError(line: line, message: "a lone carriage return")
                }
            case UInt8(ascii: "\n"):
                endField()
                rows.append(row)
                row = []
                line += 1
            default:
                field.append(b)
            }
            i += 1
        }
        if inQuotes { throw ParseError(line: line, message: "a quoted field is never closed (truncated file?)") }
        if !field.isEmpty || !row.isEmpty || fieldWasQuoted {
            endField()
            rows.append(row)
        }
        return rows
    }
}
