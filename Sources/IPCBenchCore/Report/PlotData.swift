#if canImport(Glibc)
import Glibc
#endif

/// A placement and wait: the pair every chart holds fixed, since each swings results 10-100x.
struct Combo: Hashable {
    var placement: Placement
    var wait: WaitMode
    /// File-name safe, unique within one report (set by PlotData).
    var slug = ""

    static func == (a: Combo, b: Combo) -> Bool { a.placement == b.placement && a.wait == b.wait }
    func hash(into h: inout Hasher) { h.combine(placement); h.combine(wait) }

    var caption: String { "\(placement), \(wait)" }
}

/// The result file as the charts need it: medians per scenario, names, styles and groupings.
struct PlotData {
    let keys: [ScenarioKey]
    /// `cpu_relation` of the core-matrix cells, by scenario.
    let relations: [ScenarioKey: String]
    let okKeys: Set<ScenarioKey>
    /// Median of the ok repetitions, by scenario and column.
    let medians: [ScenarioKey: [ResultColumn: Double]]
    let okCounts: [ScenarioKey: Int]
    let notOk: [(ScenarioKey, RunStatus, String)]
    /// "status: note" of the scenarios in `notOk`.
    let problemByKey: [ScenarioKey: String]
    let combos: [Combo]
    let machineLine: String
    let repetitionsText: String
    /// The measured scenarios of each chart, grouped by series: built once, so drawing a chart
    /// costs its own scenarios, not a pass over the whole file.
    private let seriesBySlot: [SeriesSlot: [(name: String, keys: [ScenarioKey])]]
    /// The ceilings' scenarios by mechanism, mode and placement.
    private let ceilingKeys: [CeilingSlot: [ScenarioKey]]

    struct SeriesSlot: Hashable {
        var placement: Placement
        var wait: WaitMode
        var mode: Mode
    }

    struct CeilingSlot: Hashable {
        var mechanism: String
        var mode: Mode
        var placement: Placement
    }

    static let metrics = [ResultSchema.mibPerSecond, ResultSchema.rttP50Ns, ResultSchema.rttP99Ns, ResultSchema.onewayP50Ns,
                          ResultSchema.onewayP99Ns, ResultSchema.targetMsgsPerSecond]
    /// The largest heatmap drawn cell by cell.
    static let maximumHeatmapCells = 20_000

    init(_ results: ResultSet) {
        keys = results.keys
        var samples: [ScenarioKey: [ResultColumn: [Double]]] = [:]
        var counts: [ScenarioKey: Int] = [:]
        var firstProblem: [ScenarioKey: (RunStatus, String)] = [:]
        var relations: [ScenarioKey: String] = [:]
        for row in results.rows {
            if row.key.cpuPair != nil && !row.cpuRelation.isEmpty { relations[row.key] = row.cpuRelation }
            if row.status == .ok {
                counts[row.key, default: 0] += 1
                for m in Self.metrics { if let v = row[m] { samples[row.key, default: [:]][m, default: []].append(v) } }
            } else if firstProblem[row.key] == nil {
                firstProblem[row.key] = (row.status, row.note)
            }
        }
        var medians: [ScenarioKey: [ResultColumn: Double]] = [:]
        for (key, byMetric) in samples {
            for (m, values) in byMetric { medians[key, default: [:]][m] = median(values) }
        }
        self.medians = medians
        self.relations = relations
        okCounts = counts
        okKeys = Set(medians.keys)
        notOk = keys.filter { medians[$0] == nil }.compactMap { k in firstProblem[k].map { (k, $0.0, $0.1) } }
        problemByKey = Dictionary(notOk.map { ($0.0, "\($0.1): \($0.2)") }, uniquingKeysWith: { a, _ in a })

        // Charts per placement and wait, in a reading order; ceilings alone make no chart.
        let ceilings = [PlotReport.throughputCeiling, PlotReport.latencyCeiling]
        var found: [Combo] = []
        var foundSet: Set<Combo> = []
        let allKeys = keys
        let ok = Set(medians.keys)
        let measured = allKeys.filter { ok.contains($0) && !ceilings.contains($0.mechanism) && $0.cpuPair == nil }
        for key in (measured.isEmpty ? allKeys.filter({ ok.contains($0) }) : measured) {
            let combo = Combo(placement: key.placement, wait: key.wait)
            if foundSet.insert(combo).inserted { found.append(combo) }
        }
        func rank<T: CaseIterable & Equatable>(_ value: T) -> Int { T.allCases.firstIndex(of: value).map { T.allCases.distance(from: T.allCases.startIndex, to: $0) } ?? 0 }
        found = found.enumerated().sorted { a, b in
            (rank(a.element.placement), rank(a.element.wait), a.offset) < (rank(b.element.placement), rank(b.element.wait), b.offset)
        }.map(\.element)
        var used: Set<String> = []
        // The next number to try per base, so a thousand combos with one base stay linear.
        var nextNumber: [String: Int] = [:]
        combos = found.map { combo in
            var c = combo
            let base = Self.slug("\(combo.placement)-\(combo.wait)")
            var slug = base
            var n = nextNumber[base] ?? 2
            while used.contains(slug) { slug = "\(base)-\(n)"; n += 1 }
            nextNumber[base] = n
            used.insert(slug)
            c.slug = slug
            return c
        }

        var groups: [SeriesSlot: (order: [String], keys: [String: [ScenarioKey]])] = [:]
        var ceilingKeys: [CeilingSlot: [ScenarioKey]] = [:]
        // Core-matrix cells have charts of their own (PlotCoreMatrix).
        for key in allKeys where key.cpuPair == nil {
            if ceilings.contains(key.mechanism) {
                ceilingKeys[CeilingSlot(mechanism: key.mechanism, mode: key.mode, placement: key.placement), default: []].append(key)
                continue
            }
            let slot = SeriesSlot(placement: key.placement, wait: key.wait, mode: key.mode)
            let name = Self.seriesName(key)
            if groups[slot]?.keys[name] == nil { groups[slot, default: ([], [:])].order.append(name) }
            groups[slot, default: ([], [:])].keys[name, default: []].append(key)
        }
        seriesBySlot = groups.mapValues { group in
            group.order.map { name in (name, group.keys[name]!.sorted { $0.payloadBytes < $1.payloadBytes }) }
        }
        self.ceilingKeys = ceilingKeys

        machineLine = results.machine.map(Self.machineLine) ?? ""
        let reps = Set(counts.values)
        if let lo = reps.min(), let hi = reps.max() {
            repetitionsText = lo == hi ? (hi == 1 ? "1 repetition" : "median of \(hi) repetitions") : "median of \(lo)–\(hi) repetitions"
        } else {
            repetitionsText = ""
        }
    }

