import Glibc
import XCTest
@testable import IPCBenchCore

/// Text from a file or the machine reaches a terminal or a Markdown page as the characters it
/// is: no escape sequence runs, no HTML, link, emphasis or table cell appears.
final class TextSafetyTests: LeakCheckedTestCase {
    static let retitle = "\u{1B}]0;pwned\u{7}"
    static let hostile = "evil\(retitle)<script>alert(1)</script>|x|[a](http://e.com) *b* _c_ `d` \\e &amp; www.e.com\u{9B}2J\u{7F}\n"

    func testForTerminalShowsEveryControlCharacterAsAnEscapeAndKeepsTheRest() {
        let shown = TextSafety.forTerminal(Self.hostile)
        XCTAssertFalse(shown.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F || (0x80..<0xA0).contains($0.value) }, shown)
        XCTAssertTrue(shown.hasPrefix("evil\\u{1b}]0;pwned\\u{7}<script>"), shown)
        XCTAssertTrue(shown.contains("\\u{9b}2J\\u{7f}\\u{a}"), shown)
        XCTAssertEqual(TextSafety.forTerminal("shm-posix µs ✓ 日本"), "shm-posix µs ✓ 日本")
        XCTAssertEqual(TextSafety.forTerminal(String(repeating: "a", count: 500)).count, 500, "nothing is cut")
    }

    func testForMarkdownEscapesEveryMarkupCharacter() {
        let md = TextSafety.forMarkdown(Self.hostile)
        // Every ASCII punctuation character is preceded by a backslash that is itself not escaped.
        let scalars = Array(md.unicodeScalars)
        var i = 0
        while i < scalars.count {
            if scalars[i] == "\\" { i += 2; continue }
            XCTAssertFalse(TextSafety.isASCIIPunctuation(scalars[i]), "unescaped '\(scalars[i])' at \(i) in \(md)")
            XCTAssertFalse(scalars[i].value < 0x20 || scalars[i].value == 0x7F, "control character in \(md)")
            i += 1
        }
        XCTAssertTrue(md.contains("\\<script\\>alert\\(1\\)\\<\\/script\\>"), md)
        XCTAssertTrue(md.contains("\\|x\\|"), md)
        XCTAssertTrue(md.contains("\\[a\\]\\(http\\:\\/\\/e\\.com\\)"), md)
        XCTAssertTrue(md.contains("\\&amp\\;"), md)
        XCTAssertEqual(TextSafety.forMarkdown("pipe 64 B"), "pipe 64 B")
    }

    func testTheSummaryTableShowsAHostileMechanismAndNoteAsText() {
        var result = RepetitionResult(
            scenario: Scenario(mechanism: "pipe" + Self.retitle, mode: .latency, payloadBytes: 64, messages: 10),
            repetition: 1, status: .failed, note: "peer \(Self.retitle) said\nno")
        result.note += "\u{9B}31m"
        let table = SummaryTable.render([result])
        for line in table.split(separator: "\n") {
            XCTAssertFalse(line.unicodeScalars.contains { $0.value < 0x20 || $0.value == 0x7F || (0x80..<0xA0).contains($0.value) },
                           "a control character reaches the terminal: \(line.debugDescription)")
        }
        XCTAssertEqual(table.split(separator: "\n").count, 2, "the note's line break split the row: \(table)")
        XCTAssertTrue(table.contains("pipe\\u{1b}]0;pwned\\u{7}"), table)
    }

    func testAnErrorQuotingAHostilePathStaysOneHarmlessLine() throws {
        let r = ProgramRunner.run(["--suite", "/nonexistent/\(Self.retitle)\n\u{9B}2J.suite", "--output", "/nonexistent/o.csv"])
        XCTAssertNotEqual(r.status, 0)
        XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
        XCTAssertFalse(r.stderr.unicodeScalars.contains { ($0.value < 0x20 && $0 != "\n") || $0.value == 0x7F || (0x80..<0xA0).contains($0.value) },
                       r.stderr.debugDescription)
        XCTAssertTrue(r.stderr.contains("\\u{1b}]0;pwned\\u{7}"), r.stderr)
    }
}
