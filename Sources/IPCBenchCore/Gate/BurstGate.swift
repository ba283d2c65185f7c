import Glibc

/// The gate paired in time: for each scenario both builds hold their workers warm (`run
/// --serve`) and the gate alternates short bursts between them, A B, B A, … Neighbouring
/// bursts see one host state (the vCPUs' placement moves on a scale of tens of milliseconds
/// here), so their ratio carries little of the host's noise. A pair is one session of each
/// side: fresh workers and channels (`renew`) for a few bursts each, because a process's
/// memory placement alone moves a cache-line round trip by up to 15% here, and only many
/// sessions average that out and show its spread. Each scenario gets an equal share of the
/// budget; the sessions are judged once, at the end, pair by pair.
public enum BurstGate {
    /// Whether `program`'s `run` takes `--serve` (builds from before it are paired by launches).
    static func knowsServe(_ program: String, timeoutSeconds: Double) throws(GateError) -> Bool {
        let help: ChildProcess.Result
        do { help = try ChildProcess.run(program, ["run", "--help"], limitBytes: 1 << 20, timeoutSeconds: timeoutSeconds) } catch {
            throw GateError(message: "\(error)")
        }
        if let why = help.stoppedBecause {
            throw GateError(message: "\(echo(program, limit: 200)) run --help \(why); stopped")
        }
        if let signal = help.signal { throw GateError(message: "\(echo(program, limit: 200)) run --help was killed by signal \(signal)") }
        return help.output.contains("--serve")
    }

    /// The most a gate runs past its budget when a build stops answering mid-request.
    static let marginSeconds = 10.0

    /// Counting bursts each side runs, in one session of its own, after the timed ones.
    static let countingBursts = 5

    /// Session pairs a scenario gets even past its share of the budget (never past the budget).
    static let minimumSessions = 6

    /// Messages per pair of the first calibration burst.
    static func firstBurst(_ s: Scenario) -> Int {
        let byBytes = max(1, (16 << 20) / max(1, s.payloadBytes))
        return max(1, min(s.mode == .latency ? 200 : 2_000, byBytes))
    }

