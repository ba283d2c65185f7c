import Glibc
import XCTest
@testable import IPCBenchCore

/// Hostile names and notes (escape sequences, control characters, Markdown and HTML) reach the
/// terminal table and Markdown as plain text.
final class HostileTextFuzzTests: FuzzTestCase {
    // MARK: - Hostile text, through the terminal table and Markdown

    private func hostileText(_ random: inout SplitMix64) -> String {
        let pieces = ["pipe", " ", "\u{1B}]0;title\u{7}", "\u{1B}[2J", "\u{9B}31m", "\u{7F}", "\u{0}", "\n", "\r\n", "\t", "<script>", "</script>",
                      "|", "||", "[x](http://e.com)", "![i](x)", "`", "*", "_", "~~", "&amp;", "&", "<", ">", "\\", "www.e.com", "é", "日本", "\u{202E}", "#"]
        return (0...random.below(6)).map { _ in pieces[random.below(pieces.count)] }.joined()
    }

    private func isControl(_ c: Unicode.Scalar) -> Bool {
        c.value < 0x20 || c.value == 0x7F || (0x80..<0xA0).contains(c.value)
    }

    func testHostileTextReachesTheTerminalAsText() {
        var random = SplitMix64(seed: Self.seed ^ 6)
        for _ in 0..<2000 {
            let text = hostileText(&random)
            if TextSafety.forTerminal(text).unicodeScalars.contains(where: isControl) { record("forTerminal lets a control character through", text) }
        }
    }

    func testHostileTextReachesMarkdownAsText() {
        var random = SplitMix64(seed: Self.seed ^ 6)
        for _ in 0..<2000 {
            let text = hostileText(&random)
            let md = Array(TextSafety.forMarkdown(text).unicodeScalars)
            var i = 0
            while i < md.count {
                if md[i] == "\\" { i += 2; continue }
                if TextSafety.isASCIIPunctuation(md[i]) || isControl(md[i]) { record("forMarkdown leaves markup or a control character", text); break }
                i += 1
            }
        }
    }

    func testHostileNamesAndNotesKeepTheTerminalTableOneLineARowWithoutControlCharacters() {
        var random = SplitMix64(seed: Self.seed ^ 7)
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
}
