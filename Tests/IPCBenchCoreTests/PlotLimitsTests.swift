import Glibc
import XCTest
@testable import IPCBenchCore
@testable import IPCBenchCLI

/// `ipcbench plot` at the limits of its input: any finite value a result file may hold, however
/// absurd, is formatted, scaled and drawn without trapping or hanging, and the time to plot grows
/// linearly with the rows.
final class PlotLimitsTests: PlotTests {
    /// Finite values a result file may hold, however absurd: zero, denormals, the largest double.
    static let extremeValues: [Double] = [
        0, .leastNonzeroMagnitude, 1e-320, .leastNormalMagnitude, 1e-300, 1e-30, 1e-20, 1e-7, 0.3, 1e15, 1e20, 1e300, 1e308,
        .greatestFiniteMagnitude,
    ]

    func testEveryNumberFormatterIsTotalOverFiniteDoubles() {
        for v in Self.extremeValues.flatMap({ [$0, -$0] }) {
            let shown = [scientific(v), tickText(v), threeDigits(v), grouped(v), humanDuration(v)]
            for text in shown + [fixed(v, 0), fixed(v, 3), fixed(v, 40), fixed(v, -3)] {
                XCTAssertFalse(text.isEmpty, "\(v)")
                XCTAssertFalse(text.contains("nan") || text.contains("inf"), "\(v): \(text)")
            }
            for text in shown { XCTAssertLessThanOrEqual(text.count, 24, "\(v) shown as \(text)") }
            // What fixed() writes into a CSV reads back as the same kind of number.
            XCTAssertNotNil(Double(fixed(v, 3)), "\(v)")
            let back = Double(scientific(v)) ?? .nan
            if abs(v) == .greatestFiniteMagnitude {
                // Three digits round the largest double up past itself: the text, not a number.
                XCTAssertEqual(scientific(v), v > 0 ? "1.8e308" : "-1.8e308")
            } else if abs(v) >= .leastNormalMagnitude {
                XCTAssertEqual(back / v, 1, accuracy: 0.006, "\(v) written as \(scientific(v))")
            } else {
                XCTAssertEqual(back == 0, v == 0, "\(v) written as \(scientific(v))")
            }
        }
        XCTAssertEqual([1e-30, 2e-320, 1.5e308, 9.996e20].map { scientific($0) }, ["1e-30", "2e-320", "1.5e308", "1e21"])
        XCTAssertEqual([2e-30, 1e20].map(tickText), ["2e-30", "1e20"])
        XCTAssertEqual(median([.greatestFiniteMagnitude, .greatestFiniteMagnitude / 2]), .greatestFiniteMagnitude * 0.75)
        XCTAssertEqual(median([.leastNonzeroMagnitude, .leastNonzeroMagnitude]), .leastNonzeroMagnitude)
    }

    func testScalesAndTicksStayFiniteAndFewForAnyPairOfPositiveDoubles() {
        let positive = Self.extremeValues.filter { $0 > 0 }
        for a in positive {
            for b in positive where b >= a {
                let d = Ticks.logDomain(a, b)
                XCTAssertTrue(d.lo > 0 && d.hi.isFinite && d.lo < d.hi && d.lo <= a && d.hi >= b, "\(a)…\(b): \(d)")
                let ticks = Ticks.log10Ticks(lo: d.lo, hi: d.hi, pixels: 380, minSpacing: 22)
                XCTAssertTrue((1...40).contains(ticks.count) && ticks.allSatisfy { $0.isFinite && $0 > 0 }, "\(a)…\(b): \(ticks)")
                let scale = LogScale(lo: d.lo, hi: d.hi, start: 456, end: 76)
                for v in [0, a, b, .greatestFiniteMagnitude] {
                    XCTAssertTrue((76...456).contains(scale(v)), "\(v) on \(d) maps to \(scale(v))")
                }
                let linear = Ticks.linearDomain(0, b, count: 6)
                let marks = Ticks.linearTicks(lo: linear.lo, hi: linear.hi, count: 6)
                XCTAssertTrue((1...1001).contains(marks.count) && marks.allSatisfy(\.isFinite), "0…\(b): \(marks.count) ticks")
                let bar = LinearScale(lo: linear.lo, hi: linear.hi, start: 100, end: 800)
                XCTAssertTrue((100...800).contains(bar(b)), "\(b) on \(linear)")
            }
        }
        XCTAssertEqual(SVGDocument.fitted(String(repeating: "w", count: 200_000), width: 90, size: 10), String(repeating: "w", count: 9) + "…")
    }

