import Glibc

/// One block of a suite: the cross product of its lists becomes scenarios.
public struct Sweep: Sendable, Equatable {
    public var name: String
    public var mechanisms: [String] = []
    public var modes: [Mode] = [.latency, .throughput]
    public var sizes: [Int] = [64, 4096, 65536]
    /// nil: cross-core where the process may use two CPUs, else same-core.
    public var placements: [Placement]?
    /// `placements = matrix`: every ordered pair of these CPUs (empty: every CPU the process may
    /// use when the run starts, or the `cpus` key).
    public var matrix = false
    public var cpus: [Int32] = []
    /// Matrix cells named one by one (`cpu-pair = 0>1, 1>0`).
    public var cpuPairs: [CPUPair] = []
    public var waits: [WaitMode] = [.block]
    /// Copy modes; a mechanism that cannot lend its memory runs only `copy`.
    public var copies: [CopyMode] = [.copy]
    public var pairs: [Int] = [1]
    public var topologies: [Topology] = [.pairs]
    /// Per-mode message counts; nil picks ``Scenario/defaultMessages(mode:payloadBytes:)``.
    public var latencyMessages: Int?
    public var throughputMessages: Int?
    public var warmupMessages: Int?
    public var ringBytes: Int = 1 << 20
    /// Open-loop send rate, messages per second.
    public var rate: Int = Scenario.defaultRate
    public var oneWay = false
    /// Mechanisms chosen by a group (`all`, a family): each runs only in the modes, waits,
    /// copy modes and sizes it supports, instead of a skipped row for every other one.
    public var fitted: Set<String> = []

    public init(name: String) { self.name = name }
}

/// A named sweep definition, read from a `.suite` file under `Benchmarks/suites/`.
///
/// ```
/// repetitions = 3            # before any [section]: defaults for every section
/// sizes = 64, 4K, 64K
/// [kernel]                   # a sweep; its keys override the defaults
/// mechanisms = pipe, tcp
/// ```
public struct Suite: Sendable, Equatable {
    public var name: String
    /// The file it was read from (set by ``SuiteLocator``); nil for text parsed directly.
    public var path: String?
    public var repetitions: Int = 3
    public var timeoutSeconds: Double?
    public var verify = false
    /// The keys given before the first section; mechanisms named only on the command line get
    /// a sweep made from these.
    public var defaults: Sweep
    public var sweeps: [Sweep]

    public struct ParseError: Error, CustomStringConvertible, Equatable {
        public let line: Int
        public let message: String
        public var description: String { line > 0 ? "line \(line): \(message)" : message }
    }

    public static let keys = [
        "mechanisms", "modes", "sizes", "placements", "waits", "copy", "pairs", "topology", "cpus", "cpu-pair", "messages",
        "messages.latency", "messages.throughput", "warmup", "ring-size", "rate", "oneway",
        "repetitions", "timeout", "verify",
    ]

    public init(name: String, defaults: Sweep = Sweep(name: "defaults"), sweeps: [Sweep] = []) {
        self.name = name
        self.defaults = defaults
        self.sweeps = sweeps
    }

