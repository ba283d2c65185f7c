import Glibc
import IPCBenchCore

/// `ipcbench gate`: the paired, sequential A/B regression gate (see `ABGate`), and with
/// `--learn-thresholds` the A/A run that writes per-scenario noise thresholds.
struct GateCommand: Subcommand {
    /// Exit statuses of `gate` (``exitStatuses`` says which it returns), from the one table.
    typealias Status = ExitCode

    var base: String?
    var candidate: String?
    var suiteName = "gate"
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
    var burstNs: UInt64 = 5_000_000
    var burstsPerSession = 4
    var byLaunches = false
    var maximumResolutionPercent = 25.0

    static let name = "gate"
    static var flags: [Flag<GateCommand>] {
        [
            .value("--base", "PROGRAM", \.base, .anyText, help: "the baseline build's ipcbench binary"),
            .value("--candidate", "PROGRAM", \.candidate, .anyText, help: "the candidate's (default: this program)"),
            .value("--suite", "NAME|PATH", \.suiteName, .anyText, help: "the scenarios (default gate: every family, sized for the budget)"),
            .value("--mechanisms", "LIST", \.mechanisms, .mechanisms, help: "keep only these mechanisms of the suite"),
            .value("--budget", "DURATION", \.budgetSeconds, .longDuration,
                   help: "measuring time, builds excluded (default 6m, 1h with --learn-thresholds; e.g. 90s, 10m)"),
            .value("--burst", "DURATION", \.burstNs, .duration, help: "each burst's length, both builds warm, alternating "
                + "(default 5ms: shorter than the host's placement changes here)"),
            .value("--bursts-per-session", "N", \.burstsPerSession, .count(1...100),
                   help: "bursts a side runs in one session (fresh workers and channels) of a pair (default 4)"),
            .toggle("--by-launches", \.byLaunches, help: "pair by process launches, as builds without `run --serve` must be"),
            .value("--max-resolution", "PERCENT", \.maximumResolutionPercent, .percent,
                   help: "a comparison whose resolution is wider than this is inconclusive, not unchanged (default 25)"),
            .value("--min-time", "DURATION", \.minimumWindowNs, .duration, help: "by launches: shortest measured window (default 25ms)"),
            .value("--per-side", "N", \.perSide, .count(1...25), help: "by launches: repetitions each side runs per pair, back to "
                + "back; the pair compares their medians (default 3)"),
            .value("--max-rounds", "N", \.maxRounds, .count(2...1000), help: "by launches: at most N pairs per scenario (default 40)"),
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
    Measures BASE and NEW (two builds of ipcbench) scenario by scenario and decides, for each
    time, rate and count, regressed, improved, unchanged (with the resolution it had: the
    smallest change it could have called) or inconclusive. Both builds hold a scenario's workers
    warm (`run --serve`) and the gate alternates short bursts between them (A B, B A, …), so a
    pair sees one host state; a pair is one session of each side (fresh workers and channels),
    so each process's memory placement is averaged over many. Each scenario gets an equal share
    of the budget. Then a counting session a side: system calls, futex calls, switches and faults
    per message. A build without `run --serve` is paired by launches instead (--by-launches).
    --base is required, except with --learn-thresholds FILE, which runs NEW against itself.
    """
    static let exitStatuses = """
    Exit status: 0 no regression, 1 a regression (or a scenario that fails only on NEW),
    6 a likely regression: worse than the threshold at the lenient level (alpha 0.05, Holm) but
    not the strict one (0.01), 4 nothing to compare, 64 bad command line, 65 bad suite file,
    71 a build could not be run or misbehaved (hung, flooded, crashed, measured another scenario),
    73 the results could not be written.
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
        settings.burstNs = burstNs
        settings.burstsPerSession = burstsPerSession
        settings.pairByLaunches = byLaunches
        settings.compare.maximumResolution = maximumResolutionPercent / 100
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
            ("paired_by", .string(outcome.pairedByBursts ? "bursts" : "launches")),
            ("burst_ms", .number(Double(settings.burstNs) / 1e6)), ("bursts_per_session", .integer(settings.burstsPerSession)),
            ("rounds_run", .integer(outcome.roundsRun)), ("looks", .integer(outcome.looks)),
            ("first_difference_round", .integer(outcome.firstDifferenceRound)),
            ("stopped_because", .string(outcome.stoppedBecause)),
            ("budget_s", .number(settings.budgetSeconds)), ("elapsed_s", .number(outcome.elapsedSeconds)),
            ("calibration_s", .number(outcome.calibrationSeconds)),
            ("min_window_ms", .number(Double(settings.minimumWindowNs) / 1e6)),
            ("scenarios", .array(settings.scenarios.map { s in
                let k = ScenarioKey(s)
                return .object([("scenario", ComparisonText.keyJSON(k)), ("pairs_measured", .integer(outcome.rounds[k] ?? 0)),
                                ("burst_messages", outcome.pairedByBursts ? (outcome.messages[k].map { .integer($0) } ?? .null) : .null),
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
        if outcome.pairedByBursts {
            let sessions = outcome.rounds.values.sorted()
            summary += "\nGate: paired by bursts of \(fixed(Double(settings.burstNs) / 1e6, 1)) ms in warm sessions, "
                + "\(settings.burstsPerSession) a side per session; \(sessions.first ?? 0) to \(sessions.last ?? 0) session pairs a scenario; "
                + "measured for \(Int(outcome.elapsedSeconds)) s of a \(formatSeconds(settings.budgetSeconds)) s budget; "
                + "\(ComparisonText.markdownText(outcome.stoppedBecause)).\n"
        } else {
            summary += "\nGate: paired by launches, \(outcome.roundsRun) rounds of \(settings.repetitionsPerSide) repetitions a side, \(ComparisonText.markdownText(outcome.stoppedBecause)); measured for "
                + "\(Int(outcome.elapsedSeconds)) s of a \(formatSeconds(settings.budgetSeconds)) s budget; "
                + "\(outcome.looks) looks (a difference may end a scenario from round \(outcome.firstDifferenceRound), every "
                + "\(settings.roundsBetweenLooks) rounds); windows of at least \(fixed(Double(settings.minimumWindowNs) / 1e6, 0)) ms.\n"
        }
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
        print("\ngate: " + (outcome.pairedByBursts ? "paired by bursts" : "\(outcome.roundsRun) rounds")
            + ", \(outcome.stoppedBecause); \(Int(outcome.elapsedSeconds)) s; results in \(echo(output, limit: 200))")
        if !failedNew.isEmpty { print("gate: failed on NEW only: \(failedNew.map(\.description).joined(separator: "; "))") }
        return status
    }
}
