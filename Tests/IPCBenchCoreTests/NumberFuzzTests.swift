import Glibc
import XCTest
@testable import IPCBenchCore

/// Extreme finite numbers through every formatter, the chart scales and `plot`: never empty,
/// nan or inf, never off the chart, always well-formed SVG.
final class NumberFuzzTests: FuzzTestCase {
    // MARK: - Extreme finite numbers, through plot and every formatter

    /// Finite doubles of every shape: zero, denormals, the extremes, round and odd values, and
    /// random bit patterns (the finite ones).
    private func extremeDouble(_ random: inout SplitMix64) -> Double {
        let fixed: [Double] = [0, .leastNonzeroMagnitude, 1e-320, 4e-310, .leastNormalMagnitude, 1e-300, 1e-30, 1e-20, 1e-9,
                               0.5, 1, 999.5, 1e15, 1e20, 1e300, 1e308, .greatestFiniteMagnitude, .greatestFiniteMagnitude / 1.5]
        if random.below(3) > 0 { return fixed[random.below(fixed.count)] }
        while true {
            let v = Double(bitPattern: random.next())
            if v.isFinite { return v }
        }
    }

    func testEveryNumberFormatterIsTotalOverRandomFiniteDoubles() {
        var random = SplitMix64(seed: Self.seed ^ 4)
        for _ in 0..<20_000 {
            let v = extremeDouble(&random)
            for (name, text) in [("fixed", fixed(v, random.below(25) - 3)), ("scientific", scientific(v, random.below(20))),
                                 ("tickText", tickText(v)), ("threeDigits", threeDigits(v)), ("grouped", grouped(v)),
                                 ("humanDuration", humanDuration(v))] {
                if text.isEmpty || text.contains("nan") || text.contains("inf") { record("\(name) of a finite double is empty, nan or inf", "\(v) → \(text)") }
                if name != "fixed" && text.count > 24 { record("\(name) of a finite double is longer than 24 characters", "\(v) → \(text)") }
            }
        }
    }

    func testTheLogScaleAndItsTicksAreTotalOverRandomFiniteDoubles() {
        var random = SplitMix64(seed: Self.seed ^ 8)
        for _ in 0..<20_000 {
            let v = extremeDouble(&random)
            let a = abs(v), b = abs(extremeDouble(&random))
            let (lo, hi) = (min(a, b), max(a, b))
            let domain = Ticks.logDomain(lo, hi)
            if !(domain.lo > 0 && domain.hi.isFinite && domain.lo < domain.hi) { record("logDomain is not a positive finite range", "\(lo) … \(hi) → \(domain)") }
            let ticks = Ticks.log10Ticks(lo: domain.lo, hi: domain.hi, pixels: Double(100 + random.below(500)), minSpacing: 22)
            if ticks.isEmpty || ticks.count > 60 || !ticks.allSatisfy({ $0.isFinite && $0 > 0 }) { record("log10Ticks gives no, too many or non-finite ticks", "\(domain) → \(ticks.count)") }
            let y = LogScale(lo: domain.lo, hi: domain.hi, start: 400, end: 0)(v)
            if !(0...400).contains(y) { record("LogScale maps outside its pixels", "\(v) on \(domain) → \(y)") }
        }
    }

    func testLinearTicksAreTotalOverRandomFiniteDoubles() {
        var random = SplitMix64(seed: Self.seed ^ 9)
        for _ in 0..<20_000 {
            let v = extremeDouble(&random)
            let linear = Ticks.linearDomain(min(v, 0), max(v, 0), count: 6)
            let marks = Ticks.linearTicks(lo: linear.lo, hi: linear.hi, count: 6)
            if marks.count > 1001 || !marks.allSatisfy(\.isFinite) { record("linearTicks gives too many or non-finite ticks", "\(linear) → \(marks.count)") }
        }
    }

    func testResultFilesWithExtremeFiniteNumbersPlotAsWellFormedCharts() throws {
        var random = SplitMix64(seed: Self.seed ^ 5)
        let base = PlotTests.sweep().filter { $0.wait == "block" || $0.mechanism == "memcpy" || $0.mechanism == "cacheline" }
        for _ in 0..<40 {
            var rows = base
            for _ in 0...random.below(8) {
                let i = random.below(rows.count)
                switch random.below(3) {
                case 0: if rows[i].mib != nil { rows[i].mib = abs(extremeDouble(&random)) }
                case 1: if rows[i].p50 != nil { rows[i].p50 = abs(extremeDouble(&random)) }
                default: if rows[i].p99 != nil { rows[i].p99 = abs(extremeDouble(&random)) }
                }
            }
            let text = PlotTests.csv(rows, exact: true)
            let files: [(name: String, content: String)]
            do {
                files = try PlotReport.render(results: try ResultSet.parse(text, name: "extreme.csv"), baseline: nil, threshold: 0.05)
            } catch {
                record("a result file with finite numbers cannot be plotted", "\(error)")
                continue
            }
            for file in files where file.name.hasSuffix(".svg") {
                if let problem = PlotTests.xmlProblem(file.content) { record("a chart of extreme values is not well-formed SVG", "\(file.name): \(problem)") }
                if file.content.contains("nan") || file.content.contains("inf\"") { record("a chart of extreme values holds nan or inf", file.name) }
            }
        }
    }
}
