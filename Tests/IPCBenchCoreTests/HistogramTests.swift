import XCTest
@testable import IPCBenchCore

final class HistogramTests: XCTestCase {
    /// The nearest-rank answer on the sorted samples.
    private func exact(_ sorted: [UInt64], _ p: Double) -> UInt64 {
        let rank = max(1, Int((p / 100 * Double(sorted.count)).rounded(.up)))
        return sorted[min(sorted.count, rank) - 1]
    }

    private func assertWithinOnePercent(_ values: [UInt64], file: StaticString = #filePath, line: UInt = #line) {
        let h = Histogram(values: values)
        let sorted = values.sorted()
        for p in [0.1, 1, 10, 50, 90, 99, 99.9, 100] {
            let want = Double(exact(sorted, p))
            let got = Double(h.percentile(p)!)
            XCTAssertLessThanOrEqual(abs(got - want), max(1, want * 0.01), "p\(p): got \(got), sorted array says \(want)", file: file, line: line)
        }
        XCTAssertEqual(h.min, sorted.first)
        XCTAssertEqual(h.max, sorted.last)
        XCTAssertEqual(h.count, UInt64(values.count))
    }

    func testPercentilesMatchTheSortedArrayWithinOnePercentForUniformValues() {
        var rng = SystemRandomNumberGenerator()
        assertWithinOnePercent((0..<20_000).map { _ in UInt64.random(in: 100...200_000, using: &rng) })
    }

    func testPercentilesMatchTheSortedArrayForHeavyTailedLatencies() {
        var rng = SystemRandomNumberGenerator()
        // Mostly ~40 µs with a long tail up to tens of ms, like a blocking round trip on a VM.
        let values: [UInt64] = (0..<50_000).map { _ in
            let base = UInt64.random(in: 35_000...50_000, using: &rng)
            return Int.random(in: 0..<100, using: &rng) == 0 ? base * UInt64.random(in: 2...500, using: &rng) : base
        }
        assertWithinOnePercent(values)
    }

    func testSmallValuesAreExact() {
        let values: [UInt64] = [0, 1, 2, 3, 255, 17, 17, 200]
        let h = Histogram(values: values)
        XCTAssertEqual(h.percentile(50), exact(values.sorted(), 50))
        XCTAssertEqual(h.percentile(100), 255)
        XCTAssertEqual(h.min, 0)
    }

    func testHugeValuesDoNotOverflowTheBuckets() {
        let h = Histogram(values: [UInt64.max, UInt64.max / 2, 1 << 40])
        XCTAssertEqual(h.max, UInt64.max)
        XCTAssertNotNil(h.percentile(99))
        XCTAssertEqual(HistogramLayout.index(UInt64.max), HistogramLayout.bucketCount - 1)
    }

    func testBucketBoundsCoverEveryValueOnce() {
        for i in 0..<(HistogramLayout.bucketCount - 1) {
            XCTAssertEqual(HistogramLayout.upperBound(i) &+ 1, HistogramLayout.lowerBound(i + 1), "gap after bucket \(i)")
            XCTAssertEqual(HistogramLayout.index(HistogramLayout.lowerBound(i)), i)
            XCTAssertEqual(HistogramLayout.index(HistogramLayout.upperBound(i)), i)
        }
    }

    func testMergingTwoHistogramsEqualsRecordingAllValues() {
        let a: [UInt64] = (1...1000).map { $0 * 37 }
        let b: [UInt64] = (1...500).map { $0 * 1009 }
        var merged = Histogram(values: a)
        merged.merge(Histogram(values: b))
        let whole = Histogram(values: a + b)
        XCTAssertEqual(merged.counts, whole.counts)
        XCTAssertEqual(merged.percentile(99), whole.percentile(99))
        XCTAssertEqual(merged.mean!, whole.mean!, accuracy: 1e-9)
    }

    func testMeanAndStandardDeviationAreExact() {
        let h = Histogram(values: [2, 4, 4, 4, 5, 5, 7, 9])
        XCTAssertEqual(h.mean!, 5, accuracy: 1e-12)
        XCTAssertEqual(h.standardDeviation!, 2, accuracy: 1e-9)
    }

    func testAnEmptyHistogramHasNoFigures() {
        let h = Histogram()
        XCTAssertNil(h.percentile(50))
        XCTAssertNil(h.mean)
        XCTAssertNil(h.min)
    }

    func testRecordingInSharedMemoryMatchesTheOwnedHistogram() throws {
        let region = try MemoryRegion(byteCount: RecordingHistogram.byteCount, sharing: .shared)
        let recording = RecordingHistogram(over: region.base)
        let values: [UInt64] = (1...3000).map { $0 * $0 }
        for v in values { recording.record(v) }
        let snapshot = RecordingHistogram(existing: region.base).snapshot()
        XCTAssertEqual(snapshot.counts, Histogram(values: values).counts)
        XCTAssertEqual(snapshot.percentile(99.9), Histogram(values: values).percentile(99.9))
    }

    func testTheSummaryTableShowsMedianPercentiles() {
        var r = RepetitionResult(scenario: Scenario(mechanism: "pipe", mode: .latency, payloadBytes: 64, messages: 3), repetition: 1, status: .ok)
        r.latency = Histogram(values: [45_000, 46_000, 47_000])
        let table = SummaryTable.render([r])
        XCTAssertTrue(table.contains("46.0 µs"), table)
    }
}
