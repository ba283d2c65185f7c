import Glibc
import XCTest
@testable import IPCBenchCore

/// Result CSVs (what `compare` and `plot` read), mutated and random, through CSVReader and
/// ResultSet.parse: parsed or rejected with one line, and what is read writes back the same.
final class ResultCSVFuzzTests: FuzzTestCase {
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

    // MARK: - What the fuzzing found, pinned

    func testFieldsWithALineBreakOrAQuotedAccentAreQuotedSoTheCSVReadsBack() throws {
        // Swift sees "\r\n", and a quote followed by a combining accent, as one Character each.
        for table in [[["a\r\nb", "c"]], [["x\"\u{301}y", "z"]], [["tab\there", "ok"]]] {
            let text = CSVReport.renderRaw(table)
            XCTAssertEqual(try? CSVReader.parse(text), table, "written as \(text.debugDescription)")
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
}
