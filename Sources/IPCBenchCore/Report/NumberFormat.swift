import Glibc

/// Fixed-point text for reports, without Foundation: `fixed(3.14159, 2)` is "3.14". Total over
/// every Double: at most 17 decimals are written, and a value too large for fixed point comes
/// back in Swift's shortest round-trip form ("1e+300"), which a CSV reader parses back.
public func fixed(_ value: Double, _ decimals: Int) -> String {
    guard value.isFinite else { return value.isNaN ? "nan" : (value < 0 ? "-inf" : "inf") }
    // 10^17 is the largest power of ten whose product with the whole part still fits a UInt64.
    let decimals = min(max(decimals, 0), 17)
    let scale = (0..<decimals).reduce(1.0) { r, _ in r * 10 }
    let scaled = (abs(value) * scale).rounded()
    guard scaled < 9.0e18 else { return String(value) }
    let n = UInt64(scaled)
    let unit = UInt64(scale)
    var text = String(n / unit)
    if decimals > 0 {
        let frac = String(n % unit)
        text += "." + String(repeating: "0", count: decimals - frac.count) + frac
    }
    return (value < 0 && scaled > 0 ? "-" : "") + text
}

/// Scientific notation with `significant` digits and trailing zeros dropped: `2e-30`,
/// `1.5e308`, `-4.94e-324`. Total over every Double, denormals included, for the values
/// fixed point cannot show.
public func scientific(_ value: Double, _ significant: Int = 3) -> String {
    guard value.isFinite else { return value.isNaN ? "nan" : (value < 0 ? "-inf" : "inf") }
    if value == 0 { return "0" }
    let digits = min(max(significant, 1), 17)
    let magnitude = abs(value)
    var exponent = Int(floor(log10(magnitude)))
    var mantissa = timesPowerOfTen(magnitude, -exponent)
    // log10 may land a hair off at the edges of the range: bring the mantissa into [1, 10).
    if mantissa < 1 { mantissa *= 10; exponent -= 1 }
    if mantissa >= 10 { mantissa /= 10; exponent += 1 }
    var text = Substring(fixed(mantissa, digits - 1))
    // Rounding carried into the next decade (9.996 → 10.0).
    if text.hasPrefix("10") { text = "1"; exponent += 1 }
    if text.contains(".") {
        while text.hasSuffix("0") { text = text.dropLast() }
        if text.hasSuffix(".") { text = text.dropLast() }
    }
    return (value < 0 ? "-" : "") + text + "e\(exponent)"
}

/// `value × 10^exponent` without overflowing or underflowing in between (10^-320 is not a
/// normal Double, and 10^400 is not a Double at all).
func timesPowerOfTen(_ value: Double, _ exponent: Int) -> Double {
    var v = value, e = exponent
    while e > 300 { v *= 1e300; e -= 300 }
    while e < -300 { v *= 1e-300; e += 300 }
    return v * pow(10, Double(e))
}

/// A duration in ns as people read it: 812 ns, 3.41 µs, 45.2 µs, 1.20 ms, 2.5e9 s.
public func humanDuration(_ ns: Double) -> String {
    guard ns.isFinite else { return "\(fixed(ns, 0)) ns" }
    if ns < 0 { return "-" + humanDuration(-ns) }
    if ns < 1_000 { return "\(fixed(ns, 0)) ns" }
    if ns < 10_000 { return "\(fixed(ns / 1_000, 2)) µs" }
    if ns < 1_000_000 { return "\(fixed(ns / 1_000, 1)) µs" }
    if ns < 1_000_000_000 { return "\(fixed(ns / 1_000_000, 2)) ms" }
    let seconds = ns / 1_000_000_000
    return seconds < 1e6 ? "\(fixed(seconds, 2)) s" : "\(scientific(seconds)) s"
}

/// The median of a list (mean of the middle two for an even count), nil when empty. The mean
/// neither overflows (two values near Double.greatestFiniteMagnitude) nor rounds two equal
/// denormals to zero.
public func median(_ values: [Double]) -> Double? {
    guard !values.isEmpty else { return nil }
    let s = values.sorted()
    guard s.count % 2 == 0 else { return s[s.count / 2] }
    let a = s[s.count / 2 - 1], b = s[s.count / 2]
    if a == b { return a }
    let sum = a + b
    return sum.isFinite ? sum / 2 : a / 2 + b / 2
}
