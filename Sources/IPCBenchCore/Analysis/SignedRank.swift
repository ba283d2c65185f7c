import Glibc

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
