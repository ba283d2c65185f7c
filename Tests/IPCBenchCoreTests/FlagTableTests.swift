#if canImport(Glibc)
import Glibc
#endif
import XCTest
@testable import IPCBenchCore
@testable import IPCBenchCLI

/// The rules every command's flag table applies, the same way in each command: what a value
/// is, what a second copy of a flag is, what an unknown flag is, `--`, `=`, and help made from
/// the declarations.
final class FlagTableTests: LeakCheckedTestCase {
    /// Each command with the fewest words that make a valid command line.
    private static let validLines: [(name: String, words: [String])] = [
        ("run", ["run"]), ("list", ["list"]), ("doctor", ["doctor"]), ("compare", ["compare", "a.csv", "b.csv"]),
        ("plot", ["plot", "r.csv", "--output", "charts"]), ("gate", ["gate", "--base", "/bin/true"]),
    ]

    private func usageError(_ words: [String]) -> String? {
        do {
            _ = try ArgumentParser.parse(words)
            return nil
        } catch {
            return error.message
        }
    }

    /// The prefix a command's usage errors carry: none for run, the default command.
    private func prefix(_ name: String) -> String { name == "run" ? "" : "\(name): " }

    // MARK: Values

    func testAValueThatLooksLikeAFlagIsNotTakenAsTheValue() {
        for words in [["run", "--output", "--quiet"], ["compare", "a.csv", "b.csv", "--output", "--unpaired"],
                      ["plot", "r.csv", "--output", "--baseline", "b.csv"], ["gate", "--base", "--output", "x"],
                      ["run", "--output", "-q"]] {
            let message = usageError(words) ?? "accepted"
            let flag = words.first { $0 == "--output" || $0 == "--base" }!
            XCTAssertTrue(message.hasPrefix("\(prefix(words[0]))\(flag) needs a value, got the option '\(words[words.firstIndex(of: flag)! + 1])'"),
                          "\(words): \(message)")
        }
    }

    func testTheBinaryWritesNoFileNamedAfterTheNextFlag() throws {
        let dir = try PrivateDirectory(prefix: "ipcbench-flagtest")
        defer { dir.remove() }
        let r = ProgramRunner.run(["--mechanisms", "pipe", "--messages", "5", "--output", "--quiet"], workingDirectory: dir.path)
        XCTAssertEqual(r.status, 64, r.stderr)
        XCTAssertEqual(r.stderr.split(separator: "\n").count, 1, r.stderr)
        XCTAssertTrue(r.stderr.hasPrefix("ipcbench: --output needs a value"), r.stderr)
        XCTAssertEqual(SystemObjects.entries(dir.path), [], "a file or folder was created")
    }

    func testANegativeNumberIsAValueForTheFlagToJudge() {
        XCTAssertEqual(usageError(["--pairs", "-1"]), "--pairs: '-1' is not a whole number from 1 to 64")
        XCTAssertEqual(usageError(["compare", "a.csv", "b.csv", "--threshold", "-0.5"]),
                       "compare: --threshold: '-0.5' is not a percentage from 0 to 1000, e.g. 5 or 5%")
    }

    func testAValueThatStartsWithADashIsGivenWithEquals() throws {
        guard case let .run(run) = try ArgumentParser.parse(["--output=--quiet"]) else { return XCTFail() }
        XCTAssertEqual(run.output, "--quiet")
        XCTAssertFalse(run.quiet)
    }

    func testEqualsJoinsAFlagAndItsValueInEveryCommand() throws {
        guard case let .compare(compare) = try ArgumentParser.parse(["compare", "a.csv", "b.csv", "--format=json", "--threshold=7"])
        else { return XCTFail() }
        XCTAssertEqual(compare.format, .json)
        XCTAssertEqual(compare.thresholdPercent, 7)
        let plot = try XCTUnwrap(PlotCommand.parse(["r.csv", "--output=charts", "--baseline=b.csv"]))
        XCTAssertEqual(plot.output, "charts")
        XCTAssertEqual(plot.baseline, "b.csv")
        let gate = try XCTUnwrap(GateCommand.parse(["--base=/bin/true", "--budget=90s", "--per-side=2"]))
        XCTAssertEqual(gate.base, "/bin/true")
        XCTAssertEqual(gate.budgetSeconds, 90)
        XCTAssertEqual(gate.perSide, 2)
    }

