/// How a text format escapes its strings: each character the table names becomes the table's
/// text for it, every other character is kept. XML (``xmlEscape(_:)``) and JSON
/// (``JSON/quote(_:)``) differ only in their tables, so both go through this one loop.
struct EscapeTable: Sendable {
    /// By ASCII code: a lookup in an array, since nearly every character of a chart is ASCII.
    private let ascii: [String?]
    private let others: [Unicode.Scalar: String]

    /// `replacements`, plus `control(c)` for each C0 control character `c` they do not name.
    init(_ replacements: [Unicode.Scalar: String], control: (Unicode.Scalar) -> String) {
        var ascii = [String?](repeating: nil, count: 128)
        for value in UInt8(0)..<0x20 { ascii[Int(value)] = control(Unicode.Scalar(value)) }
        for (scalar, replacement) in replacements where scalar.isASCII { ascii[Int(scalar.value)] = replacement }
        self.ascii = ascii
        others = replacements.filter { !$0.key.isASCII }
    }

    func callAsFunction(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            if let replacement = scalar.isASCII ? ascii[Int(scalar.value)] : others[scalar] {
                out += replacement
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}
