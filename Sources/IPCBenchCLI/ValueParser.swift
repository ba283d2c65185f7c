import IPCBenchCore

/// How a flag's text becomes its value. The error says only what is wrong with the text; the
/// flag table puts the flag's name in front (`--sizes: '0' is not ...`).
struct ValueParser<Value> {
    let parse: (String) throws(SettingError) -> Value
    /// A comma-separated list: a second copy of the flag is answered with "lists are comma-separated".
    var isList = false
}

extension ValueParser where Value == String {
    /// Any text but the empty string; `problem` says what to give instead.
    static func text(ifEmpty problem: String) -> ValueParser {
        ValueParser { (text: String) throws(SettingError) in
            guard !text.isEmpty else { throw SettingError(message: problem) }
            return text
        }
    }

    /// A file to write, which standard output (`-`) cannot be.
    static func file(ifEmptyOrDash problem: String) -> ValueParser {
        ValueParser { (text: String) throws(SettingError) in
            guard !text.isEmpty, text != "-" else { throw SettingError(message: problem) }
            return text
        }
    }

    /// A suite's name or path; the suites are listed only when none is given.
    static var suite: ValueParser {
        ValueParser { (text: String) throws(SettingError) in
            guard !text.isEmpty else {
                throw SettingError(message: "empty suite name (suites: \(SuiteLocator.available().joined(separator: ", ")))")
            }
            return text
        }
    }

    /// Any text, the empty string included (what it names is checked when it is used).
    static var anyText: ValueParser { ValueParser { (text: String) throws(SettingError) in text } }
}

extension ValueParser where Value == Double {
    /// A percentage from 0 to 1000: `5`, `2.5`, `5%` and `2.5%` all mean what they say. Every
    /// command that takes a threshold reads it here, so they accept the same spellings.
    static var percent: ValueParser {
        ValueParser { (text: String) throws(SettingError) in
            let digits = text.hasSuffix("%") ? String(text.dropLast()) : text
            guard let d = Double(digits), d.isFinite, d >= 0, d <= 1000 else {
                throw SettingError(message: "'\(echo(text, limit: 20))' is not a percentage from 0 to 1000, e.g. 5 or 5%")
            }
            return d
        }
    }

    /// A confidence level from 0.5 to 0.999.
    static var confidence: ValueParser {
        ValueParser { (text: String) throws(SettingError) in
            guard let d = Double(text), d.isFinite, d >= 0.5, d < 1 else {
                throw SettingError(message: "'\(echo(text, limit: 20))' is not a level from 0.5 to 0.999, e.g. 0.95")
            }
            return d
        }
    }

    /// Seconds from 0.1 to 86400, as a suite file writes them.
    static var seconds: ValueParser { ValueParser(parse: Setting.seconds) }

    /// A long duration in seconds: `6m`, `90s` or `360`, from 1 s to 24 h.
    static var longDuration: ValueParser {
        ValueParser { (text: String) throws(SettingError) in
            var t = Substring(text.lowercased()), scale = 1.0
            if t.hasSuffix("m") { t = t.dropLast(); scale = 60 } else if t.hasSuffix("s") { t = t.dropLast() }
            guard let v = Double(t), v.isFinite, v * scale >= 1, v * scale <= 86_400 else {
                throw SettingError(message: "'\(echo(text, limit: 20))' is not a duration from 1s to 24h, e.g. 6m or 90s")
            }
            return v * scale
        }
    }
}

extension ValueParser where Value == Int {
    /// A whole number in `range`.
    static func count(_ range: ClosedRange<Int>) -> ValueParser {
        ValueParser { (text: String) throws(SettingError) in try Setting.count(text, range: range) }
    }

    /// A ring capacity: a power of two from 4K to 1G.
    static var ringSize: ValueParser { ValueParser(parse: Setting.ringSize) }
}

extension ValueParser where Value == UInt64 {
    /// A short duration in nanoseconds: `50ms`, `0.2s`, from 1 ms to 60 s.
    static var duration: ValueParser { ValueParser(parse: Setting.duration) }
}

extension ValueParser where Value == [Int] {
    /// Payload sizes: `64,4K,1M`.
    static var sizes: ValueParser { ValueParser(parse: Setting.sizes, isList: true) }

    /// Whole numbers in `range`, comma-separated.
    static func counts(_ range: ClosedRange<Int>) -> ValueParser {
        ValueParser(parse: { (text: String) throws(SettingError) in try Setting.counts(text, range: range) }, isList: true)
    }
}

extension ValueParser where Value == [String] {
    /// Mechanism names, `all` and family names, comma-separated.
    static var mechanisms: ValueParser { ValueParser(parse: Setting.mechanisms, isList: true) }
}

extension ValueParser {
    /// One of an enumeration's raw values (`--format json`).
    static func oneOf() -> ValueParser where Value: RawRepresentable & CaseIterable, Value.RawValue == String {
        ValueParser { (text: String) throws(SettingError) in
            guard let value = Value(rawValue: text) else {
                throw SettingError(message: "'\(echo(text, limit: 20))' is not one of \(Value.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return value
        }
    }

    /// A comma-separated list of an enumeration's raw values (`--modes latency,throughput`).
    static func listOf<Element>(_ type: Element.Type) -> ValueParser
    where Value == [Element], Element: RawRepresentable & CaseIterable, Element.RawValue == String {
        ValueParser(parse: { (text: String) throws(SettingError) in try Setting.list(text, Element.self) }, isList: true)
    }
}
