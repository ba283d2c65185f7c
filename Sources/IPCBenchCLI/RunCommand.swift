#if canImport(Glibc)
import Glibc
#endif
import IPCBenchCore

/// `ipcbench run`: resolve the plan, check the output paths, measure every scenario
/// (repetitions outermost, so drift spreads over all scenarios alike), keep each row safe as it
/// completes, write the CSV atomically.
struct RunCommand {
    let options: RunOptions

    func execute() -> Int32 {
        // A file-size limit must fail the write (EFBIG), not kill the process mid-report.
        signal(SIGXFSZ, SIG_IGN)

        let suite: Suite
        do {
            suite = try SuiteLocator.load(options.suite ?? "default")
        } catch {
            switch error {
            case .notFound where options.suite == nil:
                // Run outside the package: the built-in copy of the default suite.
                suite = try! Suite.parse(SuiteLocator.builtInDefault, name: "default (built-in)")
            case .invalid, .notARegularFile: printError("bad suite: \(error)"); return ExitCode.badInput
            case .unreadable: printError("\(error)"); return ExitCode.setupFailed
            case .notFound: printError("--suite: \(error)"); return ExitCode.usage
            }
        }
        // Counted before a scenario is built: a cross product of long lists would take
        // gigabytes and minutes to build, and years to run.
        let runs = RunPlan.runCount(suite: suite, overrides: options.overrides)
        guard runs <= RunPlan.maximumRuns else { return refuse(runs: runs, suite: suite) }

        // Block the interrupt signals now, while single-threaded and before anything exists to
        // clean up: until here their default action ends the process, which is all it needs.
        let interrupts: InterruptSignals
        do { interrupts = try InterruptSignals() } catch {
            printError("cannot set up signal handling: \(error)")
            return ExitCode.setupFailed
        }
        let machine = MachineInfo.current()
        var plan = RunPlan.make(suite: suite, overrides: options.overrides, cpuCount: machine.cpus)
        guard !plan.scenarios.isEmpty else {
            printError("nothing to run: the options leave no scenario")
            return ExitCode.usage
        }
        if let signal = interrupts.poll() { return InterruptSignals.exitStatus(for: signal) }

        let outputs: RunOutputs
        switch RunOutputs.prepare(options) {
        case let .success(prepared): outputs = prepared
        case let .failure(problem):
            printError(problem.message)
            return problem.status
        }

        let directory: PrivateDirectory
        do { directory = try PrivateDirectory() } catch {
            printError("cannot create a private temp folder: \(error)")
            outputs.abandon()
            return ExitCode.setupFailed
        }
        defer { directory.remove() }

        let coordinator = Coordinator(
            directory: directory, timeoutSeconds: plan.timeoutSeconds, interrupts: interrupts)
        let timestamp = WallClock.iso8601UTC()
        let showProgress = !options.quiet && isatty(2) == 1
        let clockOverhead = MonotonicClock.readOverheadNs()
        let chatty = !options.quiet && outputs.csv != "-"
        if chatty {
            let suiteLabel = plan.suitePath.map { "\(plan.suiteName) (\($0))" } ?? plan.suiteName
            print(TextSafety.forTerminal(
                "ipcbench \(ipcbenchVersion): suite \(suiteLabel), \(plan.scenarios.count) scenarios x "
                    + "\(plan.repetitions) repetitions on \(machine.cpuModel) (\(machine.cpus) CPUs), Linux \(machine.kernel)"))
            print("clock: CLOCK_MONOTONIC, \(clockOverhead) ns per read (median)")
        }

        var results: [RepetitionResult] = []
        var failed = false
        var interruptedBy: Int32? = nil
        let total = plan.scenarios.count * plan.repetitions
        var done = 0
        let progress = ProgressLine(total: total)
        let calibrate = options.overrides.minimumWindowNs
        sweep: for repetition in 1...plan.repetitions {
            for index in plan.scenarios.indices {
                if repetition == 1, let minimum = calibrate {
                    let calibrated = Calibration.calibrate(plan.scenarios[index], minimumWindowNs: minimum, coordinator: coordinator)
                    plan.scenarios[index] = calibrated.scenario
                    if let signal = calibrated.interruptedBy ?? interrupts.poll() { interruptedBy = signal; break sweep }
                }
                let scenario = plan.scenarios[index]
                done += 1
                if showProgress {
                    printToStderr("\r\u{1B}[K" + progress.text(number: done, scenario: scenario, repetition: repetition, of: plan.repetitions))
                }
                let result = coordinator.run(scenario, repetition: repetition)
                if let signal = result.interruptedBy ?? interrupts.poll() {
                    interruptedBy = signal
                    break sweep
                }
                results.append(result)
                outputs.partial.append(CSVReport.row(result, machine: machine, timestamp: timestamp, clockOverheadNs: clockOverhead, run: options.run))
                if result.status == .failed {
                    failed = true
                    if !options.keepGoing {
                        if showProgress { printToStderr("\r\u{1B}[K") }
                        printError("\(scenario.mechanism) \(scenario.mode.rawValue) \(scenario.payloadBytes) B failed: \(result.note)")
                        break sweep
                    }
                }
            }
        }
        if showProgress { printToStderr("\r\u{1B}[K") }

        // Only complete rows: an interrupted repetition is dropped, not half-reported.
        Spread.annotate(&results)
        let rows = results.map { CSVReport.row($0, machine: machine, timestamp: timestamp, clockOverheadNs: clockOverhead, run: options.run) }
        let csv = CSVReport.render(rows)
        var cannotWrite: [String] = []
        var written: String? = nil
        if outputs.csv == "-" || !results.isEmpty {
            do {
                if outputs.csv == "-" {
                    try AtomicFile.write(csv, descriptor: 1, name: "standard output")
                } else {
                    try AtomicFile.write(csv, to: outputs.csv)
                    written = outputs.csv
                }
                outputs.partial.discard()
            } catch {
                cannotWrite.append("\(error); \(outputs.rescue(csv, rows: rows.count))")
            }
        } else {
            outputs.abandon()
        }
        if let json = outputs.json, !results.isEmpty {
            let document = RunDocument.json(rows: rows, machine: machine, timestamp: timestamp, suite: plan.suiteName,
                                            clockOverheadNs: clockOverhead, run: options.run, results: results)
            do { try AtomicFile.write(document.render() + "\n", to: json) } catch { cannotWrite.append("\(error)") }
        }
        cannotWrite += RunExports.write(options.exports, rows: rows, results: results)
        if chatty && !results.isEmpty {
            print("")
            print(SummaryTable.render(results), terminator: "")
            print("")
            if let written { print("CSV: \(TextSafety.forTerminal(written))") }
            print("Read round trips against the placement: a blocking hand-off across two vCPUs goes through the hypervisor.")
        }
        // Last, after the table, so the terminal ends with where the rows went.
        fflush(nil)
        for problem in cannotWrite { printError(problem) }
        if !cannotWrite.isEmpty { return ExitCode.cannotWrite }
        if let signal = interruptedBy {
            printError("interrupted by signal \(signal); workers ended, objects removed"
                + (written.map { ", \(results.count) complete rows in \($0)" } ?? ""))
            return InterruptSignals.exitStatus(for: signal)
        }
        if failed && options.keepGoing {
            printError("some scenarios failed (see the note column)")
        }
        return failed ? ExitCode.scenarioFailed : ExitCode.success
    }