    /// `host · CPU model, N CPUs · Linux release`: the machine every chart names.
    static func machineLine(_ m: [String: String]) -> String {
        let cpu = [m["cpu_model"], m["cpus"].map { "\($0) CPUs" }].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ", ")
        return [m["hostname"], cpu, m["kernel"].map { "Linux \($0)" }].compactMap { $0 }.filter { !$0.isEmpty && $0 != "Linux " }.joined(separator: " · ")
    }

    /// Lower-case letters, digits and dashes only: a CSV value never picks a path.
    static func slug(_ text: String) -> String {
        var out = ""
        for c in text.lowercased() {
            if c.isASCII && (c.isLetter || c.isNumber) { out.append(c) } else if !out.hasSuffix("-") { out.append("-") }
        }
        while out.hasSuffix("-") { out.removeLast() }
        while out.hasPrefix("-") { out.removeFirst() }
        return out.isEmpty ? "x" : String(out.prefix(48))
    }

    /// The mechanism, and what else sets the series apart: in place, a fan, several pairs.
    static func seriesName(_ key: ScenarioKey) -> String {
        var name = key.mechanism
        if key.copy == .zero { name += " in place" }
        if key.topology != .pairs { name += " \(key.topology.rawValue)" }
        if key.pairs > 1 { name += " ×\(key.pairs) pairs" }
        return name
    }

    func seriesName(_ key: ScenarioKey) -> String { Self.seriesName(key) }

    func subtitle(_ combo: Combo) -> String {
        (["placement \(combo.placement), wait \(combo.wait)", repetitionsText, machineLine]).filter { !$0.isEmpty }.joined(separator: " · ")
    }

    /// The measured (non-ceiling) scenarios of one chart, grouped by series in first-seen order.
    func series(_ combo: Combo, mode: Mode) -> [(name: String, keys: [ScenarioKey])] {
        seriesBySlot[SeriesSlot(placement: combo.placement, wait: combo.wait, mode: mode)] ?? []
    }

    /// A ceiling's scenarios for a chart: the same placement and wait if measured, else the same
    /// placement with another wait (memcpy never waits; cacheline always spins), one pair.
    func ceiling(_ mechanism: String, mode: Mode, _ combo: Combo) -> [ScenarioKey] {
        let candidates = ceilingKeys[CeilingSlot(mechanism: mechanism, mode: mode, placement: combo.placement)] ?? []
        guard let pairs = candidates.map(\.pairs).min() else { return [] }
        let onePairs = candidates.filter { $0.pairs == pairs }
        let sameWait = onePairs.filter { $0.wait == combo.wait }
        let chosen: [ScenarioKey]
        if sameWait.contains(where: { okKeys.contains($0) }) {
            chosen = sameWait
        } else {
            let otherWait = onePairs.first { okKeys.contains($0) }?.wait
            chosen = onePairs.filter { $0.wait == otherWait }
        }
        return chosen.sorted { $0.payloadBytes < $1.payloadBytes }
    }

    func value(_ key: ScenarioKey, _ metric: ResultColumn) -> Double? {
        guard let v = medians[key]?[metric], v > 0, v.isFinite else { return nil }
        return v
    }
}
