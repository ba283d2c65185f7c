#if canImport(Glibc)
import Glibc
#endif

/// A histogram as HdrHistogram's percentile distribution (`.hgrm`), the text its plotters and
/// HistogramLogAnalyzer read: `Value Percentile TotalCount 1/(1-Percentile)`, five reporting
/// ticks per half-distance to 100%, and the `#[Mean = …]` footer. Values are in microseconds
/// (HdrHistogram's usual output scaling of nanoseconds by 1000), three decimals; each is the
/// value ipcbench reports for its bucket (the midpoint, clamped to the observed min and max),
/// so the p50 line matches the CSV's `rtt_p50_ns`.
public enum PercentileDistribution {
    public static let ticksPerHalfDistance = 5

    public static func text(_ h: Histogram) -> String {
        var out = pad("Value", 12) + " " + pad("Percentile", 14) + " " + pad("TotalCount", 10) + " " + pad("1/(1-Percentile)", 14) + "\n\n"
        for line in lines(h) {
            out += pad(fixed(Double(line.valueNs) / 1000, 3), 12) + " " + fixed(line.percentile / 100, 12) + " " + pad(String(line.count), 10)
            out += line.percentile < 100 ? " " + pad(fixed(1 / (1 - line.percentile / 100), 2), 14) + "\n" : "\n"
        }
        out += "#[Mean    = \(pad(fixed((h.mean ?? 0) / 1000, 3), 12)), StdDeviation   = \(pad(fixed((h.standardDeviation ?? 0) / 1000, 3), 12))]\n"
        out += "#[Max     = \(pad(fixed(Double(h.max ?? 0) / 1000, 3), 12)), Total count    = \(pad(String(h.count), 12))]\n"
        out += "#[Buckets = \(pad(String(64 - 8), 12)), SubBuckets     = \(pad(String(HistogramLayout.subBuckets), 12))]\n"
        return out
    }

    /// The reported points: value (ns), percentile (0...100) and count at or below it, as
    /// HdrHistogram's percentile iterator walks them (several lines may share a bucket; the last
    /// bucket gives one line at its level, then the 100% line).
    public static func lines(_ h: Histogram) -> [(valueNs: UInt64, percentile: Double, count: UInt64)] {
        guard h.count > 0 else { return [] }
        var out: [(valueNs: UInt64, percentile: Double, count: UInt64)] = []
        var level = 0.0, cumulative: UInt64 = 0
        for (index, c) in h.counts.enumerated() where c > 0 {
            cumulative += c
            let value = reported(index, h)
            let reached = 100 * Double(cumulative) / Double(h.count)
            if cumulative < h.count {
                while reached >= level {
                    out.append((value, level, cumulative))
                    // Past what a double can step (counts beyond 2^50), stop at 100%.
                    let n = next(level)
                    level = n > level && n < 100 ? n : 100
                }
            } else {
                out.append((value, level, cumulative))
                out.append((value, 100, cumulative))
                break
            }
        }
        return out
    }

    /// HdrHistogram's step: `ticksPerHalfDistance` equal steps in each half of what is left to 100%.
    static func next(_ level: Double) -> Double {
        let halvings = Int(log2(100 / (100 - level)))
        let ticks = Double(ticksPerHalfDistance) * Double(1 << min(halvings + 1, 52))
        return level + 100 / ticks
    }

    static func reported(_ index: Int, _ h: Histogram) -> UInt64 {
        let low = HistogramLayout.lowerBound(index), high = HistogramLayout.upperBound(index)
        return min(max(low + (high - low) / 2, h.totals.min), h.totals.max)
    }

    static func pad(_ text: String, _ width: Int) -> String {
        String(repeating: " ", count: max(0, width - text.count)) + text
    }

    /// `pipe_latency_64_cross-core_1_block_rtt.hgrm`: the key cells, each reduced to letters,
    /// digits, dots and dashes, so a name from a file never picks a path.
    public static func fileName(_ key: ScenarioKey, _ kind: LatencySpectra.Kind) -> String {
        let cells = (key.nameCells + [kind.rawValue]).map { cell -> String in
            let safe = String(cell.lowercased().map { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "-") ? $0 : "-" })
            return safe.isEmpty || safe.allSatisfy({ $0 == "." }) ? "x" : String(safe.prefix(64))
        }
        return cells.joined(separator: "_") + ".hgrm"
    }
}
