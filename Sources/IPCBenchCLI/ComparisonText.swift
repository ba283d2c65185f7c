import IPCBenchCore

/// The renderings of a comparison: a terminal table, markdown for a pull request, CSV, JSON.
enum ComparisonText {
    static func value(_ v: Double, _ metric: ResultColumn) -> String {
        if metric.unit == .count { return fixed(v, 3) }
        return metric.higherIsBetter ? fixed(v, v < 10 ? 2 : 1) : humanDuration(v)
    }

    /// A count's change in its own unit: "+3.000 syscalls/msg".
    static func change(_ c: MetricComparison) -> String {
        guard c.isCount else { return percent(c.ratio) }
        return (c.change >= 0 ? "+" : "") + fixed(c.change, 3) + " " + c.metric.label
    }

    static func interval(_ c: MetricComparison) -> String {
        if c.isCount { return "\(signed(c.changeLow)) .. \(signed(c.changeHigh))" }
        return "\(percent(c.ratioLow)) .. \(percent(c.ratioHigh))"
    }

    static func signed(_ v: Double) -> String { v.isFinite ? (v >= 0 ? "+" : "") + fixed(v, 3) : "?" }

    /// The smallest change the comparison could have called: "±4.0%", or "±0.050/msg" for counts.
    static func resolution(_ c: MetricComparison) -> String {
        guard c.resolution.isFinite else { return "±?" }
        if c.isCount { return "±" + fixed(c.resolution, 3) + "/msg" }
        return "±" + fixed(c.resolution * 100, 1) + "%"
    }

    static func percent(_ ratio: Double) -> String {
        guard ratio.isFinite else { return "?" }
        let p = (ratio - 1) * 100
        return (p >= 0 ? "+" : "") + fixed(p, 1) + "%"
    }

    static func summary(_ r: ComparisonReport) -> String {
        let counts = Verdict.allCases.map { v in "\(r.comparisons.filter { $0.verdict == v }.count) \(v.rawValue)" }
        let likely = r.likelyRegressions.count
        let resolutions = r.comparisons.filter { !$0.isCount && $0.resolution.isFinite }.map { $0.resolution * 100 }
        return "\(r.comparisons.count) comparisons" + (r.paired ? " (paired A/B)" : "") + ": " + counts.joined(separator: ", ")
            + (likely > 0 ? " (\(likely) likely regressions)" : "")
            + "; threshold \(fixed(r.threshold * 100, 1))%" + (r.thresholdsFile != nil ? " or learned per scenario" : "")
            + (resolutions.isEmpty ? "" : ", median resolution of the times ±\(fixed(Statistics.median(resolutions), 1))%")
            + ", intervals at \(fixed(r.confidence * 100, 3))% (corrected for \(r.comparisons.count))"
    }

    /// What a verdict cell says: the verdict, and for an undecided one what would decide it.
    static func verdictText(_ c: MetricComparison) -> String {
        var text = c.verdict.rawValue
        if c.verdict == .unchanged { text += " " + resolution(c) }
        if c.verdict == .regressed && c.isCount { text += " (" + change(c) + ")" }
        if c.verdict == .inconclusive {
            if c.likelyRegression { text += ", likely regression" }
            if let n = c.repetitionsNeeded { text += ", needs ~\(n) \(c.paired ? "pairs" : "reps")" }
        }
        return text
    }

    /// Notes on one comparison: evidence set aside, host states.
    static func notes(_ c: MetricComparison) -> String {
        var parts: [String] = []
        if c.setAside > 0 { parts.append("\(c.setAside) set aside (host state)") }
        if c.differentHostStates {
            parts.append("measured in different host states: BASE \(c.baselineStates), NEW \(c.candidateStates)")
        } else if c.baselineStates.states.count > 1 || c.candidateStates.states.count > 1 {
            parts.append("host states: BASE \(c.baselineStates); NEW \(c.candidateStates)")
        }
        return parts.joined(separator: "; ")
    }

    static func rows(_ r: ComparisonReport) -> [[String]] {
        r.comparisons.map { c in
            [c.key.description, c.metric.label, value(c.baselineMedian, c.metric), value(c.candidateMedian, c.metric),
             change(c), interval(c), fixed(c.adjustedPValue, 3),
             c.paired && !c.isCount ? "\(c.baseline.count) pairs" : "\(c.baseline.count)/\(c.candidate.count)",
             resolution(c), verdictText(c), notes(c)]
        }
    }

    static let header = ["scenario", "metric", "base", "new", "change", "CI of change", "p (Holm)", "n", "resolution", "verdict", "notes"]

