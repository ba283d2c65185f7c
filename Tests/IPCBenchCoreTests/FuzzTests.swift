import Glibc
import XCTest
@testable import IPCBenchCore

/// Everything ipcbench reads from a user — result CSVs (`compare`, `plot`), suite files, sizes —
/// fed thousands of random and mutated inputs from a fixed seed. No input crashes the process (a
/// crash would end this test run); every rejection is an error whose description is one
/// non-empty line; every accepted input satisfies the parser's own promises.
final class FuzzTests: FuzzTestCase {
    // MARK: - Result CSVs

    func testMutatedResultCSVsAreParsedOrRejectedWithOneLine() throws {
        var random = SplitMix64(seed: Self.seed)
        let corpus = try resultCorpus()
        var accepted = 0, rejected = 0
        for _ in 0..<2500 {
            var text = corpus[random.below(corpus.count)]
            for _ in 0...random.below(3) { text = mutateCSV(text, &random, corpus: corpus) }

            switch Result(catching: { () throws(CSVReader.ParseError) in try CSVReader.parse(text) }) {
            case let .success(table):
                // Whatever was read, written back the way ipcbench writes CSVs, reads back the same.
                if (try? CSVReader.parse(CSVReport.renderRaw(table))) != table {
                    let cell = table.joined().first { (try? CSVReader.parse(CSVReport.renderRaw([[$0, "x"]]))) != [[$0, "x"]] }
                    record("CSVReport.renderRaw writes a field CSVReader reads back differently", cell ?? "(a whole table)")
                }
            case let .failure(error):
                assertOneLine(error.description, "CSVReader")
            }

            switch Result(catching: { () throws(ResultSet.LoadError) in try ResultSet.parse(text, name: "fuzz.csv") }) {
            case let .success(set):
                accepted += 1
                assertValid(set)
            case let .failure(error):
                rejected += 1
                assertOneLine(error.description, "ResultSet.parse")
                if !error.description.hasPrefix("fuzz.csv: ") { record("ResultSet.parse: an error that does not name the file", error.description) }
            }
        }
        // Both outcomes were exercised, or the mutations were too timid (or too wild).
        XCTAssertGreaterThan(accepted, 100)
        XCTAssertGreaterThan(rejected, 100)
    }

    func testRandomBytesAreRejectedOrParsedWithoutCrashing() {
        var random = SplitMix64(seed: Self.seed ^ 1)
        let alphabet = Array("0123456789,\"\r\n \t.-+eEaN_xokfailedskipped".utf8) + [0, 0xFF, 0xC3, 0xA9]
        for _ in 0..<1500 {
            let bytes = (0..<random.below(300)).map { _ in random.below(4) == 0 ? UInt8(random.below(256)) : alphabet[random.below(alphabet.count)] }
            let text = String(decoding: bytes, as: UTF8.self)
            do { _ = try CSVReader.parse(text) } catch { assertOneLine(error.description, "CSVReader") }
            do { assertValid(try ResultSet.parse(text, name: "r.csv")) } catch { assertOneLine(error.description, "ResultSet.parse") }
        }
    }

    // MARK: - Suite files

    func testMutatedSuitesAreParsedOrRejectedWithOneLine() throws {
        var random = SplitMix64(seed: Self.seed ^ 2)
        var corpus = [SuiteLocator.builtInDefault]
        for name in ["quick", "default", "full"] {
            for folder in SuiteLocator.searchFolders() {
                if let text = ProcFiles.read("\(folder)/\(name).suite") { corpus.append(text); break }
            }
        }
        var accepted = 0, rejected = 0
        for _ in 0..<2000 {
            var text = corpus[random.below(corpus.count)]
            for _ in 0...random.below(3) { text = mutateSuite(text, &random) }
            do {
                let suite = try Suite.parse(text, name: "fuzz")
                accepted += 1
                assertValid(suite)
            } catch {
                rejected += 1
                assertOneLine(error.description, "Suite.parse")
            }
        }
        XCTAssertGreaterThan(accepted, 100)
        XCTAssertGreaterThan(rejected, 100)
    }

    // MARK: - Sizes

