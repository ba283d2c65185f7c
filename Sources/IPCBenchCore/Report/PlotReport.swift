import Glibc

/// `ipcbench plot`: SVG charts of a result file (and of its change against a baseline) plus an
/// `index.html` that shows them together. Every value is the median of the scenario's `ok`
/// repetitions; skipped and failed scenarios are absent from the lines, grey in the heatmaps.
public enum PlotReport {
    public enum PlotError: Error, CustomStringConvertible {
        /// The file has rows but none that can be drawn (every scenario skipped or failed).
        case nothingToPlot(String)
        /// `--baseline` was given but cannot be compared with the results.
        case cannotCompare(String)

        public var description: String {
            switch self {
            case let .nothingToPlot(why): return "nothing to plot: \(why)"
            case let .cannotCompare(why): return "cannot compare with the baseline: \(why)"
            }
        }
    }

    /// The single-process ceilings each chart is read against.
    public static let throughputCeiling = "memcpy"
    public static let latencyCeiling = "cacheline"
    public static let confidence = 0.95

    /// Renders every chart and writes it with `index.html` into `directory` (created 0755 with
    /// its parents), each file atomically; returns the file names, `index.html` last.
    /// `threshold` is the fraction (0.05 = 5%) the change chart shades and `Comparator` judges by.
    public static func write(results: ResultSet, baseline: ResultSet?, to directory: String, threshold: Double) throws -> [String] {
        let files = try render(results: results, baseline: baseline, threshold: threshold)
        try AtomicFile.createFolders(directory)
        let folder = directory.hasSuffix("/") && directory.count > 1 ? String(directory.dropLast()) : directory
        try AtomicFile.checkWritable("\(folder)/index.html")
        for file in files { try AtomicFile.write(file.content, to: "\(folder)/\(file.name)") }
        return files.map(\.name)
    }

    /// Every file of the report, named, without touching the disk; `index.html` last.
    public static func render(results: ResultSet, baseline: ResultSet?, threshold: Double) throws -> [(name: String, content: String)] {
        let data = PlotData(results)
        guard !data.okKeys.isEmpty else {
            let skipped = results.rows.filter { $0.status == "skipped" }.count
            let failed = results.rows.filter { $0.status == "failed" }.count
            let why = results.rows.isEmpty
                ? "the file has no rows"
                : "no row has status ok (\(skipped) skipped, \(failed) failed)"
                    + (results.rows.first { $0.status != "ok" && !$0.note.isEmpty }.map { "; first note: \($0.note.prefix(120))" } ?? "")
            throw PlotError.nothingToPlot(why)
        }
        var charts: [Chart] = []
        for combo in data.combos {
            if let svg = data.throughputChart(combo) { charts.append(Chart(section: .throughput, name: "throughput-\(combo.slug).svg", caption: "Throughput vs payload size, \(combo.caption)", svg: svg)) }
            if let svg = data.latencyChart(combo) { charts.append(Chart(section: .latency, name: "latency-\(combo.slug).svg", caption: "Round-trip latency (p50, p99) vs payload size, \(combo.caption)", svg: svg)) }
            for (size, svg) in data.barCharts(combo) {
                charts.append(Chart(section: .bars, name: "bars-\(ByteSize.format(size))-\(combo.slug).svg",
                                    caption: "Mechanisms at \(byteWords(size)), \(combo.caption)", svg: svg))
            }
            for mode in ["latency", "throughput"] {
                if let svg = data.heatmap(combo, mode: mode) {
                    charts.append(Chart(section: .heatmaps, name: "heatmap-\(mode)-\(combo.slug).svg",
                                        caption: "\(mode == "latency" ? "p50 latency" : "Throughput") by mechanism and size, \(combo.caption)", svg: svg))
                }
            }
        }
        guard !charts.isEmpty else {
            throw PlotError.nothingToPlot("no scenario has a throughput or latency value to draw")
        }
        if let baseline {
            let report: ComparisonReport
            do {
                report = try Comparator.compare(baseline: baseline, candidate: results, threshold: threshold,
                                                confidence: confidence, allowDifferentMachines: true)
            } catch {
                throw PlotError.cannotCompare(error.description)
            }
            charts.append(Chart(section: .change, name: "change.svg", caption: "Change against the baseline", svg: changeChart(report, data: data)))
        }
        return charts.map { (name: $0.name, content: $0.svg) } + [(name: "index.html", content: index(charts, data: data, results: results))]
    }

