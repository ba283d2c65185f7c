/// Small, exact statistics for comparing repetition samples (a handful of values each).
public enum Statistics {
    public static func median(_ values: [Double]) -> Double {
        precondition(!values.isEmpty)
        let s = values.sorted()
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }

    public static func mean(_ values: [Double]) -> Double { values.reduce(0, +) / Double(values.count) }

    /// Coefficient of variation in percent (sample standard deviation over the mean).
    public static func coefficientOfVariation(_ values: [Double]) -> Double? {
        guard values.count >= 2 else { return nil }
        let m = mean(values)
        guard m > 0 else { return nil }
        let variance = values.reduce(0) { $0 + ($1 - m) * ($1 - m) } / Double(values.count - 1)
        return variance.squareRoot() / m * 100
    }

    /// Two-sided Mann-Whitney U test. Exact (by enumerating the rank-sum distribution) for up
    /// to 20 values a side, the normal approximation with tie correction beyond.
    public static func mannWhitneyP(_ a: [Double], _ b: [Double]) -> Double {
        let n1 = a.count, n2 = b.count
        guard n1 > 0, n2 > 0 else { return 1 }
        // Midranks over the pooled sample.
        let pooled = (a.map { ($0, 0) } + b.map { ($0, 1) }).sorted { $0.0 < $1.0 }
        var ranks = [Double](repeating: 0, count: pooled.count)
        var i = 0
        var tieTerm = 0.0
        while i < pooled.count {
            var j = i
            while j + 1 < pooled.count && pooled[j + 1].0 == pooled[i].0 { j += 1 }
            let rank = Double(i + j + 2) / 2
            for k in i...j { ranks[k] = rank }
            let t = Double(j - i + 1)
            tieTerm += t * t * t - t
            i = j + 1
        }
        var rankSumA = 0.0
        for (k, item) in pooled.enumerated() where item.1 == 0 { rankSumA += ranks[k] }
        let u = rankSumA - Double(n1 * (n1 + 1)) / 2
        let meanU = Double(n1 * n2) / 2
        if n1 <= 20 && n2 <= 20 && tieTerm == 0 {
            // Exact: count arrangements with U as extreme as observed.
            let dist = exactUDistribution(n1, n2)
            let total = dist.reduce(0, +)
            let deviation = abs(u - meanU)
            var extreme = 0.0
            for (value, count) in dist.enumerated() where abs(Double(value) - meanU) >= deviation - 1e-9 {
                extreme += count
            }
            return min(1, extreme / total)
        }
        let n = Double(n1 + n2)
        let variance = Double(n1 * n2) / 12 * ((n + 1) - tieTerm / (n * (n - 1)))
        guard variance > 0 else { return 1 }
        let z = (abs(u - meanU) - 0.5) / variance.squareRoot()
        return min(1, 2 * (1 - normalCDF(max(0, z))))
    }

    /// Number of ways to reach each U value for sample sizes n1, n2 (no ties).
    static func exactUDistribution(_ n1: Int, _ n2: Int) -> [Double] {
        // f[i][j][u]: arrangements of i and j items with statistic u; built by the last item.
        var table = [[[Double]]](repeating: [[Double]](repeating: [], count: n2 + 1), count: n1 + 1)
        for i in 0...n1 {
            for j in 0...n2 {
                var d = [Double](repeating: 0, count: i * j + 1)
                if i == 0 || j == 0 {
                    d[0] = 1
                } else {
                    // Last (largest) item from sample 1 adds j to U; from sample 2 adds 0.
                    let fromA = table[i - 1][j], fromB = table[i][j - 1]
                    for (u, c) in fromA.enumerated() { d[u + j] += c }
                    for (u, c) in fromB.enumerated() { d[u] += c }
                }
                table[i][j] = d
            }
        }
        return table[n1][n2]
    }

    public static func normalCDF(_ z: Double) -> Double {
        0.5 * (1 + erf(z / 2.0.squareRoot()))
    }

    /// Percentile bootstrap confidence interval of median(b) / median(a), with a fixed seed so
    /// the same files always give the same verdict.
    public static func bootstrapRatioOfMedians(
        _ a: [Double], _ b: [Double], confidence: Double, resamples: Int = 4000, seed: UInt64
    ) -> (low: Double, high: Double) {
        var rng = StatisticsRNG(seed: seed)
        var ratios: [Double] = []
        ratios.reserveCapacity(resamples)
        var sa = a, sb = b
        for _ in 0..<resamples {
            for k in 0..<a.count { sa[k] = a[Int(rng.next() % UInt64(a.count))] }
            for k in 0..<b.count { sb[k] = b[Int(rng.next() % UInt64(b.count))] }
            let ma = median(sa)
            if ma > 0 { ratios.append(median(sb) / ma) }
        }
        guard !ratios.isEmpty else { return (.nan, .nan) }
        ratios.sort()
        let tail = (1 - confidence) / 2
        let lo = ratios[max(0, min(ratios.count - 1, Int((tail * Double(ratios.count)).rounded(.down))))]
        let hi = ratios[max(0, min(ratios.count - 1, Int(((1 - tail) * Double(ratios.count)).rounded(.up)) - 1))]
        return (lo, hi)
    }
}

#if canImport(Glibc)
import Glibc
#endif

/// SplitMix64: tiny, fast, reproducible.
struct StatisticsRNG: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
