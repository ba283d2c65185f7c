import Glibc
import IPCBenchCore

/// `ipcbench run`: resolve the plan, check the output paths, measure every scenario
/// (repetitions outermost, so drift spreads over all scenarios alike), keep each row safe as it
/// completes, write the CSV atomically.
struct RunCommand: Subcommand {
    var suite: String?
    var overrides = Overrides()
    /// nil: `results/runs/ipcbench-<timestamp>.csv`; "-": CSV on stdout.
    var output: String?
    var quiet = false
    var keepGoing = false
    /// Also write the run as JSON here.
    var json: String?
    /// `--commit` and `--label`: what this run is, on every row.
    var runLabel = RunLabel()
    /// `--export FORMAT=PATH,…`: exports written from the rows once the CSV is.
    var exports: [ExportRequest] = []
    /// `--serve`: hold the one scenario's workers warm and measure bursts on request.
    var serve = false

    static let name = "run"
    /// The default command: `ipcbench --sizes 0` is answered `ipcbench: --sizes: ...`.
    static let errorPrefix = ""
    /// The program's help, whose options are this command's.
    static var help: String { ArgumentParser.help }

    static var flags: [Flag<RunCommand>] {
        [
            .value("--suite", "NAME|PATH", \.suite, .suite, help: "quick, default, full (the package's "
                + "Benchmarks/suites/NAME.suite) or a path to a suite file (one with a / or ending in .suite)"),
            .value("--mechanisms", "LIST", \.overrides.mechanisms, .mechanisms,
                   help: "all, a family (kernel, notify, rings, zero-copy, ceilings), or names from `ipcbench list`"),
            .value("--modes", "LIST", \.overrides.modes, .listOf(Mode.self), help: "latency (round trips), throughput "
                + "(streaming), openloop (sends at --rate, times each message from its intended send time)"),
            .value("--rate", "N", \.overrides.rate, .count(1...100_000_000),
                   help: "open-loop messages per second per pair, 1 to 100000000 (default 10000)"),
            .toggle("--oneway", \.overrides.oneWay, help: "also time each message one way (sender's stamp to arrival; 16+ bytes)"),
            .value("--sizes", "LIST", \.overrides.sizes, .sizes, help: "payload bytes: 64, 4K, 4KiB, 1M, 1GiB (1 byte to 1 GiB)"),
            Flag(name: "--placements", valueName: "LIST", kind: .single,
                 help: "cross-core, same-core, unpinned (default: cross-core with 2+ CPUs), and matrix: every ordered pair of CPUs",
                 isList: true) { (command: inout RunCommand, text: String) throws(SettingError) in
                let (placements, matrix) = try Setting.placements(text)
                command.overrides.placements = placements
                command.overrides.matrix = matrix
            },
            .value("--cpus", "LIST", \.overrides.cpus, ValueParser(parse: Setting.cpus, isList: true),
                   help: "the matrix's CPUs, e.g. 0-3,8 (default: every CPU this process may use)"),
            .value("--cpu-pair", "LIST", \.overrides.cpuPairs, ValueParser(parse: Setting.cpuPairs, isList: true),
                   help: "matrix cells one by one, producer>consumer, e.g. 0>1,1>0"),
            .value("--waits", "LIST", \.overrides.waits, .listOf(WaitMode.self), help: "block, spin (non-blocking calls polled in a loop)"),
            .value("--copy", "LIST", \.overrides.copies, .listOf(CopyMode.self),
                   help: "copy (through the workers' buffers), zero (in the channel's memory)"),
            .value("--pairs", "LIST", \.overrides.pairs, .counts(1...64),
                   help: "channels at once, each with its producer and consumer (or its fan), 1 to 64 (default 1)"),
            .value("--topology", "LIST", \.overrides.topologies, ValueParser(parse: Setting.topologies, isList: true),
                   help: "pairs, fan-in:N (N producers, one consumer), fan-out:N (one producer, N competing consumers)"),
            .value("--repetitions", "N", \.overrides.repetitions, .count(1...1000),
                   help: "fresh process pairs per scenario, 1 to 1000 (suite default)"),
            .value("--messages", "N", \.overrides.messages, .count(1...1_000_000_000),
                   help: "measured messages (throughput) or round trips (latency) per pair"),
            .value("--warmup", "N", \.overrides.warmup, .count(0...1_000_000_000),
                   help: "untimed messages first (default: a tenth of --messages, at most 1000)"),
            .value("--min-time", "DURATION", \.overrides.minimumWindowNs, .duration, help: "grow each scenario's message "
                + "count (the suite's or --messages) until its window lasts at least this long (e.g. 50ms; untimed pilots first)"),
            .value("--ring-size", "BYTES", \.overrides.ringBytes, .ringSize, help: "capacity of the shared-memory rings (default 1M)"),
            .toggle("--verify", \.overrides.verify, help: "check every payload byte, not only the sequence numbers"),
            .value("--timeout", "SECONDS", \.overrides.timeoutSeconds, .seconds,
                   help: "per repetition, 0.1 to 86400 (default 60); the workers are killed after it"),
            .toggle("--keep-going", \.keepGoing, help: "record a failed scenario and go on (default: stop at the first)"),
            .value("--output", "PATH", \.output, .text(ifEmpty: "empty path (use - for standard output)"),
                   help: "CSV path (default results/runs/ipcbench-<UTC time>-<ms>-<pid>.csv; - for stdout); "
                + "each row is also kept in PATH.partial until it is written"),
            .value("--json", "PATH", \.json, .file(ifEmptyOrDash: "needs a file path"),
                   help: "also write the run as JSON (the rows plus the machine description; not the --output path)"),
            .value("--commit", "SHA", \.runLabel.commit, ValueParser { (t: String) throws(SettingError) in try RunLabel.text(t, limit: 100) },
                   help: "record the commit measured (a `commit` column on every row)"),
            .value("--label", "TEXT", \.runLabel.label, ValueParser { (t: String) throws(SettingError) in try RunLabel.text(t, limit: 200) },
                   help: "record a name for the run (a `label` column on every row)"),
            .value("--export", "FORMAT=PATH", \.exports, ValueParser(parse: ExportRequest.list, isList: true),
                   help: "also export the rows once written, comma-separated: bmf=PATH, github-action-benchmark=STEM "
                + "(STEM-smaller.json, STEM-bigger.json), hgrm=DIR (one percentile file per scenario); see ipcbench export --help"),
            .toggle("--serve", \.serve, help: "hold the one scenario's workers warm and measure a burst per line read from "
                + "standard input (its message count per pair; an empty line or the end of input stops), one CSV row each on "
                + "standard output: how `gate` pairs two builds in time"),
            .toggle("--quiet", \.quiet, help: "no table and no progress (the progress line, on a terminal, shows the time left "
                + "once the sweep has run a few seconds)"),
            .version,
        ]
    }

