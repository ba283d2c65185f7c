import Glibc
import XCTest
@testable import IPCBenchCore

/// Suite files, mutated: parsed into a suite within its own ranges, or rejected with one line.
final class SuiteFuzzTests: FuzzTestCase {
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

    // MARK: - What the fuzzing found, pinned

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
