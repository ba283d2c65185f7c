/// A piece of untrusted input, made safe to echo in a one-line error: at most `limit`
/// characters, control characters shown as escapes, so a hostile value cannot break the line.
public func echo<S: StringProtocol>(_ text: S, limit: Int = 40) -> String {
    var out = ""
    var count = 0
    for scalar in text.unicodeScalars {
        if count == limit { return out + "…" }
        if scalar.value < 0x20 || scalar.value == 0x7F || (0x80..<0xA0).contains(scalar.value) {
            out += "\\u{" + String(scalar.value, radix: 16) + "}"
        } else {
            out.unicodeScalars.append(scalar)
        }
        count += 1
    }
    return out
}