    // MARK: - Change chart

    static func changeChart(_ report: ComparisonReport, data: PlotData) -> String {
        func worse(_ ratio: Double, _ metric: Metric) -> Double {
            (metric.higherIsBetter ? 1 / ratio - 1 : ratio - 1) * 100
        }
        func value(_ v: Double, _ metric: Metric) -> String {
            metric.higherIsBetter ? "\(threeDigits(v)) MiB/s" : humanDuration(v)
        }
        // A placement or wait every row shares goes in the subtitle, not in every label.
        let placements = Set(report.comparisons.map(\.key.placement))
        let waits = Set(report.comparisons.map(\.key.wait))
        var rows: [ChangeChart.Row] = []
        var undrawable = 0
        for c in report.comparisons {
            let percent = c.worseningPercent
            guard percent.isFinite else { undrawable += 1; continue }
            let a = worse(c.ratioLow, c.metric), b = worse(c.ratioHigh, c.metric)
            let low = min(a, b), high = max(a, b)
            var parts = [data.seriesName(c.key), ByteSize.format(c.key.payloadBytes)]
            if placements.count > 1 { parts.append(c.key.placement) }
            if waits.count > 1 { parts.append(c.key.wait) }
            let label = parts.joined(separator: " ") + " · \(c.metric.label)"
            let fullLabel = "\(data.seriesName(c.key)) \(byteWords(c.key.payloadBytes)) \(c.key.placement) \(c.key.wait) · \(c.metric.label)"
            var tooltip = "\(fullLabel): baseline \(value(c.baselineMedian, c.metric)) → candidate \(value(c.candidateMedian, c.metric))"
            tooltip += " (\(signedPercent(percent)) worse"
            if low.isFinite && high.isFinite { tooltip += ", \(fixed(report.confidence * 100, 0))% CI \(signedPercent(low)) … \(signedPercent(high))" }
            tooltip += "), p = \(fixed(c.pValue, 3)), \(c.baseline.count) vs \(c.candidate.count) repetitions: \(c.verdict.rawValue)"
            rows.append(ChangeChart.Row(label: label, percent: percent, low: low, high: high, verdict: c.verdict, tooltip: tooltip))
        }
        rows.sort { $0.percent > $1.percent }
        var notes: [String] = []
        if report.comparisons.contains(where: { $0.metric.higherIsBetter }) {
            notes.append("Throughput is drawn as time per byte (1 / MiB/s), like latency: twice the MiB/s is −50%, half is +100%.")
        }
        if report.differentMachines { notes.append("Warning: the two files come from different machines; a change may be the machine, not the code.") }
        if undrawable > 0 { notes.append("\(undrawable) comparisons with a zero median are not drawn.") }
        func list(_ keys: [ScenarioKey]) -> String {
            keys.prefix(4).map(\.description).joined(separator: "; ") + (keys.count > 4 ? "; …" : "")
        }
        if !report.onlyInBaseline.isEmpty { notes.append("Only in the baseline (\(report.onlyInBaseline.count)): \(list(report.onlyInBaseline))") }
        if !report.onlyInCandidate.isEmpty { notes.append("Only in the candidate (\(report.onlyInCandidate.count)): \(list(report.onlyInCandidate))") }
        if !report.notComparable.isEmpty { notes.append("Not comparable (\(report.notComparable.count), fewer than 2 ok repetitions a side): \(list(report.notComparable.map(\.0)))") }
        let counts = Verdict.allCases.map { v in "\(report.comparisons.filter { $0.verdict == v }.count) \(v.rawValue)" }.joined(separator: ", ")
        return ChangeChart(
            title: "Change against the baseline (positive = slower)",
            subtitle: ([placements.count == 1 ? "placement \(placements.first!)" : nil, waits.count == 1 ? "wait \(waits.first!)" : nil].compactMap { $0 }
                + ["\(report.comparisons.count) comparisons: \(counts)"]).joined(separator: " · "),
            threshold: report.threshold * 100, confidence: report.confidence, rows: rows, footnotes: notes
        ).svg()
    }

