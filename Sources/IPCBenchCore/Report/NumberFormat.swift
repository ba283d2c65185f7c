/// Fixed-point text for reports, without Foundation: `fixed(3.14159, 2)` is "3.14".
public func fixed(_ value: Double, _ decimals: Int) -> String {
    guard value.isFinite else { return value.isNaN ? "nan" : (value < 0 ? "-inf" : "inf") }
    let scale = (0..<decimals).reduce(1.0) { r, _ in r * 10 }
    let scaled = (abs(value) * scale).rounded()
    guard scaled < 9.0e18 else { return String(value) }
    let n = UInt64(scaled)
    let whole = n / UInt64(scale)
    var text = String(whole)
    if decimals > 0 {
        let frac = String(n % UInt64(scale))
        text += "." + String(repeating: "0", count: decimals - frac.count) + frac
    }
    return (value < 0 && scaled > 0 ? "-" : "") + text
}

/// A duration in ns as people read it: 812 ns, 3.41 µs, 45.2 µs, 1.20 ms.
public func humanDuration(_ ns: Double) -> String {
    if ns < 1_000 { return "\(fixed(ns, 0)) ns" }
    if ns < 10_000 { return "\(fixed(ns / 1_000, 2)) µs" }
    if ns < 1_000_000 { return "\(fixed(ns / 1_000, 1)) µs" }
    if ns < 1_000_000_000 { return "\(fixed(ns / 1_000_000, 2)) ms" }
    return "\(fixed(ns / 1_000_000_000, 2)) s"
}

/// The median of a list (mean of the middle two for an even count), nil when empty.
public func median(_ values: [Double]) -> Double? {
    guard !values.isEmpty else { return nil }
    let s = values.sorted()
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}
