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
    public static let throughputCeiling = MechanismRegistry.ceiling(.throughput) ?? "memcpy"
    public static let latencyCeiling = MechanismRegistry.ceiling(.latency) ?? "cacheline"
    public static let confidence = 0.95

    /// Renders every chart and writes it with `index.html` into `directory` (created 0755 with
    /// its parents), each file atomically; returns the file names, `index.html` last.
    /// `threshold` is the fraction (0.05 = 5%) the change chart shades and `Comparator` judges by.
    public static func write(results: ResultSet, baseline: ResultSet?, to directory: String, threshold: Double,
                             spectra: Spectra = Spectra()) throws -> [String] {
        let files = try render(results: results, baseline: baseline, threshold: threshold, spectra: spectra)
        return try writeFiles(files, to: directory)
    }

    /// Writes rendered files into `directory` (created 0755 with its parents), each atomically.
    public static func writeFiles(_ files: [(name: String, content: String)], to directory: String) throws -> [String] {
        try AtomicFile.createFolders(directory)
        let folder = directory.hasSuffix("/") && directory.count > 1 ? String(directory.dropLast()) : directory
        try AtomicFile.checkWritable("\(folder)/index.html")
        for file in files { try AtomicFile.write(file.content, to: "\(folder)/\(file.name)") }
        return files.map(\.name)
    }

    /// The histograms behind the percentile spectra (a run's JSON), and which scenarios to draw.
    public struct Spectra: Sendable {
        public var results: LatencySpectra
        public var baseline: LatencySpectra?
        /// Export-name fragments (`pipe/latency/64`); nil: every mechanism at its smallest size.
        public var patterns: [String]?

        public init(results: LatencySpectra = LatencySpectra(), baseline: LatencySpectra? = nil, patterns: [String]? = nil) {
            self.results = results
            self.baseline = baseline
            self.patterns = patterns
        }
    }

    /// Every file of the report, named, without touching the disk; `index.html` last.
    public static func render(results: ResultSet, baseline: ResultSet?, threshold: Double,
                              spectra: Spectra = Spectra()) throws -> [(name: String, content: String)] {
        let data = PlotData(results)
        guard !data.okKeys.isEmpty else {
            let skipped = results.rows.filter { $0.status == .skipped }.count
            let failed = results.rows.filter { $0.status == .failed }.count
            let why = results.rows.isEmpty
                ? "the file has no rows"
                : "no row has status ok (\(skipped) skipped, \(failed) failed)"
                    + (results.rows.first { $0.status != .ok && !$0.note.isEmpty }.map { "; first note: \($0.note.prefix(120))" } ?? "")
            throw PlotError.nothingToPlot(why)
        }
        var charts: [Chart] = []
        for combo in data.combos {
            if let svg = data.throughputChart(combo) { charts.append(Chart(section: .throughput, name: "throughput-\(combo.slug).svg", caption: "Throughput vs payload size, \(combo.caption)", svg: svg)) }
            if let svg = data.latencyChart(combo) { charts.append(Chart(section: .latency, name: "latency-\(combo.slug).svg", caption: "Round-trip latency (p50, p99) vs payload size, \(combo.caption)", svg: svg)) }
            if let svg = data.latencyChart(combo, mode: .openLoop) {
                charts.append(Chart(section: .openLoop, name: "openloop-\(combo.slug).svg", caption: "Open-loop one-way latency (p50, p99) vs payload size, \(combo.caption)", svg: svg))
            }
            for (size, svg) in data.barCharts(combo) {
                charts.append(Chart(section: .bars, name: "bars-\(ByteSize.format(size))-\(combo.slug).svg",
                                    caption: "Mechanisms at \(byteWords(size)), \(combo.caption)", svg: svg))
            }
            for mode in [Mode.latency, .throughput] {
                if let svg = data.heatmap(combo, mode: mode) {
                    charts.append(Chart(section: .heatmaps, name: "heatmap-\(mode)-\(combo.slug).svg",
                                        caption: "\(mode == .latency ? "p50 latency" : "Throughput") by mechanism and size, \(combo.caption)", svg: svg))
                }
            }
        }
        for chart in data.coreMatrixCharts() {
            charts.append(Chart(section: .coreMatrix, name: chart.name, caption: chart.caption, svg: chart.svg))
        }
        for chart in data.spectrumCharts(spectra.results, baseline: spectra.baseline, patterns: spectra.patterns) {
            charts.append(Chart(section: .spectra, name: chart.name, caption: chart.caption, svg: chart.svg))
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
}
