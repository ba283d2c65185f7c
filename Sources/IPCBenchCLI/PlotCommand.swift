#if canImport(Glibc)
import Glibc
#endif
import IPCBenchCore

/// `ipcbench plot RESULTS.csv --output DIR [--baseline BASE.csv] [--threshold PERCENT]`: SVG
/// charts and an index.html, drawn by ipcbench itself.
enum PlotCommand {
    /// Exit statuses of `plot`.
    enum Status {
        static let success: Int32 = 0
        /// A CSV cannot be used: unreadable, malformed, nothing to plot, or not comparable.
        static let badInput: Int32 = 2
        static let usage: Int32 = 64
        static let cannotWrite: Int32 = 73
    }

    static let usage = "usage: ipcbench plot RESULTS.csv|RESULTS.json --output DIR [--baseline BASE] [--threshold PERCENT] [--spectra LIST]\n"
        + "       ipcbench plot --history DIR --output DIR [--threshold PERCENT]"

    static let help = """
    \(usage)

    Writes SVG charts and an index.html that shows them into DIR (created if needed):
      throughput-PLACEMENT-WAIT.svg        MiB/s vs payload size, one line per mechanism, memcpy ceiling
      latency-PLACEMENT-WAIT.svg           p50 (solid) and p99 (dashed) round trip vs payload size
      bars-SIZE-PLACEMENT-WAIT.svg         mechanisms side by side at one size, best first
      heatmap-{latency,throughput}-PLACEMENT-WAIT.svg   mechanism x size
      openloop-PLACEMENT-WAIT.svg          open-loop one-way p50 and p99 vs payload size
      spectrum-MODE-PLACEMENT-WAIT.svg     latency by percentile (0, 90, 99, 99.9 …), from a run's JSON
                                           (run --json), the baseline's dashed when it is a JSON too
      change.svg                           with --baseline: change per scenario and metric, by verdict
    Line charts are small multiples, one panel per family of mechanisms (kernel channels,
    notifications, shared-memory rings), no colour repeated within a chart. Values are medians
    of the ok repetitions. --threshold (default 5) is the band, in percent, within which a change
    counts as none (as in ipcbench compare). --spectra LIST draws the spectra of the scenarios
    whose name (mechanism/mode/payload_bytes/placement/pairs/wait) contains an item, e.g.
    pipe/latency/64,shm-posix; without it, every mechanism at its smallest size.

    --history DIR reads every *.csv (and *.json) in DIR as one run each, orders them by start
    time (then --commit), and draws each scenario's compared metrics over the runs
    (history-METRIC-PLACEMENT-WAIT.svg), marking where compare calls a change between
    consecutive runs.

    Exit status: 0 written, 2 a CSV is unreadable, not a regular file, malformed, has nothing to
    plot or cannot be compared with the baseline, 64 bad command line, 73 the charts could not be
    written.
    """

    struct Options {
        /// Empty with `history`.
        var results: String
        var baseline: String?
        var output: String
        var thresholdPercent: Double
        var history: String? = nil
        var spectra: [String]? = nil
    }

    /// `arguments` excludes the word `plot`.
    static func run(_ arguments: [String]) -> Int32 {
        let options: Options
        do {
            guard let parsed = try parse(arguments) else {
                print(help)
                return Status.success
            }
            options = parsed
        } catch {
            printError(error.message)
            return Status.usage
        }

        if let folder = options.history { return history(folder, options) }
        // A FIFO would block the read forever, a device read without end: regular files only.
        for path in [options.results] + (options.baseline.map { [$0] } ?? []) {
            var info = stat()
            if stat(path, &info) == 0 && (info.st_mode & S_IFMT) != S_IFREG {
                printError("\(path): not a regular file (a result CSV is a file)")
                return Status.badInput
            }
        }
        let results: RunFile
        var baseline: RunFile? = nil
        do {
            results = try RunFile.load(options.results)
            if let path = options.baseline { baseline = try RunFile.load(path) }
        } catch {
            printError("\(error)")
            return Status.badInput
        }

        let files: [String]
        do {
            let spectra = PlotReport.Spectra(results: results.spectra, baseline: baseline?.spectra, patterns: options.spectra)
            files = try PlotReport.write(results: results.results, baseline: baseline?.results, to: options.output,
                                         threshold: options.thresholdPercent / 100, spectra: spectra)
        } catch let error as PlotReport.PlotError {
            printError("\(options.results): \(error)")
            return Status.badInput
        } catch {
            printError("--output: \(error)")
            return Status.cannotWrite
        }
        let folder = options.output.hasSuffix("/") ? String(options.output.dropLast()) : options.output
        print(TextSafety.forTerminal("\(files.count - 1) charts in \(folder)/; open \(folder)/index.html"))
        return Status.success
    }

