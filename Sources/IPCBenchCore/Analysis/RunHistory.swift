#if canImport(Glibc)
import Glibc
#endif

/// A folder of runs (one CSV or JSON per commit, say, from CI) in the order they ran: by the
/// run's `timestamp`, then its `commit`, then the file name. Each run is compared with the one
/// before it by ``Comparator``, as `compare` would, to mark where a scenario changed.
public struct RunHistory: Sendable {
    public struct Run: Sendable {
        public var file: String
        public var results: ResultSet
        public var timestamp: String
        public var label: RunLabel

        /// What the run is called on an axis: its label, else its short commit, else its start.
        public var title: String {
            label.label ?? label.commit.map { String($0.prefix(10)) } ?? (timestamp.isEmpty ? file : timestamp)
        }
    }

    public var runs: [Run]

    public init(runs: [Run]) {
        self.runs = runs.enumerated().sorted { a, b in
            (a.element.timestamp, a.element.label.commit ?? "", a.element.file, a.offset)
                < (b.element.timestamp, b.element.label.commit ?? "", b.element.file, b.offset)
        }.map(\.element)
    }

    public enum LoadError: Error, CustomStringConvertible {
        case unreadableFolder(String)
        case tooFew(String)
        case badFile(ResultSet.LoadError)

        public var description: String {
            switch self {
            case let .unreadableFolder(path): return "\(path): cannot read the folder"
            case let .tooFew(path): return "\(path): fewer than two result files (*.csv, or *.json from run --json)"
            case let .badFile(error): return "\(error)"
            }
        }
    }

    /// At most this many runs are read (the newest, by name order of the folder): a chart of more
    /// is unreadable anyway.
    public static let maximumRuns = 500

    /// Every `*.csv` in `folder`, and every `*.json` without a CSV of the same name beside it.
    public static func load(folder: String) throws(LoadError) -> RunHistory {
        guard let dir = opendir(folder) else { throw .unreadableFolder(folder) }
        var names: [String] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.baseAddress!.assumingMemoryBound(to: CChar.self)) }
            if !name.hasPrefix("."), name.hasSuffix(".csv") || name.hasSuffix(".json") { names.append(name) }
        }
        closedir(dir)
        let csvStems = Set(names.filter { $0.hasSuffix(".csv") }.map { $0.dropLast(4) })
        names = names.filter { $0.hasSuffix(".csv") || !csvStems.contains($0.dropLast(5)) }.sorted().suffix(maximumRuns)
        var runs: [Run] = []
        let base = folder.hasSuffix("/") ? String(folder.dropLast()) : folder
        for name in names {
            let path = "\(base)/\(name)"
            var info = stat()
            guard stat(path, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG else { continue }
            let results: ResultSet
            do { results = try ResultSet.load(path) } catch { throw .badFile(error) }
            guard let first = results.rows.first else { continue }
            runs.append(Run(file: name, results: results, timestamp: first.timestamp, label: first.run))
        }
        guard runs.count >= 2 else { throw .tooFew(folder) }
        return RunHistory(runs: runs)
    }

    /// The verdict of each run against the one before it, by scenario and metric column:
    /// `changes[i]` holds run i's (nothing for the first run, or where compare could not judge).
    public func changes(threshold: Double) -> [[String: MetricComparison]] {
        var out: [[String: MetricComparison]] = [[:]]
        for i in runs.indices.dropFirst() {
            var settings = CompareSettings()
            settings.threshold = threshold
            settings.allowDifferentMachines = true
            var byMetric: [String: MetricComparison] = [:]
            if let report = try? Comparator.compare(baseline: runs[i - 1].results, candidate: runs[i].results, settings: settings) {
                for c in report.comparisons { byMetric["\(c.key)|\(c.metric.name)"] = c }
            }
            out.append(byMetric)
        }
        return out
    }
}
