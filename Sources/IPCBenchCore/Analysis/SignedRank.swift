#if canImport(Glibc)
import Glibc
#endif

/// Wilcoxon's signed-rank statistics for paired differences (here: the log of candidate over
/// base, one per A/B pair): an exact two-sided p-value, the Hodges-Lehmann estimate of the
/// shift, and its distribution-free confidence interval.
///
/// Why these: with the two sides of a pair run back to back and their order alternated, a
/// pair's difference is symmetric about zero when nothing changed (the sides are exchangeable),
/// which is exactly what the test assumes; it needs no normality, and one outlying pair (a
/// preemption) moves it by one rank, not by its size.
public enum SignedRank {
    /// Arrangement counts of the statistic T+ for n untied values: `counts[t]` of the 2^n sign
    /// patterns give T+ = t. Exact up to n = 200 (1,000 rounds would take hours here).
    static func distribution(_ n: Int) -> [Double] {
        var counts = [Double](repeating: 0, count: n * (n + 1) / 2 + 1)
        counts[0] = 1
        var top = 0
        for rank in 1...max(1, n) where n > 0 {
            top += rank
            var t = top
            while t >= rank { counts[t] += counts[t - rank]; t -= 1 }
        }
        return counts
    }

    /// Two-sided p-value of H0 "the differences are symmetric about zero". Zeros are dropped
    /// (Wilcoxon's rule); exact for up to 200 untied values, normal approximation with the tie
    /// correction otherwise.
    public static func pValue(_ differences: [Double]) -> Double {
        let d = differences.filter { $0 != 0 && $0.isFinite }
        let n = d.count
        guard n > 0 else { return 1 }
        let order = d.indices.sorted { abs(d[$0]) < abs(d[$1]) }
        var ranks = [Double](repeating: 0, count: n)
        var tied = false
        var tieTerm = 0.0
        var i = 0
        while i < n {
            var j = i
            while j + 1 < n && abs(d[order[j + 1]]) == abs(d[order[i]]) { j += 1 }
            if j > i { tied = true }
            let t = Double(j - i + 1)
            tieTerm += t * t * t - t
            for k in i...j { ranks[order[k]] = Double(i + j + 2) / 2 }
            i = j + 1
        }
        var plus = 0.0
        for k in 0..<n where d[k] > 0 { plus += ranks[k] }
        let total = Double(n * (n + 1)) / 2
        let smaller = min(plus, total - plus)
        if !tied && n <= 200 {
            let counts = distribution(n)
            var tail = 0.0
            for t in 0...Int(smaller.rounded(.down)) { tail += counts[t] }
            return min(1, 2 * tail / pow(2, Double(n)))
        }
        let mean = total / 2
        let variance = Double(n * (n + 1) * (2 * n + 1)) / 24 - tieTerm / 48
        guard variance > 0 else { return 1 }
        let z = (mean - smaller - 0.5) / variance.squareRoot()
        return min(1, 2 * (1 - Statistics.normalCDF(max(0, z))))
    }

    /// The smallest possible two-sided p with n pairs (every sign the same): 2 / 2^n.
    public static func smallestP(_ n: Int) -> Double { 2 / pow(2, Double(n)) }

    /// The fewest pairs at which a p-value below `alpha` is possible at all.
    public static func pairsToReach(_ alpha: Double) -> Int {
        var n = 1
        while smallestP(n) >= alpha && n < 200 { n += 1 }
        return n
    }

    /// Walsh averages (d_i + d_j) / 2 for i <= j, sorted.
    static func walshAverages(_ d: [Double]) -> [Double] {
        var w: [Double] = []
        w.reserveCapacity(d.count * (d.count + 1) / 2)
        for i in d.indices { for j in i..<d.count { w.append((d[i] + d[j]) / 2) } }
        return w.sorted()
    }

    /// Hodges-Lehmann estimate of the shift: the median of the Walsh averages.
    public static func hodgesLehmann(_ d: [Double]) -> Double {
        guard !d.isEmpty else { return .nan }
        return Statistics.median(walshAverages(d))
    }

    /// The distribution-free confidence interval of the shift: the Walsh averages of rank k and
    /// N + 1 - k, k from the exact distribution of T (normal approximation above 200 pairs).
    /// With too few pairs for the level, the whole range of the Walsh averages.
    public static func interval(_ d: [Double], confidence: Double) -> (low: Double, high: Double) {
        let n = d.count
        guard n > 0 else { return (.nan, .nan) }
        let w = walshAverages(d)
        let alpha = 1 - confidence
        var k: Int  // the largest k with P(T <= k - 1) <= alpha / 2
        if n <= 200 {
            let counts = distribution(n)
            let all = pow(2, Double(n))
            var cumulative = 0.0
            k = 0
            while k < counts.count {
                cumulative += counts[k]
                if cumulative / all > alpha / 2 { break }
                k += 1
            }
        } else {
            let mean = Double(n * (n + 1)) / 4
            let sd = (Double(n * (n + 1) * (2 * n + 1)) / 24).squareRoot()
            k = Int((mean - Statistics.normalQuantile(1 - alpha / 2) * sd).rounded(.down))
        }
        k = max(1, min(k, w.count / 2 + 1))
        return (w[k - 1], w[w.count - k])
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
