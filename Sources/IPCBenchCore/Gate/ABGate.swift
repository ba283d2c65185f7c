import Glibc

/// What the gate runs and how long it may take.
public struct GateSettings: Sendable {
    public var baseProgram: String
    public var candidateProgram: String
    public var scenarios: [Scenario]
    /// Per repetition, passed to each run.
    public var timeoutSeconds: Double = 60
    /// Measuring stops when the next pair would end after this (builds are not counted).
    public var budgetSeconds: Double = 360
    /// Windows at least this long (`--min-time`), calibrated once per scenario on NEW.
    public var minimumWindowNs: UInt64 = 25_000_000
    /// Repetitions each side runs per pair, back to back in one process; the pair compares their
    /// medians, so one preempted window does not decide a pair.
    public var repetitionsPerSide = 3
    public var maxRounds = 40
    /// Learning mode: exactly this many rounds, nobody dropped early.
    public var fixedRounds: Int?
    public var compare = CompareSettings()
    /// `unchanged` may end a scenario from this round on (a 90% signed-rank interval needs 5).
    public var firstEquivalenceRound = 6
    /// `regressed`/`improved` may end a scenario at every this-many rounds from the first round
    /// where a difference can be significant at all; the significance level is split over these
    /// looks (and the final one).
    public var roundsBetweenLooks = 3
    /// Burst-paired (both builds know `run --serve`): each burst lasts about this long.
    public var burstNs: UInt64 = 5_000_000
    /// Burst-paired: bursts each side runs in one session (fresh workers) of a pair.
    public var burstsPerSession = 4
    /// Pair by launches even where both builds could pair by bursts.
    public var pairByLaunches = false

    public init(baseProgram: String, candidateProgram: String, scenarios: [Scenario]) {
        self.baseProgram = baseProgram
        self.candidateProgram = candidateProgram
        self.scenarios = scenarios
    }
}

/// What a gate run measured and decided.
public struct GateOutcome: Sendable {
    /// Rows in `CSVReport.columns` order; `repetition` and `ab_pair` are the round.
    public var baseRows: [[String]] = []
    public var candidateRows: [[String]] = []
    public var report: ComparisonReport?
    public var compareError: String?
    /// Each side's columns against this version's (builds of two releases).
    public var baseColumns = GateColumns()
    public var candidateColumns = GateColumns()
    /// Pairs measured per scenario, and the count each was calibrated to.
    public var rounds: [ScenarioKey: Int] = [:]
    public var messages: [ScenarioKey: Int] = [:]
    /// Scenarios this machine cannot carry, and scenarios that failed on one side (then dropped).
    public var skipped: [(ScenarioKey, String)] = []
    public var failed: [(key: ScenarioKey, side: String, note: String)] = []
    public var roundsRun = 0
    public var looks = 1
    public var firstDifferenceRound = 0
    public var stoppedBecause = ""
    /// Paired by warm sessions of short bursts (`run --serve`), or by process launches.
    public var pairedByBursts = false
    public var elapsedSeconds = 0.0
    public var calibrationSeconds = 0.0

    public var failedOnCandidateOnly: [ScenarioKey] {
        let failedBase = Set(failed.filter { $0.side == "BASE" }.map(\.key))
        return failed.filter { $0.side == "NEW" && !failedBase.contains($0.key) }.map(\.key)
    }
}

public struct GateError: Error, CustomStringConvertible {
    public let message: String
    public var description: String { message }
}

/// The paired, sequential A/B gate: BASE and NEW run each scenario back to back, in alternating
/// order (A B, then B A the next round, …), so that drift and the host's moves hit both sides of
/// a pair alike; after every round the comparisons are judged on the pairs so far, and a
/// scenario whose every comparison is decided stops being measured, leaving the time to the
/// undecided ones until the budget runs out.
public enum ABGate {
    /// Exit statuses of `ipcbench run` that mean the invocation itself was wrong, not a result.
    static let setupFailures: Set<Int32> = [64, 65, 70, 71, 73]

    /// Whether `program`'s `run` takes `--copy` (builds from before the copy dimension do not).
    static func knowsCopy(_ program: String) -> Bool {
        guard let help = try? ChildProcess.run(program, ["run", "--help"], timeoutSeconds: 30), help.stoppedBecause == nil else { return true }
        return help.output.contains("--copy")
    }

