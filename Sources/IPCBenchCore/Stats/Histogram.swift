/// Log-linear bucket layout shared by the recording side (a worker, in shared memory) and the
/// analysing side (the coordinator). Values below 256 ns get a bucket each; above, every power of
/// two is split into 128 buckets, so a bucket is at most 1/128 of its value wide and a reported
/// percentile (the bucket's midpoint) is within 0.4% of the exact one.
public enum HistogramLayout {
    public static let linearLimit: UInt64 = 256
    public static let subBucketBits = 7
    public static let subBuckets = 1 << subBucketBits
    /// 256 exact buckets + 56 octaves (2^8 ... 2^63) of 128.
    public static let bucketCount = 256 + (64 - 8) * subBuckets

    @inline(__always)
    public static func index(_ value: UInt64) -> Int {
        if value < linearLimit { return Int(value) }
        let exponent = 63 - value.leadingZeroBitCount            // >= 8
        let mantissa = Int(truncatingIfNeeded: value >> UInt64(exponent - subBucketBits))  // 128...255
        return 256 + (exponent - 8) * subBuckets + (mantissa - subBuckets)
    }

    public static func lowerBound(_ index: Int) -> UInt64 {
        if index < 256 { return UInt64(index) }
        let k = index - 256
        let exponent = k / subBuckets + 8
        let mantissa = UInt64(k % subBuckets + subBuckets)
        return mantissa << UInt64(exponent - subBucketBits)
    }

    public static func upperBound(_ index: Int) -> UInt64 {
        if index < 256 { return UInt64(index) }
        let k = index - 256
        let exponent = k / subBuckets + 8
        let width = UInt64(1) << UInt64(exponent - subBucketBits)
        return lowerBound(index) &+ (width &- 1)
    }
}

/// Summary counters kept beside the buckets while recording.
public struct HistogramTotals: Sendable {
    public var count: UInt64 = 0
    public var min: UInt64 = .max
    public var max: UInt64 = 0
    public var sum: UInt64 = 0
    public var sumOfSquares: Double = 0
}

/// A histogram that lives in memory shared with a worker: the worker records into it in its hot
/// loop (no allocation, a handful of instructions) and the coordinator reads it after reaping.
public struct RecordingHistogram {
    public let counts: UnsafeMutablePointer<UInt64>
    public let totals: UnsafeMutablePointer<HistogramTotals>

    /// Bytes of shared memory one histogram needs.
    public static let byteCount = MemoryLayout<HistogramTotals>.stride + HistogramLayout.bucketCount * 8

    /// Lays a zeroed histogram over `memory` (at least ``byteCount`` bytes, 8-aligned).
    public init(over memory: UnsafeMutableRawPointer) {
        totals = memory.bindMemory(to: HistogramTotals.self, capacity: 1)
        totals.initialize(to: HistogramTotals())
        counts = (memory + MemoryLayout<HistogramTotals>.stride).bindMemory(to: UInt64.self, capacity: HistogramLayout.bucketCount)
        counts.initialize(repeating: 0, count: HistogramLayout.bucketCount)
    }

    /// Reads a histogram a worker recorded over `memory`.
    public init(existing memory: UnsafeMutableRawPointer) {
        totals = memory.assumingMemoryBound(to: HistogramTotals.self)
        counts = (memory + MemoryLayout<HistogramTotals>.stride).assumingMemoryBound(to: UInt64.self)
    }

    @inline(__always)
    public func record(_ value: UInt64) {
        counts[HistogramLayout.index(value)] &+= 1
        var t = totals.pointee
        t.count &+= 1
        if value < t.min { t.min = value }
        if value > t.max { t.max = value }
        t.sum &+= value
        let v = Double(value)
        t.sumOfSquares += v * v
        totals.pointee = t
    }

    /// An owned copy for analysis.
    public func snapshot() -> Histogram {
        Histogram(counts: Array(UnsafeBufferPointer(start: counts, count: HistogramLayout.bucketCount)), totals: totals.pointee)
    }
}

/// An owned histogram of nanosecond values: merge across pairs and repetitions, then query.
public struct Histogram: Sendable {
    public private(set) var counts: [UInt64]
    public private(set) var totals: HistogramTotals

    public init() {
        counts = [UInt64](repeating: 0, count: HistogramLayout.bucketCount)
        totals = HistogramTotals()
    }

    public init(counts: [UInt64], totals: HistogramTotals) {
        precondition(counts.count == HistogramLayout.bucketCount)
        self.counts = counts
        self.totals = totals
    }

    public init<S: Sequence>(values: S) where S.Element == UInt64 {
        self.init()
        for v in values { record(v) }
    }

    public mutating func record(_ value: UInt64) {
        counts[HistogramLayout.index(value)] += 1
        totals.count += 1
        totals.min = Swift.min(totals.min, value)
        totals.max = Swift.max(totals.max, value)
        totals.sum &+= value
        totals.sumOfSquares += Double(value) * Double(value)
    }

    public mutating func merge(_ other: Histogram) {
        for i in 0..<counts.count { counts[i] += other.counts[i] }
        totals.count += other.totals.count
        totals.min = Swift.min(totals.min, other.totals.min)
        totals.max = Swift.max(totals.max, other.totals.max)
        totals.sum &+= other.totals.sum
        totals.sumOfSquares += other.totals.sumOfSquares
    }

    public var count: UInt64 { totals.count }
    public var min: UInt64? { count > 0 ? totals.min : nil }
    public var max: UInt64? { count > 0 ? totals.max : nil }

    public var mean: Double? { count > 0 ? Double(totals.sum) / Double(count) : nil }

    /// Population standard deviation.
    public var standardDeviation: Double? {
        guard let mean else { return nil }
        let variance = totals.sumOfSquares / Double(count) - mean * mean
        return variance > 0 ? variance.squareRoot() : 0
    }

    /// Nearest-rank percentile (`p` in 0...100): the value below which `ceil(p% * n)` samples
    /// lie, reported as its bucket's midpoint clamped to the observed min and max.
    public func percentile(_ p: Double) -> UInt64? {
        guard count > 0 else { return nil }
        let rank = Swift.max(1, Swift.min(count, UInt64((p / 100 * Double(count)).rounded(.up))))
        var seen: UInt64 = 0
        for (index, c) in counts.enumerated() where c > 0 {
            seen += c
            if seen >= rank {
                let low = HistogramLayout.lowerBound(index), high = HistogramLayout.upperBound(index)
                let mid = low + (high - low) / 2
                return Swift.min(Swift.max(mid, totals.min), totals.max)
            }
        }
        return totals.max
    }
}
