import Glibc
import IPCBenchCore

/// `ipcbench gate`: the paired, sequential A/B regression gate (see `ABGate`), and with
/// `--learn-thresholds` the A/A run that writes per-scenario noise thresholds.
enum GateCommand {
    /// Exit statuses of `gate`; 0, 1 and 6 as in compare.
    enum Status {
        static let pass: Int32 = 0
        static let regression: Int32 = 1
        static let nothingToCompare: Int32 = 4
        static let undecided: Int32 = 6
        static let usage: Int32 = 64
        static let badSuite: Int32 = 65
        static let setupFailed: Int32 = 71
        static let cannotWrite: Int32 = 73
    }

    static let help = """
    usage: ipcbench gate --base PROGRAM [--candidate PROGRAM] [options]
           ipcbench gate --learn-thresholds FILE [--rounds N] [options]

    Runs BASE and NEW (two builds of ipcbench) scenario by scenario, back to back, in alternating
    order (A B, B A, …), and judges each scenario on its pairs after every round; a scenario
    stops when all its comparisons are decided (regressed, improved or unchanged), the rest go on
    until decided or until the budget is spent. Each scenario's message count is calibrated once,
    on NEW, to fill --min-time, and both sides run that count.

      --base PROGRAM          the baseline build's ipcbench binary
      --candidate PROGRAM     the candidate's (default: this program)
      --suite NAME|PATH       the scenarios (default quick); --mechanisms LIST keeps only these
      --budget DURATION       measuring time, builds excluded (default 6m; e.g. 90s, 10m)
      --min-time DURATION     shortest measured window (default 25ms)
      --per-side N            repetitions each side runs per pair, back to back; the pair compares
                              their medians (default 3)
      --max-rounds N          at most N pairs per scenario (default 40)
      --threshold PERCENT     a change below this is none (default 5)
      --thresholds FILE       per-scenario thresholds learned on this runner (replace --threshold)
      --output DIR            base.csv, candidate.csv, compare.json, summary.md (default ci-results)
      --learn-thresholds FILE A/A: NEW against itself for --rounds rounds (default 20), no early
                              stop; writes each comparison's threshold (its A/A noise) to FILE

    Exit status: 0 no regression, 1 a regression (or a scenario that fails only on NEW),
    6 undecided: no regression shown, but an estimate beyond the threshold could not be decided
    within the budget, 4 nothing to compare, 64 bad command line, 65 bad suite file,
    71 a build could not be run, 73 the results could not be written.
    """

    /// `6m`, `90s`, `360` (seconds), from 1 s to 24 h.
    static func seconds(_ text: String) -> Double? {
        var t = Substring(text.lowercased()), scale = 1.0
        if t.hasSuffix("m") { t = t.dropLast(); scale = 60 } else if t.hasSuffix("s") { t = t.dropLast() }
        guard let v = Double(t), v.isFinite else { return nil }
        let s = v * scale
        return s >= 1 && s <= 86_400 ? s : nil
    }

