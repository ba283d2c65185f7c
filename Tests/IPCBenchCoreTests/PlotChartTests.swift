import Glibc
import XCTest
@testable import IPCBenchCore
@testable import IPCBenchCLI

/// `ipcbench plot`'s charts: every one is well-formed SVG with its title, axes and legend;
/// hostile names cannot break out of the markup; the index links every chart; files that hold
/// nothing to draw say so instead of writing empty charts; ticks and text read as people write them.
final class PlotChartTests: PlotTests {
    func testTheCheckerRejectsBrokenMarkup() {
        XCTAssertNil(Self.xmlProblem("<svg a=\"1\"><g><rect/></g><text>a &amp; b</text></svg>"))
        XCTAssertNotNil(Self.xmlProblem("<svg><g></svg>"))
        XCTAssertNotNil(Self.xmlProblem("<svg><text>a < b</text></svg>"))
        XCTAssertNotNil(Self.xmlProblem("<svg><text>a & b</text></svg>"))
        XCTAssertNotNil(Self.xmlProblem("<svg a=\"<\"></svg>"))
        XCTAssertNotNil(Self.xmlProblem("<svg></svg><svg></svg>"))
    }

    func testAReportHasEveryChartUnderStableNames() throws {
        let files = try Self.render(Self.sweep())
        for name in ["throughput-cross-core-block.svg", "latency-cross-core-block.svg", "latency-cross-core-spin.svg",
                     "bars-64-cross-core-block.svg", "bars-4K-cross-core-block.svg", "bars-64K-cross-core-block.svg",
                     "heatmap-latency-cross-core-block.svg", "heatmap-throughput-cross-core-block.svg", "index.html"] {
            XCTAssertNotNil(files[name], "\(name) missing from \(files.keys.sorted())")
        }
        XCTAssertNil(files["change.svg"], "no baseline, no change chart")
        // The ceilings alone make no chart of their own, and the spin ring has no throughput rows.
        XCTAssertNil(files["throughput-cross-core-spin.svg"])
    }

