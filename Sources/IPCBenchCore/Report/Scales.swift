#if canImport(Glibc)
import Glibc
#endif

// Every scale and tick routine works in logarithms or in bounded step counts, so it is total
// over all finite doubles: 0, denormals (1e-320) and 1e308 give a drawing, never a trap, an
// infinite ratio or a loop that does not end.

/// A logarithmic map from a positive domain to pixels; the ends are clamped into the positive
/// finite doubles and the map is computed on log10 values, so hi / lo never overflows.
struct LogScale {
    let lo: Double
    let hi: Double
    let start: Double
    let end: Double
    private let logLo: Double
    private let logHi: Double

    init(lo: Double, hi: Double, start: Double, end: Double) {
        self.lo = Ticks.positiveFinite(lo)
        self.hi = max(Ticks.positiveFinite(hi), self.lo)
        self.start = start
        self.end = end
        logLo = log10(self.lo)
        logHi = log10(self.hi)
    }

    func callAsFunction(_ value: Double) -> Double {
        guard logHi > logLo else { return (start + end) / 2 }
        let v = value.isNaN ? lo : min(max(value, lo), hi)
        return start + (log10(v) - logLo) / (logHi - logLo) * (end - start)
    }
}

/// A linear map from a domain to pixels.
struct LinearScale {
    let lo: Double
    let hi: Double
    let start: Double
    let end: Double

    func callAsFunction(_ value: Double) -> Double {
        guard hi > lo, lo.isFinite, hi.isFinite else { return (start + end) / 2 }
        let v = value.isNaN ? lo : min(max(value, lo), hi)
        // Halved, the span of two finite doubles is finite too (1e308 - -1e308 is not).
        let fraction = (hi - lo).isFinite ? (v - lo) / (hi - lo) : (v / 2 - lo / 2) / (hi / 2 - lo / 2)
        return start + fraction * (end - start)
    }
}

enum Ticks {
    /// `value` clamped into the positive finite doubles (NaN and 0 become the smallest).
    static func positiveFinite(_ value: Double) -> Double {
        value.isNaN ? .leastNonzeroMagnitude : min(max(value, .leastNonzeroMagnitude), .greatestFiniteMagnitude)
    }

    /// A log domain around [minValue, maxValue] with a little room, its ends snapped out to
    /// 1, 2 or 5 times a power of ten. Worked out on log10 values, so it holds for any pair of
    /// positive doubles.
    static func logDomain(_ minValue: Double, _ maxValue: Double) -> (lo: Double, hi: Double) {
        var lo = log10(positiveFinite(minValue))
        var hi = max(log10(positiveFinite(maxValue)), lo)
        if hi - lo < log10(3.0) {
            let mid = (lo + hi) / 2
            lo = min(lo, mid - log10(1.8))
            hi = max(hi, mid + log10(1.8))
        }
        lo -= log10(1.15)
        hi += log10(1.15)
        // floor(e) <= e < floor(e) + 1, so mantissa 1 always fits below and 10 above.
        func snap(_ e: Double, down: Bool) -> Double {
            let decade = floor(e)
            let mantissas = [1.0, 2, 5, 10]
            let m = down ? mantissas.last { decade + log10($0) <= e + 1e-9 } ?? 1
                         : mantissas.first { decade + log10($0) >= e - 1e-9 } ?? 10
            return positiveFinite(timesPowerOfTen(m, Int(decade)))
        }
        return (snap(lo, down: true), snap(hi, down: false))
    }