    /// A plan over ``RunPlan/maximumRuns``: the suite file's fault (65) when it is over the
    /// limit on its own and the command line did not add to it, else the command line's (64).
    private func refuse(runs: Int, suite: Suite) -> Int32 {
        let alone = RunPlan.runCount(suite: suite, overrides: Overrides())
        let count = runs == Int.max ? "over \(Int.max)" : "\(runs)"
        let limit = "over the limit of \(RunPlan.maximumRuns)"
        if alone > RunPlan.maximumRuns && runs <= alone {
            printError("bad suite: \(suite.path ?? suite.name): \(count) scenario runs (scenarios x repetitions), \(limit); "
                + "shorten its lists or repetitions")
            return ExitCode.badInput
        }
        printError("the options make \(count) scenario runs (scenarios x repetitions), \(limit); give shorter "
            + "--mechanisms, --modes, --sizes, --placements, --waits or --pairs lists, or fewer --repetitions")
        return ExitCode.usage
    }
}

/// Where a run's rows go: the CSV (or standard output), the JSON, and the partial file that
/// holds each row from the moment it completes until the CSV is written.
struct RunOutputs {
    /// The CSV path, or "-" for standard output.
    let csv: String
    let json: String?
    let partial: PartialRows
    /// The default name was created empty to claim it: removed again if nothing is written.
    let claimedDefault: Bool

    struct Problem: Error {
        let message: String
        /// 64, or 71 when the machine (out of descriptors or memory), not the path, is the cause.
        var status = ExitCode.usage
    }

