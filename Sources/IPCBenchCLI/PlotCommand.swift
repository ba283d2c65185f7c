import Glibc
import IPCBenchCore

/// `ipcbench plot RESULTS.csv --output DIR [--baseline BASE.csv] [--threshold PERCENT]`: SVG
/// charts and an index.html, drawn by ipcbench itself.
struct PlotCommand: Subcommand {
    /// Exit statuses of `plot`.
    enum Status {
        static let success: Int32 = 0
        /// A CSV cannot be used: unreadable, malformed, nothing to plot, or not comparable.
        static let badInput: Int32 = 2
        static let usage: Int32 = 64
        static let cannotWrite: Int32 = 73
    }

    var files: [String] = []
    var baseline: String?
    /// Required: the parser refuses a command line without it.
    var output = ""
    var thresholdPercent = 5.0
    /// The one results file (``validate()`` makes sure there is one).
    var results: String { files.first ?? "" }

    static let name = "plot"
    static var operands: Operands<PlotCommand>? { Operands(synopsis: "RESULTS.csv", target: \.files) }
    static var flags: [Flag<PlotCommand>] {
        [
            .value("--output", "DIR", \.output, .chartFolder, required: true, help: "the folder for the charts (created if needed)"),
            .value("--baseline", "BASE.csv", \.baseline, .text(ifEmpty: "empty path"),
                   help: "also chart the change from this run, per scenario and metric (change.svg)"),
            .value("--threshold", "PERCENT", \.thresholdPercent, .percent,
                   help: "the band within which a change counts as none, as in ipcbench compare (default 5; 5 and 5% alike)"),
        ]
    }
    static let about = """
    Writes SVG charts and an index.html that shows them into DIR (created if needed):
      throughput-PLACEMENT-WAIT.svg        MiB/s vs payload size, one line per mechanism, memcpy ceiling
      latency-PLACEMENT-WAIT.svg           p50 (solid) and p99 (dashed) round trip vs payload size
      bars-SIZE-PLACEMENT-WAIT.svg         mechanisms side by side at one size, best first
      heatmap-{latency,throughput}-PLACEMENT-WAIT.svg   mechanism x size
      change.svg                           with --baseline: change per scenario and metric, by verdict
    Values are medians of the ok repetitions.
    """
    static let exitStatuses = """
    Exit status: 0 written, 2 a CSV is unreadable, not a regular file, malformed, has nothing to
    plot or cannot be compared with the baseline, 64 bad command line, 73 the charts could not be
    written.
    """

    func validate() throws(UsageError) {
        guard files.count == 1 else {
            throw UsageError(message: files.isEmpty
                ? "needs a results file (\(Self.usage))"
                : "takes one results file, got \(files.count) (use --baseline for the other)")
        }
    }

    func run() -> Int32 {
        // A FIFO would block the read forever, a device read without end: regular files only.
        for path in [results] + (baseline.map { [$0] } ?? []) {
            var info = stat()
            if stat(path, &info) == 0 && (info.st_mode & S_IFMT) != S_IFREG {
                printError("\(path): not a regular file (a result CSV is a file)")
                return Status.badInput
            }
        }
        let measured: ResultSet
        var before: ResultSet? = nil
        do {
            measured = try ResultSet.load(results)
            if let path = baseline { before = try ResultSet.load(path) }
        } catch {
            printError("\(error)")
            return Status.badInput
        }

        let written: [String]
        do {
            written = try PlotReport.write(results: measured, baseline: before, to: output,
                                           threshold: thresholdPercent / 100)
        } catch let error as PlotReport.PlotError {
            printError("\(results): \(error)")
            return Status.badInput
        } catch {
            printError("--output: \(error)")
            return Status.cannotWrite
        }
        let folder = output.hasSuffix("/") ? String(output.dropLast()) : output
        print(TextSafety.forTerminal("\(written.count - 1) charts in \(folder)/; open \(folder)/index.html"))
        return Status.success
    }
}

extension ValueParser where Value == String {
    /// A folder for several files, which standard output (`-`) cannot be.
    static var chartFolder: ValueParser {
        ValueParser { (text: String) throws(SettingError) in
            guard !text.isEmpty else { throw SettingError(message: "empty path (a folder for the charts)") }
            guard text != "-" else { throw SettingError(message: "plot writes several files; give a folder, not -") }
            return text
        }
    }
}