    static func extras(_ r: ComparisonReport, bullet: String) -> String {
        var out = ""
        if r.differentMachines { out += "\(bullet)warning: BASE and NEW come from different machines (--allow-different-machines)\n" }
        if !r.columnsOnlyInBaseline.isEmpty {
            out += "\(bullet)columns only in BASE, not compared: \(r.columnsOnlyInBaseline.map { echo($0, limit: 60) }.joined(separator: ", "))\n"
        }
        if !r.columnsOnlyInCandidate.isEmpty {
            out += "\(bullet)columns only in NEW, not compared: \(r.columnsOnlyInCandidate.map { echo($0, limit: 60) }.joined(separator: ", "))\n"
        }
        if !r.onlyInBaseline.isEmpty { out += "\(bullet)only in BASE: \(r.onlyInBaseline.map(\.description).joined(separator: "; "))\n" }
        if !r.onlyInCandidate.isEmpty { out += "\(bullet)only in NEW: \(r.onlyInCandidate.map(\.description).joined(separator: "; "))\n" }
        for (key, why) in r.notComparable { out += "\(bullet)not compared: \(key) \(why)\n" }
        let setAside = r.comparisons.reduce(0) { $0 + $1.setAside }
        if setAside > 0 {
            out += "\(bullet)\(setAside) \(r.paired ? "pairs" : "repetitions") set aside across \(r.comparisons.filter { $0.setAside > 0 }.count) comparisons: "
                + "the two sides' host probes disagreed (see README, Host states)\n"
        }
        let states = r.comparisons.filter(\.differentHostStates).count
        if states > 0 { out += "\(bullet)\(states) comparisons were measured in different host states on the two sides: their change may be the host's\n" }
        let likely = r.likelyRegressions
        if !likely.isEmpty {
            out += "\(bullet)\(likely.count) likely regression\(likely.count == 1 ? "" : "s") (worse than the threshold at the lenient level only): "
                + likely.prefix(5).map { "\($0.key) \($0.metric.label) (\(change($0)), needs ~\($0.repetitionsNeeded.map(String.init) ?? "?"))" }
                    .joined(separator: "; ") + (likely.count > 5 ? "; …" : "") + "\n"
        }
        return out
    }

    static func table(_ r: ComparisonReport) -> String {
        let safe = rows(r).map { $0.map { echo($0, limit: 400) } }
        let extra = extras(r, bullet: "")
        return summary(r) + "\n\n" + SummaryTable.alignColumns([header] + safe) + (extra.isEmpty ? "" : "\n" + echoLines(extra))
    }

    /// Control characters escaped line by line (the line breaks themselves kept).
    static func echoLines(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { echo($0, limit: 2000) }.joined(separator: "\n")
    }

    /// Text from the inputs (mechanism names, paths, notes) made inert in markdown: no HTML, no
    /// links or emphasis, no table breaks, no control characters.
    static func markdownText(_ text: String) -> String {
        var out = ""
        for ch in echo(text, limit: 400) {
            switch ch {
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "&": out += "&amp;"
            case "|", "\\", "`", "*", "_", "[", "]", "#", "!", "~": out += "\\\(ch)"
            default: out.append(ch)
            }
        }
        return out
    }

    static func markdown(_ r: ComparisonReport, base: String, new: String) -> String {
        let regressed = r.regressions.count, likely = r.likelyRegressions.count
        var title = regressed == 0 ? "no regression" : "\(regressed) regression\(regressed == 1 ? "" : "s")"
        if likely > 0 { title += ", \(likely) likely regression\(likely == 1 ? "" : "s")" }
        var out = "### ipcbench: \(title)\n\n"
        out += markdownText(summary(r)) + ". BASE `\(markdownText(base).replacingAll("`", with: "'"))`, NEW `\(markdownText(new).replacingAll("`", with: "'"))`.\n\n"
        out += "| " + header.joined(separator: " | ") + " |\n|" + header.map { _ in " --- |" }.joined() + "\n"
        for row in rows(r) {
            var cells = row.map(markdownText)
            if row[header.count - 2] == "regressed" { cells[header.count - 2] = "**regressed**" }
            out += "| " + cells.joined(separator: " | ") + " |\n"
        }
        let extra = extras(r, bullet: "- ")
        return out + (extra.isEmpty ? "" : "\n" + extra.split(separator: "\n").map { "- " + markdownText(String($0.dropFirst(2))) }.joined(separator: "\n") + "\n")
    }