    static func signedPercent(_ v: Double) -> String {
        (v >= 0 ? "+" : "−") + fixed(abs(v), 1) + "%"
    }

    // MARK: - index.html

    enum Section: String, CaseIterable {
        case change = "Change against the baseline"
        case throughput = "Throughput vs payload size"
        case latency = "Latency vs payload size"
        case bars = "Mechanisms side by side at one size"
        case heatmaps = "Heatmaps"
    }

    struct Chart {
        var section: Section
        var name: String
        var caption: String
        var svg: String
    }

    static func index(_ charts: [Chart], data: PlotData, results: ResultSet) -> String {
        var html = """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>ipcbench results</title>
        <style>
        body { font-family: \(SVGDocument.fontFamily); color: #222; background: #fff; max-width: 940px; margin: 24px auto; padding: 0 16px; line-height: 1.45; }
        h1 { font-size: 26px; margin-bottom: 4px; }
        h2 { font-size: 20px; margin-top: 40px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
        .machine { color: #555; margin-top: 0; }
        nav a { margin-right: 14px; }
        figure { margin: 20px 0 28px; }
        figure img { width: 100%; max-width: 900px; height: auto; border: 1px solid #eee; }
        figcaption { color: #555; font-size: 14px; }
        table { border-collapse: collapse; font-size: 14px; }
        td, th { text-align: left; padding: 3px 10px 3px 0; vertical-align: top; }
        </style>
        </head>
        <body>
        <h1>ipcbench results</h1>

        """
        html += "<p class=\"machine\">\(xmlEscape(data.machineLine))</p>\n"
        html += "<p>Each value is the median of a scenario's <code>ok</code> repetitions. Compare rows of the same placement and wait; "
            + "read every row against the ceilings (<code>memcpy</code> for throughput, <code>cacheline</code> for latency).</p>\n"
        let sections = Section.allCases.filter { s in charts.contains { $0.section == s } }
        html += "<nav>" + sections.map { "<a href=\"#\(anchor($0))\">\(xmlEscape($0.rawValue))</a>" }.joined() + (data.notOk.isEmpty ? "" : "<a href=\"#not-plotted\">Not plotted</a>") + "</nav>\n"
        for section in sections {
            html += "<h2 id=\"\(anchor(section))\">\(xmlEscape(section.rawValue))</h2>\n"
            for chart in charts where chart.section == section {
                html += "<figure><a href=\"\(xmlEscape(chart.name))\"><img src=\"\(xmlEscape(chart.name))\" alt=\"\(xmlEscape(chart.caption))\"></a>"
                html += "<figcaption>\(xmlEscape(chart.caption)) — <code>\(xmlEscape(chart.name))</code></figcaption></figure>\n"
            }
        }
        if !data.notOk.isEmpty {
            html += "<h2 id=\"not-plotted\">Not plotted</h2>\n<p>Scenarios without an ok repetition (they are grey in the heatmaps).</p>\n"
            html += "<table><tr><th>scenario</th><th>status</th><th>note</th></tr>\n"
            for (key, status, note) in data.notOk.prefix(500) {
                html += "<tr><td>\(xmlEscape(key.description))</td><td>\(xmlEscape(status))</td><td>\(xmlEscape(note))</td></tr>\n"
            }
            if data.notOk.count > 500 { html += "<tr><td colspan=\"3\">… and \(data.notOk.count - 500) more</td></tr>\n" }
            html += "</table>\n"
        }
        html += "<p class=\"machine\">Written by ipcbench \(xmlEscape(ipcbenchVersion)) from \(results.rows.count) rows.</p>\n</body>\n</html>\n"
        return html
    }