    func testEveryChartIsWellFormedSVGOnAWhiteBackground() throws {
        for (name, content) in try Self.render(Self.sweep()) where name.hasSuffix(".svg") {
            XCTAssertNil(Self.xmlProblem(content), "\(name): \(Self.xmlProblem(content) ?? "")")
            XCTAssertTrue(content.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""), name)
            XCTAssertTrue(content.contains("fill=\"#ffffff\""), name)
            XCTAssertTrue(content.contains("sans-serif"), name)
        }
    }

    func testLineChartsLabelTheirAxesAndListEveryMechanismInTheLegend() throws {
        let files = try Self.render(Self.sweep())
        let throughput = Self.texts(files["throughput-cross-core-block.svg"]!)
        XCTAssertTrue(throughput.contains("payload size (bytes, log scale)"))
        XCTAssertTrue(throughput.contains("throughput (MiB/s, log scale)"))
        for label in ["64", "4K", "64K"] { XCTAssertTrue(throughput.contains(label), "x tick \(label) missing") }
        for name in ["pipe", "unix-stream", "tcp", "shm-posix", "memcpy ceiling"] {
            XCTAssertTrue(throughput.contains(name), "legend entry \(name) missing")
        }
        let latency = Self.texts(files["latency-cross-core-block.svg"]!)
        XCTAssertTrue(latency.contains("round trip (µs, log scale)"))
        for name in ["pipe", "unix-stream", "tcp", "shm-posix", "p50 (solid)", "p99 (dashed)", "cacheline ceiling (p50)"] {
            XCTAssertTrue(latency.contains(name), "legend entry \(name) missing")
        }
        // cacheline has one size: a horizontal line labelled with its value.
        XCTAssertTrue(latency.contains("cacheline ceiling (p50): 150 ns"), "\(latency)")
        // A skipped scenario is absent from the lines, not drawn as zero.
        XCTAssertFalse(latency.contains("posix-mq"))
    }

    func testBarsAreSortedBestFirstWithTheCeilingLabelled() throws {
        let svg = try Self.render(Self.sweep())["bars-4K-cross-core-block.svg"]!
        let texts = Self.texts(svg)
        let mechanisms = texts.filter { ["pipe", "unix-stream", "tcp", "shm-posix"].contains($0) }
        // Throughput panel first (fastest first), then latency (lowest first).
        XCTAssertEqual(mechanisms, ["shm-posix", "unix-stream", "pipe", "tcp", "shm-posix", "unix-stream", "pipe", "tcp"])
        XCTAssertTrue(texts.contains { $0.hasPrefix("memcpy ceiling") && $0.hasSuffix("MiB/s") }, "\(texts)")
        XCTAssertTrue(texts.contains("cacheline ceiling (8 B) 150 ns"), "\(texts)")
    }

    func testHeatmapsPrintEachValueAndGreyOutSkippedCells() throws {
        let svg = try Self.render(Self.sweep())["heatmap-latency-cross-core-block.svg"]!
        let texts = Self.texts(svg)
        XCTAssertTrue(texts.contains("40.1 µs"), "pipe at 64 B: \(texts)")
        XCTAssertTrue(texts.contains("posix-mq"))
        XCTAssertTrue(texts.contains("—"))
        XCTAssertTrue(svg.contains("exceeds /proc/sys/fs/mqueue/msgsize_max"), "the skip reason is the cell's tooltip")
        XCTAssertTrue(svg.contains("fill=\"#D9D9D9\""))
    }

    func testHostileMechanismNamesAndNotesAreEscaped() throws {
        let hostile = "<script>alert(\"x\")</script>&'\u{1}"
        var rows = Self.sweep()
        for i in rows.indices where rows[i].mechanism == "tcp" { rows[i].mechanism = hostile }
        rows.append(Row(mechanism: "evil]]></svg>", mode: "latency", size: 4096, status: "failed",
                        note: "</title></text><svg onload=\"alert(1)\">&amp; \u{7}"))
        let files = try Self.render(rows + rows.map { var r = $0; r.repetition = 2; return r }, baseline: rows + rows.map { var r = $0; r.repetition = 2; return r })
        for (name, content) in files {
            XCTAssertFalse(name.contains("/") || name.contains(".."), "unsafe file name \(name)")
            XCTAssertFalse(content.contains("<script>"), name)
            XCTAssertFalse(content.contains("<svg onload"), name)
            XCTAssertFalse(content.contains("\u{1}") || content.contains("\u{7}"), name)
            if name.hasSuffix(".svg") { XCTAssertNil(Self.xmlProblem(content), "\(name): \(Self.xmlProblem(content) ?? "")") }
        }
        let escaped = "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;&amp;&#39;"
        XCTAssertTrue(files["throughput-cross-core-block.svg"]!.contains(escaped))
        XCTAssertTrue(files["index.html"]!.contains("&lt;/title&gt;&lt;/text&gt;&lt;svg onload=&quot;alert(1)&quot;&gt;&amp;amp;"))
    }

    func testAPlacementOrWaitNoIpcbenchWritesIsRefusedNotDrawn() {
        for row in [Row(mechanism: "pipe", mode: "latency", size: 64, placement: "../../etc/passwd", p50: 1000, p99: 2000),
                    Row(mechanism: "pipe", mode: "latency", size: 64, wait: "spin/<x>", p50: 1000, p99: 2000),
                    Row(mechanism: "pipe", mode: "ping", size: 64, p50: 1000, p99: 2000)] {
            XCTAssertThrowsError(try Self.results([row])) { error in
                let message = "\(error)"
                XCTAssertTrue(message.contains("line 2") && message.contains("is not one of"), message)
            }
        }
    }

    func testTheIndexLinksEveryChart() throws {
        let rows = Self.sweep(repetitions: 3)
        let files = try Self.render(rows, baseline: rows)
        let index = files["index.html"]!
        let charts = files.keys.filter { $0.hasSuffix(".svg") }
        XCTAssertTrue(charts.contains("change.svg"))
        for chart in charts { XCTAssertTrue(index.contains("<img src=\"\(chart)\""), "\(chart) not linked") }
        XCTAssertTrue(index.contains("exceeds /proc/sys/fs/mqueue/msgsize_max"), "skipped scenarios are listed")
    }

    func testTheChangeChartColoursEachBarByItsVerdict() throws {
        let baseline = Self.sweep(repetitions: 6)
        let candidate = Self.sweep(repetitions: 6, latencyFactor: ["pipe": 1.4, "shm-posix": 0.6, "tcp": 1.01])
        let svg = try Self.render(candidate, baseline: baseline)["change.svg"]!
        XCTAssertNil(Self.xmlProblem(svg), Self.xmlProblem(svg) ?? "")
        let texts = Self.texts(svg)
        for word in ["regressed", "improved", "unchanged", "±5% threshold", "◀ faster (better)", "slower (worse) ▶"] {
            XCTAssertTrue(texts.contains(word), "\(word) missing")
        }
        // At the report's corrected level (alpha over its tests), whatever that makes it.
        XCTAssertTrue(texts.contains { $0.hasSuffix("% confidence interval") }, "the interval's legend missing")
        XCTAssertTrue(texts.contains("40.0% slower"), "\(texts)")
        XCTAssertTrue(texts.contains("40.0% faster"), "\(texts)")
        XCTAssertTrue(svg.contains(ChangeChart.colour(.regressed)) && svg.contains(ChangeChart.colour(.improved)) && svg.contains(ChangeChart.colour(.unchanged)))
        // The worst change is at the top.
        let labels = texts.filter { $0.contains(" · ") && !$0.hasPrefix("placement") }
        XCTAssertTrue(labels.first?.hasPrefix("pipe") ?? false, "\(labels)")
    }

    func testAFileWithOnlySkippedRowsSaysThereIsNothingToPlot() throws {
        let rows = [
            Row(mechanism: "posix-mq", mode: "latency", size: 65536, status: "skipped", note: "exceeds msgsize_max"),
            Row(mechanism: "sysv-mq", mode: "throughput", size: 65536, status: "skipped", note: "exceeds msgmax"),
        ]
        XCTAssertThrowsError(try Self.render(rows)) { error in
            let message = "\(error)"
            XCTAssertTrue(message.contains("nothing to plot") && message.contains("2 skipped"), message)
        }
    }

    func testOneRowIsEnoughForALineAndAHeatmap() throws {
        for row in [Row(mechanism: "pipe", mode: "latency", size: 64, p50: 42_000, p99: 90_000),
                    Row(mechanism: "pipe", mode: "throughput", size: 4096, mib: 1234.5)] {
            let files = try Self.render([row])
            let mode = row.mode
            XCTAssertNotNil(files["\(mode)-cross-core-block.svg"], "\(files.keys.sorted())")
            XCTAssertNotNil(files["heatmap-\(mode)-cross-core-block.svg"])
            XCTAssertFalse(files.keys.contains { $0.hasPrefix("bars-") }, "bars need three mechanisms")
            for (name, content) in files where name.hasSuffix(".svg") { XCTAssertNil(Self.xmlProblem(content), name) }
        }
        // Only a ceiling: no line chart, but its heatmap.
        let files = try Self.render([Row(mechanism: "memcpy", mode: "throughput", size: 64, wait: "spin", mib: 900)])
        XCTAssertNotNil(files["heatmap-throughput-cross-core-spin.svg"])
    }

    // MARK: Scales and text

    func testSVGTextIsEscaped() {
        XCTAssertEqual(xmlEscape("a<b>&\"c'"), "a&lt;b&gt;&amp;&quot;c&#39;")
        XCTAssertEqual(xmlEscape("nul\u{0}bell\u{7}"), "nul\u{FFFD}bell\u{FFFD}")
    }

    func testPayloadTicksArePowersOfTwoWithReadableLabels() {
        let ticks = Ticks.powerOfTwoTicks(lo: 32, hi: Double(2 << 20), pixels: 600, minSpacing: 44)
        XCTAssertEqual(ticks.map { ByteSize.format(Int($0)) }, ["64", "256", "1K", "4K", "16K", "64K", "256K", "1M"])
        XCTAssertEqual(Ticks.log10Ticks(lo: 1, hi: 100_000, pixels: 400, minSpacing: 22).map(tickText),
                       ["1", "2", "5", "10", "20", "50", "100", "200", "500", "1,000", "2,000", "5,000", "10,000", "20,000", "50,000", "100,000"])
        XCTAssertEqual([0.05, 0.2, 1, 30, 1500].map(tickText), ["0.05", "0.2", "1", "30", "1,500"])
        XCTAssertEqual([12531.8, 553.6, 58.41, 1.123, 0.2134].map(threeDigits), ["12,532", "554", "58.4", "1.12", "0.213"])
    }
}