    /// Runs one side once; returns its rows in our column order. Every row must be of the
    /// scenario asked for: a build that ran more (a dimension its defaults widen) or another
    /// one is an error, never rows counted as this scenario's.
    static func measure(_ program: String, side: String, _ arguments: [String], expecting key: ScenarioKey,
                        timeoutSeconds: Double) throws(GateError) -> (rows: [[String]], seconds: Double) {
        let (rows, seconds) = try measure(program, side: side, arguments, timeoutSeconds: timeoutSeconds)
        let keyIndices = ResultSet.keyColumns.map(column)
        for row in rows {
            let found = try? ScenarioKey(cells: keyIndices.map { row[$0] })
            if found != key {
                throw GateError(message: "\(side): \(program) measured \(found.map(String.init(describing:)) ?? "an unreadable scenario")"
                    + " when asked for \(key)")
            }
        }
        return (rows, seconds)
    }

    /// Runs one side once; returns its rows in our column order.
    static func measure(_ program: String, side: String, _ arguments: [String],
                        timeoutSeconds: Double) throws(GateError) -> (rows: [[String]], seconds: Double) {
        let result: ChildProcess.Result
        do { result = try ChildProcess.run(program, arguments, timeoutSeconds: timeoutSeconds) } catch { throw GateError(message: "\(side): \(error)") }
        if let why = result.stoppedBecause { throw GateError(message: "\(side): \(echo(program, limit: 200)) \(why); stopped") }
        let firstError = result.errors.split(separator: "\n").first.map { echo($0, limit: 300) } ?? ""
        if let signal = result.signal {
            throw GateError(message: "\(side): \(program) was killed by signal \(signal)" + (firstError.isEmpty ? "" : ": \(firstError)"))
        }
        if setupFailures.contains(result.status) {
            throw GateError(message: "\(side): \(program) \(arguments.prefix(3).joined(separator: " ")) … exited \(result.status): \(firstError)")
        }
        let table: [[String]]
        do { table = try CSVReader.parse(result.output) } catch {
            throw GateError(message: "\(side): unreadable CSV from \(program): \(error)")
        }
        guard let header = table.first, table.count >= 2 else {
            throw GateError(message: "\(side): \(program) printed no result row (exit \(result.status))" + (firstError.isEmpty ? "" : ": \(firstError)"))
        }
        var index: [String: Int] = [:]
        for (i, c) in header.enumerated() { index[c] = i }
        let rows = table.dropFirst().filter { !($0.count == 1 && $0[0].isEmpty) }.map { cells in
            CSVReport.columns.map { c in index[c].flatMap { $0 < cells.count ? cells[$0] : nil } ?? "" }
        }
        return (rows, result.seconds)
    }

    static func column(_ name: String) -> Int { CSVReport.columns.firstIndex(of: name)! }