    static func anchor(_ section: Section) -> String {
        switch section {
        case .change: return "change"
        case .throughput: return "throughput"
        case .latency: return "latency"
        case .bars: return "bars"
        case .heatmaps: return "heatmaps"
        }
    }
}

/// A placement and wait: the pair every chart holds fixed, since each swings results 10-100x.
struct Combo: Hashable {
    var placement: String
    var wait: String
    /// File-name safe, unique within one report (set by PlotData).
    var slug = ""

    static func == (a: Combo, b: Combo) -> Bool { a.placement == b.placement && a.wait == b.wait }
    func hash(into h: inout Hasher) { h.combine(placement); h.combine(wait) }

    var caption: String { "\(placement), \(wait)" }
}

/// The result file as the charts need it: medians per scenario, names, styles and groupings.
struct PlotData {
    let keys: [ScenarioKey]
    let okKeys: Set<ScenarioKey>
    /// Median of the ok repetitions, by scenario and column.
    let medians: [ScenarioKey: [String: Double]]
    let okCounts: [ScenarioKey: Int]
    let notOk: [(ScenarioKey, String, String)]
    /// "status: note" of the scenarios in `notOk`.
    private let problemByKey: [ScenarioKey: String]
    let combos: [Combo]
    let styleIndex: [String: Int]
    let machineLine: String
    let repetitionsText: String
    /// The measured scenarios of each chart, grouped by series: built once, so drawing a chart
    /// costs its own scenarios, not a pass over the whole file.
    private let seriesBySlot: [SeriesSlot: [(name: String, keys: [ScenarioKey])]]
    /// The ceilings' scenarios by mechanism, mode and placement.
    private let ceilingKeys: [CeilingSlot: [ScenarioKey]]

    struct SeriesSlot: Hashable {
        var placement: String
        var wait: String
        var mode: String
    }

    struct CeilingSlot: Hashable {
        var mechanism: String
        var mode: String
        var placement: String
    }

    static let metrics = ["mib_per_s", "rtt_p50_ns", "rtt_p99_ns"]
    /// The largest heatmap drawn cell by cell.
    static let maximumHeatmapCells = 20_000

