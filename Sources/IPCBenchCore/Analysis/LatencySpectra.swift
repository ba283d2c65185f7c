/// Each scenario's latency histograms, read back from a run's JSON (`run --json`) and merged
/// over its ok repetitions, as HdrHistogram merges: the whole distribution, not only the
/// percentiles the CSV keeps. `export --format hgrm` writes them; `plot` draws their spectra.
public struct LatencySpectra: Sendable {
    /// Which times a histogram holds.
    public enum Kind: String, Sendable, CaseIterable {
        /// Round trips (latency mode).
        case roundTrip = "rtt"
        /// Arrival minus the sender's stamp, or minus the intended send time in open loop.
        case oneWay = "oneway"
    }

    public struct Entry: Sendable {
        public var key: ScenarioKey
        public var kind: Kind
        public var histogram: Histogram
        public var repetitions: Int
    }

    /// In the order the document lists them.
    public private(set) var entries: [Entry] = []
    private var index: [String: Int] = [:]

    public init() {}

    /// Straight from a run's repetitions (what `run --export hgrm=DIR` writes).
    public init(_ results: [RepetitionResult]) {
        for r in results where r.status == .ok {
            let key = ScenarioKey(r.scenario)
            if let h = r.latency, h.count > 0 { add(key, .roundTrip, h) }
            if let h = r.oneWay, h.count > 0 { add(key, .oneWay, h) }
        }
    }

    public func histogram(_ key: ScenarioKey, _ kind: Kind) -> Histogram? {
        index["\(key)|\(kind.rawValue)"].map { entries[$0].histogram }
    }

    /// The times a mode is read by: one-way in open loop, round trips otherwise.
    public static func kind(for mode: Mode) -> Kind { mode == .openLoop ? .oneWay : .roundTrip }

    public mutating func add(_ key: ScenarioKey, _ kind: Kind, _ histogram: Histogram) {
        let id = "\(key)|\(kind.rawValue)"
        if let i = index[id] {
            entries[i].histogram.merge(histogram)
            entries[i].repetitions += 1
        } else {
            index[id] = entries.count
            entries.append(Entry(key: key, kind: kind, histogram: histogram, repetitions: 1))
        }
    }

    public struct InvalidDocument: Error, CustomStringConvertible {
        public let message: String
        public var description: String { message }
    }

    /// The `histograms` of a run document; empty when it has none (an older file).
    public static func parse(_ document: JSONValue) throws(InvalidDocument) -> LatencySpectra {
        var spectra = LatencySpectra()
        for (n, item) in (document["histograms"]?.array ?? []).enumerated() {
            func bad(_ why: String) -> InvalidDocument { InvalidDocument(message: "histograms[\(n)]: \(why)") }
            let key: ScenarioKey
            do { key = try ScenarioKey(cells: ResultSet.keyColumns.map { item[$0]?.cellText ?? "" }) } catch { throw bad(error.message) }
            guard let kind = item["kind"]?.string.flatMap(Kind.init(rawValue:)) else { throw bad("kind is not rtt or oneway") }
            guard let count = item["count"]?.unsigned, let min = item["min"]?.unsigned, let max = item["max"]?.unsigned,
                  let sum = item["sum"]?.unsigned, let squares = item["sum_of_squares"]?.double, let buckets = item["buckets"]?.array else {
                throw bad("count, min, max, sum, sum_of_squares or buckets missing")
            }
            var counts = [UInt64](repeating: 0, count: HistogramLayout.bucketCount)
            var total: UInt64 = 0
            for bucket in buckets {
                guard let triple = bucket.array, triple.count == 3, let low = triple[0].unsigned, let high = triple[1].unsigned,
                      let c = triple[2].unsigned, HistogramLayout.upperBound(HistogramLayout.index(low)) == high,
                      HistogramLayout.lowerBound(HistogramLayout.index(low)) == low else {
                    throw bad("a bucket is not [lowest, highest, count] of this histogram's layout")
                }
                counts[HistogramLayout.index(low)] += c
                total += c
            }
            guard total == count, count > 0, min <= max else { throw bad("the buckets hold \(total) values, count says \(count)") }
            spectra.add(key, kind, Histogram(counts: counts, totals: HistogramTotals(count: count, min: min, max: max, sum: sum, sumOfSquares: squares)))
        }
        return spectra
    }
}
