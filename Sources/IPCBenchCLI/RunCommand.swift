#if canImport(Glibc)
import Glibc
#endif
import IPCBenchCore

/// `ipcbench run`: resolve the plan, check the output path, measure every scenario
/// (repetitions outermost, so drift spreads over all scenarios alike), write the CSV atomically.
struct RunCommand {
    let options: RunOptions

    func execute() -> Int32 {
        // A file-size limit must fail the write (EFBIG), not kill the process mid-report.
        signal(SIGXFSZ, SIG_IGN)
        // Before anything else: block the interrupt signals while we are single-threaded.
        let interrupts: InterruptSignals
        do { interrupts = try InterruptSignals() } catch {
            printError("cannot set up signal handling: \(error)")
            return ExitCode.setupFailed
        }

        let suite: Suite
        do {
            suite = try SuiteLocator.load(options.suite ?? "default")
        } catch {
            switch error {
            case .notFound where options.suite == nil:
                // Run outside the package: the built-in copy of the default suite.
                suite = try! Suite.parse(SuiteLocator.builtInDefault, name: "default (built-in)")
            case .invalid: printError("bad suite: \(error)"); return ExitCode.badInput
            case .unreadable: printError("\(error)"); return ExitCode.setupFailed
            default: printError("--suite: \(error)"); return ExitCode.usage
            }
        }
        let machine = MachineInfo.current()
        var plan = RunPlan.make(suite: suite, overrides: options.overrides, cpuCount: machine.cpus)
        guard !plan.scenarios.isEmpty else {
            printError("nothing to run: the options leave no scenario")
            return ExitCode.usage
        }

        let outputPath = options.output ?? "results/runs/ipcbench-\(WallClock.compactUTC()).csv"
        if options.output == nil { AtomicFile.makeFolders("results/runs") }
        if outputPath != "-" {
            do { try AtomicFile.checkWritable(outputPath) } catch {
                printError("--output: \(error)")
                return ExitCode.usage
            }
        }
        if let json = options.json {
            do { try AtomicFile.checkWritable(json) } catch {
                printError("--json: \(error)")
                return ExitCode.usage
            }
        }

        let directory: PrivateDirectory
        do { directory = try PrivateDirectory() } catch {
            printError("cannot create a private temp folder: \(error)")
            return ExitCode.setupFailed
        }
        defer { directory.remove() }

        let coordinator = Coordinator(
            directory: directory, timeoutSeconds: plan.timeoutSeconds, interrupts: interrupts)
        let timestamp = WallClock.iso8601UTC()
        let showProgress = !options.quiet && isatty(2) == 1
        let clockOverhead = MonotonicClock.readOverheadNs()
        let chatty = !options.quiet && outputPath != "-"
        if chatty {
            print("ipcbench \(ipcbenchVersion): suite \(plan.suiteName), \(plan.scenarios.count) scenarios x "
                + "\(plan.repetitions) repetitions on \(machine.cpuModel) (\(machine.cpus) CPUs), Linux \(machine.kernel)")
            print("clock: CLOCK_MONOTONIC, \(clockOverhead) ns per read (median)")
        }

        var results: [RepetitionResult] = []
        var failed = false
        var interruptedBy: Int32? = nil
        let total = plan.scenarios.count * plan.repetitions
        var done = 0
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
                    printToStderr("\r\u{1B}[K[\(done)/\(total)] \(scenario.mechanism) \(scenario.mode.rawValue) "
                        + "\(ByteSize.format(scenario.payloadBytes)) \(scenario.placement.rawValue) \(scenario.wait.rawValue) "
                        + "rep \(repetition)/\(plan.repetitions)")
                }
                let result = coordinator.run(scenario, repetition: repetition)
                if let signal = result.interruptedBy ?? interrupts.poll() {
                    interruptedBy = signal
                    break sweep
                }
                results.append(result)
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
        let rows = results.map { CSVReport.row($0, machine: machine, timestamp: timestamp, clockOverheadNs: clockOverhead) }
        let csv = CSVReport.render(rows)
        if outputPath == "-" {
            do { try AtomicFile.write(csv, descriptor: 1, name: "standard output") } catch {
                printError("\(error)")
                return ExitCode.cannotWrite
            }
        } else if !results.isEmpty {
            do { try AtomicFile.write(csv, to: outputPath) } catch {
                printError("\(error)")
                return ExitCode.cannotWrite
            }
        }
        if let json = options.json, !results.isEmpty {
            let document = RunDocument.json(rows: rows, machine: machine, timestamp: timestamp, suite: plan.suiteName,
                                            clockOverheadNs: clockOverhead)
            do { try AtomicFile.write(document.render() + "\n", to: json) } catch {
                printError("\(error)")
                return ExitCode.cannotWrite
            }
        }
        if chatty {
            print("")
            print(SummaryTable.render(results), terminator: "")
            print("")
            if !results.isEmpty { print("CSV: \(outputPath)") }
            print("Read round trips against the placement: a blocking hand-off across two vCPUs goes through the hypervisor.")
        }
        if let signal = interruptedBy {
            printError("interrupted by signal \(signal); workers ended, objects removed"
                + (results.isEmpty || outputPath == "-" ? "" : ", \(results.count) complete rows in \(outputPath)"))
            return InterruptSignals.exitStatus(for: signal)
        }
        if failed && options.keepGoing {
            printError("some scenarios failed (see the note column)")
        }
        return failed ? ExitCode.scenarioFailed : ExitCode.success
    }
}