    public static func run(_ settings: GateSettings, progress: (String) -> Void) throws(GateError) -> GateOutcome {
        // Asking a build what it knows takes a fraction of a second; a tenth of the budget (at
        // most 30 s) is the longest a build that never answers may keep the gate waiting.
        let probe = min(30, max(1, settings.budgetSeconds / 10))
        if !settings.pairByLaunches, try BurstGate.knowsServe(settings.baseProgram, timeoutSeconds: probe),
           try BurstGate.knowsServe(settings.candidateProgram, timeoutSeconds: probe) {
            return try BurstGate.run(settings, progress: progress)
        }
        // A child runs its repetitions back to back (and a calibration's pilots): it may take
        // each one's timeout, and no more.
        let childTimeout = settings.timeoutSeconds * Double(settings.repetitionsPerSide + 4) + 10
        var outcome = GateOutcome()
        let start = MonotonicClock.nowNs()
        func elapsed() -> Double { Double(MonotonicClock.nowNs() - start) / 1e9 }

        // 1. Calibrate each scenario's count once, on NEW; both sides then run that count. The
        //    pilots start from a twentieth of the suite's count, so that windows come out near
        //    the minimum: the gate's time goes into more pairs rather than longer windows.
        let knowsCopy = ["BASE": knowsCopy(settings.baseProgram), "NEW": knowsCopy(settings.candidateProgram)]
        var active: [Scenario] = []
        for s in settings.scenarios {
            let k = ScenarioKey(s)
            var pilot = s
            pilot.messages = max(1, s.messages / 20)
            let pilotArguments = ScenarioArguments.run(pilot, timeoutSeconds: settings.timeoutSeconds,
                                                       minimumWindowNs: settings.minimumWindowNs, knowsCopy: knowsCopy["NEW"]!)
            let (rows, _) = try measure(settings.candidateProgram, side: "NEW", pilotArguments, expecting: k,
                                        timeoutSeconds: childTimeout)
            let row = rows[0]
            let status = row[column("status")], note = row[column("note")]
            if status == "skipped" { outcome.skipped.append((k, note)); continue }
            if status != "ok" { outcome.failed.append((k, "NEW", note)); continue }
            var calibrated = s
            calibrated.messages = max(1, (Int(row[column("messages")]) ?? s.messages * s.pairs) / max(1, s.pairs))
            calibrated.minimumWindowNs = settings.minimumWindowNs
            outcome.messages[k] = calibrated.messages
            active.append(calibrated)
        }
        outcome.calibrationSeconds = elapsed()
        let order = Dictionary(uniqueKeysWithValues: settings.scenarios.enumerated().map { (ScenarioKey($0.element), $0.offset) })

        // 2. The looks at which a difference may end a scenario, and the level each spends.
        let comparisons = max(1, active.reduce(0) { $0 + ResultSchema.compared(in: $1.mode).count })
        let maxRounds = settings.fixedRounds ?? settings.maxRounds
        var looks = 1, firstDifference = 1
        for _ in 0..<4 {  // a fixed point: the first round depends on the looks, the looks on it
            firstDifference = SignedRank.pairsToReach(settings.compare.alpha / Double(looks * comparisons))
            looks = max(1, (maxRounds - firstDifference) / settings.roundsBetweenLooks + 1) + 1
        }
        outcome.looks = looks
        outcome.firstDifferenceRound = firstDifference
        var compareSettings = settings.compare
        compareSettings.looks = looks

        var lastSeconds: [ScenarioKey: Double] = [:]
        var rng = StatisticsRNG(seed: 0x1BC_BE7C)
        outcome.stoppedBecause = "reached \(maxRounds) rounds"
        rounds: for round in 1...max(1, maxRounds) {
            var measuring = active
            measuring.shuffle(using: &rng)
            for s in measuring {
                let k = ScenarioKey(s)
                let expected = lastSeconds[k] ?? 2 * (Double(settings.minimumWindowNs) / 1e9 + 0.1)
                if elapsed() + expected > settings.budgetSeconds {
                    outcome.stoppedBecause = "the budget of \(formatSeconds(settings.budgetSeconds)) s ran out in round \(round)"
                    break rounds
                }
                let baseFirst = (round + (order[k] ?? 0)) % 2 == 0
                var pairSeconds = 0.0
                var rows: [String: [[String]]] = [:]
                for side in baseFirst ? ["BASE", "NEW"] : ["NEW", "BASE"] {
                    let args = ScenarioArguments.run(s, timeoutSeconds: settings.timeoutSeconds, repetitions: settings.repetitionsPerSide,
                                                     knowsCopy: knowsCopy[side]!)
                    var (sideRows, seconds) = try measure(side == "BASE" ? settings.baseProgram : settings.candidateProgram,
                                                          side: side, args, expecting: k, timeoutSeconds: childTimeout)
                    pairSeconds += seconds
                    for i in sideRows.indices {
                        sideRows[i][column("repetition")] = String((round - 1) * settings.repetitionsPerSide + i + 1)
                        sideRows[i][column("ab_pair")] = String(round)
                        sideRows[i][column("ab_position")] = (side == "BASE") == baseFirst ? "1" : "2"
                    }
                    rows[side] = sideRows
                }
                lastSeconds[k] = pairSeconds
                outcome.baseRows += rows["BASE"]!
                outcome.candidateRows += rows["NEW"]!
                outcome.rounds[k, default: 0] += 1
                for side in ["BASE", "NEW"] {
                    for row in rows[side]! where row[column("status")] != "ok" { outcome.failed.append((k, side, row[column("note")])) }
                }
            }
            outcome.roundsRun = round
            // Drop what failed (it is listed), and, once the data may decide, what is decided.
            let failedKeys = Set(outcome.failed.map(\.key))
            active.removeAll { failedKeys.contains(ScenarioKey($0)) }
            if settings.fixedRounds == nil && round >= settings.firstEquivalenceRound {
                let differenceLook = round >= firstDifference && (round - firstDifference) % settings.roundsBetweenLooks == 0
                if let report = try? judge(outcome, compareSettings) {
                    var undecided: Set<ScenarioKey> = []
                    for c in report.comparisons {
                        let done = c.verdict == .unchanged || (differenceLook && (c.verdict == .regressed || c.verdict == .improved))
                        if !done { undecided.insert(c.key) }
                    }
                    for (k, _) in report.notComparable { undecided.insert(k) }
                    active.removeAll { !undecided.contains(ScenarioKey($0)) }
                    let counts = Verdict.allCases.map { v in "\(report.comparisons.filter { $0.verdict == v }.count) \(v.rawValue)" }
                    progress("round \(round): \(counts.joined(separator: ", ")); \(active.count) scenarios still measuring; "
                        + "\(Int(elapsed())) s of \(formatSeconds(settings.budgetSeconds))")
                }
            } else {
                progress("round \(round): \(active.count) scenarios measuring; \(Int(elapsed())) s of \(formatSeconds(settings.budgetSeconds))")
            }
            if active.isEmpty {
                outcome.stoppedBecause = outcome.failed.isEmpty || settings.fixedRounds != nil
                    ? "every comparison was decided after \(round) rounds" : "nothing left to measure after \(round) rounds"
                break
            }
        }
        outcome.elapsedSeconds = elapsed()
        do { outcome.report = try judge(outcome, compareSettings) } catch { outcome.compareError = error.description }
        return outcome
    }

