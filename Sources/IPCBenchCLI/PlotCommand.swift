import Glibc
import IPCBenchCore

/// `ipcbench plot RESULTS.csv --output DIR [--baseline BASE.csv] [--threshold PERCENT]`: SVG
/// charts and an index.html, drawn by ipcbench itself.
struct PlotCommand: Subcommand {
    /// Exit statuses of `plot` (``exitStatuses`` says which it returns), from the one table.
    typealias Status = ExitCode

    var files: [String] = []
    var baseline: String?
    /// Required: the parser refuses a command line without it.
    var output = ""
    var thresholdPercent = 5.0
    /// `--history DIR`: a folder of runs instead of one results file.
    var history: String?
    var spectra: [String]?
    /// The one results file (``validate()`` makes sure there is one).
    var results: String { files.first ?? "" }
    /// `--output` as the closing message names it, without a trailing `/`.
    private var outputFolder: String { output.hasSuffix("/") ? String(output.dropLast()) : output }

    static let name = "plot"
    static var operands: Operands<PlotCommand>? { Operands(synopsis: "RESULTS.csv|RESULTS.json", target: \.files) }
    static var flags: [Flag<PlotCommand>] {
        [
            .value("--output", "DIR", \.output, .chartFolder, required: true, help: "the folder for the charts (created if needed)"),
            .value("--baseline", "BASE.csv", \.baseline, .text(ifEmpty: "empty path"),
                   help: "also chart the change from this run, per scenario and metric (change.svg)"),
            .value("--threshold", "PERCENT", \.thresholdPercent, .percent,
                   help: "the band within which a change counts as none, as in ipcbench compare (default 5; 5 and 5% alike)"),
            .value("--history", "DIR", \.history, .text(ifEmpty: "empty path (a folder of result files)"),
                   help: "instead of one results file: every *.csv and *.json in DIR as one run each, over time"),
            .value("--spectra", "LIST", \.spectra, .nameParts,
                   help: "latency spectra of the scenarios whose name contains an item, e.g. pipe/latency/64,shm-posix"),
        ]
    }
    static let about = """
    Writes SVG charts and an index.html that shows them into DIR (created if needed):
      throughput-PLACEMENT-WAIT.svg        MiB/s vs payload size, one line per mechanism, memcpy ceiling
      latency-PLACEMENT-WAIT.svg           p50 (solid) and p99 (dashed) round trip vs payload size
      bars-SIZE-PLACEMENT-WAIT.svg         mechanisms side by side at one size, best first
      heatmap-{latency,throughput}-PLACEMENT-WAIT.svg   mechanism x size
      change.svg                           with --baseline: change per scenario and metric, by verdict
      spectrum-*.svg                       latency against percentile (0 to 99.99, log axis) from
                                           the run's JSON, the baseline's overlaid
    Line charts are small multiples, one panel per family of mechanisms, no colour repeated
    within a chart. Values are medians of the ok repetitions. --spectra LIST draws the spectra of
    the scenarios whose name (mechanism/mode/payload_bytes/placement/pairs/wait) contains an item;
    without it, every mechanism at its smallest size.

    --history DIR reads every *.csv (and *.json) in DIR as one run each, orders them by start
    time (then --commit), and draws each scenario's compared metrics over the runs
    (history-METRIC-PLACEMENT-WAIT.svg), marking where compare calls a change between
    consecutive runs.
    """
    static let exitStatuses = """
    Exit status: 0 written, 2 a CSV is unreadable, not a regular file, malformed, has nothing to
    plot or cannot be compared with the baseline, 64 bad command line, 73 the charts could not be
    written.
    """

    func validate() throws(UsageError) {
        if history != nil {
            guard files.isEmpty, baseline == nil, spectra == nil else {
                throw UsageError(message: "--history takes no results file, --baseline or --spectra")
            }
            return
        }
        guard files.count == 1 else {
            throw UsageError(message: files.isEmpty
                ? "needs a results file (\(Self.usage))"
                : "takes one results file, got \(files.count) (use --baseline for the other)")
        }
    }

    func run() -> Int32 {
        if let folder = history { return drawHistory(folder) }
        // A FIFO would block the read forever, a device read without end: regular files only.
        for path in [results] + (baseline.map { [$0] } ?? []) {
            var info = stat()
            if stat(path, &info) == 0 && (info.st_mode & S_IFMT) != S_IFREG {
                printError("\(path): not a regular file (a result CSV is a file)")
                return Status.badInput
            }
        }
        let measured: RunFile
        var before: RunFile? = nil
        do {
            measured = try RunFile.load(results)
            if let path = baseline { before = try RunFile.load(path) }
        } catch {
            printError("\(error)")
            return Status.badInput
        }

        let written: [String]
        do {
            let spectra = PlotReport.Spectra(results: measured.spectra, baseline: before?.spectra, patterns: spectra)
            written = try PlotReport.write(results: measured.results, baseline: before?.results, to: output,
                                           threshold: thresholdPercent / 100, spectra: spectra)
        } catch let error as PlotReport.PlotError {
            printError("\(results): \(error)")
            return Status.badInput
        } catch {
            printError("--output: \(error)")
            return Status.cannotWrite
        }
        print(TextSafety.forTerminal("\(written.count - 1) charts in \(outputFolder)/; open \(outputFolder)/index.html"))
        return Status.success
    }

    /// `--history DIR`: the runs in a folder, over time.
    private func drawHistory(_ folder: String) -> Int32 {
        let runs: RunHistory
        do { runs = try RunHistory.load(folder: folder) } catch {
            printError("--history: \(error)")
            return Status.badInput
        }
        let files = PlotReport.renderHistory(runs, threshold: thresholdPercent / 100)
        do { _ = try PlotReport.writeFiles(files, to: output) } catch {
            printError("--output: \(error)")
            return Status.cannotWrite
        }
        print(TextSafety.forTerminal("\(files.count - 1) charts of \(runs.runs.count) runs in \(outputFolder)/; open \(outputFolder)/index.html"))
        return Status.success
    }
}

extension ValueParser where Value == [String] {
    /// Parts of scenario names, comma-separated (`pipe/latency/64,shm-posix`).
    static var nameParts: ValueParser {
        ValueParser(parse: { (text: String) throws(SettingError) in
            let items = text.split(separator: ",").map(String.init).filter { !$0.isEmpty }
            guard !items.isEmpty else { throw SettingError(message: "a comma-separated list of scenario name parts, e.g. pipe/latency/64") }
            return items
        }, isList: true)
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
