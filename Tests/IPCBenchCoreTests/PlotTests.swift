import Glibc
import XCTest
@testable import IPCBenchCore
@testable import IPCBenchCLI

/// `ipcbench plot`: every chart is well-formed SVG with its title, axes and legend; hostile
/// names cannot break out of the markup; the index links every chart; files that hold nothing
/// to draw say so instead of writing empty charts.
final class PlotTests: LeakCheckedTestCase {
    // MARK: Fixtures

    struct Row {
        var mechanism: String
        var mode: String
        var size: Int
        var placement = "cross-core"
        var wait = "block"
        var repetition = 1
        var status = "ok"
        var note = ""
        var mib: Double? = nil
        var p50: Double? = nil
        var p99: Double? = nil
    }

    /// `exact`: numbers as Swift prints them (every digit, 1e-320 as such) instead of 3 decimals.
    static func csv(_ rows: [Row], exact: Bool = false) -> String {
        func field(_ s: String) -> String {
            s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
                ? "\"" + s.replacingAll("\"", with: "\"\"") + "\"" : s
        }
        func number(_ v: Double?) -> String { v.map { exact ? String($0) : fixed($0, 3) } ?? "" }
        var out = "mechanism,mode,payload_bytes,placement,pairs,wait,repetition,messages,status,note,mib_per_s,rtt_p50_ns,rtt_p99_ns,hostname,kernel,cpu_model,cpus\r\n"
        for r in rows {
            let cells = [r.mechanism, r.mode, String(r.size), r.placement, "1", r.wait, String(r.repetition), "1000", r.status, r.note,
                         number(r.mib), number(r.p50), number(r.p99), "testhost", "6.1.0", "Test CPU", "2"]
            out += cells.map(field).joined(separator: ",") + "\r\n"
        }
        return out
    }

    /// Four mechanisms at three sizes in both modes, the two ceilings, a spin ring and one
    /// skipped scenario: the shape of a real sweep.
    static func sweep(repetitions: Int = 1, latencyFactor: [String: Double] = [:]) -> [Row] {
        var rows: [Row] = []
        let speeds: [(String, Double)] = [("pipe", 40_000), ("unix-stream", 35_000), ("tcp", 60_000), ("shm-posix", 500)]
        for rep in 1...repetitions {
            let jitter = 1 + Double(rep % 3) * 0.002
            for (name, base) in speeds {
                let f = (latencyFactor[name] ?? 1) * jitter
                for size in [64, 4096, 65536] {
                    let rtt = (base + Double(size) / 4) * f
                    rows.append(Row(mechanism: name, mode: "latency", size: size, repetition: rep, p50: rtt, p99: rtt * 3))
                    rows.append(Row(mechanism: name, mode: "throughput", size: size, repetition: rep,
                                    mib: Double(size) / (rtt / 2) * 1e9 / 1_048_576))
                }
            }
            for size in [64, 4096, 65536] {
                rows.append(Row(mechanism: "memcpy", mode: "throughput", size: size, wait: "spin", repetition: rep, mib: Double(size) * 60 * jitter))
                rows.append(Row(mechanism: "shm-posix", mode: "latency", size: size, wait: "spin", repetition: rep, p50: 300 + Double(size) / 8, p99: 900 + Double(size) / 4))
            }
            rows.append(Row(mechanism: "cacheline", mode: "latency", size: 8, wait: "spin", repetition: rep, p50: 150, p99: 400))
            rows.append(Row(mechanism: "posix-mq", mode: "latency", size: 65536, repetition: rep, status: "skipped",
                            note: "exceeds /proc/sys/fs/mqueue/msgsize_max (8192 bytes)"))
        }
        return rows
    }

    static func results(_ rows: [Row]) throws -> ResultSet {
        try ResultSet.parse(csv(rows), name: "test.csv")
    }

    static func render(_ rows: [Row], baseline: [Row]? = nil) throws -> [String: String] {
        let files = try PlotReport.render(results: results(rows), baseline: baseline.map { try results($0) }, threshold: 0.05)
        return Dictionary(files.map { ($0.name, $0.content) }, uniquingKeysWith: { a, _ in a })
    }

