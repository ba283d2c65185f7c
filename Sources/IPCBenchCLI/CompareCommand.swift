import Glibc
import IPCBenchCore

/// `ipcbench compare BASE.csv NEW.csv`: regressed, improved, unchanged or inconclusive per
/// scenario and metric; exit 0 without regression, 1 with one, 6 when a likely regression could
/// not be decided, 2-5 when the inputs are unusable.
enum CompareCommand {
    enum Format: String, CaseIterable { case table, markdown, csv, json }

    /// Exit statuses of `compare`.
    enum Status {
        static let noRegression: Int32 = 0
        static let regression: Int32 = 1
        static let badInput: Int32 = 2        // unreadable or malformed CSV
        static let differentSchema: Int32 = 3
        static let nothingToCompare: Int32 = 4
        static let differentMachines: Int32 = 5
        /// No regression was shown, but a comparison whose estimate is beyond the threshold on
        /// the worse side stayed undecided: more repetitions are needed, CI must not pass it.
        static let undecided: Int32 = 6
        static let usage: Int32 = 64
        static let cannotWrite: Int32 = 73
    }

    static let usage = "usage: ipcbench compare BASE.csv NEW.csv [--threshold PERCENT] [--thresholds FILE] [--confidence LEVEL] "
        + "[--format table|markdown|csv|json] [--output PATH] [--allow-different-machines] [--unpaired]"

    /// The exit status a report calls for.
    static func status(_ report: ComparisonReport) -> Int32 {
        if !report.regressions.isEmpty { return Status.regression }
        if !report.likelyRegressions.isEmpty { return Status.undecided }
        return Status.noRegression
    }

    static func run(_ arguments: [String]) -> Int32 {
        var files: [String] = []
        var threshold = 5.0, confidence = 0.95
        var thresholdsFile: String? = nil, unpaired = false
        var format = Format.table
        var output: String? = nil
        var allowMachines = false
        var args = arguments[...]
        while let arg = args.popFirst() {
            var flag = arg, value: String? = nil
            if arg.hasPrefix("--"), let eq = arg.firstIndex(of: "=") {
                flag = String(arg[..<eq]); value = String(arg[arg.index(after: eq)...])
            }
            func next() -> String? { value ?? args.popFirst() }
            switch flag {
            case "--help", "-h":
                print(usage)
                return Status.noRegression
            case "--allow-different-machines":
                allowMachines = true
            case "--unpaired":
                unpaired = true
            case "--thresholds":
                guard let v = next(), !v.isEmpty else { printError("--thresholds needs a file (from ipcbench gate --learn-thresholds)"); return Status.usage }
                thresholdsFile = v
            case "--threshold":
                guard let v = next(), let d = Double(v), d.isFinite, d >= 0, d <= 1000 else {
                    printError("--threshold: a percentage from 0 to 1000, e.g. 5"); return Status.usage
                }
                threshold = d
            case "--confidence":
                guard let v = next(), let d = Double(v), d.isFinite, d >= 0.5, d < 1 else {
                    printError("--confidence: a level from 0.5 to 0.999, e.g. 0.95"); return Status.usage
                }
                confidence = d
            case "--format":
                guard let v = next(), let f = Format(rawValue: v) else {
                    printError("--format: one of \(Format.allCases.map(\.rawValue).joined(separator: ", "))"); return Status.usage
                }
                format = f
            case "--output":
                guard let v = next(), !v.isEmpty else { printError("--output needs a path"); return Status.usage }
                output = v
            default:
                if flag.hasPrefix("-") && flag != "-" {
                    printError("compare: unknown option '\(echo(flag, limit: 40))' (\(usage))"); return Status.usage
                }
                files.append(arg)
            }
        }
        guard files.count == 2 else {
            printError("compare needs two files, BASE.csv and NEW.csv (\(usage))")
            return Status.usage
        }
        if let output {
            do { try AtomicFile.checkWritable(output) } catch { printError("--output: \(error)"); return Status.usage }
        }
        let base: ResultSet, new: ResultSet
        var settings = CompareSettings()
        settings.threshold = threshold / 100
        settings.alpha = 1 - confidence
        settings.allowDifferentMachines = allowMachines
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
        return status(report)
    }
}