    public static func run(_ settings: GateSettings, progress: (String) -> Void) throws(GateError) -> GateOutcome {
        var outcome = GateOutcome()
        outcome.pairedByBursts = true
        let start = MonotonicClock.nowNs()
        func elapsed() -> Double { Double(MonotonicClock.nowNs() - start) / 1e9 }
        let gateDeadline = start + UInt64(settings.budgetSeconds * 1e9)
        /// How far past the budget a stuck side may take us.
        let marginNs = UInt64(min(settings.timeoutSeconds, BurstGate.marginSeconds) * 1e9)
        let targetNs = Double(settings.burstNs)
        let count = settings.scenarios.count
        outcome.stoppedBecause = "every scenario had its share of the budget"
        for (index, s) in settings.scenarios.enumerated() {
            let key = ScenarioKey(s)
            let share = (settings.budgetSeconds - elapsed()) / Double(count - index)
            if share < 0.2 {
                outcome.stoppedBecause = "the budget of \(formatSeconds(settings.budgetSeconds)) s ran out before \(count - index) scenarios"
                for rest in settings.scenarios[index...] { outcome.skipped.append((ScenarioKey(rest), "not measured: the gate's budget ran out")) }
                break
            }
            // A lossy channel's bursts would lose messages into each other: not burst-paired.
            if MechanismRegistry.named(s.mechanism)?.traits.lossy == true {
                outcome.skipped.append((key, "\(s.mechanism) loses messages: not burst-paired (gate it --by-launches)"))
                continue
            }
            let scenarioEnd = MonotonicClock.nowNs() + UInt64(share * 1e9)
            func deadline(_ seconds: Double) -> UInt64 {
                min(MonotonicClock.nowNs() + UInt64(min(seconds, settings.timeoutSeconds) * 1e9), gateDeadline + marginNs)
            }
            let arguments = ScenarioArguments.serve(s, timeoutSeconds: settings.timeoutSeconds)
            // Alternate which side starts first, so neither always gets the fresher memory.
            let first = index % 2 == 0
            let base = try ServeProcess(program: settings.baseProgram, side: "BASE", arguments: arguments)
            let new = try ServeProcess(program: settings.candidateProgram, side: "NEW", arguments: arguments)
            defer { base.stop(); new.stop() }
            for side in first ? [base, new] : [new, base] { try side.start(deadline: deadline(30)) }
            outcome.baseColumns.merge(base.columns)
            outcome.candidateColumns.merge(new.columns)

            // Calibrate the burst length on NEW; both sides then run that count.
            var messages = firstBurst(s)
            var row = try checked(new.burst(messages, deadline: deadline(30)), new, key)
            var skippedOrFailed = false
            for _ in 0..<6 {
                if row.status != "ok" { skippedOrFailed = true; break }
                let window = Double(row.windowNs ?? 0)
                if window > 0.6 * targetNs && window < 1.6 * targetNs { break }
                let scale = window > 0 ? targetNs / window : 10
                messages = max(1, min(ServeLimits.maximumMessages, Int((Double(messages) * min(50, max(0.02, scale))).rounded())))
                row = try checked(new.burst(messages, deadline: deadline(30)), new, key)
            }
            if skippedOrFailed {
                if row.status == "skipped" { outcome.skipped.append((key, row.note)) }
                else { outcome.failed.append((key, "NEW", row.note)) }
                continue
            }
            // One warm burst on BASE, not counted: it may skip or fail where NEW did not.
            let warm = try checked(base.burst(messages, deadline: deadline(30)), base, key)
            if warm.status != "ok" {
                if warm.status == "skipped" { outcome.skipped.append((key, "BASE: " + warm.note)) }
                else { outcome.failed.append((key, "BASE", warm.note)) }
                continue
            }
            outcome.messages[key] = messages
            let burstSeconds = max(1, 200 * Double(row.windowNs ?? 0) / 1e9)
            var pair = 0, bursts = 0
            sessions: while (MonotonicClock.nowNs() < scenarioEnd || pair < minimumSessions) && MonotonicClock.nowNs() < gateDeadline {
                pair += 1
                if pair > 1 { for side in [base, new] { try side.renew() } }
                var cells: [String: [[String]]] = [:]
                for j in 0..<settings.burstsPerSession {
                    let baseFirst = (pair + j) % 2 == 1
                    for side in baseFirst ? [base, new] : [new, base] {
                        // The first burst of a session also waits for its workers to start.
                        var r = try checked(side.burst(messages, deadline: deadline(j == 0 ? 30 + burstSeconds : burstSeconds)), side, key)
                        if r.status != "ok" {
                            outcome.failed.append((key, side.side, r.note))
                            break sessions
                        }
                        r.number(repetition: bursts + cells[side.side, default: []].count + 1, pair: pair,
                                 position: (side === base) == (pair % 2 == 1) ? 1 : 2)
                        cells[side.side, default: []].append(r.cells)
                    }
                }
                bursts += settings.burstsPerSession
                outcome.baseRows += cells["BASE"]!
                outcome.candidateRows += cells["NEW"]!
                outcome.rounds[key, default: 0] += 1
            }
            // Then a session of counting bursts a side: the exact counts, in workers of their own
            // (an open tracepoint slows every call, so no timed burst runs beside it).
            if outcome.failed.last?.key != key {
                for side in [base, new] { try side.renew() }
                counting: for j in 0..<countingBursts {
                    for side in j % 2 == 0 ? [base, new] : [new, base] {
                        var r = try checked(side.burst(messages, counted: true, deadline: deadline(30 + burstSeconds * 4)), side, key)
                        if r.status != "ok" {
                            outcome.failed.append((key, side.side, r.note))
                            break counting
                        }
                        r.number(repetition: bursts + j + 1, pair: pair + 1, position: side === base ? 1 : 2)
                        if side === base { outcome.baseRows.append(r.cells) } else { outcome.candidateRows.append(r.cells) }
                    }
                }
                bursts += countingBursts
            }
            base.stop(); new.stop()
            outcome.roundsRun = max(outcome.roundsRun, pair)
            progress("\(index + 1)/\(count) \(key): \(outcome.rounds[key] ?? 0) session pairs of \(settings.burstsPerSession) bursts of \(messages) messages; "
                + "\(Int(elapsed())) s of \(formatSeconds(settings.budgetSeconds))")
        }
        outcome.elapsedSeconds = elapsed()
        var compare = settings.compare
        compare.looks = 1
        do { outcome.report = try ABGate.judge(outcome, compare) } catch { outcome.compareError = error.description }
        return outcome
    }

    /// A row with the few cells the gate reads by name.
    struct Row {
        var cells: [String]
        var status: String { cells[column("status")] }
        var note: String { cells[column("note")] }
        var windowNs: Int? { Int(cells[column("window_ns")]) }

        /// Where the row stands in the gate's files: its burst on that side, its session pair,
        /// and whether its side went first in the pair (1) or second (2).
        mutating func number(repetition: Int, pair: Int, position: Int) {
            cells[column("repetition")] = String(repetition)
            cells[column("ab_pair")] = String(pair)
            cells[column("ab_position")] = String(position)
        }
    }

    static func column(_ name: String) -> Int { ABGate.column(name) }

    /// The row, which must be of the scenario asked for: a build that measures another is lying.
    static func checked(_ cells: [String], _ side: ServeProcess, _ key: ScenarioKey) throws(GateError) -> Row {
        let keyIndices = ResultSet.keyColumns.map(column)
        let found = try? ScenarioKey(cells: keyIndices.map { cells[$0] })
        guard found == key else {
            throw side.failure("measured \(found.map(String.init(describing:)) ?? "an unreadable scenario") when asked for \(key)")
        }
        return Row(cells: cells)
    }
}

/// The limits of `run --serve` requests, shared by the server and the gate.
public enum ServeLimits {
    public static let maximumMessages = 100_000_000
}
