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

import Glibc

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

extension Statistics {
    /// The standard normal quantile (Acklam's rational approximation, |error| < 1.2e-9).
    public static func normalQuantile(_ p: Double) -> Double {
        precondition(p > 0 && p < 1)
        let a = [-3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02,
                 1.383577518672690e+02, -3.066479806614716e+01, 2.506628277459239e+00]
        let b = [-5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02,
                 6.680131188771972e+01, -1.328068155288572e+01]
        let c = [-7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00,
                 -2.549732539343734e+00, 4.374664141464968e+00, 2.938163982698783e+00]
        let d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00]
        let low = 0.02425
        if p < low {
            let q = (-2 * log(p)).squareRoot()
            return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5])
                / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        }
        if p > 1 - low { return -normalQuantile(1 - p) }
        let q = p - 0.5, r = q * q
        return (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q
            / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
    }

    /// The confidence interval of median(b) / median(a): the bootstrap for the handful of
    /// repetitions runs have, and for large samples (50 a side or more, where 4,000 resamples
    /// of thousands of values would take seconds per scenario) the distribution-free interval
    /// of each median from its order statistics (ranks n/2 ± z√n/2), combined on the log scale.
    public static func ratioOfMediansInterval(
        _ a: [Double], _ b: [Double], confidence: Double, seed: UInt64
    ) -> (low: Double, high: Double) {
        guard a.count >= 50, b.count >= 50 else { return bootstrapRatioOfMedians(a, b, confidence: confidence, seed: seed) }
        let z = normalQuantile(1 - (1 - confidence) / 2)
        func logMedianAndSpread(_ values: [Double]) -> (Double, Double)? {
            let s = values.sorted()
            guard let first = s.first, first > 0 else { return nil }
            let n = Double(s.count), half = z * n.squareRoot() / 2
            let lo = s[max(0, Int((n / 2 - half).rounded(.down)))], hi = s[min(s.count - 1, Int((n / 2 + half).rounded(.up)))]
            return (Glibc.log(median(s)), (Glibc.log(hi) - Glibc.log(lo)) / (2 * z))
        }
        guard let (ma, sa) = logMedianAndSpread(a), let (mb, sb) = logMedianAndSpread(b) else { return (.nan, .nan) }
        let center = mb - ma, width = z * (sa * sa + sb * sb).squareRoot()
        return (exp(center - width), exp(center + width))
    }

    /// A robust standard deviation: 1.4826 times the median absolute deviation (the sample
    /// standard deviation where the MAD is zero).
    public static func robustSpread(_ values: [Double]) -> Double {
        guard values.count >= 2 else { return .nan }
        let m = median(values)
        let mad = median(values.map { abs($0 - m) }) * 1.4826
        if mad > 0 { return mad }
        let mu = mean(values)
        return (values.reduce(0) { $0 + ($1 - mu) * ($1 - mu) } / Double(values.count - 1)).squareRoot()
    }
}
