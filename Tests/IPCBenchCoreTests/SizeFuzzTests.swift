import Glibc
import XCTest
@testable import IPCBenchCore

/// Sizes pieced together from digits, units and junk: in 1 B...1 GiB, or rejected with one line.
final class SizeFuzzTests: FuzzTestCase {
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
}
