import Glibc
import IPCBenchCore

/// `ipcbench gate`: the paired, sequential A/B regression gate (see `ABGate`), and with
/// `--learn-thresholds` the A/A run that writes per-scenario noise thresholds.
struct GateCommand: Subcommand {
    /// Exit statuses of `gate` (``exitStatuses`` says which it returns), from the one table.
    typealias Status = ExitCode

    var base: String?
    var candidate: String?
    var suiteName = "quick"
    var mechanisms: [String]?
    /// nil: 6 minutes, or an hour when learning.
    var budgetSeconds: Double?
    var minimumWindowNs: UInt64 = 25_000_000
    var perSide = 3
    var maxRounds = 40
    var rounds = 20
    var thresholdPercent = 5.0
    var thresholdsFile: String?
    var output = "ci-results"
    var learn: String?

    static let name = "gate"
    static var flags: [Flag<GateCommand>] {
        [
            .value("--base", "PROGRAM", \.base, .anyText, help: "the baseline build's ipcbench binary"),
            .value("--candidate", "PROGRAM", \.candidate, .anyText, help: "the candidate's (default: this program)"),
            .value("--suite", "NAME|PATH", \.suiteName, .anyText, help: "the scenarios (default quick)"),
            .value("--mechanisms", "LIST", \.mechanisms, .mechanisms, help: "keep only these mechanisms of the suite"),
            .value("--budget", "DURATION", \.budgetSeconds, .longDuration,
                   help: "measuring time, builds excluded (default 6m, 1h with --learn-thresholds; e.g. 90s, 10m)"),
            .value("--min-time", "DURATION", \.minimumWindowNs, .duration, help: "shortest measured window (default 25ms)"),
            .value("--per-side", "N", \.perSide, .count(1...25), help: "repetitions each side runs per pair, back to "
                + "back; the pair compares their medians (default 3)"),
            .value("--max-rounds", "N", \.maxRounds, .count(2...1000), help: "at most N pairs per scenario (default 40)"),
            .value("--threshold", "PERCENT", \.thresholdPercent, .percent,
                   help: "a change below this is none (default 5; 5 and 5% alike)"),
            .value("--thresholds", "FILE", \.thresholdsFile, .anyText,
                   help: "per-scenario thresholds learned on this runner (replace --threshold)"),
            .value("--output", "DIR", \.output, .anyText, help: "base.csv, candidate.csv, compare.json, summary.md (default ci-results)"),
            .value("--learn-thresholds", "FILE", \.learn, .anyText, help: "A/A: NEW against itself for --rounds rounds, "
                + "no early stop; writes each comparison's threshold (its A/A noise) to FILE"),
            .value("--rounds", "N", \.rounds, .count(2...1000), help: "rounds of --learn-thresholds (default 20)"),
        ]
    }
    static let about = """
    Runs BASE and NEW (two builds of ipcbench) scenario by scenario, back to back, in alternating
    order (A B, B A, …), and judges each scenario on its pairs after every round; a scenario
    stops when all its comparisons are decided (regressed, improved or unchanged), the rest go on
    until decided or until the budget is spent. Each scenario's message count is calibrated once,
    on NEW, to fill --min-time, and both sides run that count. --base is required, except with
    --learn-thresholds FILE, which runs NEW against itself.
    """
    static let exitStatuses = """
    Exit status: 0 no regression, 1 a regression (or a scenario that fails only on NEW),
    6 undecided: no regression shown, but an estimate beyond the threshold could not be decided
    within the budget, 4 nothing to compare, 64 bad command line, 65 bad suite file,
    71 a build could not be run, 73 the results could not be written.
    """

    func validate() throws(UsageError) {
        guard base != nil || learn != nil else {
            throw UsageError(message: "--base PROGRAM is required (the baseline build's ipcbench)")
        }
    }

    func run() -> Int32 {
        func fail(_ message: String) -> Int32 { printError("gate: \(message)"); return Status.usage }
        let budget = budgetSeconds ?? (learn != nil ? 3600 : 360)
        let candidateProgram = candidate ?? ProcFiles.executablePath() ?? CommandLine.arguments[0]
        let baseProgram = base ?? candidateProgram
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
        settings.budgetSeconds = budget
        settings.minimumWindowNs = minimumWindowNs
        settings.maxRounds = maxRounds
        settings.repetitionsPerSide = perSide
        if learn != nil { settings.fixedRounds = rounds }
        settings.compare.threshold = thresholdPercent / 100
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
        return Self.write(outcome, settings: settings, output: output, learn: learn)
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
        var status = Status.success
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