    func run() -> Int32 {
        // A file-size limit must fail the write (EFBIG), not kill the process mid-report.
        signal(SIGXFSZ, SIG_IGN)

        let suite: Suite
        do {
            suite = try SuiteLocator.load(self.suite ?? "default")
        } catch {
            // `default` is built in and always found; other names are files.
            switch error {
            case .invalid, .notARegularFile: printError("bad suite: \(error)"); return ExitCode.badSuite
            case .unreadable: printError("\(error)"); return ExitCode.setupFailed
            case .notFound: printError("--suite: \(error)"); return ExitCode.usage
            }
        }
        // Counted before a scenario is built: a cross product of long lists would take
        // gigabytes and minutes to build, and years to run.
        let runs = RunPlan.runCount(suite: suite, overrides: overrides)
        guard runs <= RunPlan.maximumRuns else { return refuse(runs: runs, suite: suite) }

        // Block the interrupt signals now, while single-threaded and before anything exists to
        // clean up: until here their default action ends the process, which is all it needs.
        let interrupts: InterruptSignals
        do { interrupts = try InterruptSignals() } catch {
            printError("cannot set up signal handling: \(error)")
            return ExitCode.setupFailed
        }
        let machine = MachineInfo.current()
        var plan = RunPlan.make(suite: suite, overrides: overrides, cpuCount: machine.cpus)
        guard !plan.scenarios.isEmpty else {
            printError("nothing to run: the options leave no scenario")
            return ExitCode.usage
        }
        if let signal = interrupts.poll() { return InterruptSignals.exitStatus(for: signal) }

        if serve { return runServe(plan, interrupts: interrupts, machine: machine) }

        let outputs: RunOutputs
        switch RunOutputs.prepare(self) {
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
        let showProgress = !quiet && isatty(2) == 1
        let clockOverhead = MonotonicClock.readOverheadNs()
        let chatty = !quiet && outputs.csv != "-"
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
        let calibrate = overrides.minimumWindowNs
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
                outputs.partial.append(CSVReport.row(result, machine: machine, timestamp: timestamp, clockOverheadNs: clockOverhead, run: runLabel))
                if result.status == .failed {
                    failed = true
                    if !keepGoing {
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
        let rows = results.map { CSVReport.row($0, machine: machine, timestamp: timestamp, clockOverheadNs: clockOverhead, run: runLabel) }
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
                                            clockOverheadNs: clockOverhead, run: runLabel, results: results)
            do { try AtomicFile.write(document.render() + "\n", to: json) } catch { cannotWrite.append("\(error)") }
        }
        cannotWrite += RunExports.write(exports, rows: rows, results: results)
        if chatty && !results.isEmpty {
            print("")
            print(SummaryTable.render(results), terminator: "")
            print(CoreMatrixTable.render(results), terminator: "")
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
        if failed && keepGoing {
            printError("some scenarios failed (see the note column)")
        }
        return failed ? ExitCode.scenarioFailed : ExitCode.success
    }

    /// `--serve`: exactly one scenario, its rows on standard output as bursts are asked for.
    private func runServe(_ plan: RunPlan, interrupts: InterruptSignals, machine: MachineInfo) -> Int32 {
        guard plan.scenarios.count == 1 else {
            printError("--serve holds one scenario; the options make \(plan.scenarios.count) (give one value for each dimension)")
            return ExitCode.usage
        }
        if MechanismRegistry.named(plan.scenarios[0].mechanism)?.traits.lossy == true {
            printError("--serve cannot hold \(plan.scenarios[0].mechanism): it loses messages, and a burst's losses would reach the next")
            return ExitCode.usage
        }
        if output != nil && output != "-" || json != nil || !exports.isEmpty {
            printError("--serve writes its rows to standard output only (no --output file, --json or --export)")
            return ExitCode.usage
        }
        let directory: PrivateDirectory
        do { directory = try PrivateDirectory() } catch {
            printError("cannot create a private temp folder: \(error)")
            return ExitCode.setupFailed
        }
        defer { directory.remove() }
        let timestamp = WallClock.iso8601UTC()
        let clockOverhead = MonotonicClock.readOverheadNs()
        let session = ServeSession(interrupts: interrupts) { result in
            CSVReport.row(result, machine: machine, timestamp: timestamp, clockOverheadNs: clockOverhead, run: runLabel)
        }
        let coordinator = Coordinator(directory: directory, timeoutSeconds: plan.timeoutSeconds, interrupts: interrupts)
        coordinator.burstDriver = session
        var result: RepetitionResult
        repeat {
            session.renewRequested = false
            result = coordinator.run(plan.scenarios[0], repetition: 1)
        } while session.renewRequested && result.status == .ok
        coordinator.burstDriver = nil
        // A skipped scenario, or one that failed before or after its bursts, says why in a row.
        if result.status != .ok || session.bursts == 0 { session.report(result) }
        if let signal = session.interruptedBy ?? result.interruptedBy { return InterruptSignals.exitStatus(for: signal) }
        if let malformed = session.malformed {
            printError("--serve: \(malformed)")
            return ExitCode.usage
        }
        return session.failed ? ExitCode.scenarioFailed : ExitCode.success
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
            return ExitCode.badSuite
        }
        printError("the options make \(count) scenario runs (scenarios x repetitions), \(limit); give shorter "
            + "--mechanisms, --modes, --sizes, --placements, --waits or --pairs lists, or fewer --repetitions")
        return ExitCode.usage
    }
}
