import Glibc
import IPCBenchCore

/// `ipcbench compare BASE.csv NEW.csv`: regressed, improved, unchanged or inconclusive per
/// scenario and metric; exit 0 without regression, 1 with one, 6 when a likely regression could
/// not be decided, 2-5 when the inputs are unusable.
struct CompareCommand: Subcommand {
    enum Format: String, CaseIterable { case table, markdown, csv, json }

    /// Exit statuses of `compare` (``exitStatuses`` says which it returns), from the one table.
    typealias Status = ExitCode

    var files: [String] = []
    var thresholdPercent = 5.0
    var thresholdsFile: String?
    var confidence = 0.95
    var format = Format.table
    var output: String?
    var allowDifferentMachines = false
    var unpaired = false

    static let name = "compare"
    static var operands: Operands<CompareCommand>? { Operands(synopsis: "BASE.csv NEW.csv", target: \.files) }
    static var flags: [Flag<CompareCommand>] {
        [
            .value("--threshold", "PERCENT", \.thresholdPercent, .percent,
                   help: "a change below this is none (default 5; 5 and 5% alike)"),
            .value("--thresholds", "FILE", \.thresholdsFile, .text(ifEmpty: "needs a file (from ipcbench gate --learn-thresholds)"),
                   help: "per-scenario thresholds learned by ipcbench gate --learn-thresholds (replace --threshold)"),
            .value("--confidence", "LEVEL", \.confidence, .confidence, help: "confidence of the verdicts, 0.5 to 0.999 (default 0.95)"),
            .value("--format", choices(Format.self), \.format, .oneOf(), help: "the report's form (default table)"),
            .value("--output", "PATH", \.output, .text(ifEmpty: "empty path (leave it out for standard output)"),
                   help: "write the report here (default: standard output)"),
            .toggle("--allow-different-machines", \.allowDifferentMachines,
                    help: "compare runs from different machines (flagged) instead of refusing them"),
            .toggle("--unpaired", \.unpaired, help: "ignore ab_pair: repetitions against repetitions"),
        ]
    }
    static let about = """
    Judges every scenario and metric the two CSVs share: regressed, improved, unchanged or
    inconclusive (with the repetitions or pairs that would likely decide it). Files from
    ipcbench gate are compared pair by pair. Files of two versions compare on the columns both
    have: the others are listed as not compared, and a key column a file lacks reads as its
    default (a file from before `copy` existed is all copy).
    """
    static let exitStatuses = """
    Exit status: 0 no regression, 1 a regression, 2 unreadable or malformed CSV or JSON, 3 the
    files share no metric column, 4 nothing to compare, 5 different machines, 6 a likely
    regression left undecided (more repetitions needed), 64 bad command line, 73 the report
    could not be written.
    """

    func validate() throws(UsageError) {
        guard files.count == 2 else { throw UsageError(message: "needs two files, BASE.csv and NEW.csv (\(Self.usage))") }
    }

    /// The exit status a report calls for.
    static func status(_ report: ComparisonReport) -> Int32 {
        if !report.regressions.isEmpty { return Status.regression }
        if !report.likelyRegressions.isEmpty { return Status.undecided }
        return Status.success
    }

    func run() -> Int32 {
        if let output {
            do { try AtomicFile.checkWritable(output) } catch { printError("--output: \(error)"); return Status.usage }
        }
        let base: ResultSet, new: ResultSet
        var settings = CompareSettings()
        settings.threshold = thresholdPercent / 100
        settings.alpha = 1 - confidence
        settings.allowDifferentMachines = allowDifferentMachines
        settings.usePairs = !unpaired
        do {
            base = try ResultSet.load(files[0])
            new = try ResultSet.load(files[1])
        } catch {
            printError("\(error)")
            return Status.badInput
        }
        if let thresholdsFile {
            do { settings.thresholds = try NoiseThresholds.load(thresholdsFile) } catch {
                printError("--thresholds: \(error)")
                return Status.badInput
            }
            settings.thresholdsFile = thresholdsFile
        }
        let report: ComparisonReport
        do {
            report = try Comparator.compare(baseline: base, candidate: new, settings: settings)
        } catch {
            printError("\(error)")
            switch error {
            case .differentSchema: return Status.differentSchema
            case .differentMachines: return Status.differentMachines
            case .nothingToCompare: return Status.nothingToCompare
            }
        }
        let text: String
        switch format {
        case .table: text = ComparisonText.table(report)
        case .markdown: text = ComparisonText.markdown(report, base: files[0], new: files[1])
        case .csv: text = ComparisonText.csv(report)
        case .json: text = ComparisonText.json(report).render() + "\n"
        }
        if let output {
            do { try AtomicFile.write(text, to: output) } catch { printError("\(error)"); return Status.cannotWrite }
        } else {
            print(text, terminator: "")
        }
        return Self.status(report)
    }
}