    /// A folder for one test under the temp base, removed (with what was written) afterwards.
    private var folders: [PrivateDirectory] = []

    private func makeFolder() throws -> String {
        let dir = try PrivateDirectory(prefix: "ipcbench-plottest")
        folders.append(dir)
        return dir.path
    }

    override func tearDown() {
        for folder in folders { removeTree(folder.path) }
        folders = []
        super.tearDown()
    }

    // MARK: A tiny XML checker

    /// Nil when `text` is one well-formed XML element (tags balanced and properly nested,
    /// attributes quoted, no raw `<` or stray `&`), else what is wrong.
    static func xmlProblem(_ text: String) -> String? {
        let s = Array(text.unicodeScalars)
        var i = 0
        var stack: [String] = []
        var roots = 0
        func entityOK(at j: Int) -> Bool {
            var k = j + 1
            var name = ""
            while k < s.count && s[k] != ";" && k - j < 12 { name.unicodeScalars.append(s[k]); k += 1 }
            guard k < s.count && s[k] == ";" else { return false }
            if ["amp", "lt", "gt", "quot", "apos"].contains(name) { return true }
            if name.hasPrefix("#x") { return UInt32(name.dropFirst(2), radix: 16) != nil }
            if name.hasPrefix("#") { return UInt32(name.dropFirst()) != nil }
            return false
        }
        while i < s.count {
            let c = s[i]
            if c.value < 0x20 && c != "\n" && c != "\r" && c != "\t" { return "control character U+\(String(c.value, radix: 16)) at \(i)" }
            if c == "&" {
                guard entityOK(at: i) else { return "a bare & at \(i)" }
                i += 1
                continue
            }
            if c != "<" { i += 1; continue }
            if i + 1 < s.count && (s[i + 1] == "?" || s[i + 1] == "!") {
                while i < s.count && s[i] != ">" { i += 1 }
                i += 1
                continue
            }
            let closing = i + 1 < s.count && s[i + 1] == "/"
            var j = i + (closing ? 2 : 1)
            var name = ""
            while j < s.count, s[j].properties.isAlphabetic || s[j] == ":" || s[j] == "-" || ("0"..."9").contains(s[j]) {
                name.unicodeScalars.append(s[j])
                j += 1
            }
            guard !name.isEmpty else { return "a raw < at \(i)" }
            var selfClosing = false
            while true {
                guard j < s.count else { return "unterminated tag <\(name)" }
                let d = s[j]
                if d == ">" { break }
                if d == "/" && j + 1 < s.count && s[j + 1] == ">" { selfClosing = true; j += 1; break }
                if d == "\"" || d == "'" {
                    var k = j + 1
                    while k < s.count && s[k] != d {
                        if s[k] == "<" { return "a raw < inside an attribute of <\(name)" }
                        if s[k] == "&" && !entityOK(at: k) { return "a bare & inside an attribute of <\(name)" }
                        k += 1
                    }
                    guard k < s.count else { return "an unterminated attribute in <\(name)" }
                    j = k + 1
                    continue
                }
                if d == "=" {
                    // The value must be quoted.
                    var k = j + 1
                    while k < s.count && s[k] == " " { k += 1 }
                    guard k < s.count, s[k] == "\"" || s[k] == "'" else { return "an unquoted attribute in <\(name)" }
                }
                j += 1
            }
            if closing {
                guard stack.last == name else { return "</\(name)> closes <\(stack.last ?? "nothing")>" }
                stack.removeLast()
            } else if !selfClosing {
                if stack.isEmpty { roots += 1 }
                stack.append(name)
            } else if stack.isEmpty {
                roots += 1
            }
            i = j + 1
        }
        if !stack.isEmpty { return "unclosed <\(stack.last!)>" }
        return roots == 1 ? nil : "\(roots) root elements"
    }

    /// The text of every <text> element.
    static func texts(_ svg: String) -> [String] {
        var out: [String] = []
        var rest = Substring(svg)
        while let open = rest.range(of: "<text ") {
            rest = rest[open.upperBound...]
            guard let gt = rest.firstIndex(of: ">"), let close = rest.range(of: "</text>") else { break }
            var body = rest[rest.index(after: gt)..<close.lowerBound]
            if let title = body.range(of: "</title>") { body = body[title.upperBound...] }
            out.append(String(body))
            rest = rest[close.upperBound...]
        }
        return out
    }