    func testAToggleTakesNoValue() {
        XCTAssertEqual(usageError(["--verify=yes"]), "--verify takes no value")
        XCTAssertEqual(usageError(["compare", "a.csv", "b.csv", "--unpaired=true"]), "compare: --unpaired takes no value")
    }

    // MARK: Repeats

    func testASingleValueFlagGivenTwiceIsRefusedInEveryCommand() {
        for (name, words) in [("run", ["run"]), ("compare", ["compare", "a.csv", "b.csv"]), ("plot", ["plot", "r.csv"]),
                              ("gate", ["gate", "--base", "/bin/true"])] {
            XCTAssertEqual(usageError(words + ["--output", "a", "--output=b"]), "\(prefix(name))--output given twice", name)
        }
        XCTAssertEqual(usageError(["compare", "a.csv", "b.csv", "--threshold", "5%", "--threshold", "3"]),
                       "compare: --threshold given twice")
    }

    func testAListFlagGivenTwiceSaysListsAreCommaSeparated() {
        XCTAssertEqual(usageError(["--modes", "latency", "--modes=throughput"]),
                       "--modes given twice (give one value; lists are comma-separated)")
    }

    func testARepeatableFlagKeepsEveryValueInOrder() throws {
        let tagged = try XCTUnwrap(Tagger.parse(["--tag", "a", "--label", "x", "--tag=b", "--tag", "a"]))
        XCTAssertEqual(tagged.tags, ["a", "b", "a"])
        XCTAssertThrowsError(try Tagger.parse(["--label", "x", "--label", "y"])) { error in
            XCTAssertEqual((error as? UsageError)?.message, "tagger: --label given twice")
        }
    }

    // MARK: Unknown flags

    func testAnUnknownFlagIsRefusedInEveryCommandAndNamed() {
        for (name, words) in Self.validLines {
            XCTAssertEqual(usageError(words + ["--frobnicate=3"]),
                           "\(prefix(name))unknown option '--frobnicate' (see ipcbench \(name) --help)", name)
        }
    }

    func testAnUnknownFlagNamesTheClosestKnownOne() {
        XCTAssertEqual(usageError(["--repetition", "3"]), "unknown option '--repetition' (did you mean --repetitions? see ipcbench run --help)")
        XCTAssertEqual(usageError(["plot", "r.csv", "--output", "o", "--treshold", "5"]),
                       "plot: unknown option '--treshold' (did you mean --threshold? see ipcbench plot --help)")
        XCTAssertEqual(usageError(["gate", "--bse", "/bin/true"]), "gate: unknown option '--bse' (did you mean --base? see ipcbench gate --help)")
        XCTAssertTrue(usageError(["plto"])?.contains("did you mean plot?") ?? false)
    }

    func testAnUnknownSwitchTurnsNothingOn() {
        XCTAssertNotNil(usageError(["--keep-goin"]))
        XCTAssertNotNil(usageError(["--quiett"]))
    }

    // MARK: Operands and --

    func testDoubleDashEndsTheOptions() throws {
        guard case let .compare(compare) = try ArgumentParser.parse(["compare", "--threshold", "3", "--", "--base.csv", "-new.csv"])
        else { return XCTFail() }
        XCTAssertEqual(compare.files, ["--base.csv", "-new.csv"])
        XCTAssertEqual(compare.thresholdPercent, 3)
        let plot = try XCTUnwrap(PlotCommand.parse(["--output", "o", "--", "--help"]), "--help after -- is a file")
        XCTAssertEqual(plot.results, "--help")
    }

    func testAnOperandToACommandThatTakesNoneIsRefused() {
        XCTAssertEqual(usageError(["run", "--", "--sizes"]), "unexpected argument '--sizes' (see ipcbench run --help)")
        XCTAssertEqual(usageError(["list", "all"]), "list: unexpected argument 'all' (see ipcbench list --help)")
        XCTAssertEqual(usageError(["gate", "--base", "/bin/true", "extra"]), "gate: unexpected argument 'extra' (see ipcbench gate --help)")
    }

