/// The formats `ipcbench export` (and `run --export`) write, one file each in this folder:
/// ``BencherMetricFormat``, ``GitHubActionBenchmark`` and ``PercentileDistribution``.
public enum ExportFormat: String, CaseIterable, Sendable {
    /// Bencher Metric Format, for `bencher run --adapter json`.
    case bmf
    /// github-action-benchmark's custom JSON: two files, smaller-is-better and bigger-is-better.
    case githubActionBenchmark = "github-action-benchmark"
    /// HdrHistogram's percentile distribution, one `.hgrm` file per scenario (needs the JSON).
    case hgrm

    /// What `--output` names for this format, in words.
    public var outputMeaning: String {
        switch self {
        case .bmf: return "a file (- for standard output)"
        case .githubActionBenchmark: return "a stem: STEM-smaller.json and STEM-bigger.json"
        case .hgrm: return "a folder, one .hgrm file per scenario"
        }
    }
}

/// `FORMAT=PATH`: one export asked of `run`.
public struct ExportRequest: Equatable, Sendable {
    public var format: ExportFormat
    public var path: String

    public init(format: ExportFormat, path: String) {
        self.format = format
        self.path = path
    }

    /// `bmf=out.json,github-action-benchmark=bench`: each format at most once.
    public static func list(_ text: String) throws(SettingError) -> [ExportRequest] {
        var out: [ExportRequest] = []
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            let choices = ExportFormat.allCases.map(\.rawValue).joined(separator: ", ")
            guard let eq = item.firstIndex(of: "="), let format = ExportFormat(rawValue: String(item[..<eq])) else {
                throw SettingError(message: "'\(echo(item, limit: 40))' is not FORMAT=PATH with a format of \(choices)")
            }
            let path = String(item[item.index(after: eq)...])
            guard !path.isEmpty else { throw SettingError(message: "\(format.rawValue)= needs \(format.outputMeaning)") }
            guard !out.contains(where: { $0.format == format }) else { throw SettingError(message: "\(format.rawValue) given twice") }
            out.append(ExportRequest(format: format, path: path))
        }
        return out
    }
}

/// Writes exports: each file atomically, the folder for `.hgrm` files created with its parents.
public enum Exporter {
    public enum ExportError: Error, CustomStringConvertible {
        /// The rows hold nothing the format can carry (no ok repetition, or no histogram).
        case nothingToExport(String)
        case cannotWrite(String)

        public var description: String {
            switch self {
            case let .nothingToExport(why): return "nothing to export: \(why)"
            case let .cannotWrite(why): return why
            }
        }
    }

    /// Every file of one export, named, without touching the disk.
    public static func render(_ format: ExportFormat, _ file: RunFile, path: String) throws(ExportError) -> [(path: String, content: String)] {
        switch format {
        case .bmf:
            let document = BencherMetricFormat.json(file.results)
            guard case let .object(fields) = document, !fields.isEmpty else { throw .nothingToExport("no scenario has an ok repetition") }
            return [(path, document.render() + "\n")]
        case .githubActionBenchmark:
            let (smaller, bigger) = GitHubActionBenchmark.entries(file.results)
            guard !smaller.isEmpty || !bigger.isEmpty else { throw .nothingToExport("no scenario has an ok repetition") }
            let stem = path.hasSuffix(".json") ? String(path.dropLast(5)) : path
            return [("\(stem)-smaller.json", JSON.array(smaller).render() + "\n"), ("\(stem)-bigger.json", JSON.array(bigger).render() + "\n")]
        case .hgrm:
            guard !file.spectra.entries.isEmpty else {
                throw .nothingToExport("no histograms: give the JSON a run wrote with --json (a CSV keeps only percentiles)")
            }
            let folder = path.hasSuffix("/") && path.count > 1 ? String(path.dropLast()) : path
            return file.spectra.entries.map { entry in
                ("\(folder)/\(PercentileDistribution.fileName(entry.key, entry.kind))", PercentileDistribution.text(entry.histogram))
            }
        }
    }

    /// Renders and writes one export; returns the paths written.
    public static func write(_ format: ExportFormat, _ file: RunFile, path: String) throws(ExportError) -> [String] {
        let files = try render(format, file, path: path)
        do {
            if format == .hgrm { try AtomicFile.createFolders(path) }
            if format == .bmf && path == "-" {
                try AtomicFile.write(files[0].content, descriptor: 1, name: "standard output")
                return ["standard output"]
            }
            for f in files { try AtomicFile.write(f.content, to: f.path) }
        } catch {
            throw .cannotWrite("\(error)")
        }
        return files.map(\.path)
    }
}

extension ScenarioKey {
    /// The scenario's name in exports: its key cells in CSV order, joined by `/`
    /// (`pipe/latency/64/cross-core/1/block`), so it stays the same from run to run; the key
    /// columns added later appear only when they differ from what every older row was
    /// (`.../block/zero`, `.../block/copy/fan-in:4`), so a name never changes under a scenario.
    public var exportName: String { nameCells.joined(separator: "/") }

    /// The key cells without the trailing ones that hold their old default (copy, pairs, no CPU pair).
    var nameCells: [String] {
        var c = cells
        let defaults = ["copy", "pairs", ""]
        while c.count > 6, c.last == defaults[c.count - 7] { c.removeLast() }
        return c
    }
}

extension ResultSet {
    /// The median of one metric over a scenario's ok repetitions, with the lowest and highest.
    public func spread(_ key: ScenarioKey, _ metric: ResultColumn) -> (median: Double, low: Double, high: Double, count: Int)? {
        let values = samples(key, metric)
        guard let m = median(values), let lo = values.min(), let hi = values.max() else { return nil }
        return (m, lo, hi, values.count)
    }
}