    // MARK: Charts

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
        rows.append(Row(mechanism: "pipe", mode: "latency", size: 64, placement: "../../etc/passwd", wait: "spin/<x>", p50: 1000, p99: 2000))
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
        XCTAssertNotNil(files["latency-etc-passwd-spin-x.svg"], "\(files.keys.sorted())")
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
        for word in ["regressed", "improved", "unchanged", "±5% threshold", "90% confidence interval", "◀ faster (better)", "slower (worse) ▶"] {
            XCTAssertTrue(texts.contains(word), "\(word) missing")
        }
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

    // MARK: Extreme finite values

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

    // MARK: The command

    func testPlotWritesTheFolderWithItsParentsAndTheIndex() throws {
        let dir = try makeFolder()
        let csvPath = "\(dir)/results.csv"
        try AtomicFile.write(Self.csv(Self.sweep()), to: csvPath)
        let out = "\(dir)/charts/nested"
        XCTAssertEqual(PlotCommand.run([csvPath, "--output", out]), 0)
        var info = stat()
        XCTAssertEqual(stat(out, &info), 0)
        XCTAssertEqual(info.st_mode & 0o777, 0o755)
        XCTAssertEqual(access("\(out)/index.html", R_OK), 0)
        XCTAssertEqual(access("\(out)/throughput-cross-core-block.svg", R_OK), 0)
    }

    func testPlotRefusesBadCommandLinesAndUnusableFiles() throws {
        let dir = try makeFolder()
        let good = "\(dir)/good.csv", skipped = "\(dir)/skipped.csv", broken = "\(dir)/broken.csv"
        try AtomicFile.write(Self.csv(Self.sweep()), to: good)
        try AtomicFile.write(Self.csv([Row(mechanism: "pipe", mode: "latency", size: 64, status: "skipped", note: "no")]), to: skipped)
        try AtomicFile.write("mechanism,mode\r\n\"unterminated", to: broken)
        XCTAssertEqual(PlotCommand.run([good]), 64, "--output is required")
        XCTAssertEqual(PlotCommand.run(["--output", "\(dir)/o"]), 64, "a results file is required")
        XCTAssertEqual(PlotCommand.run([good, good, "--output", "\(dir)/o"]), 64)
        XCTAssertEqual(PlotCommand.run([good, "--output", "\(dir)/o", "--frobnicate"]), 64)
        XCTAssertEqual(PlotCommand.run([good, "--output", "\(dir)/o", "--threshold", "-3"]), 64)
        XCTAssertEqual(PlotCommand.run([good, "--output", "-"]), 64)
        XCTAssertEqual(PlotCommand.run(["\(dir)/missing.csv", "--output", "\(dir)/o"]), 2)
        XCTAssertEqual(PlotCommand.run([broken, "--output", "\(dir)/o"]), 2)
        XCTAssertEqual(PlotCommand.run([skipped, "--output", "\(dir)/o"]), 2)
        XCTAssertEqual(PlotCommand.run([good, "--baseline", broken, "--output", "\(dir)/o"]), 2)
        XCTAssertEqual(access("\(dir)/o", F_OK), -1, "no folder is made for input that cannot be plotted")
        XCTAssertEqual(PlotCommand.run([good, "--output", "\(good)/under-a-file"]), 73)
        XCTAssertEqual(PlotCommand.run([good, "--output=\(dir)/o", "--threshold=2.5%"]), 0)
    }

    func testParsingKeepsTheThresholdInPercent() throws {
        let options = try XCTUnwrap(PlotCommand.parse(["r.csv", "--baseline", "b.csv", "--output", "out", "--threshold", "7.5"]))
        XCTAssertEqual(options.results, "r.csv")
        XCTAssertEqual(options.baseline, "b.csv")
        XCTAssertEqual(options.output, "out")
        XCTAssertEqual(options.thresholdPercent, 7.5)
        XCTAssertNil(try PlotCommand.parse(["--help"]))
    }
}
