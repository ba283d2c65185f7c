/// A minimal JSON writer (RFC 8259): strings escaped, non-finite numbers become null.
public indirect enum JSON {
    case null
    case bool(Bool)
    case number(Double)
    case integer(Int)
    case string(String)
    case array([JSON])
    /// An array written on one line: long runs of small items (histogram buckets).
    case inline([JSON])
    case object([(String, JSON)])

    public func render(indent: Int = 0) -> String {
        let pad = String(repeating: "  ", count: indent + 1), end = String(repeating: "  ", count: indent)
        switch self {
        case .null: return "null"
        case let .bool(b): return b ? "true" : "false"
        case let .integer(i): return String(i)
        case let .number(d):
            guard d.isFinite else { return "null" }
            return d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : "\(d)"
        case let .string(s): return JSON.quote(s)
        case let .inline(items):
            return "[" + items.map { $0.render(indent: indent) }.joined(separator: ", ") + "]"
        case let .array(items):
            if items.isEmpty { return "[]" }
            return "[\n" + items.map { pad + $0.render(indent: indent + 1) }.joined(separator: ",\n") + "\n\(end)]"
        case let .object(fields):
            if fields.isEmpty { return "{}" }
            return "{\n" + fields.map { pad + JSON.quote($0.0) + ": " + $0.1.render(indent: indent + 1) }
                .joined(separator: ",\n") + "\n\(end)}"
        }
    }

    public static func quote(_ s: String) -> String {
        "\"" + escapes(s) + "\""
    }

    /// RFC 8259's short escapes, `\u00XX` for the other control characters.
    private static let escapes = EscapeTable(
        ["\"": "\\\"", "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"],
        control: { c in
            let hex = String(c.value, radix: 16)
            return "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
        })

    /// A CSV cell as JSON, typed by its column in ``ResultSchema``: empty is null, text a
    /// string, a flag a bool, a number a number. A column the schema does not know is guessed.
    public static func cell(_ text: String, column: String) -> JSON {
        if text.isEmpty { return .null }
        guard let known = ResultSchema.column(column) else {
            if text == "true" || text == "false" { return .bool(text == "true") }
            return number(text) ?? .string(text)
        }
        switch known.cell {
        case .text: return .string(text)
        case .flag: return text == "true" || text == "false" ? .bool(text == "true") : .string(text)
        case .integer, .decimal: return number(text) ?? .string(text)
        }
    }

    private static func number(_ text: String) -> JSON? {
        if let i = Int(text) { return .integer(i) }
        if let d = Double(text), d.isFinite { return .number(d) }
        return nil
    }
}
