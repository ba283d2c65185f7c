import Glibc
import IPCBenchCore

/// `ipcbench export RESULTS --format bmf|github-action-benchmark|hgrm [--output PATH]`: a run's
/// results in the formats CI dashboards and HdrHistogram tools read.
struct ExportCommand: Subcommand {
    /// Exit statuses of `export` (``exitStatuses`` says which it returns), from the one table.
    typealias Status = ExitCode

    var files: [String] = []
    var format: ExportFormat?
    var output: String?
    var results: String { files.first ?? "" }
    /// Where the files go: --output, or the format's default.
    var path: String { output ?? [.bmf: "-", .githubActionBenchmark: "ipcbench", .hgrm: "hgrm"][format ?? .bmf]! }

    static let name = "export"
    static var operands: Operands<ExportCommand>? { Operands(synopsis: "RESULTS.csv|RESULTS.json", target: \.files) }
    static var flags: [Flag<ExportCommand>] {
        [
            .value("--format", "FORMAT", \.format, .oneOf(), help: "bmf, github-action-benchmark or hgrm (required)"),
            .value("--output", "PATH", \.output, .text(ifEmpty: "empty path"),
                   help: "bmf: a file (default: standard output); github-action-benchmark: a stem (default ipcbench); "
                + "hgrm: a folder (default hgrm)"),
        ]
    }
    static let about = """
    bmf                      Bencher Metric Format, for `bencher run --adapter json`: one benchmark per
                             scenario (named after its key columns, mechanism/mode/payload_bytes/placement/
                             pairs/wait/...), measures latency (p50, ns) and throughput (messages/s); value is
                             the median of the ok repetitions, lower_value and upper_value the lowest and highest.
    github-action-benchmark  github-action-benchmark's custom JSON, two files: STEM-smaller.json
                             (tool: customSmallerIsBetter: p50/p99 times in ns) and STEM-bigger.json
                             (tool: customBiggerIsBetter: MiB/s and msgs/s); a trailing .json is dropped.
    hgrm                     HdrHistogram percentile distributions, one .hgrm per scenario, values in
                             microseconds. Needs the run's JSON (run --json PATH), which keeps each
                             repetition's histogram; repetitions are merged.
    """
    static let exitStatuses = """
    Exit status: 0 written, 2 the results are unreadable, malformed or hold nothing to export,
    64 bad command line, 73 the files could not be written.
    """

    func validate() throws(UsageError) {
        guard files.count == 1 else {
            throw UsageError(message: files.isEmpty ? "needs a results file (\(Self.usage))" : "takes one results file, got \(files.count)")
        }
        guard let format else { throw UsageError(message: "--format is required (\(Self.usage))") }
        if path == "-" && format != .bmf {
            throw UsageError(message: "--output: \(format.rawValue) writes several files; give \(format.outputMeaning)")
        }
    }

    func run() -> Int32 {
        guard let format else { return Status.usage }
        var info = stat()
        if stat(results, &info) == 0 && (info.st_mode & S_IFMT) != S_IFREG {
            printError("\(results): not a regular file (a result file is a file)")
            return Status.badInput
        }
        let file: RunFile
        do { file = try RunFile.load(results) } catch {
            printError("\(error)")
            return Status.badInput
        }
        do {
            let written = try Exporter.write(format, file, path: path)
            if path != "-" {
                print(TextSafety.forTerminal(written.count == 1 ? "wrote \(written[0])"
                    : "wrote \(written.count) files: \(written.prefix(3).joined(separator: ", "))\(written.count > 3 ? ", …" : "")"))
            }
            return Status.success
        } catch {
            printError("\(results): \(error)")
            if case .nothingToExport = error { return Status.badInput }
            return Status.cannotWrite
        }
    }
}

/// `run --export FORMAT=PATH,…`: the exports of the rows just written; returns the problems.
enum RunExports {
    /// Before anything is measured: a path that cannot be written is a usage error.
    static func check(_ requests: [ExportRequest]) -> String? {
        for r in requests {
            if r.path == "-" { return "--export: \(r.format.rawValue)=- is not a path; give \(r.format.outputMeaning)" }
            guard r.format != .hgrm else { continue }
            let stem = r.path.hasSuffix(".json") ? String(r.path.dropLast(5)) : r.path
            for path in r.format == .bmf ? [r.path] : ["\(stem)-smaller.json", "\(stem)-bigger.json"] {
                do { try AtomicFile.checkWritable(path) } catch { return "--export: \(error)" }
            }
        }
        return nil
    }

    static func write(_ requests: [ExportRequest], rows: [[String]], results: [RepetitionResult]) -> [String] {
        guard !requests.isEmpty, !rows.isEmpty else { return [] }
        let set: ResultSet
        do { set = try ResultSet.parse(CSVReport.render(rows), name: "the run") } catch { return ["--export: \(error)"] }
        let file = RunFile(results: set, spectra: LatencySpectra(results))
        var problems: [String] = []
        for r in requests {
            do { _ = try Exporter.write(r.format, file, path: r.path) } catch { problems.append("--export \(r.format.rawValue): \(error)") }
        }
        return problems
    }
}