    /// Checks and claims the output paths, before anything is measured.
    static func prepare(_ options: RunOptions) -> Result<RunOutputs, Problem> {
        // The JSON first: a bad --json must not leave a claimed default name (or its folder).
        if let json = options.json {
            do { try AtomicFile.checkWritable(json) } catch {
                return .failure(Problem(message: "--json: \(error)", status: error.isResourceExhaustion ? ExitCode.setupFailed : ExitCode.usage))
            }
        }
        if let problem = RunExports.check(options.exports) { return .failure(Problem(message: problem)) }
        var csv = options.output ?? ""
        var claimed = false
        if options.output == nil {
            switch claimDefaultName() {
            case let .success(path): csv = path; claimed = true
            case let .failure(problem): return .failure(problem)
            }
        }
        func fail(_ message: String, _ cause: AtomicFile.WriteError? = nil) -> Result<RunOutputs, Problem> {
            if claimed { unlink(csv) }
            return .failure(Problem(message: message, status: cause?.isResourceExhaustion == true ? ExitCode.setupFailed : ExitCode.usage))
        }
        let partialPath = csv == "-"
            ? "\(PrivateDirectory.temporaryBase())/ipcbench-\(WallClock.compactUTCMilliseconds())-\(getpid()).partial.csv"
            : "\(csv).partial"
        if csv != "-" {
            do { try AtomicFile.checkWritable(csv) } catch { return fail("--output: \(error)", error) }
        }
        // One path cannot be two reports: the JSON's rename would replace the CSV.
        if let json = options.json, csv != "-", AtomicFile.sameFile(json, csv) || AtomicFile.sameFile(json, partialPath) {
            return fail("--json: \(json) is the --output file\(AtomicFile.sameFile(json, csv) ? "" : "'s partial file") too; give two paths")
        }
        var info = stat()
        if lstat(partialPath, &info) == 0 {
            return fail("--output: \(partialPath) exists: the rows of a run that did not finish, or a run writing "
                + "\(csv) now; move it away or give another --output")
        }
        do {
            let partial = try PartialRows(path: partialPath)
            return .success(RunOutputs(csv: csv, json: options.json, partial: partial, claimedDefault: claimed))
        } catch {
            return fail("--output: cannot keep rows as they complete: \(error)", error)
        }
    }

    /// `results/runs/ipcbench-<UTC time>-<ms>-<pid>.csv`, created exclusively so that runs
    /// started together (in one folder, even in containers with one pid) never share one.
    static func claimDefaultName() -> Result<String, Problem> {
        let folder = "results/runs"
        do { try AtomicFile.createFolders(folder) } catch {
            return .failure(Problem(message: "the default output folder \(folder) cannot be made here: \(error.reason); give --output PATH"))
        }
        let stem = "\(folder)/ipcbench-\(WallClock.compactUTCMilliseconds())-\(getpid())"
        for attempt in 1...100 {
            let path = attempt == 1 ? "\(stem).csv" : "\(stem)-\(attempt).csv"
            do {
                if try AtomicFile.createExclusively(path) { return .success(path) }
            } catch {
                return .failure(Problem(message: "the default output in \(folder) cannot be created: \(error.reason); give --output PATH",
                                        status: error.isResourceExhaustion ? ExitCode.setupFailed : ExitCode.usage))
            }
        }
        return .failure(Problem(message: "no free name for the default output in \(folder); give --output PATH"))
    }

    /// Nothing was written: the claimed name and the partial file go.
    func abandon() {
        partial.discard()
        if claimedDefault { unlink(csv) }
    }

    /// The CSV could not be written: says where the rows are, after putting them somewhere if
    /// the partial file does not hold them all (a file in $TMPDIR, one in the working folder,
    /// else standard output).
    func rescue(_ text: String, rows: Int) -> String {
        // The claimed name holds nothing: leave no empty report behind.
        if claimedDefault { unlink(csv) }
        let all = rows == 1 ? "the row is" : "the \(rows) rows are"
        if partial.holdsEveryRow && partial.rows == rows {
            partial.keep()
            return "\(all) in \(partial.path) (without cv_pct and noisy)"
        }
        let name = "ipcbench-rescued-\(WallClock.compactUTCMilliseconds())-\(getpid()).csv"
        for candidate in ["\(PrivateDirectory.temporaryBase())/\(name)", name] {
            if (try? AtomicFile.write(text, to: candidate)) != nil {
                partial.discard()
                return "\(all) in \(candidate)"
            }
        }
        // What print() holds goes first, so the CSV is not cut into the header lines.
        fflush(nil)
        if csv != "-", (try? AtomicFile.write(text, descriptor: 1, name: "standard output")) != nil {
            partial.discard()
            return "\(all) on standard output"
        }
        partial.keep()
        return partial.rows > 0
            ? "\(partial.rows) of the \(rows) rows are in \(partial.path); the rest could not be written anywhere"
            : "the rows could not be written anywhere"
    }
}