    func testRandomSizesAreInRangeOrRejectedWithOneLine() {
        var random = SplitMix64(seed: Self.seed ^ 3)
        let pieces = ["0", "1", "7", "64", "4", "1023", "1024", "999999999999", "99999999999999999999", "00000000000001",
                      "k", "K", "ki", "KiB", "kib", "m", "M", "MiB", "g", "G", "GiB", "b", "B", "kb", "KB", "T", "e3", "E",
                      " ", "\t", "-", "+", ".", ".5", ",", "_", "x", "0x", "NaN", "inf", "1e309", "٣", "４", "\u{0}", "\n", "\r",
                      "é", "\"", "'", String(repeating: "9", count: 5000)]
        var accepted = 0
        for _ in 0..<4000 {
            let text = (0...random.below(4)).map { _ in pieces[random.below(pieces.count)] }.joined()
            do {
                let bytes = try ByteSize.parse(text)
                accepted += 1
                if !(1...ByteSize.maximum).contains(bytes) { record("ByteSize.parse accepts a size outside 1 B...1 GiB", text) }
                if (try? ByteSize.parse(ByteSize.format(bytes))) != bytes { record("ByteSize.format does not read back", text) }
            } catch {
                assertOneLine(error.description, "ByteSize.parse")
            }
            do {
                let sizes = try Setting.sizes(text)
                if sizes.isEmpty || Set(sizes).count != sizes.count || !sizes.allSatisfy({ (1...ByteSize.maximum).contains($0) }) {
                    record("Setting.sizes accepts an empty, repeated or out-of-range list", text)
                }
            } catch {
                assertOneLine(error.message, "Setting.sizes")
            }
        }
        XCTAssertGreaterThan(accepted, 100)
    }

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