    static func run(_ arguments: [String]) -> Int32 {
        var base: String?, candidate: String?, suiteName = "quick", mechanisms: [String]?
        var budget = 360.0, minimumWindowNs: UInt64 = 25_000_000, maxRounds = 40, rounds = 20, perSide = 3
        var threshold = 5.0, thresholdsFile: String?, output = "ci-results", learn: String?
        var seen: Set<String> = []
        var args = arguments[...]
        func fail(_ message: String) -> Int32 { printError("gate: \(message)"); return Status.usage }
        while let arg = args.popFirst() {
            var flag = arg, value: String? = nil
            if arg.hasPrefix("--"), let eq = arg.firstIndex(of: "=") {
                flag = String(arg[..<eq]); value = String(arg[arg.index(after: eq)...])
            }
            if flag == "--help" || flag == "-h" { print(help); return Status.pass }
            guard flag.hasPrefix("--") else { return fail("unexpected argument '\(echo(arg))' (see ipcbench gate --help)") }
            guard seen.insert(flag).inserted else { return fail("\(flag) given twice") }
            if value == nil {
                guard let next = args.first, !next.hasPrefix("--") else { return fail("\(echo(flag)) needs a value") }
                value = args.popFirst()
            }
            let v = value!
            switch flag {
            case "--base": base = v
            case "--candidate": candidate = v
            case "--suite": suiteName = v
            case "--mechanisms":
                do { mechanisms = try Setting.mechanisms(v) } catch { return fail("--mechanisms: \(error.message)") }
            case "--budget":
                guard let s = seconds(v) else { return fail("--budget: a duration from 1s to 24h, e.g. 6m or 90s") }
                budget = s
            case "--min-time":
                do { minimumWindowNs = try Setting.duration(v) } catch { return fail("--min-time: \(error.message)") }
            case "--max-rounds", "--rounds":
                guard let n = Int(v), n >= 2, n <= 1000 else { return fail("\(flag): a whole number from 2 to 1000") }
                if flag == "--rounds" { rounds = n } else { maxRounds = n }
            case "--per-side":
                guard let n = Int(v), n >= 1, n <= 25 else { return fail("--per-side: a whole number from 1 to 25") }
                perSide = n
            case "--threshold":
                guard let d = Double(v), d.isFinite, d >= 0, d <= 1000 else { return fail("--threshold: a percentage from 0 to 1000, e.g. 5") }
                threshold = d
            case "--thresholds": thresholdsFile = v
            case "--output": output = v
            case "--learn-thresholds": learn = v
            default: return fail("unknown option '\(echo(flag))' (see ipcbench gate --help)")
            }
        }
        let candidateProgram = candidate ?? ProcFiles.executablePath() ?? CommandLine.arguments[0]
        guard let baseProgram = base ?? (learn != nil ? candidateProgram : nil) else {
            return fail("--base PROGRAM is required (the baseline build's ipcbench)")
        }
        for program in [baseProgram, candidateProgram] where access(program, X_OK) != 0 {
            printError("gate: \(echo(program, limit: 200)) is not an executable program")
            return Status.setupFailed
        }
        if let learn {
            do { try AtomicFile.checkWritable(learn) } catch { return fail("--learn-thresholds: \(error)") }
        }
        AtomicFile.makeFolders(output)
        do { try AtomicFile.checkWritable(output + "/compare.json") } catch { return fail("--output: \(error)") }

        var settings = GateSettings(baseProgram: baseProgram, candidateProgram: candidateProgram, scenarios: [])
        settings.budgetSeconds = learn != nil && !seen.contains("--budget") ? 3600 : budget
        settings.minimumWindowNs = minimumWindowNs
        settings.maxRounds = maxRounds
        settings.repetitionsPerSide = perSide
        if learn != nil { settings.fixedRounds = rounds }
        settings.compare.threshold = threshold / 100
        if let thresholdsFile {
            do { settings.compare.thresholds = try NoiseThresholds.load(thresholdsFile) } catch {
                printError("gate: --thresholds: \(error)")
                return Status.badSuite
            }
            settings.compare.thresholdsFile = thresholdsFile
        }
        let suite: Suite
        do { suite = try SuiteLocator.load(suiteName) } catch {
            printError("gate: --suite: \(error)")
            if case .invalid = error { return Status.badSuite }
            return Status.usage
        }
        var overrides = Overrides()
        overrides.mechanisms = mechanisms
        let plan = RunPlan.make(suite: suite, overrides: overrides, cpuCount: MachineInfo.current().cpus)
        guard !plan.scenarios.isEmpty else { return fail("the suite and --mechanisms leave no scenario") }
        settings.scenarios = plan.scenarios
        settings.timeoutSeconds = plan.timeoutSeconds

        printToStderr("gate: \(plan.scenarios.count) scenarios of suite \(echo(plan.suiteName)); "
            + (learn != nil ? "A/A, \(rounds) rounds" : "budget \(formatSeconds(budget)) s, at most \(maxRounds) rounds") + "\n")
        let outcome: GateOutcome
        do {
            outcome = try ABGate.run(settings) { printToStderr("gate: \($0)\n") }
        } catch {
            printError("gate: \(error)")
            return Status.setupFailed
        }
        return write(outcome, settings: settings, output: output, learn: learn)
    }

