#if canImport(Glibc)
import Glibc
#endif
import IPCBenchCore

/// `ipcbench compare BASE.csv NEW.csv`: regressed, improved, unchanged or inconclusive per
/// scenario and metric; exit 0 without regression, 1 with one, 2+ when the inputs are unusable.
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
        static let usage: Int32 = 64
        static let cannotWrite: Int32 = 73
    }

    static let usage = "usage: ipcbench compare BASE.csv NEW.csv [--threshold PERCENT] [--confidence LEVEL] "
        + "[--format table|markdown|csv|json] [--output PATH] [--allow-different-machines]"

    static func run(_ arguments: [String]) -> Int32 {
        var files: [String] = []
        var threshold = 5.0, confidence = 0.95
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
        do {
            base = try ResultSet.load(files[0])
            new = try ResultSet.load(files[1])
        } catch {
            printError("\(error)")
            return Status.badInput
        }
        let report: ComparisonReport
        do {
            report = try Comparator.compare(
                baseline: base, candidate: new, threshold: threshold / 100, confidence: confidence,
                allowDifferentMachines: allowMachines)
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
        return report.regressions.isEmpty ? Status.noRegression : Status.regression
    }
}

/// The renderings of a comparison.
enum ComparisonText {
    static func value(_ v: Double, _ metric: Metric) -> String {
        metric.higherIsBetter ? fixed(v, v < 10 ? 2 : 1) : humanDuration(v)
    }

    static func percent(_ ratio: Double) -> String {
        guard ratio.isFinite else { return "?" }
        let p = (ratio - 1) * 100
        return (p >= 0 ? "+" : "") + fixed(p, 1) + "%"
    }

    static func summary(_ r: ComparisonReport) -> String {
        let counts = Verdict.allCases.map { v in "\(r.comparisons.filter { $0.verdict == v }.count) \(v.rawValue)" }
        return "\(r.comparisons.count) comparisons: " + counts.joined(separator: ", ")
            + " (threshold \(fixed(r.threshold * 100, 1))%, \(fixed(r.confidence * 100, 0))% confidence)"
    }

    static func rows(_ r: ComparisonReport) -> [[String]] {
        r.comparisons.map { c in
            [c.key.description, c.metric.label, value(c.baselineMedian, c.metric), value(c.candidateMedian, c.metric),
             percent(c.ratio), "\(percent(c.ratioLow)) .. \(percent(c.ratioHigh))", fixed(c.adjustedPValue, 3),
             "\(c.baseline.count)/\(c.candidate.count)", c.verdict.rawValue]
        }
    }

    static let header = ["scenario", "metric", "base", "new", "change", "CI of change", "p (Holm)", "n", "verdict"]

    static func extras(_ r: ComparisonReport, bullet: String) -> String {
        var out = ""
        if r.differentMachines { out += "\(bullet)warning: BASE and NEW come from different machines (--allow-different-machines)\n" }
        if !r.onlyInBaseline.isEmpty { out += "\(bullet)only in BASE: \(r.onlyInBaseline.map(\.description).joined(separator: "; "))\n" }
        if !r.onlyInCandidate.isEmpty { out += "\(bullet)only in NEW: \(r.onlyInCandidate.map(\.description).joined(separator: "; "))\n" }
        for (key, why) in r.notComparable { out += "\(bullet)not compared: \(key) \(why)\n" }
        let needed = Comparator.repetitionsNeeded(comparisons: r.comparisons.count, confidence: r.confidence)
        let few = r.comparisons.filter { min($0.baseline.count, $0.candidate.count) < needed }.count
        if few > 0 {
            out += "\(bullet)note: \(few) of \(r.comparisons.count) comparisons have fewer than \(needed) repetitions a side, "
                + "too few for any change among this many comparisons to be significant: run with more repetitions\n"
        }
        return out
    }

    static func table(_ r: ComparisonReport) -> String {
        summary(r) + "\n\n" + SummaryTable.alignColumns([header] + rows(r)) + (extras(r, bullet: "").isEmpty ? "" : "\n" + extras(r, bullet: ""))
    }

    static func markdown(_ r: ComparisonReport, base: String, new: String) -> String {
        let regressed = r.regressions.count
        var out = "### ipcbench: " + (regressed == 0 ? "no regression" : "\(regressed) regression\(regressed == 1 ? "" : "s")") + "\n\n"
        out += summary(r) + ". BASE `\(base)`, NEW `\(new)`.\n\n"
        out += "| " + header.joined(separator: " | ") + " |\n|" + header.map { _ in " --- |" }.joined() + "\n"
        for row in rows(r) {
            var cells = row.map { $0.replacingAll("|", with: "\\|") }
            if cells.last == "regressed" { cells[cells.count - 1] = "**regressed**" }
            out += "| " + cells.joined(separator: " | ") + " |\n"
        }
        let extra = extras(r, bullet: "- ")
        return out + (extra.isEmpty ? "" : "\n" + extra)
    }

    static func csv(_ r: ComparisonReport) -> String {
        var out = "mechanism,mode,payload_bytes,placement,pairs,wait,metric,baseline_median,candidate_median,"
            + "ratio,ratio_ci_low,ratio_ci_high,p_value,p_value_holm,baseline_n,candidate_n,verdict\r\n"
        for c in r.comparisons {
            let cells = [c.key.mechanism, c.key.mode, String(c.key.payloadBytes), c.key.placement, String(c.key.pairs),
                         c.key.wait, c.metric.column, fixed(c.baselineMedian, 3), fixed(c.candidateMedian, 3),
                         fixed(c.ratio, 4), fixed(c.ratioLow, 4), fixed(c.ratioHigh, 4), fixed(c.pValue, 4), fixed(c.adjustedPValue, 4),
                         String(c.baseline.count), String(c.candidate.count), c.verdict.rawValue]
            out += cells.map(CSVReport.escape).joined(separator: ",") + "\r\n"
        }
        return out
    }

    static func keyJSON(_ k: ScenarioKey) -> JSON {
        .object([("mechanism", .string(k.mechanism)), ("mode", .string(k.mode)), ("payload_bytes", .integer(k.payloadBytes)),
                 ("placement", .string(k.placement)), ("pairs", .integer(k.pairs)), ("wait", .string(k.wait))])
    }

    static func json(_ r: ComparisonReport) -> JSON {
        .object([
            ("threshold", .number(r.threshold)), ("confidence", .number(r.confidence)),
            ("different_machines", .bool(r.differentMachines)),
            ("summary", .object(Verdict.allCases.map { v in (v.rawValue, .integer(r.comparisons.filter { $0.verdict == v }.count)) })),
            ("comparisons", .array(r.comparisons.map { c in
                .object([("scenario", keyJSON(c.key)), ("metric", .string(c.metric.column)),
                         ("baseline", .array(c.baseline.map { .number($0) })), ("candidate", .array(c.candidate.map { .number($0) })),
                         ("baseline_median", .number(c.baselineMedian)), ("candidate_median", .number(c.candidateMedian)),
                         ("ratio", .number(c.ratio)), ("ratio_ci", .array([.number(c.ratioLow), .number(c.ratioHigh)])),
                         ("p_value", .number(c.pValue)), ("p_value_holm", .number(c.adjustedPValue)),
                         ("verdict", .string(c.verdict.rawValue))])
            })),
            ("only_in_baseline", .array(r.onlyInBaseline.map(keyJSON))),
            ("only_in_candidate", .array(r.onlyInCandidate.map(keyJSON))),
            ("not_compared", .array(r.notComparable.map { .object([("scenario", keyJSON($0.0)), ("why", .string($0.1))]) })),
        ])
    }
}
