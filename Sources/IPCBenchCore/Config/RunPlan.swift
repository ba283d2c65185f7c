import Glibc

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
    /// The suite file the plan came from; nil for the built-in default.
    public var suitePath: String?
    public var scenarios: [Scenario]
    public var repetitions: Int
    public var timeoutSeconds: Double

    public static let defaultTimeoutSeconds: Double = 60

    /// The most scenario runs (scenarios × repetitions) one run may plan. A cross product of
    /// long lists grows past any machine's memory and any run's time: it is refused, counted
    /// before a single scenario is built.
    public static let maximumRuns = 100_000

    /// Scenario runs (scenarios × repetitions) `make` would plan, counted from the lengths of
    /// the lists alone: the product per sweep, summed, times the repetitions, saturating at
    /// Int.max. An upper bound (scenarios two sweeps share are run once).
    public static func runCount(suite: Suite, overrides: Overrides) -> Int {
        var total = 0
        for sweep in sweeps(suite: suite, overrides: overrides) {
            var product = 1
            let lengths = [sweep.mechanisms.count, sweep.modes.count, sweep.sizes.count, sweep.placements?.count ?? 1,
                           sweep.waits.count, sweep.pairs.count]
            for n in lengths { product = saturatingProduct(product, n) }
            let (sum, overflow) = total.addingReportingOverflow(product)
            total = overflow ? Int.max : sum
        }
        return saturatingProduct(total, overrides.repetitions ?? suite.repetitions)
    }

    private static func saturatingProduct(_ a: Int, _ b: Int) -> Int {
        let (p, overflow) = a.multipliedReportingOverflow(by: b)
        return overflow ? Int.max : p
    }

    /// Applies `overrides` to every sweep of `suite`: list values replace the sweep's,
    /// `mechanisms` keeps only the named ones in each sweep, and a named mechanism that no sweep
    /// has gets a sweep of its own from the suite's defaults. Callers check ``runCount`` against
    /// ``maximumRuns`` first.
    public static func make(suite: Suite, overrides: Overrides, cpuCount: Int) -> RunPlan {
        let defaultPlacement: Placement = cpuCount >= 2 ? .crossCore : .sameCore
        var scenarios: [Scenario] = []
        var seen: Set<Scenario> = []
        for sweep in sweeps(suite: suite, overrides: overrides) {
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
            suiteName: suite.name, suitePath: suite.path, scenarios: scenarios,
            repetitions: overrides.repetitions ?? suite.repetitions,
            timeoutSeconds: overrides.timeoutSeconds ?? suite.timeoutSeconds ?? defaultTimeoutSeconds)
    }

    /// The suite's sweeps with the command line's values applied.
    static func sweeps(suite: Suite, overrides: Overrides) -> [Sweep] {
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
        return sweeps.map { original in
            var sweep = original
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
            return sweep
        }
    }
}

/// Finds `NAME.suite` in the package's own `Benchmarks/suites/`, and nowhere else: the package
/// is found from the executable's real path (`<package>/.build/<triple>/<config>/ipcbench`, a
/// folder with `Package.swift` and `Benchmarks/suites`). Neither the working folder nor the
/// folders above a copied binary (`/tmp`) are searched: anyone who can write there could plant
/// a `default.suite` that replaces the real one. Any other file is named by its path.
public enum SuiteLocator {
    public enum LookupError: Error, CustomStringConvertible {
        case notFound(String, searched: [String])
        case unreadable(String, Int32)
        case notARegularFile(String)
        case invalid(String, Suite.ParseError)

        public var description: String {
            switch self {
            case let .notFound(name, searched) where searched.isEmpty:
                return "suite '\(name)' not found: this ipcbench is not inside its package (<package>/.build/…), "
                    + "so only a path to a .suite file can name a suite"
            case let .notFound(name, searched):
                return "suite '\(name)' not found (looked in \(searched.joined(separator: ", ")))"
            case let .unreadable(path, code): return "cannot read suite file \(path): \(errnoName(code)) (\(errnoText(code)))"
            case let .invalid(path, error): return "\(path): \(error)"
            case let .notARegularFile(path): return "suite \(path) is not a regular file"
            }
        }
    }

    /// The package's `Benchmarks/suites`, or nil when this executable is not under a package's
    /// `.build` folder (an installed or copied binary).
    public static func packageSuitesFolder() -> String? {
        guard let exe = ProcFiles.executablePath() else { return nil }
        let parts = exe.split(separator: "/", omittingEmptySubsequences: false)
        guard let build = parts.lastIndex(of: ".build"), build > 0 else { return nil }
        let root = parts[..<build].joined(separator: "/")
        let folder = "\(root)/Benchmarks/suites"
        var info = stat()
        guard stat("\(root)/Package.swift", &info) == 0, (info.st_mode & S_IFMT) == S_IFREG,
              stat(folder, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR else { return nil }
        return folder
    }

    /// Where suite names are looked up: the package's folder, if there is one.
    public static func searchFolders() -> [String] {
        packageSuitesFolder().map { [$0] } ?? []
    }

    /// `name` is a suite name (`quick`) or a path to a file (anything with a `/` or ending in
    /// `.suite`). The suite remembers the file it came from (``Suite/path``).
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
                var suite = try Suite.parse(text, name: suiteName)
                suite.path = path
                return suite
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

    /// The suite names in the package's folder.
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