    /// Labelled values on a log10 axis: the densest of 1-2-3-5, 1-2-5, 1-3, decades, or every
    /// few decades whose labels stay `minSpacing` px apart.
    static func log10Ticks(lo rawLo: Double, hi rawHi: Double, pixels: Double, minSpacing: Double) -> [Double] {
        let lo = positiveFinite(rawLo), hi = positiveFinite(rawHi)
        let decades = log10(hi) - log10(lo)
        guard decades > 0, pixels > 0 else { return hi > lo ? [lo, hi] : [lo] }
        let pixelsPerDecade = pixels / decades
        let first = Int(floor(log10(lo))) - 1
        let last = Int(ceil(log10(hi)))
        func ticks(_ mantissas: [Double], decadeStep: Int) -> [Double] {
            var out: [Double] = []
            for e in first...last where e % decadeStep == 0 {
                for m in mantissas {
                    let v = timesPowerOfTen(m, e)
                    if v.isFinite && v > 0 && v >= lo * (1 - 1e-9) && v <= hi * (1 + 1e-9) { out.append(v) }
                }
            }
            return out
        }
        for mantissas in [[1.0, 2, 3, 5], [1, 2, 5], [1, 3]] {
            // The tightest gap in a set is between its two closest mantissas.
            var gap = 1.0
            for (a, b) in zip(mantissas, mantissas.dropFirst() + [10]) { gap = min(gap, log10(b / a)) }
            if gap * pixelsPerDecade >= minSpacing, ticks(mantissas, decadeStep: 1).count >= 2 {
                return ticks(mantissas, decadeStep: 1)
            }
        }
        // A double spans about 632 decades, so the step is small and found without a loop.
        let step = max(1, min(1000, Int((minSpacing / pixelsPerDecade).rounded(.up))))
        let marks = ticks([1], decadeStep: step)
        return marks.count >= 2 ? marks : [lo, hi]
    }

    /// Powers of two across [lo, hi]: every exponent, or every 2nd, 3rd, 5th or 10th (aligned, so
    /// 1K, 1M show up), whichever keeps labels `minSpacing` px apart.
    static func powerOfTwoTicks(lo rawLo: Double, hi rawHi: Double, pixels: Double, minSpacing: Double) -> [Double] {
        let lo = positiveFinite(rawLo), hi = positiveFinite(rawHi)
        let a = Int(ceil(log2(lo) - 1e-9))
        let b = Int(floor(log2(hi) + 1e-9))
        guard a <= b else { return [] }
        let pixelsPerExponent = pixels / max(log2(hi) - log2(lo), 1e-9)
        for step in [1, 2, 3, 5, 10, 20] where Double(step) * pixelsPerExponent >= minSpacing || step == 20 {
            return (a...b).filter { $0 % step == 0 }.map { pow(2, Double($0)) }.filter(\.isFinite)
        }
        return []
    }

    /// About `count` round values across [lo, hi] (steps of 1, 2 or 5 times a power of ten);
    /// just the two ends when round steps cannot cover the span in a thousand.
    static func linearTicks(lo: Double, hi: Double, count: Int) -> [Double] {
        guard lo.isFinite, hi.isFinite else { return [] }
        guard hi > lo else { return [lo] }
        let parts = Double(max(1, count))
        let step = niceStep(hi / parts - lo / parts)
        let first = ceil(lo / step - 1e-9), last = floor(hi / step + 1e-9)
        guard first.isFinite, last.isFinite, last >= first, last - first <= 1000 else { return [lo, hi] }
        return (0...Int(last - first)).map { i in
            let v = (first + Double(i)) * step
            return abs(v) < step * 1e-9 ? 0 : v
        }.filter(\.isFinite)
    }

    /// 1, 2 or 5 times a power of ten, the first at least `raw` (give or take rounding); always
    /// a positive finite number.
    static func niceStep(_ raw: Double) -> Double {
        let r = positiveFinite(raw)
        let exponent = Int(floor(log10(r)))
        let m = [1.0, 2, 5, 10].first { timesPowerOfTen($0, exponent) >= r * (1 - 1e-9) } ?? 10
        return positiveFinite(timesPowerOfTen(m, exponent))
    }

    /// Round a linear domain out to whole steps.
    static func linearDomain(_ lo: Double, _ hi: Double, count: Int) -> (lo: Double, hi: Double) {
        guard lo.isFinite, hi.isFinite else { return (-1, 1) }
        let parts = Double(max(1, count))
        let raw = hi / parts - lo / parts
        guard raw > 0 else {
            let pad = max(abs(lo) * 0.1, 1)
            return (lo - pad, hi + pad)
        }
        let step = niceStep(raw)
        let largest = Double.greatestFiniteMagnitude
        return (max(floor(lo / step + 1e-9) * step, -largest), min(ceil(hi / step - 1e-9) * step, largest))
    }
}