    // MARK: Percentages

    func testPlotCompareAndGateReadAPercentageTheSameWay() throws {
        for (form, percent) in [("5", 5.0), ("5%", 5), ("2.5", 2.5), ("2.5%", 2.5), ("0", 0), ("1000%", 1000)] {
            XCTAssertEqual(try XCTUnwrap(PlotCommand.parse(["r.csv", "--output", "o", "--threshold", form])).thresholdPercent, percent, form)
            XCTAssertEqual(try XCTUnwrap(CompareCommand.parse(["a.csv", "b.csv", "--threshold", form])).thresholdPercent, percent, form)
            XCTAssertEqual(try XCTUnwrap(GateCommand.parse(["--base", "/bin/true", "--threshold", form])).thresholdPercent, percent, form)
        }
        for bad in ["-1", "1001", "5%%", "%", "five", "", "nan"] {
            let plot = usageError(["plot", "r.csv", "--output", "o", "--threshold=\(bad)"])
            let compare = usageError(["compare", "a.csv", "b.csv", "--threshold=\(bad)"])
            XCTAssertNotNil(plot, bad)
            XCTAssertEqual(plot.map { String($0.dropFirst("plot: ".count)) }, compare.map { String($0.dropFirst("compare: ".count)) }, bad)
        }
    }

    // MARK: Help

    func testHelpListsEveryDeclaredFlagOfEveryCommand() {
        assertHelpListsEveryFlag(RunCommand.self)
        assertHelpListsEveryFlag(CompareCommand.self)
        assertHelpListsEveryFlag(PlotCommand.self)
        assertHelpListsEveryFlag(GateCommand.self)
        assertHelpListsEveryFlag(Tagger.self)
    }

    private func assertHelpListsEveryFlag<C: Subcommand>(_ type: C.Type, file: StaticString = #filePath, line: UInt = #line) {
        for flag in C.flags {
            XCTAssertTrue(C.help.contains(flag.label), "\(C.name) --help lacks \(flag.label)", file: file, line: line)
            XCTAssertTrue(C.help.contains(flag.help.split(separator: " ").prefix(3).joined(separator: " ")),
                          "\(C.name) --help lacks the help of \(flag.name)", file: file, line: line)
        }
    }

    func testEveryCommandsHelpIsWhatTheBinaryPrints() {
        for (words, text) in [(["compare", "--help"], CompareCommand.help), (["plot", "-h"], PlotCommand.help),
                              (["gate", "--output", "o", "--help"], GateCommand.help), (["help", "plot"], PlotCommand.help),
                              (["run", "--help"], ArgumentParser.help)] {
            let r = ProgramRunner.run(words)
            XCTAssertEqual(r.status, 0, "\(words): \(r.stderr)")
            XCTAssertEqual(r.stdout, text + "\n", "\(words)")
        }
    }

    func testHelpIsAnsweredWhateverElseTheLineHolds() throws {
        guard case .help = try ArgumentParser.parse(["plot", "--frobnicate", "--output", "--help"]) else { return XCTFail() }
        guard case .help = try ArgumentParser.parse(["--sizes", "0", "-h"]) else { return XCTFail() }
    }

    func testHelpLinesStayWithinTheWidth() {
        for text in [CompareCommand.help, PlotCommand.help, GateCommand.help] {
            let options = text.components(separatedBy: "\nOPTIONS\n")[1]
            for line in options.split(separator: "\n") {
                XCTAssertLessThanOrEqual(line.count, HelpText.width, String(line))
            }
        }
    }
}

/// A command that only the tests have: a repeatable flag beside a single one.
private struct Tagger: Subcommand {
    var tags: [String] = []
    var label: String?

    static let name = "tagger"
    static var flags: [Flag<Tagger>] {
        [
            .repeatable("--tag", "NAME", \.tags, .text(ifEmpty: "empty tag"), help: "a tag; give the flag again for another"),
            .value("--label", "TEXT", \.label, .anyText, help: "one label"),
        ]
    }

    func run() -> Int32 { ExitCode.success }
}