    static func write(_ outcome: GateOutcome, settings: GateSettings, output: String, learn: String?) -> Int32 {
        let base = CSVReport.renderRaw([CSVReport.columns] + outcome.baseRows)
        let candidate = CSVReport.renderRaw([CSVReport.columns] + outcome.candidateRows)
        let gateJSON = JSON.object([
            ("rounds_run", .integer(outcome.roundsRun)), ("looks", .integer(outcome.looks)),
            ("first_difference_round", .integer(outcome.firstDifferenceRound)),
            ("stopped_because", .string(outcome.stoppedBecause)),
            ("budget_s", .number(settings.budgetSeconds)), ("elapsed_s", .number(outcome.elapsedSeconds)),
            ("calibration_s", .number(outcome.calibrationSeconds)),
            ("min_window_ms", .number(Double(settings.minimumWindowNs) / 1e6)),
            ("scenarios", .array(settings.scenarios.map { s in
                let k = ScenarioKey(s)
                return .object([("scenario", ComparisonText.keyJSON(k)), ("pairs_measured", .integer(outcome.rounds[k] ?? 0)),
                                ("messages", outcome.messages[k].map { .integer($0) } ?? .null)])
            })),
            ("skipped", .array(outcome.skipped.map { .object([("scenario", ComparisonText.keyJSON($0.0)), ("why", .string($0.1))]) })),
            ("failed", .array(outcome.failed.map { .object([("scenario", ComparisonText.keyJSON($0.key)), ("side", .string($0.side)), ("note", .string($0.note))]) })),
        ])
        var status = Status.pass
        var summary = "### ipcbench gate\n\n"
        var table = ""
        if let report = outcome.report {
            status = CompareCommand.status(report)
            summary = ComparisonText.markdown(report, base: settings.baseProgram, new: settings.candidateProgram)
            table = ComparisonText.table(report)
        } else {
            summary += "nothing to compare: \(ComparisonText.markdownText(outcome.compareError ?? "no result"))\n"
            printError("gate: nothing to compare: \(outcome.compareError ?? "no result")")
            status = Status.nothingToCompare
        }
        let failedNew = outcome.failedOnCandidateOnly
        if !failedNew.isEmpty {
            status = Status.regression
            summary += "\n**Failed on NEW only:** " + failedNew.map { ComparisonText.markdownText($0.description) }.joined(separator: "; ") + "\n"
        }
        summary += "\nGate: \(outcome.roundsRun) rounds of \(settings.repetitionsPerSide) repetitions a side, \(ComparisonText.markdownText(outcome.stoppedBecause)); measured for "
            + "\(Int(outcome.elapsedSeconds)) s of a \(formatSeconds(settings.budgetSeconds)) s budget; "
            + "\(outcome.looks) looks (a difference may end a scenario from round \(outcome.firstDifferenceRound), every "
            + "\(settings.roundsBetweenLooks) rounds); windows of at least \(fixed(Double(settings.minimumWindowNs) / 1e6, 0)) ms.\n"
        let json = outcome.report.map { ComparisonText.json($0, extra: [("gate", gateJSON), ("exit_status", .integer(Int(status)))]) }
            ?? .object([("gate", gateJSON), ("error", .string(outcome.compareError ?? "")), ("exit_status", .integer(Int(status)))])
        do {
            try AtomicFile.write(base, to: output + "/base.csv")
            try AtomicFile.write(candidate, to: output + "/candidate.csv")
            try AtomicFile.write(json.render() + "\n", to: output + "/compare.json")
            try AtomicFile.write(summary, to: output + "/summary.md")
            if let learn, outcome.report != nil {
                let thresholds = NoiseThresholds.learn(noise: ABGate.noise(outcome), floorPercent: settings.compare.threshold * 100)
                try AtomicFile.write(thresholds.render(), to: learn)
                printToStderr("gate: wrote \(thresholds.entries.count) thresholds to \(echo(learn, limit: 200))\n")
            }
        } catch {
            printError("gate: \(error)")
            return Status.cannotWrite
        }
        print(table, terminator: "")
        print("\ngate: \(outcome.roundsRun) rounds, \(outcome.stoppedBecause); \(Int(outcome.elapsedSeconds)) s; results in \(echo(output, limit: 200))")
        if !failedNew.isEmpty { print("gate: failed on NEW only: \(failedNew.map(\.description).joined(separator: "; "))") }
        return status
    }
}