    /// The reviewer's cases: a pipe's MiB/s or p50 set to a value that trapped a tick formatter
    /// (1e-300, 1e-30) or made the tick loop spin forever (1e-320).
    func testPlotDrawsExtremeFiniteValuesWithoutTrappingOrHanging() throws {
        let dir = try makeFolder()
        for (index, v) in [1e-20, 1e-300, 1e308, 1e-320, .leastNonzeroMagnitude, .greatestFiniteMagnitude, 0].enumerated() {
            for column in ["mib", "p50"] {
                var rows = Self.sweep()
                for i in rows.indices where rows[i].mechanism == "pipe" {
                    if column == "mib", rows[i].mib != nil { rows[i].mib = v }
                    if column == "p50", rows[i].p50 != nil { rows[i].p50 = v }
                }
                let csvPath = "\(dir)/extreme-\(index)-\(column).csv"
                try AtomicFile.write(Self.csv(rows, exact: true), to: csvPath)
                let out = "\(dir)/charts-\(index)-\(column)"
                let run = ProgramRunner.start(["plot", csvPath, "--output", out])
                let result = try XCTUnwrap(run.wait(atMost: 60), "plot with \(column) = \(v) did not finish in 60 s")
                XCTAssertEqual(result.status, 0, "\(column) = \(v): \(result.stderr)")
                for name in SystemObjects.entries(out) where name.hasSuffix(".svg") {
                    let svg = try XCTUnwrap(ProcFiles.read("\(out)/\(name)", limit: 1 << 24))
                    XCTAssertNil(Self.xmlProblem(svg), "\(column) = \(v), \(name): \(Self.xmlProblem(svg) ?? "")")
                    XCTAssertFalse(svg.contains("nan") || svg.contains("inf\""), "\(column) = \(v), \(name)")
                }
            }
        }
    }

    /// A file of many scenarios at many sizes, the ceiling measured with another wait: the shape
    /// that made plot quadratic (a pass over every scenario per chart, per size and per ceiling).
    static func manySizes(_ count: Int) -> [Row] {
        var rows: [Row] = []
        for i in 0..<count {
            let size = 64 + i
            for name in ["pipe", "tcp", "unix-stream"] {
                rows.append(Row(mechanism: name, mode: "latency", size: size, p50: 40_000 + Double(size), p99: 90_000))
                rows.append(Row(mechanism: name, mode: "throughput", size: size, mib: 1000 + Double(size)))
            }
            rows.append(Row(mechanism: "memcpy", mode: "throughput", size: size, wait: "spin", status: i < count / 2 ? "failed" : "ok",
                            note: i < count / 2 ? "x" : "", mib: i < count / 2 ? nil : 40_000))
        }
        return rows
    }

    func testPlotTimeGrowsLinearlyWithTheRows() throws {
        func seconds(_ rows: [Row]) throws -> Double {
            let set = try Self.results(rows)
            var best = Double.infinity
            for _ in 0..<2 {
                let start = MonotonicClock.nowNs()
                _ = try PlotReport.render(results: set, baseline: nil, threshold: 0.05)
                best = min(best, Double(MonotonicClock.nowNs() - start) / 1e9)
            }
            return best
        }
        let small = try seconds(Self.manySizes(100))
        let large = try seconds(Self.manySizes(400))
        // Four times the rows: about four times the time when linear, sixteen when quadratic.
        XCTAssertLessThan(large / small, 8, "100 sizes: \(small) s, 400 sizes: \(large) s")
    }
}
