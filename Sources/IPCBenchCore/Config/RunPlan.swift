#if canImport(Glibc)
import Glibc
#endif

/// Command-line values that replace a suite's; nil leaves the suite's value.
public struct Overrides: Sendable {
    public var mechanisms: [String]?
    public var modes: [Mode]?
    public var sizes: [Int]?
    public var placements: [Placement]?
    public var waits: [WaitMode]?
    public var pairs: [Int]?
    public var messages: Int?
    public var warmup: Int?
    public var ringBytes: Int?
    public var rate: Int?
    public var oneWay: Bool?
    public var repetitions: Int?
    public var timeoutSeconds: Double?
    public var verify: Bool?
    /// `--min-time`: calibrate message counts to fill at least this window (see `Calibration`).
    public var minimumWindowNs: UInt64?

    public init() {}

    /// Whether any value that shapes scenarios was given.
    public var shapesScenarios: Bool {
        mechanisms != nil || modes != nil || sizes != nil || placements != nil || waits != nil
            || pairs != nil || messages != nil || warmup != nil || ringBytes != nil || rate != nil || oneWay != nil
    }
}

/// The scenarios of a run, in order, with the settings that apply to all of them.
public struct RunPlan: Sendable {
    public var suiteName: String
    public var scenarios: [Scenario]
    public var repetitions: Int
    public var timeoutSeconds: Double

    public static let defaultTimeoutSeconds: Double = 60

    /// Applies `overrides` to every sweep of `suite`: list values replace the sweep's,
    /// `mechanisms` keeps only the named ones in each sweep, and a named mechanism that no sweep
    /// has gets a sweep of its own from the suite's defaults.
    public static func make(suite: Suite, overrides: Overrides, cpuCount: Int) -> RunPlan {
        var sweeps = suite.sweeps
        if let wanted = overrides.mechanisms {
            sweeps = sweeps.compactMap { sweep in
                var s = sweep
                s.mechanisms = sweep.mechanisms.filter { wanted.contains($0) }
                return s.mechanisms.isEmpty ? nil : s
            }
            let covered = Set(sweeps.flatMap(\.mechanisms))
            let missing = wanted.filter { !covered.contains($0) }
            if !missing.isEmpty {
                var extra = suite.defaults
                extra.name = "command line"
                extra.mechanisms = missing
                sweeps.append(extra)
            }
        }
        let defaultPlacement: Placement = cpuCount >= 2 ? .crossCore : .sameCore
        var scenarios: [Scenario] = []
        var seen: Set<Scenario> = []
        for var sweep in sweeps {
            if let v = overrides.modes { sweep.modes = v }
            if let v = overrides.sizes { sweep.sizes = v }
            if let v = overrides.placements { sweep.placements = v }
            if let v = overrides.waits { sweep.waits = v }
            if let v = overrides.pairs { sweep.pairs = v }
            if let v = overrides.messages { (sweep.latencyMessages, sweep.throughputMessages) = (v, v) }
            if let v = overrides.warmup { sweep.warmupMessages = v }
            if let v = overrides.ringBytes { sweep.ringBytes = v }
            if let v = overrides.rate { sweep.rate = v }
            if let v = overrides.oneWay { sweep.oneWay = v }
            for mechanism in sweep.mechanisms {
                for mode in sweep.modes {
                    for size in sweep.sizes {
                        for placement in sweep.placements ?? [defaultPlacement] {
                            for wait in sweep.waits {
                                for pairs in sweep.pairs {
                                    let given = mode == .latency ? sweep.latencyMessages : sweep.throughputMessages
                                    var messages = given ?? Scenario.defaultMessages(mode: mode, payloadBytes: size, rate: sweep.rate)
                                    if overrides.messages == nil {
                                        // A suite's count was chosen for its sizes: for a payload it would move
                                        // more than a GiB with, it shrinks. --messages is taken as given.
                                        messages = min(messages, max(3, Scenario.bytesPerRepetition / size))
                                    }
                                    let scenario = Scenario(
                                        mechanism: mechanism, mode: mode, payloadBytes: size,
                                        placement: placement, pairs: pairs, wait: wait, messages: messages,
                                        warmupMessages: sweep.warmupMessages,
                                        verify: overrides.verify ?? suite.verify, ringBytes: sweep.ringBytes,
                                        rate: mode == .openLoop ? sweep.rate : nil, oneWay: sweep.oneWay)
                                    if seen.insert(scenario).inserted { scenarios.append(scenario) }
                                }
                            }
                        }
                    }
                }
            }
        }
        return RunPlan(
            suiteName: suite.name, scenarios: scenarios,
            repetitions: overrides.repetitions ?? suite.repetitions,
            timeoutSeconds: overrides.timeoutSeconds ?? suite.timeoutSeconds ?? defaultTimeoutSeconds)
    }
}

