import Glibc
import XCTest
@testable import IPCBenchCore
@testable import IPCBenchCLI

/// `ipcbench plot` as a command: it writes the folder with its parents and the index, refuses
/// bad command lines and unusable files with the documented exit statuses, and keeps the
/// threshold in percent.
final class PlotCommandTests: PlotTests {
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