    public static func parse(_ rawText: String, name: String) throws(ParseError) -> Suite {
        let text = rawText.hasPrefix("\u{FEFF}") ? String(rawText.dropFirst()) : rawText
        guard !text.utf8.contains(0) else { throw ParseError(line: 0, message: "not a text file (NUL byte)") }
        guard text.utf8.count <= 1 << 20 else { throw ParseError(line: 0, message: "larger than 1 MiB") }
        var suite = Suite(name: name)
        var current: Sweep? = nil
        var sweeps: [Sweep] = []
        var seenKeys: Set<String> = []
        // "\r\n" is one Character in Swift: split on it too, so CRLF files read like LF ones.
        for (number, rawLine) in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).enumerated() {
            let lineNumber = number + 1
            var line = Substring(rawLine)
            if let hash = line.firstIndex(of: "#") { line = line[..<hash] }
            let trimmed = String(line).trimmingCharacters(in: " \t\r")
            if trimmed.isEmpty { continue }
            if trimmed.hasPrefix("[") {
                guard trimmed.hasSuffix("]"), trimmed.count > 2 else {
                    throw ParseError(line: lineNumber, message: "a section is written [name]")
                }
                if let done = current { sweeps.append(done) }
                var sweep = suite.defaults
                sweep.name = String(trimmed.dropFirst().dropLast()).trimmingCharacters(in: " \t")
                current = sweep
                seenKeys = []
                continue
            }
            guard let eq = trimmed.firstIndex(of: "=") else {
                throw ParseError(line: lineNumber, message: "expected 'key = value', found '\(echo(trimmed))'")
            }
            let key = String(trimmed[..<eq]).trimmingCharacters(in: " \t").lowercased()
            let value = String(trimmed[trimmed.index(after: eq)...]).trimmingCharacters(in: " \t")
            guard keys.contains(key) else {
                throw ParseError(line: lineNumber, message: "unknown key '\(echo(key))' (keys: \(keys.joined(separator: ", ")))")
            }
            guard !seenKeys.contains(key) else { throw ParseError(line: lineNumber, message: "'\(key)' given twice") }
            seenKeys.insert(key)
            do {
                if ["repetitions", "timeout", "verify"].contains(key) {
                    guard current == nil else {
                        throw ParseError(line: lineNumber, message: "'\(key)' applies to the whole suite: put it before the first [section]")
                    }
                    try suite.applyGlobal(key, value)
                } else if current != nil {
                    try current!.apply(key, value)
                } else {
                    try suite.defaults.apply(key, value)
                }
            } catch let error as SettingError {
                throw ParseError(line: lineNumber, message: "\(key): \(error.message)")
            } catch let error as ParseError {
                // Already names its line: wrapping it again read "line 4: …: line 4: …".
                throw error
            } catch {
                throw ParseError(line: lineNumber, message: "\(key): \(error)")
            }
        }
        if let done = current { sweeps.append(done) }
        if sweeps.isEmpty && !suite.defaults.mechanisms.isEmpty { sweeps = [suite.defaults] }
        guard !sweeps.isEmpty else { throw ParseError(line: 0, message: "no sweep: name some mechanisms") }
        for sweep in sweeps where sweep.mechanisms.isEmpty {
            throw ParseError(line: 0, message: "section [\(echo(sweep.name))] names no mechanisms")
        }
        suite.sweeps = sweeps
        return suite
    }

    mutating func applyGlobal(_ key: String, _ value: String) throws(SettingError) {
        switch key {
        case "repetitions": repetitions = try Setting.count(value, range: 1...1000)
        case "timeout": timeoutSeconds = try Setting.seconds(value)
        case "verify": verify = try Setting.boolean(value)
        default: break
        }
    }
}

extension Sweep {
    mutating func apply(_ key: String, _ value: String) throws(SettingError) {
        switch key {
        case "mechanisms": (mechanisms, fitted) = try Setting.mechanismSelection(value)
        case "modes": modes = try Setting.list(value, Mode.self)
        case "sizes": sizes = try Setting.sizes(value)
        case "placements": (placements, matrix) = try Setting.placements(value)
        case "cpus": cpus = try Setting.cpus(value)
        case "cpu-pair": cpuPairs = try Setting.cpuPairs(value)
        case "waits": waits = try Setting.list(value, WaitMode.self)
        case "copy": copies = try Setting.list(value, CopyMode.self)
        case "topology": topologies = try Setting.topologies(value)
        case "pairs": pairs = try Setting.counts(value, range: 1...64)
        case "messages":
            let n = try Setting.count(value, range: 1...1_000_000_000)
            (latencyMessages, throughputMessages) = (n, n)
        case "messages.latency": latencyMessages = try Setting.count(value, range: 1...1_000_000_000)
        case "messages.throughput": throughputMessages = try Setting.count(value, range: 1...1_000_000_000)
        case "warmup": warmupMessages = try Setting.count(value, range: 0...1_000_000_000)
        case "ring-size": ringBytes = try Setting.ringSize(value)
        case "rate": rate = try Setting.count(value, range: 1...100_000_000)
        case "oneway": oneWay = try Setting.boolean(value)
        default: break
        }
    }
}

