/// Payload sizes as people write them: `64`, `4K`, `4KiB`, `1M`, `1GiB` (powers of 1024).
public enum ByteSize {
    public static let maximum = 1 << 30

    public enum ParseError: Error, CustomStringConvertible, Equatable {
        case empty
        case notANumber(String)
        case ambiguousDecimalUnit(String)
        case outOfRange(String)

        public var description: String {
            switch self {
            case .empty: return "empty size"
            case let .notANumber(s): return "'\(echo(s))' is not a size (examples: 64, 4K, 4KiB, 1M)"
            case let .ambiguousDecimalUnit(s): return "'\(echo(s))' is ambiguous: write K/KiB, M/MiB or G/GiB (powers of 1024)"
            case let .outOfRange(s): return "'\(echo(s))' is outside 1 byte to 1 GiB"
            }
        }
    }

    public static func parse(_ raw: String) throws(ParseError) -> Int {
        let text = raw.trimmingCharacters(in: " \t")
        guard !text.isEmpty else { throw .empty }
        let digits = text.prefix { $0.isASCII && $0.isNumber }
        let unit = text.dropFirst(digits.count).lowercased()
        guard !digits.isEmpty else {
            if text.hasPrefix("-") || text.hasPrefix("+") { throw .outOfRange(text) }
            throw .notANumber(text)
        }
        let multiplier: Int
        switch unit {
        case "", "b": multiplier = 1
        case "k", "ki", "kib": multiplier = 1 << 10
        case "m", "mi", "mib": multiplier = 1 << 20
        case "g", "gi", "gib": multiplier = 1 << 30
        case "kb", "mb", "gb": throw .ambiguousDecimalUnit(text)
        default: throw .notANumber(text)
        }
        guard digits.count <= 12, let value = Int(digits) else { throw .outOfRange(text) }
        let (bytes, overflow) = value.multipliedReportingOverflow(by: multiplier)
        guard !overflow, bytes >= 1, bytes <= maximum else { throw .outOfRange(text) }
        return bytes
    }

    /// The shortest exact spelling: 64, 4K, 1M, 1G, or plain bytes.
    public static func format(_ bytes: Int) -> String {
        for (shift, suffix) in [(30, "G"), (20, "M"), (10, "K")] where bytes >= (1 << shift) && bytes % (1 << shift) == 0 {
            return "\(bytes >> shift)\(suffix)"
        }
        return "\(bytes)"
    }
}