    /// The two sides as result sets, compared pair by pair; a column a side's build lacks is
    /// left out of its set, so the comparison lists it instead of comparing empty cells.
    public static func resultSets(_ outcome: GateOutcome) throws(ResultSet.LoadError) -> (base: ResultSet, candidate: ResultSet) {
        func set(_ rows: [[String]], _ columns: GateColumns, _ name: String) throws(ResultSet.LoadError) -> ResultSet {
            let keep = CSVReport.columns.indices.filter { !columns.missing.contains(CSVReport.columns[$0]) }
            return try ResultSet.parse(CSVReport.renderRaw([keep.map { CSVReport.columns[$0] }] + rows.map { row in keep.map { row[$0] } }), name: name)
        }
        return (try set(outcome.baseRows, outcome.baseColumns, "BASE"), try set(outcome.candidateRows, outcome.candidateColumns, "NEW"))
    }

    public static func judge(_ outcome: GateOutcome, _ settings: CompareSettings) throws(GateError) -> ComparisonReport {
        do {
            let (base, candidate) = try resultSets(outcome)
            var report = try Comparator.compare(baseline: base, candidate: candidate, settings: settings)
            report.columnsOnlyInBaseline += outcome.baseColumns.unknown
            report.columnsOnlyInCandidate += outcome.candidateColumns.unknown
            return report
        } catch let error as ResultSet.LoadError {
            throw GateError(message: error.description)
        } catch let error as Comparator.CompareError {
            throw GateError(message: error.description)
        } catch {
            throw GateError(message: "\(error)")
        }
    }

    /// Learning mode: each comparison's A/A noise (the robust spread of its paired log ratios).
    public static func noise(_ outcome: GateOutcome) -> [(key: ScenarioKey, metric: String, logSpread: Double, pairs: Int)] {
        guard let report = outcome.report else { return [] }
        return report.comparisons.filter { !$0.isCount }.map { c in
            (c.key, c.metric.name, Statistics.robustSpread(zip(c.baseline, c.candidate).map { Glibc.log($1 / $0) }), c.baseline.count)
        }
    }
}
