import Glibc

/// Command-line values that replace a suite's; nil leaves the suite's value.
public struct Overrides: Sendable {
    public var mechanisms: [String]?
    public var modes: [Mode]?
    public var sizes: [Int]?
    public var placements: [Placement]?
    /// `--placements` named `matrix`; `--cpus` chose its CPUs.
    public var matrix: Bool?
    public var cpus: [Int32]?
    public var cpuPairs: [CPUPair]?
    public var waits: [WaitMode]?
    public var copies: [CopyMode]?
    public var pairs: [Int]?
    public var topologies: [Topology]?
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
        mechanisms != nil || modes != nil || sizes != nil || placements != nil || matrix != nil || cpus != nil || cpuPairs != nil || waits != nil
            || copies != nil || pairs != nil || topologies != nil || messages != nil || warmup != nil || ringBytes != nil || rate != nil || oneWay != nil
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
            for mechanism in sweep.mechanisms {
                guard let d = dimensions(sweep, mechanism, overrides) else { continue }
                var product = 1
                for n in [d.modes.count, d.sizes.count, placements(sweep, .crossCore).count, d.waits.count, d.copies.count,
                          sweep.pairs.count, sweep.topologies.count] {
                    product = saturatingProduct(product, n)
                }
                let (sum, overflow) = total.addingReportingOverflow(product)
                total = overflow ? Int.max : sum
            }
        }
        return saturatingProduct(total, overrides.repetitions ?? suite.repetitions)
    }

    /// The sweep's placements, then the cells of its core matrix (same-core on the diagonal).
    static func placements(_ sweep: Sweep, _ defaultPlacement: Placement) -> [(Placement, CPUPair?)] {
        let cells = (sweep.matrix ? CPUPair.matrix(sweep.cpus.isEmpty ? CPUSet.allowed() : sweep.cpus) : [])
            + sweep.cpuPairs
        var out: [(Placement, CPUPair?)] = (sweep.placements ?? (cells.isEmpty ? [defaultPlacement] : [])).map { ($0, nil) }
        var seen: Set<CPUPair> = []
        for cell in cells where seen.insert(cell).inserted {
            out.append((cell.producer == cell.consumer ? .sameCore : .crossCore, cell))
        }
        return out
    }

    /// The lists one mechanism of a sweep runs. A mechanism a group chose (``Sweep/fitted``)
    /// keeps only the modes, waits, copy modes and size it supports, except in a dimension the
    /// command line gave: that applies to every mechanism as asked, and what one cannot run
    /// becomes a skipped row with the reason. Nil when fitting leaves nothing to run.
    static func dimensions(_ sweep: Sweep, _ mechanism: String, _ overrides: Overrides)
        -> (modes: [Mode], sizes: [Int], waits: [WaitMode], copies: [CopyMode])? {
        guard sweep.fitted.contains(mechanism), let traits = MechanismRegistry.named(mechanism)?.traits else {
            return (sweep.modes, sweep.sizes, sweep.waits, sweep.copies)
        }
        let modes = overrides.modes != nil ? sweep.modes : sweep.modes.filter(traits.modes.contains)
        let waits = overrides.waits != nil ? sweep.waits : sweep.waits.filter(traits.waits.contains)
        let copies = overrides.copies != nil ? sweep.copies : sweep.copies.filter(traits.copyModes.contains)
        let sizes = overrides.sizes != nil ? sweep.sizes : traits.fixedPayloadBytes.map { [$0] } ?? sweep.sizes
        if modes.isEmpty || waits.isEmpty || copies.isEmpty { return nil }
        return (modes, sizes, waits, copies)
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
        var planned: Set<String> = []
        func add(_ sweep: Sweep, _ mechanism: String, _ fit: Bool) {
            var sweep = sweep
            if !fit { sweep.fitted.remove(mechanism) }
            guard let (modes, sizes, waits, copies) = dimensions(sweep, mechanism, overrides) else { return }
            planned.insert(mechanism)
            for mode in modes {
                for size in sizes {
                    for (placement, cpuPair) in placements(sweep, defaultPlacement) {
                        for wait in waits {
                            for copy in copies {
                                for (pairs, topology) in sweep.pairs.flatMap({ p in sweep.topologies.map { (p, $0) } }) {
                                    // A fan streams in copy mode; a mode or copy mode the command line did not
                                    // ask for is left out of it, as is a fan a group's mechanism cannot carry.
                                    if topology.isFan {
                                        if mode != .throughput && overrides.modes == nil { continue }
                                        if copy != .copy && overrides.copies == nil { continue }
                                        if let t = MechanismRegistry.named(mechanism)?.traits, fit, overrides.topologies == nil,
                                           (topology.producers > 1 && !t.fanIn) || (topology.consumers > 1 && !t.fanOut) { continue }
                                    }
                                    let given = mode == .latency ? sweep.latencyMessages : sweep.throughputMessages
                                    var messages = given ?? Scenario.defaultMessages(mode: mode, payloadBytes: size, rate: sweep.rate)
                                    if overrides.messages == nil {
                                        // A suite's count was chosen for its sizes: for a payload it would move
                                        // more than a GiB with, it shrinks. --messages is taken as given.
                                        messages = min(messages, max(3, Scenario.bytesPerRepetition / size))
                                    }
                                    let scenario = Scenario(
                                        mechanism: mechanism, mode: mode, payloadBytes: size,
                                        placement: placement, pairs: pairs, wait: wait, copy: copy, topology: topology, cpuPair: cpuPair,
                                        messages: messages,
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
        let sweeps = sweeps(suite: suite, overrides: overrides)
        for sweep in sweeps {
            for mechanism in sweep.mechanisms { add(sweep, mechanism, sweep.fitted.contains(mechanism)) }
        }
        // A mechanism the command line names is never dropped without a word: where a group
        // left it nothing it can run, its rows are planned as asked and skipped with the reason.
        for mechanism in overrides.mechanisms ?? [] where !planned.contains(mechanism) {
            if let sweep = sweeps.first(where: { $0.mechanisms.contains(mechanism) }) { add(sweep, mechanism, false) }
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
            if let v = overrides.matrix { sweep.matrix = v }
            if let v = overrides.cpus { sweep.cpus = v }
            if let v = overrides.cpuPairs { sweep.cpuPairs = v }
            if let v = overrides.waits { sweep.waits = v }
            if let v = overrides.copies { sweep.copies = v }
            if let v = overrides.topologies { sweep.topologies = v }
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
