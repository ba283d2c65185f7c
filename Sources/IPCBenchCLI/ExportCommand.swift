#if canImport(Glibc)
import Glibc
#endif
import IPCBenchCore

/// `ipcbench export RESULTS --format bmf|github-action-benchmark|hgrm [--output PATH]`: a run's
/// results in the formats CI dashboards and HdrHistogram tools read.
enum ExportCommand {
    /// Exit statuses of `export`, as plot's.
    enum Status {
        static let success: Int32 = 0
        /// The results cannot be used: unreadable, malformed, or nothing the format can carry.
        static let badInput: Int32 = 2
        static let usage: Int32 = 64
        static let cannotWrite: Int32 = 73
    }

    static let usage = "usage: ipcbench export RESULTS.csv|RESULTS.json --format bmf|github-action-benchmark|hgrm [--output PATH]"

    static let help = """
    \(usage)

    bmf                      Bencher Metric Format, for `bencher run --adapter json`: one benchmark per
                             scenario (named mechanism/mode/payload_bytes/placement/pairs/wait), measures
                             latency (p50, ns) and throughput (messages/s); value is the median of the ok
                             repetitions, lower_value and upper_value the lowest and highest.
                             --output FILE (default: standard output)
    github-action-benchmark  github-action-benchmark's custom JSON, two files: STEM-smaller.json
                             (tool: customSmallerIsBetter: p50/p99 times in ns) and STEM-bigger.json
                             (tool: customBiggerIsBetter: MiB/s and msgs/s). --output STEM (default
                             ipcbench; a trailing .json is dropped)
    hgrm                     HdrHistogram percentile distributions, one .hgrm per scenario, values in
                             microseconds. Needs the run's JSON (run --json PATH), which keeps each
                             repetition's histogram; repetitions are merged. --output DIR (default hgrm)

    Exit status: 0 written, 2 the results are unreadable, malformed or hold nothing to export,
    64 bad command line, 73 the files could not be written.
    """

    struct Options: Equatable {
        var results: String
        var format: ExportFormat
        var output: String
    }

    /// `arguments` excludes the word `export`.
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
        var info = stat()
        if stat(options.results, &info) == 0 && (info.st_mode & S_IFMT) != S_IFREG {
            printError("\(options.results): not a regular file (a result file is a file)")
            return Status.badInput
        }
        let file: RunFile
        do { file = try RunFile.load(options.results) } catch {
            printError("\(error)")
            return Status.badInput
        }
        do {
            let written = try Exporter.write(options.format, file, path: options.output)
            if options.output != "-" {
                print(TextSafety.forTerminal(written.count == 1 ? "wrote \(written[0])"
                    : "wrote \(written.count) files: \(written.prefix(3).joined(separator: ", "))\(written.count > 3 ? ", …" : "")"))
            }
            return Status.success
        } catch {
            printError("\(options.results): \(error)")
            if case .nothingToExport = error { return Status.badInput }
            return Status.cannotWrite
        }
    }

    /// nil for --help.
    static func parse(_ arguments: [String]) throws(UsageError) -> Options? {
        var files: [String] = []
        var format: ExportFormat? = nil
        var output: String? = nil
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
            case "--format":
                let v = try value()
                guard format == nil else { throw UsageError(message: "--format given twice") }
                guard let f = ExportFormat(rawValue: v) else {
                    throw UsageError(message: "--format: '\(echo(v, limit: 40))' is not one of \(ExportFormat.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                format = f
            case "--output":
                let v = try value()
                guard !v.isEmpty else { throw UsageError(message: "--output: empty path") }
                guard output == nil else { throw UsageError(message: "--output given twice") }
                output = v
            default:
                if flag.hasPrefix("-") && flag != "-" {
                    throw UsageError(message: "export: unknown option '\(echo(flag, limit: 40))' (\(usage))")
                }
                files.append(arg)
            }
        }
        guard files.count == 1 else {
            throw UsageError(message: files.isEmpty ? "export needs a results file (\(usage))" : "export takes one results file, got \(files.count)")
        }
        guard let format else { throw UsageError(message: "export: --format is required (\(usage))") }
        let path = output ?? [.bmf: "-", .githubActionBenchmark: "ipcbench", .hgrm: "hgrm"][format]!
        if path == "-" && format != .bmf {
            throw UsageError(message: "--output: \(format.rawValue) writes several files; give \(format.outputMeaning)")
        }
        return Options(results: files[0], format: format, output: path)
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