    init(_ results: ResultSet) {
        keys = results.keys
        var samples: [ScenarioKey: [String: [Double]]] = [:]
        var counts: [ScenarioKey: Int] = [:]
        var firstProblem: [ScenarioKey: (String, String)] = [:]
        for row in results.rows {
            if row.status == "ok" {
                counts[row.key, default: 0] += 1
                for m in Self.metrics { if let v = row.values[m] { samples[row.key, default: [:]][m, default: []].append(v) } }
            } else if firstProblem[row.key] == nil {
                firstProblem[row.key] = (row.status, row.note)
            }
        }
        var medians: [ScenarioKey: [String: Double]] = [:]
        for (key, byMetric) in samples {
            for (m, values) in byMetric { medians[key, default: [:]][m] = median(values) }
        }
        self.medians = medians
        okCounts = counts
        okKeys = Set(medians.keys)
        notOk = keys.filter { medians[$0] == nil }.compactMap { k in firstProblem[k].map { (k, $0.0, $0.1) } }
        problemByKey = Dictionary(notOk.map { ($0.0, "\($0.1): \($0.2)") }, uniquingKeysWith: { a, _ in a })

        // Charts per placement and wait, in a reading order; ceilings alone make no chart.
        let placementOrder = ["cross-core", "same-core", "unpinned"]
        let waitOrder = ["block", "spin"]
        let ceilings = [PlotReport.throughputCeiling, PlotReport.latencyCeiling]
        var found: [Combo] = []
        var foundSet: Set<Combo> = []
        let allKeys = keys
        let ok = Set(medians.keys)
        let measured = allKeys.filter { ok.contains($0) && !ceilings.contains($0.mechanism) }
        for key in (measured.isEmpty ? allKeys.filter({ ok.contains($0) }) : measured) {
            let combo = Combo(placement: key.placement, wait: key.wait)
            if foundSet.insert(combo).inserted { found.append(combo) }
        }
        func rank(_ value: String, _ order: [String]) -> Int { order.firstIndex(of: value) ?? order.count }
        found = found.enumerated().sorted { a, b in
            (rank(a.element.placement, placementOrder), rank(a.element.wait, waitOrder), a.offset)
                < (rank(b.element.placement, placementOrder), rank(b.element.wait, waitOrder), b.offset)
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
        for key in allKeys {
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

        // One style per series for the whole report, so a mechanism keeps its colour.
        var styles: [String: Int] = [:]
        for key in allKeys where !ceilings.contains(key.mechanism) {
            let name = Self.seriesName(key)
            if styles[name] == nil { styles[name] = styles.count }
        }
        styleIndex = styles

        if let m = results.machine {
            let cpu = [m["cpu_model"], m["cpus"].map { "\($0) CPUs" }].compactMap { $0 }.filter { !$0.isEmpty }.joined(separator: ", ")
            machineLine = [m["hostname"], cpu, m["kernel"].map { "Linux \($0)" }].compactMap { $0 }.filter { !$0.isEmpty && $0 != "Linux " }.joined(separator: " · ")
        } else {
            machineLine = ""
        }
        let reps = Set(counts.values)
        if let lo = reps.min(), let hi = reps.max() {
            repetitionsText = lo == hi ? (hi == 1 ? "1 repetition" : "median of \(hi) repetitions") : "median of \(lo)–\(hi) repetitions"
        } else {
            repetitionsText = ""
        }
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

    static func seriesName(_ key: ScenarioKey) -> String {
        key.pairs > 1 ? "\(key.mechanism) ×\(key.pairs) pairs" : key.mechanism
    }

    func seriesName(_ key: ScenarioKey) -> String { Self.seriesName(key) }

    func style(_ name: String) -> SeriesStyle { SeriesStyle.forIndex(styleIndex[name] ?? 0) }

    /// The styles of one chart's series: each keeps its report-wide colour, and takes a dash
    /// and another marker only when another series of the chart has the same colour.
    func styles(_ names: [String]) -> [String: SeriesStyle] {
        var sharing: [String: Int] = [:]
        for name in names { sharing[style(name).colour, default: 0] += 1 }
        var out: [String: SeriesStyle] = [:]
        for name in names {
            let s = style(name)
            out[name] = sharing[s.colour] == 1 ? SeriesStyle(colour: s.colour) : s
        }
        return out
    }

    func subtitle(_ combo: Combo) -> String {
        (["placement \(combo.placement), wait \(combo.wait)", repetitionsText, machineLine]).filter { !$0.isEmpty }.joined(separator: " · ")
    }

    /// The measured (non-ceiling) scenarios of one chart, grouped by series in first-seen order.
    func series(_ combo: Combo, mode: String) -> [(name: String, keys: [ScenarioKey])] {
        seriesBySlot[SeriesSlot(placement: combo.placement, wait: combo.wait, mode: mode)] ?? []
    }

    /// A ceiling's scenarios for a chart: the same placement and wait if measured, else the same
    /// placement with another wait (memcpy never waits; cacheline always spins), one pair.
    func ceiling(_ mechanism: String, mode: String, _ combo: Combo) -> [ScenarioKey] {
        let candidates = ceilingKeys[CeilingSlot(mechanism: mechanism, mode: mode, placement: combo.placement)] ?? []
        guard let pairs = candidates.map(\.pairs).min() else { return [] }
        let onePairs = candidates.filter { $0.pairs == pairs }
        let sameWait = onePairs.filter { $0.wait == combo.wait }
        let chosen: [ScenarioKey]
        if sameWait.contains(where: { okKeys.contains($0) }) {
            chosen = sameWait
        } else {
            let otherWait = onePairs.first { okKeys.contains($0) }?.wait ?? ""
            chosen = onePairs.filter { $0.wait == otherWait }
        }
        return chosen.sorted { $0.payloadBytes < $1.payloadBytes }
    }

    func value(_ key: ScenarioKey, _ metric: String) -> Double? {
        guard let v = medians[key]?[metric], v > 0, v.isFinite else { return nil }
        return v
    }

    // MARK: Throughput and latency lines

    func throughputChart(_ combo: Combo) -> String? {
        var lines: [LineChart.Series] = []
        var legend: [LineChart.LegendItem] = []
        let groups = series(combo, mode: "throughput").filter { $0.keys.contains { value($0, "mib_per_s") != nil } }
        let styles = styles(groups.map(\.name))
        for (name, keys) in groups {
            let points = keys.compactMap { k in value(k, "mib_per_s").map { LineChart.Point(x: Double(k.payloadBytes), y: $0, text: "\(threeDigits($0)) MiB/s") } }
            let style = styles[name]!
            lines.append(LineChart.Series(name: name, points: points, style: style))
            legend.append(LineChart.LegendItem(label: name, colour: style.colour, dash: style.dash, marker: style.marker))
        }
        guard !lines.isEmpty else { return nil }
        var chart = LineChart(
            title: "Throughput vs payload size — \(combo.caption)", subtitle: subtitle(combo),
            xTitle: "payload size (bytes, log scale)", yTitle: "throughput (MiB/s, log scale)", series: lines, legend: legend)
        let ceiling = ceiling(PlotReport.throughputCeiling, mode: "throughput", combo).compactMap { k in
            value(k, "mib_per_s").map { LineChart.Point(x: Double(k.payloadBytes), y: $0, text: "\(threeDigits($0)) MiB/s") }
        }
        if !ceiling.isEmpty {
            chart.references = [LineChart.Reference(label: "memcpy ceiling", points: ceiling)]
            chart.legend.append(LineChart.LegendItem(label: "memcpy ceiling", colour: SeriesStyle.ceiling.colour, dash: SeriesStyle.ceiling.dash, marker: SeriesStyle.ceiling.marker))
        }
        return chart.svg()
    }

    func latencyChart(_ combo: Combo) -> String? {
        var lines: [LineChart.Series] = []
        var legend: [LineChart.LegendItem] = []
        let groups = series(combo, mode: "latency").filter { $0.keys.contains { value($0, "rtt_p50_ns") != nil || value($0, "rtt_p99_ns") != nil } }
        let styles = styles(groups.map(\.name))
        for (name, keys) in groups {
            func points(_ metric: String) -> [LineChart.Point] {
                keys.compactMap { k in value(k, metric).map { LineChart.Point(x: Double(k.payloadBytes), y: $0 / 1000, text: humanDuration($0)) } }
            }
            let p50 = points("rtt_p50_ns"), p99 = points("rtt_p99_ns")
            // Dashes mean p99 here, so series of the same colour differ by marker shape alone.
            var style = styles[name]!
            style.dash = nil
            lines.append(LineChart.Series(name: "\(name) p50", points: p50, style: style))
            var tail = LineChart.Series(name: "\(name) p99", points: p99, style: style)
            tail.dashOverride = "5 4"
            tail.width = 1.6
            tail.opacity = 0.7
            tail.hollowMarkers = true
            lines.append(tail)
            legend.append(LineChart.LegendItem(label: name, colour: style.colour, dash: nil, marker: style.marker))
        }
        guard !lines.isEmpty else { return nil }
        // Draw the p99 lines first, so the p50 lines sit on top.
        lines = lines.filter { $0.dashOverride != nil } + lines.filter { $0.dashOverride == nil }
        legend.append(LineChart.LegendItem(label: "", colour: "none", dash: nil, marker: nil))
        legend.append(LineChart.LegendItem(label: "p50 (solid)", colour: "#555555", dash: nil, marker: .circle))
        var p99Item = LineChart.LegendItem(label: "p99 (dashed)", colour: "#555555", dash: "5 4", marker: .circle)
        p99Item.hollow = true
        p99Item.width = 1.6
        legend.append(p99Item)
        var chart = LineChart(
            title: "Round-trip latency vs payload size — \(combo.caption)", subtitle: subtitle(combo),
            xTitle: "payload size (bytes, log scale)", yTitle: "round trip (µs, log scale)", series: lines, legend: legend)
        let ceiling = ceiling(PlotReport.latencyCeiling, mode: "latency", combo).compactMap { k in
            value(k, "rtt_p50_ns").map { LineChart.Point(x: Double(k.payloadBytes), y: $0 / 1000, text: humanDuration($0)) }
        }
        if !ceiling.isEmpty {
            chart.references = [LineChart.Reference(label: "cacheline ceiling (p50)", points: ceiling)]
            chart.legend.append(LineChart.LegendItem(label: "cacheline ceiling (p50)", colour: SeriesStyle.ceiling.colour, dash: SeriesStyle.ceiling.dash, marker: SeriesStyle.ceiling.marker))
        }
        return chart.svg()
    }

    // MARK: Bars at one size

    /// One chart per size at which at least three mechanisms have a value in one mode, sizes
    /// ascending. The values are indexed by size once, so each chart costs its own bars.
    func barCharts(_ combo: Combo) -> [(size: Int, svg: String)] {
        func bySize(_ mode: String, _ metric: String) -> [Int: [(name: String, key: ScenarioKey)]] {
            var out: [Int: [(name: String, key: ScenarioKey)]] = [:]
            for (name, keys) in series(combo, mode: mode) {
                var seen: Set<Int> = []
                // A series' first scenario at a size stands for it (as the line charts draw it).
                for k in keys where seen.insert(k.payloadBytes).inserted && value(k, metric) != nil {
                    out[k.payloadBytes, default: []].append((name, k))
                }
            }
            return out
        }
        let throughput = bySize("throughput", "mib_per_s")
        let latency = bySize("latency", "rtt_p50_ns")
        let sizes = Set(throughput.filter { $0.value.count >= 3 }.keys).union(latency.filter { $0.value.count >= 3 }.keys).sorted()
        let memcpy = ceiling(PlotReport.throughputCeiling, mode: "throughput", combo)
        let memcpyBySize = Dictionary(memcpy.map { ($0.payloadBytes, $0) }, uniquingKeysWith: { a, _ in a })
        let cacheline = ceiling(PlotReport.latencyCeiling, mode: "latency", combo).filter { value($0, "rtt_p50_ns") != nil }
        return sizes.compactMap { size in
            barChart(combo, size: size, throughput: throughput[size] ?? [], latency: latency[size] ?? [],
                     memcpy: memcpyBySize[size], cacheline: cacheline).map { (size, $0) }
        }
    }

    private func barChart(
        _ combo: Combo, size: Int, throughput: [(name: String, key: ScenarioKey)], latency: [(name: String, key: ScenarioKey)],
        memcpy: ScenarioKey?, cacheline: [ScenarioKey]
    ) -> String? {
        var panels: [BarChart.Panel] = []
        func bars(_ entries: [(name: String, key: ScenarioKey)], _ metric: String, scale: Double, text: (Double) -> String) -> [BarChart.Bar] {
            entries.compactMap { name, key in
                value(key, metric).map { BarChart.Bar(label: name, value: $0 / scale, text: text($0), colour: style(name).colour) }
            }
        }
        let throughputBars = bars(throughput, "mib_per_s", scale: 1) { threeDigits($0) }
        if throughputBars.count >= 3 {
            let ceilingValue = memcpy.flatMap { value($0, "mib_per_s") }
            panels.append(BarChart.Panel(
                title: "Throughput at \(byteWords(size)) (higher is better)", axisTitle: "MiB/s",
                bars: throughputBars.sorted { $0.value > $1.value },
                reference: ceilingValue.map { BarChart.Reference(label: "memcpy ceiling \(threeDigits($0)) MiB/s", value: $0) }))
        }
        let latencyBars = bars(latency, "rtt_p50_ns", scale: 1000) { humanDuration($0) }
        if latencyBars.count >= 3 {
            // cacheline is measured at 8 bytes only; use the size nearest this one.
            let target = log2(Double(size))
            let nearest = cacheline.min { abs(log2(Double($0.payloadBytes)) - target) < abs(log2(Double($1.payloadBytes)) - target) }
            let reference = nearest.flatMap { k in value(k, "rtt_p50_ns").map { v in
                BarChart.Reference(label: "cacheline ceiling\(k.payloadBytes == size ? "" : " (\(byteWords(k.payloadBytes)))") \(humanDuration(v))", value: v / 1000)
            } }
            panels.append(BarChart.Panel(
                title: "p50 round trip at \(byteWords(size)) (lower is better)", axisTitle: "µs",
                bars: latencyBars.sorted { $0.value < $1.value }, reference: reference))
        }
        guard !panels.isEmpty else { return nil }
        return BarChart(title: "Mechanisms at \(byteWords(size)) — \(combo.caption)", subtitle: subtitle(combo), panels: panels).svg()
    }

    // MARK: Heatmaps

    func heatmap(_ combo: Combo, mode: String) -> String? {
        let metric = mode == "latency" ? "rtt_p50_ns" : "mib_per_s"
        var rows = series(combo, mode: mode)
        let ceilingName = mode == "latency" ? PlotReport.latencyCeiling : PlotReport.throughputCeiling
        let ceilingKeys = ceiling(ceilingName, mode: mode, combo)
        if !ceilingKeys.isEmpty { rows.append(("\(ceilingName) (ceiling)", ceilingKeys)) }
        let sizes = Set(rows.flatMap { $0.keys.map(\.payloadBytes) }).sorted()
        guard rows.contains(where: { $0.keys.contains { value($0, metric) != nil } }) else { return nil }
        let title = (mode == "latency" ? "p50 round-trip latency" : "Throughput") + " by mechanism and size — \(combo.caption)"
        // Sparse files (each mechanism at sizes of its own) would make rows × sizes cells, not
        // one per scenario: past a readable grid, say so instead of drawing millions of cells.
        guard rows.count * sizes.count <= PlotData.maximumHeatmapCells else {
            return MessageChart(title: title, lines: [
                "\(rows.count) mechanisms × \(sizes.count) sizes is over \(grouped(Double(PlotData.maximumHeatmapCells))) cells: too many for a heatmap.",
                "The line charts show every value.",
            ]).svg()
        }
        var cells: [[Heatmap.Cell]] = []
        for (name, keys) in rows {
            var line: [Heatmap.Cell] = []
            let keyBySize = Dictionary(keys.map { ($0.payloadBytes, $0) }, uniquingKeysWith: { a, _ in a })
            for size in sizes {
                let key = keyBySize[size]
                let where_ = "\(name) at \(byteWords(size))"
                if let key, let v = value(key, metric) {
                    let text = mode == "latency" ? humanDuration(v) : threeDigits(v)
                    let reps = okCounts[key] ?? 0
                    line.append(Heatmap.Cell(value: mode == "latency" ? v / 1000 : v, text: text,
                                             tooltip: "\(where_): \(text)\(mode == "latency" ? " p50" : " MiB/s") (\(reps) ok repetition\(reps == 1 ? "" : "s"))"))
                } else if let key, let problem = problemByKey[key] {
                    line.append(Heatmap.Cell(value: nil, text: "—", tooltip: "\(where_): \(problem)"))
                } else {
                    line.append(Heatmap.Cell(value: nil, text: "—", tooltip: "\(where_): not measured"))
                }
            }
            cells.append(line)
        }
        return Heatmap(
            title: title,
            subtitle: subtitle(combo), columnTitle: "payload size (bytes)",
            rowLabels: rows.map(\.name), columnLabels: sizes.map { ByteSize.format($0) }, cells: cells,
            higherIsBetter: mode != "latency", scaleTitle: mode == "latency" ? "p50 (µs)" : "MiB/s"
        ).svg()
    }
}