/// Finds `NAME.suite` in `Benchmarks/suites/`, looking in the working directory and above the
/// executable (so `swift run` and `.build/release/ipcbench` both find the package's suites).
public enum SuiteLocator {
    public enum LookupError: Error, CustomStringConvertible {
        case notFound(String, searched: [String])
        case unreadable(String, Int32)
        case notARegularFile(String)
        case invalid(String, Suite.ParseError)

        public var description: String {
            switch self {
            case let .notFound(name, searched):
                return "suite '\(name)' not found (looked in \(searched.joined(separator: ", ")))"
            case let .unreadable(path, code): return "cannot read suite file \(path): \(errnoName(code)) (\(errnoText(code)))"
            case let .invalid(path, error): return "\(path): \(error)"
            case let .notARegularFile(path): return "suite \(path) is not a regular file"
            }
        }
    }

    public static func searchFolders() -> [String] {
        var folders = ["Benchmarks/suites"]
        var buffer = [CChar](repeating: 0, count: 4096)
        let n = readlink("/proc/self/exe", &buffer, 4095)
        if n > 0 {
            var dir = String(decoding: buffer.prefix(n).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            for _ in 0..<6 {
                guard let slash = dir.lastIndex(of: "/"), slash != dir.startIndex else { break }
                dir = String(dir[..<slash])
                folders.append("\(dir)/Benchmarks/suites")
            }
        }
        return folders
    }

    /// `name` is a suite name (`quick`) or a path to a file (anything with a `/` or `.suite`).
    public static func load(_ name: String) throws(LookupError) -> Suite {
        let isPath = name.contains("/") || name.hasSuffix(".suite")
        let candidates = isPath ? [name] : searchFolders().map { "\($0)/\(name).suite" }
        for path in candidates where access(path, F_OK) == 0 {
            var info = stat()
            // A FIFO would block the open forever, a device read without end.
            guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { throw .notARegularFile(path) }
            guard let text = ProcFiles.read(path, limit: (1 << 20) + 1) else { throw .unreadable(path, errno) }
            let suiteName = isPath ? String(path.split(separator: "/").last ?? "suite").replacingSuffix(".suite") : name
            do {
                return try Suite.parse(text, name: suiteName)
            } catch {
                throw .invalid(path, error)
            }
        }
        throw .notFound(name, searched: isPath ? [name] : searchFolders())
    }

    /// What a bare `ipcbench` runs when it cannot find `Benchmarks/suites/default.suite` (an
    /// installed binary run outside the package). A test keeps it equal to that file.
    public static let builtInDefault = """
        repetitions = 3
        modes = latency, throughput
        sizes = 64, 4K, 64K
        waits = block, spin
        messages.latency = 2000
        [kernel]
        mechanisms = pipe, fifo, unix-stream, unix-dgram, unix-seqpacket, tcp, udp, posix-mq, sysv-mq
        [notify]
        mechanisms = eventfd, signal
        modes = latency
        sizes = 8
        [rings]
        mechanisms = shm-posix, shm-sysv, shm-mmap
        messages.latency = 5000
        [ceilings]
        mechanisms = memcpy
        modes = throughput
        waits = spin
        [cacheline]
        mechanisms = cacheline
        modes = latency
        sizes = 8
        waits = spin
        messages.latency = 5000
        """

    /// The suite names found in the first folder that exists.
    public static func available() -> [String] {
        for folder in searchFolders() {
            guard let dir = opendir(folder) else { continue }
            defer { closedir(dir) }
            var names: [String] = []
            while let entry = readdir(dir) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) {
                    String(cString: $0.baseAddress!.assumingMemoryBound(to: CChar.self))
                }
                if name.hasSuffix(".suite") { names.append(name.replacingSuffix(".suite")) }
            }
            return names.sorted()
        }
        return []
    }
}

extension String {
    func replacingSuffix(_ suffix: String) -> String {
        hasSuffix(suffix) ? String(dropLast(suffix.count)) : self
    }
}
