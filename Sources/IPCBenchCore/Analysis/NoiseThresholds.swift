/// Per-scenario thresholds learned from an A/A run on the runner itself (`ipcbench gate
/// --learn-thresholds`), like package-benchmark's thresholds files: committed with the user's
/// repository, read by `compare --thresholds` and `gate --thresholds`.
///
/// A CSV file, one row per scenario and metric: the key columns, `metric` (a compare column
/// such as `mib_per_s`), `threshold_pct` (the change below which this scenario is called
/// unchanged), `noise_pct` (the spread of one A/A pair there, robust standard deviation of the
/// log ratio, in percent) and `aa_pairs` (how many A/A pairs measured it).
public struct NoiseThresholds: Sendable {
    public struct Entry: Sendable {
        public var key: ScenarioKey
        public var metric: String
        public var thresholdPercent: Double
        public var noisePercent: Double
        public var pairs: Int
    }

    public var entries: [Entry]
    private var lookup: [String: Int] = [:]

    public init(entries: [Entry]) {
        self.entries = entries
        for (i, e) in entries.enumerated() { lookup["\(e.key)|\(e.metric)"] = i }
    }

    /// The threshold for one comparison, as a fraction (0.05 = 5%), or nil when not listed.
    public func threshold(_ key: ScenarioKey, _ metric: String) -> Double? {
        lookup["\(key)|\(metric)"].map { entries[$0].thresholdPercent / 100 }
    }

    /// `aa_pairs`, not `pairs`: the key columns already hold a `pairs` (the scenario's channels).
    public static let columns = ResultSet.keyColumns + ["metric", "threshold_pct", "noise_pct", "aa_pairs"]
    /// Files written before the rename end in `pairs` (twice in the header): still read.
    static let legacyTail = ["metric", "threshold_pct", "noise_pct", "pairs"]

    /// From A/A noise: the threshold is one A/A pair's spread (so an A/A of a dozen pairs
    /// decides `unchanged` most of the time), never below `floorPercent`, rounded up to 0.5%.
    public static func learn(noise: [(key: ScenarioKey, metric: String, logSpread: Double, pairs: Int)],
                             floorPercent: Double) -> NoiseThresholds {
        NoiseThresholds(entries: noise.compactMap { n in
            guard n.logSpread.isFinite, n.pairs >= 2 else { return nil }
            let noisePercent = (exp(n.logSpread) - 1) * 100
            let threshold = min(500, max(floorPercent, (noisePercent * 2).rounded(.up) / 2))
            return Entry(key: n.key, metric: n.metric, thresholdPercent: threshold, noisePercent: noisePercent, pairs: n.pairs)
        })
    }

    public func render() -> String {
        CSVReport.renderRaw([Self.columns] + entries.map { e in
            e.key.cells + [e.metric, fixed(e.thresholdPercent, 1), fixed(e.noisePercent, 2), String(e.pairs)]
        })
    }

    public enum LoadError: Error, CustomStringConvertible {
        case unreadable(String)
        case malformed(String, String)
        public var description: String {
            switch self {
            case let .unreadable(path): return "\(path): cannot read"
            case let .malformed(path, why): return "\(path): not a thresholds file: \(why)"
            }
        }
    }

    public static func load(_ path: String) throws(LoadError) -> NoiseThresholds {
        guard let text = ProcFiles.read(path, limit: CSVReader.maximumBytes + 1) else { throw .unreadable(path) }
        let table: [[String]]
        do { table = try CSVReader.parse(text) } catch { throw .malformed(path, error.description) }
        // The key columns (those added later may be missing: a file learned before them), then
        // the four of the threshold.
        let tail = Array(columns.suffix(4))
        let required = ResultSchema.columns(.key).filter { !$0.addedLater }.map(\.name)
        guard let header = table.first, header.count > tail.count,
              Array(header.suffix(tail.count)) == tail || Array(header.suffix(tail.count)) == legacyTail,
              case let keyHeader = Array(header.dropLast(tail.count)),
              required.allSatisfy(keyHeader.contains), keyHeader.allSatisfy(ResultSet.keyColumns.contains),
              Set(keyHeader).count == keyHeader.count else {
            throw .malformed(path, "the header must be \(columns.joined(separator: ",")) (the key columns added later may be left out)")
        }
        let k = keyHeader.count
        var entries: [Entry] = []
        for (n, cells) in table.dropFirst().enumerated() where !(cells.count == 1 && cells[0].isEmpty) {
            guard cells.count == header.count,
                  let key = try? ScenarioKey(cells: ResultSet.keyColumns.map { name in keyHeader.firstIndex(of: name).map { cells[$0] } ?? "" }),
                  let threshold = Double(cells[k + 1]), threshold.isFinite, threshold >= 0, threshold <= 1000,
                  let noise = Double(cells[k + 2]), noise.isFinite, noise >= 0, let measured = Int(cells[k + 3]), measured >= 0 else {
                throw .malformed(path, "line \(n + 2): expected \(header.count) fields with numbers where numbers go")
            }
            entries.append(Entry(key: key, metric: cells[k], thresholdPercent: threshold, noisePercent: noise, pairs: measured))
        }
        return NoiseThresholds(entries: entries)
    }
}

import Glibc