/// A setting's value did not parse; the message names the valid range or choices.
public struct SettingError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
    public init(message: String) { self.message = message }
}

/// Parsers shared by suite files and command-line flags, so both accept the same spellings.
public enum Setting {
    static func items(_ value: String) -> [String] {
        value.split(separator: ",", omittingEmptySubsequences: false).map { String($0).trimmingCharacters(in: " \t") }
    }

    public static func list<T: RawRepresentable & CaseIterable>(_ value: String, _ type: T.Type) throws(SettingError) -> [T]
    where T.RawValue == String {
        let names = items(value)
        guard !names.isEmpty, !names.contains("") else {
            throw SettingError(message: "empty list (choices: \(T.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        var out: [T] = []
        var seen: Set<String> = []
        for name in names {
            guard let v = T(rawValue: name.lowercased()) else {
                throw SettingError(message: "unknown '\(echo(name))' (choices: \(T.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            if seen.insert(v.rawValue).inserted { out.append(v) }
        }
        return out
    }

    /// Placements, and `matrix` for every ordered pair of CPUs; `matrix` alone leaves no other.
    public static func placements(_ value: String) throws(SettingError) -> (placements: [Placement], matrix: Bool) {
        let names = items(value)
        let matrix = names.contains { $0.lowercased() == "matrix" }
        let rest = names.filter { $0.lowercased() != "matrix" }
        if matrix && rest.isEmpty { return ([], true) }
        for name in rest where Placement(rawValue: name.lowercased()) == nil {
            let choices = (["matrix"] + Placement.allCases.map(\.rawValue)).joined(separator: ", ")
            throw SettingError(message: rest.isEmpty || name.isEmpty ? "empty list (choices: \(choices))" : "unknown '\(echo(name))' (choices: \(choices))")
        }
        return (try list(rest.joined(separator: ","), Placement.self), matrix)
    }

    /// CPU numbers and ranges (`0-3,8`), as taskset takes them.
    public static func cpus(_ value: String) throws(SettingError) -> [Int32] {
        var out: [Int32] = []
        for item in items(value) {
            let ends = item.split(separator: "-", omittingEmptySubsequences: false)
            guard (1...2).contains(ends.count), ends.allSatisfy({ !$0.isEmpty && $0.count <= 4 && $0.allSatisfy { $0.isASCII && $0.isNumber } }),
                  let low = Int32(ends[0]), let high = Int32(ends.last!), low <= high, high < 4096 else {
                throw SettingError(message: "'\(echo(item))' is not a CPU number or range (e.g. 0-3,8)")
            }
            for c in low...high where !out.contains(c) { out.append(c) }
        }
        guard !out.isEmpty, out.count <= 64 else { throw SettingError(message: "give between 1 and 64 CPUs") }
        return out
    }

    /// Core-matrix cells, `P>C` each (producer's CPU, consumer's CPU).
    public static func cpuPairs(_ value: String) throws(SettingError) -> [CPUPair] {
        var out: [CPUPair] = []
        for item in items(value) {
            guard let pair = CPUPair(item), pair.producer < 4096, pair.consumer < 4096 else {
                throw SettingError(message: "'\(echo(item))' is not a CPU pair (producer>consumer, e.g. 0>1)")
            }
            if !out.contains(pair) { out.append(pair) }
        }
        return out
    }

    /// `pairs`, `fan-in:N`, `fan-out:N` (N from 1 to 64).
    public static func topologies(_ value: String) throws(SettingError) -> [Topology] {
        let names = items(value)
        let choices = "pairs, fan-in:N, fan-out:N with N from 1 to \(Topology.maximumFan)"
        guard !names.isEmpty, !names.contains("") else { throw SettingError(message: "empty list (choices: \(choices))") }
        var out: [Topology] = []
        for name in names {
            guard let t = Topology(rawValue: name) else { throw SettingError(message: "unknown topology '\(echo(name))' (choices: \(choices))") }
            if !out.contains(t) { out.append(t) }
        }
        return out
    }

    public static func mechanisms(_ value: String) throws(SettingError) -> [String] {
        try mechanismSelection(value).names
    }

    /// Mechanism names, `all`, and family names (`kernel`, `notify`, `rings`, `zero-copy`,
    /// `ceilings`); `fitted` holds the ones a group chose (see ``Sweep/fitted``).
    public static func mechanismSelection(_ value: String) throws(SettingError) -> (names: [String], fitted: Set<String>) {
        let names = items(value)
        let known = MechanismRegistry.names
        let groups = ["all"] + MechanismFamily.allCases.map(\.rawValue)
        let choices = (groups + known).joined(separator: ", ")
        guard !names.isEmpty, !names.contains("") else {
            throw SettingError(message: "empty list (choices: \(choices))")
        }
        var out: [String] = []
        var seen: Set<String> = []
        var fitted: Set<String> = []
        for name in names {
            let lower = name.lowercased()
            if lower == "all" || MechanismFamily(rawValue: lower) != nil {
                let members = MechanismFamily(rawValue: lower).map(MechanismRegistry.family) ?? known
                for k in members where seen.insert(k).inserted {
                    out.append(k)
                    fitted.insert(k)
                }
                continue
            }
            guard known.contains(lower) else {
                throw SettingError(message: "unknown mechanism '\(echo(name))' (choices: \(choices))")
            }
            if seen.insert(lower).inserted { out.append(lower) }
            fitted.remove(lower)
        }
        return (out, fitted)
    }

    public static func sizes(_ value: String) throws(SettingError) -> [Int] {
        let parts = items(value)
        guard !parts.isEmpty, !parts.contains("") else { throw SettingError(message: "empty list (1 byte to 1 GiB each, e.g. 64,4K,1M)") }
        // A set for the duplicates: a list of 100,000 sizes must not take a quadratic pass.
        var out: [Int] = []
        var seen: Set<Int> = []
        for part in parts {
            let n = try size(part)
            if seen.insert(n).inserted { out.append(n) }
        }
        return out
    }

    public static func size(_ value: String) throws(SettingError) -> Int {
        do { return try ByteSize.parse(value) } catch { throw SettingError(message: error.description) }
    }

    /// A ring capacity: a power of two from 4 KiB to 1 GiB.
    public static func ringSize(_ value: String) throws(SettingError) -> Int {
        let bytes: Int
        do { bytes = try ByteSize.parse(value) } catch { throw SettingError(message: "\(error.description); a ring is a power of two from 4K to 1G") }
        guard RingLayout.isValidCapacity(bytes) else {
            throw SettingError(message: "'\(echo(value))' is not a power of two from 4K to 1G")
        }
        return bytes
    }

    public static func count(_ value: String, range: ClosedRange<Int>) throws(SettingError) -> Int {
        let t = value.trimmingCharacters(in: " \t")
        guard !t.isEmpty, t.allSatisfy({ $0.isASCII && $0.isNumber }), t.count <= 12, let n = Int(t), range.contains(n) else {
            throw SettingError(message: "'\(echo(t))' is not a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return n
    }

    public static func counts(_ value: String, range: ClosedRange<Int>) throws(SettingError) -> [Int] {
        let parts = items(value)
        guard !parts.isEmpty else { throw SettingError(message: "empty list (\(range.lowerBound) to \(range.upperBound))") }
        var out: [Int] = []
        var seen: Set<Int> = []
        for p in parts {
            let n = try count(p, range: range)
            if seen.insert(n).inserted { out.append(n) }
        }
        return out
    }

    public static func seconds(_ value: String) throws(SettingError) -> Double {
        let t = value.trimmingCharacters(in: " \t")
        guard let s = Double(t), s.isFinite, s >= 0.1, s <= 86_400 else {
            throw SettingError(message: "'\(echo(t))' is not a number of seconds from 0.1 to 86400")
        }
        return s
    }

    public static func boolean(_ value: String) throws(SettingError) -> Bool {
        switch value.trimmingCharacters(in: " \t").lowercased() {
        case "true", "yes", "on", "1": return true
        case "false", "no", "off", "0": return false
        default: throw SettingError(message: "'\(echo(value))' is not true or false")
        }
    }
}