    func testEveryNumberFormatterAndScaleIsTotalOverRandomFiniteDoubles() {
        var random = SplitMix64(seed: Self.seed ^ 4)
        for _ in 0..<20_000 {
            let v = extremeDouble(&random)
            for (name, text) in [("fixed", fixed(v, random.below(25) - 3)), ("scientific", scientific(v, random.below(20))),
                                 ("tickText", tickText(v)), ("threeDigits", threeDigits(v)), ("grouped", grouped(v)),
                                 ("humanDuration", humanDuration(v))] {
                if text.isEmpty || text.contains("nan") || text.contains("inf") { record("\(name) of a finite double is empty, nan or inf", "\(v) → \(text)") }
                if name != "fixed" && text.count > 24 { record("\(name) of a finite double is longer than 24 characters", "\(v) → \(text)") }
            }
            let a = abs(v), b = abs(extremeDouble(&random))
            let (lo, hi) = (min(a, b), max(a, b))
            let domain = Ticks.logDomain(lo, hi)
            if !(domain.lo > 0 && domain.hi.isFinite && domain.lo < domain.hi) { record("logDomain is not a positive finite range", "\(lo) … \(hi) → \(domain)") }
            let ticks = Ticks.log10Ticks(lo: domain.lo, hi: domain.hi, pixels: Double(100 + random.below(500)), minSpacing: 22)
            if ticks.isEmpty || ticks.count > 60 || !ticks.allSatisfy({ $0.isFinite && $0 > 0 }) { record("log10Ticks gives no, too many or non-finite ticks", "\(domain) → \(ticks.count)") }
            let y = LogScale(lo: domain.lo, hi: domain.hi, start: 400, end: 0)(v)
            if !(0...400).contains(y) { record("LogScale maps outside its pixels", "\(v) on \(domain) → \(y)") }
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

    // MARK: - Hostile text, through the terminal table and Markdown

    private func hostileText(_ random: inout SplitMix64) -> String {
        let pieces = ["pipe", " ", "\u{1B}]0;title\u{7}", "\u{1B}[2J", "\u{9B}31m", "\u{7F}", "\u{0}", "\n", "\r\n", "\t", "<script>", "</script>",
                      "|", "||", "[x](http://e.com)", "![i](x)", "`", "*", "_", "~~", "&amp;", "&", "<", ">", "\\", "www.e.com", "é", "日本", "\u{202E}", "#"]
        return (0...random.below(6)).map { _ in pieces[random.below(pieces.count)] }.joined()
    }

    private func isControl(_ c: Unicode.Scalar) -> Bool {
        c.value < 0x20 || c.value == 0x7F || (0x80..<0xA0).contains(c.value)
    }

    func testHostileTextReachesTheTerminalTableAndMarkdownAsText() {
        var random = SplitMix64(seed: Self.seed ^ 6)
        for _ in 0..<2000 {
            let text = hostileText(&random)
            if TextSafety.forTerminal(text).unicodeScalars.contains(where: isControl) { record("forTerminal lets a control character through", text) }
            let md = Array(TextSafety.forMarkdown(text).unicodeScalars)
            var i = 0
            while i < md.count {
                if md[i] == "\\" { i += 2; continue }
                if TextSafety.isASCIIPunctuation(md[i]) || isControl(md[i]) { record("forMarkdown leaves markup or a control character", text); break }
                i += 1
            }
        }
        for _ in 0..<200 {
            let results = (0...random.below(4)).map { i in
                RepetitionResult(scenario: Scenario(mechanism: hostileText(&random), mode: .latency, payloadBytes: 64 + i, messages: 10),
                                 repetition: 1, status: random.below(2) == 0 ? .failed : .skipped, note: hostileText(&random))
            }
            let table = SummaryTable.render(results)
            let lines = table.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
            if lines.count != results.count + 1 { record("a hostile name or note adds or removes a line of the table", table) }
            if lines.contains(where: { $0.unicodeScalars.contains(where: isControl) }) { record("a control character reaches the terminal table", table) }
        }
    }

    // MARK: - What the fuzzing found, pinned

    func testFieldsWithALineBreakOrAQuotedAccentAreQuotedSoTheCSVReadsBack() throws {
        // Swift sees "\r\n", and a quote followed by a combining accent, as one Character each.
        for table in [[["a\r\nb", "c"]], [["x\"\u{301}y", "z"]], [["tab\there", "ok"]]] {
            let text = CSVReport.renderRaw(table)
            XCTAssertEqual(try? CSVReader.parse(text), table, "written as \(text.debugDescription)")
        }
    }

    func testASuiteWithCRLFLineEndsReadsLikeTheSameSuiteWithLF() throws {
        let lf = "repetitions = 2\nsizes = 64\n[kernel]\nmechanisms = pipe, tcp\n[notify]\nmechanisms = eventfd\nsizes = 8\n"
        let unix = try Suite.parse(lf, name: "s")
        do {
            let windows = try Suite.parse(lf.replacingOccurrences(of: "\n", with: "\r\n"), name: "s")
            XCTAssertEqual(windows, unix)
        } catch {
            XCTFail("a CRLF suite is refused: \(error)")
        }
    }

    // MARK: - Invariants

    private func assertValid(_ set: ResultSet) {
        for row in set.rows {
            if !(1...ByteSize.maximum).contains(row.key.payloadBytes) { record("ResultSet row with payload_bytes outside 1 B...1 GiB", "\(row.key)") }
            if row.key.pairs < 1 || row.repetition < 1 { record("ResultSet row with pairs or repetition below 1", "\(row.key)") }
                        for (column, value) in row.values where !(value.isFinite && value >= 0) {
                record("ResultSet value that is not a finite, non-negative number", "\(column) = \(value)")
            }
        }
    }

    private func assertValid(_ suite: Suite) {
        let known = Set(MechanismRegistry.names)
        var broken: [String] = []
        if !(1...1000).contains(suite.repetitions) { broken.append("repetitions \(suite.repetitions)") }
        if let t = suite.timeoutSeconds, !(t.isFinite && t >= 0.1 && t <= 86_400) { broken.append("timeout \(t)") }
        if suite.sweeps.isEmpty { broken.append("no sweep") }
        for sweep in suite.sweeps {
            if sweep.mechanisms.isEmpty || !sweep.mechanisms.allSatisfy(known.contains) { broken.append("mechanisms \(sweep.mechanisms)") }
            if sweep.modes.isEmpty || sweep.sizes.isEmpty || sweep.waits.isEmpty || sweep.pairs.isEmpty { broken.append("an empty list") }
            if !sweep.sizes.allSatisfy({ (1...ByteSize.maximum).contains($0) }) { broken.append("sizes \(sweep.sizes)") }
            if !sweep.pairs.allSatisfy({ (1...64).contains($0) }) { broken.append("pairs \(sweep.pairs)") }
            for m in [sweep.latencyMessages, sweep.throughputMessages].compactMap({ $0 }) where !(1...1_000_000_000).contains(m) {
                broken.append("messages \(m)")
            }
            if !(1...ByteSize.maximum).contains(sweep.ringBytes) { broken.append("ring-size \(sweep.ringBytes)") }
        }
        for b in broken { record("Suite.parse accepts a suite its own ranges forbid", b) }
    }

    // MARK: - Inputs

    /// Real ipcbench CSVs: one written by the binary, one rendered by the report code from results
    /// with awkward notes (commas, quotes, a line break).
    private func resultCorpus() throws -> [String] {
        let run = ProgramRunner.start([
            "run", "--mechanisms", "pipe,eventfd,posix-mq", "--modes", "latency,throughput", "--sizes", "8,64",
            "--waits", "block", "--messages", "30", "--repetitions", "1", "--quiet", "--output", "-",
        ])
        let real = try XCTUnwrap(run.wait(atMost: 60))
        XCTAssertEqual(real.status, 0, real.stderr)
        var results: [RepetitionResult] = []
        for (i, mechanism) in ["pipe", "shm-posix", "tcp"].enumerated() {
            var latency = RepetitionResult(
                scenario: Scenario(mechanism: mechanism, mode: .latency, payloadBytes: 64 << i, messages: 100), repetition: i + 1, status: .ok)
            latency.latency = Histogram(values: (1...100).map { UInt64(1000 + 37 * $0) })
            latency.totalMessages = 100
            latency.cpuNsPerMessage = 1234.5
            var throughput = RepetitionResult(
                scenario: Scenario(mechanism: mechanism, mode: .throughput, payloadBytes: 4096, messages: 1000), repetition: 1, status: .ok)
            throughput.windowNs = 1_000_000
            throughput.totalMessages = 1000
            results += [latency, throughput]
        }
        results.append(RepetitionResult(
            scenario: Scenario(mechanism: "posix-mq", mode: .latency, payloadBytes: 1 << 20, messages: 10), repetition: 1,
            status: .skipped, note: "exceeds /proc/sys/fs/mqueue/msgsize_max (8192 bytes), really"))
        results.append(RepetitionResult(
            scenario: Scenario(mechanism: "fifo", mode: .throughput, payloadBytes: 1, messages: 10), repetition: 2,
            status: .failed, note: "consumer of pair 0: \"odd\", then\r\nmore"))
        let rendered = CSVReport.render(results.map { CSVReport.row($0, machine: .current(), timestamp: "2026-01-01T00:00:00Z") })
        return [real.stdout, rendered].filter { !$0.isEmpty }
    }

    private static let hostileFields = [
        "", "\"", "\"\"\"", "\"a\nb\"", "\"a\r\nb\"", "\"x,y\"", "\u{0}", "NaN", "nan", "-nan", "inf", "-inf", "1e309", "-1e309",
        "1e-320", "5e-324", "1e-300", "1e308", "1.7976931348623157e308", "-1", "-0", "0", "0.0", "+64", " 64", "64 ", "0x40", "1_000", "4294967297", "9223372036854775807",
        "9223372036854775808", "99999999999999999999999999999", "1073741824", "1073741825", "1.5", "64.0", "١٢٣",
        String(repeating: "9", count: 400), String(repeating: "x", count: 70_000), "ok", "failed", "skipped", "OK", "ok ",
    ]

    private func mutateCSV(_ text: String, _ random: inout SplitMix64, corpus: [String]) -> String {
        var bytes = Array(text.utf8)
        if bytes.isEmpty { return Self.hostileFields[random.below(Self.hostileFields.count)] }
        switch random.below(12) {
        case 0:  // flip a bit
            let i = random.below(bytes.count)
            bytes[i] ^= UInt8(1 << random.below(8))
        case 1:  // truncate
            bytes = Array(bytes.prefix(random.below(bytes.count)))
        case 2:  // insert a quote, a NUL, a lone CR or a comma
            bytes.insert([UInt8(ascii: "\""), 0, UInt8(ascii: "\r"), UInt8(ascii: ",")][random.below(4)], at: random.below(bytes.count + 1))
        case 3, 4, 5, 6:  // replace one field with something hostile
            var lines = text.components(separatedBy: "\r\n")
            let l = random.below(lines.count)
            var fields = lines[l].components(separatedBy: ",")
            fields[random.below(fields.count)] = Self.hostileFields[random.below(Self.hostileFields.count)]
            lines[l] = fields.joined(separator: ",")
            return lines.joined(separator: "\r\n")
        case 7:  // duplicate a line (the header too)
            var lines = text.components(separatedBy: "\r\n")
            let l = random.below(lines.count)
            lines.insert(lines[l], at: random.below(lines.count + 1))
            return lines.joined(separator: "\r\n")
        case 8:  // drop a line
            var lines = text.components(separatedBy: "\r\n")
            lines.remove(at: random.below(lines.count))
            return lines.joined(separator: "\r\n")
        case 9:  // drop or duplicate a column in every line
            let c = random.below(45), duplicate = random.below(2) == 0
            return text.components(separatedBy: "\r\n").map { line in
                var fields = line.components(separatedBy: ",")
                guard c < fields.count else { return line }
                if duplicate { fields.insert(fields[c], at: c) } else { fields.remove(at: c) }
                return fields.joined(separator: ",")
            }.joined(separator: "\r\n")
        case 10:  // other line ends
            return random.below(2) == 0 ? text.replacingOccurrences(of: "\r\n", with: "\n") : text.replacingOccurrences(of: "\r\n", with: "\r")
        default:  // splice two files
            let other = Array(corpus[random.below(corpus.count)].utf8)
            bytes = Array(bytes.prefix(random.below(bytes.count))) + Array(other.suffix(random.below(other.count + 1)))
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static let suiteValues = [
        "", "pipe", "all", "pipe, tcp", "pipe,,tcp", "carrier-pigeon", "latency", "LATENCY", "spin", "cross-core", "0", "1", "64",
        "65", "1000", "1001", "-1", "4K", "4KB", "1G", "2G", "1.5", "NaN", "inf", "1e309", "0.05", "86400", "86401",
        "true", "yes", "maybe", "99999999999999999999", String(repeating: "1", count: 5000), "\u{0}", "a = b", "#", "[x]",
    ]

    private func mutateSuite(_ text: String, _ random: inout SplitMix64) -> String {
        var lines = text.components(separatedBy: "\n")
        switch random.below(9) {
        case 0, 1, 2:  // a key with a hostile value
            let key = (Suite.keys + ["bogus", "Sizes", " modes"])[random.below(Suite.keys.count + 3)]
            lines.insert("\(key) = \(Self.suiteValues[random.below(Self.suiteValues.count)])", at: random.below(lines.count + 1))
        case 3:  // duplicate a line
            let l = random.below(lines.count)
            lines.insert(lines[l], at: random.below(lines.count + 1))
        case 4:  // drop a line
            lines.remove(at: random.below(lines.count))
        case 5:  // a section header, odd or not
            lines.insert(["[", "[]", "[x", "[new]", "[ spaced ]", "[[a]]", "]"][random.below(7)], at: random.below(lines.count + 1))
        case 6:  // truncate
            let bytes = Array(text.utf8)
            return String(decoding: bytes.prefix(random.below(bytes.count + 1)), as: UTF8.self)
        case 7:  // flip a byte
            var bytes = Array(text.utf8)
            guard !bytes.isEmpty else { return text }
            bytes[random.below(bytes.count)] = UInt8(random.below(256))
            return String(decoding: bytes, as: UTF8.self)
        default:  // CRLF line ends, or a stray carriage return inside a line
            return random.below(2) == 0 ? lines.joined(separator: "\r\n")
                : lines.map { random.below(8) == 0 ? $0.replacingOccurrences(of: "=", with: "\r=") : $0 }.joined(separator: "\n")
        }
        return lines.joined(separator: "\n")
    }
}