    /// nil for --help.
    static func parse(_ arguments: [String]) throws(UsageError) -> Options? {
        var files: [String] = []
        var baseline: String? = nil
        var output: String? = nil
        var threshold = 5.0
        var history: String? = nil
        var spectra: [String]? = nil
        var args = arguments[...]
        while let arg = args.popFirst() {
            var flag = arg
            var inline: String? = nil
            if arg.hasPrefix("--"), let eq = arg.firstIndex(of: "=") {
                flag = String(arg[..<eq])
                inline = String(arg[arg.index(after: eq)...])
            }
            func value() throws(UsageError) -> String {
                guard let v = inline ?? args.popFirst() else { throw UsageError(message: "\(flag) needs a value (\(usage))") }
                return v
            }
            switch flag {
            case "--help", "-h":
                return nil
            case "--baseline":
                let v = try value()
                guard !v.isEmpty else { throw UsageError(message: "--baseline: empty path") }
                guard baseline == nil else { throw UsageError(message: "--baseline given twice") }
                baseline = v
            case "--output":
                let v = try value()
                guard !v.isEmpty else { throw UsageError(message: "--output: empty path (a folder for the charts)") }
                guard v != "-" else { throw UsageError(message: "--output: plot writes several files; give a folder, not -") }
                guard output == nil else { throw UsageError(message: "--output given twice") }
                output = v
            case "--history":
                let v = try value()
                guard !v.isEmpty else { throw UsageError(message: "--history: empty path (a folder of result files)") }
                guard history == nil else { throw UsageError(message: "--history given twice") }
                history = v
            case "--spectra":
                let v = try value()
                let items = v.split(separator: ",").map(String.init).filter { !$0.isEmpty }
                guard !items.isEmpty else { throw UsageError(message: "--spectra: a comma-separated list of scenario name parts, e.g. pipe/latency/64") }
                guard spectra == nil else { throw UsageError(message: "--spectra given twice") }
                spectra = items
            case "--threshold":
                let v = try value()
                let digits = v.hasSuffix("%") ? String(v.dropLast()) : v
                guard let d = Double(digits), d.isFinite, d >= 0, d <= 1000 else {
                    throw UsageError(message: "--threshold: '\(echo(v, limit: 20))' is not a percentage from 0 to 1000, e.g. 5")
                }
                threshold = d
            default:
                if flag.hasPrefix("-") && flag != "-" {
                    throw UsageError(message: "plot: unknown option '\(echo(flag, limit: 40))' (\(usage))")
                }
                files.append(arg)
            }
        }
        if let history {
            guard files.isEmpty, baseline == nil, spectra == nil else {
                throw UsageError(message: "plot --history takes no results file, --baseline or --spectra (\(usage))")
            }
            guard let output else { throw UsageError(message: "plot: --output DIR is required (\(usage))") }
            return Options(results: "", baseline: nil, output: output, thresholdPercent: threshold, history: history)
        }
        guard files.count == 1 else {
            throw UsageError(message: files.isEmpty
                ? "plot needs a results file (\(usage))"
                : "plot takes one results file, got \(files.count) (use --baseline for the other)")
        }
        guard let output else { throw UsageError(message: "plot: --output DIR is required (\(usage))") }
        return Options(results: files[0], baseline: baseline, output: output, thresholdPercent: threshold, spectra: spectra)
    }

    /// `--history DIR`: the runs in a folder, over time.
    static func history(_ folder: String, _ options: Options) -> Int32 {
        let history: RunHistory
        do { history = try RunHistory.load(folder: folder) } catch {
            printError("--history: \(error)")
            return Status.badInput
        }
        let files = PlotReport.renderHistory(history, threshold: options.thresholdPercent / 100)
        do { _ = try PlotReport.writeFiles(files, to: options.output) } catch {
            printError("--output: \(error)")
            return Status.cannotWrite
        }
        let out = options.output.hasSuffix("/") ? String(options.output.dropLast()) : options.output
        print(TextSafety.forTerminal("\(files.count - 1) charts of \(history.runs.count) runs in \(out)/; open \(out)/index.html"))
        return Status.success
    }
}
