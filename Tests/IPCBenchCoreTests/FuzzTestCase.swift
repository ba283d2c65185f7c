import Glibc
import XCTest
@testable import IPCBenchCore

/// Everything ipcbench reads from a user — result CSVs (`compare`, `plot`), suite files, sizes —
/// fed thousands of random and mutated inputs from a fixed seed. No input crashes the process (a
/// crash would end this test run); every rejection is an error whose description is one
/// non-empty line; every accepted input satisfies the parser's own promises.
///
/// The base of the fuzz tests (ResultCSVFuzzTests, SuiteFuzzTests, SizeFuzzTests, NumberFuzzTests,
/// HostileTextFuzzTests): the seed, the findings each test records and reports once per kind, and
/// the one-line check every rejection must pass.
class FuzzTestCase: LeakCheckedTestCase {
    static let seed: UInt64 = 0x1BC_BE7C_4F0F_2024
    /// Broken promises, by kind: one failure per kind at the end of a test, with a count and
    /// the first few inputs, instead of a thousand failures saying the same thing.
    private var findings: [String: (count: Int, examples: [String])] = [:]
    private var objectsBefore: SystemObjects!
    private var scope: TemporaryBaseScope!

    override func setUp() {
        super.setUp()
        scope = TemporaryBaseScope()
        objectsBefore = SystemObjects.snapshot()
    }

    override func tearDown() {
        for (kind, f) in findings.sorted(by: { $0.key < $1.key }) {
            XCTFail("\(kind): \(f.count) input(s), e.g.\n  " + f.examples.joined(separator: "\n  "))
        }
        findings = [:]
        _ = settledLeaks(since: objectsBefore)
        XCTAssertEqual(SystemObjects.entries(scope.path).filter { $0.hasPrefix("ipcbench") }, [], "left in TMPDIR")
        scope.end()
        super.tearDown()
    }

    func record(_ kind: String, _ example: String) {
        var f = findings[kind] ?? (0, [])
        f.count += 1
        if f.examples.count < 3 { f.examples.append(String(example.debugDescription.prefix(220))) }
        findings[kind] = f
    }

    /// A rejection a person reads: one line, not empty, not a dump of the input.
    func assertOneLine(_ text: String, _ parser: String) {
        if text.isEmpty { record("\(parser): an empty error description", text) }
        if text.unicodeScalars.contains(where: { $0 == "\n" || $0 == "\r" || $0 == "\u{0}" }) {
            record("\(parser): an error description that spans lines (it echoes a line break or NUL from the input)", text)
        }
        if text.utf8.count > 1000 { record("\(parser): an error description over 1000 bytes (it echoes the whole input)", text) }
    }
}

/// The fuzzers draw from the module's seedable SplitMix64 (``StatisticsRNG``), so every run
/// fuzzes the same inputs.
typealias SplitMix64 = StatisticsRNG

extension StatisticsRNG {
    /// A number in 0..<n (n > 0).
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(max(n, 1))) }
}