    static func csv(_ r: ComparisonReport) -> String {
        var out = ResultSet.keyColumns.joined(separator: ",") + ",metric,baseline_median,candidate_median,"
            + "ratio,ratio_ci_low,ratio_ci_high,p_value,p_value_holm,baseline_n,candidate_n,paired,set_aside,threshold_pct,"
            + "verdict,likely_regression,repetitions_needed,resolution_pct,change,change_ci_low,change_ci_high\r\n"
        for c in r.comparisons {
            let cells = c.key.cells + [c.metric.name, fixed(c.baselineMedian, 3), fixed(c.candidateMedian, 3),
                         fixed(c.ratio, 4), fixed(c.ratioLow, 4), fixed(c.ratioHigh, 4), fixed(c.pValue, 6), fixed(c.adjustedPValue, 6),
                         String(c.baseline.count), String(c.candidate.count), String(c.paired), String(c.setAside),
                         fixed(c.threshold * 100, 2), c.verdict.rawValue, String(c.likelyRegression),
                         c.repetitionsNeeded.map(String.init) ?? "", c.resolutionPercent.map { fixed($0, 2) } ?? "",
                         c.isCount ? fixed(c.change, 4) : "", c.isCount ? fixed(c.changeLow, 4) : "", c.isCount ? fixed(c.changeHigh, 4) : ""]
            out += cells.map(CSVReport.escape).joined(separator: ",") + "\r\n"
        }
        return out
    }

    static func keyJSON(_ k: ScenarioKey) -> JSON {
        .object([("mechanism", .string(k.mechanism)), ("mode", .string(k.mode.rawValue)), ("payload_bytes", .integer(k.payloadBytes)),
                 ("placement", .string(k.placement.rawValue)), ("pairs", .integer(k.pairs)), ("wait", .string(k.wait.rawValue)),
                 ("copy", .string(k.copy.rawValue)), ("topology", .string(k.topology.rawValue)), ("cpu_pair", .string(k.cpuPair?.description ?? "")),
                 ("family", MechanismRegistry.named(k.mechanism).map { .string($0.traits.family.rawValue) } ?? .null)])
    }

    static func statesJSON(_ s: HostStates) -> JSON {
        .array(s.states.map { .object([("probe_ns", .number($0.probeNs)), ("repetitions", .integer($0.count))]) })
    }

    /// compare's JSON (README "compare.json" documents each field).
    static func json(_ r: ComparisonReport, extra: [(String, JSON)] = []) -> JSON {
        .object([
            ("threshold", .number(r.threshold)), ("thresholds_file", r.thresholdsFile.map { .string($0) } ?? .null),
            ("confidence", .number(r.confidence)), ("looks", .integer(r.looks)), ("paired", .bool(r.paired)),
            ("different_machines", .bool(r.differentMachines)),
            ("summary", .object(Verdict.allCases.map { v in (v.rawValue, .integer(r.comparisons.filter { $0.verdict == v }.count)) }
                + [("likely_regression", .integer(r.likelyRegressions.count))])),
            ("comparisons", .array(r.comparisons.map { c in
                .object([("scenario", keyJSON(c.key)), ("scenario_name", .string(c.key.description)),
                         ("metric", .string(c.metric.name)), ("higher_is_better", .bool(c.metric.higherIsBetter)),
                         ("verdict", .string(c.verdict.rawValue)), ("likely_regression", .bool(c.likelyRegression)),
                         ("repetitions_needed", c.repetitionsNeeded.map { .integer($0) } ?? .null),
                         ("threshold", .number(c.threshold)), ("paired", .bool(c.paired)),
                         ("resolution_pct", c.resolutionPercent.map { .number($0) } ?? .null),
                         ("resolution", c.resolution.isFinite ? .number(c.resolution) : .null), ("is_count", .bool(c.isCount)),
                         ("change", c.isCount ? .number(c.change) : .null),
                         ("change_ci", c.isCount ? .array([.number(c.changeLow), .number(c.changeHigh)]) : .null),
                         ("baseline", .array(c.baseline.map { .number($0) })), ("candidate", .array(c.candidate.map { .number($0) })),
                         ("set_aside", .integer(c.setAside)),
                         ("baseline_median", .number(c.baselineMedian)), ("candidate_median", .number(c.candidateMedian)),
                         ("ratio", .number(c.ratio)), ("ratio_ci", .array([.number(c.ratioLow), .number(c.ratioHigh)])),
                         ("p_value", .number(c.pValue)), ("p_value_holm", .number(c.adjustedPValue)),
                         ("host_states", .object([("baseline", statesJSON(c.baselineStates)), ("candidate", statesJSON(c.candidateStates))])),
                         ("different_host_states", .bool(c.differentHostStates))])
            })),
            ("columns_only_in_baseline", .array(r.columnsOnlyInBaseline.map { .string($0) })),
            ("columns_only_in_candidate", .array(r.columnsOnlyInCandidate.map { .string($0) })),
            ("only_in_baseline", .array(r.onlyInBaseline.map(keyJSON))),
            ("only_in_candidate", .array(r.onlyInCandidate.map(keyJSON))),
            ("not_compared", .array(r.notComparable.map { .object([("scenario", keyJSON($0.0)), ("why", .string($0.1))]) })),
        ] + extra)
    }
}
