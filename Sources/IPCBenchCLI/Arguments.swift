import IPCBenchCore

/// A command line, parsed and validated: the command to run, or what to print instead.
enum Command {
    case run(RunCommand)
    case list(ListCommand)
    case doctor(DoctorCommand)
    case compare(CompareCommand)
    case plot(PlotCommand)
    case gate(GateCommand)
    case export(ExportCommand)
    /// The text to print: the program's help, or a command's.
    case help(String)
    case version
}

/// Picks the command by its name (none: `run`) and parses the rest by its flag table.
enum ArgumentParser {
    static let commandNames = ["run", "list", "doctor", "compare", "plot", "gate", "export", "help"]

    static func parse(_ arguments: [String]) throws(UsageError) -> Command {
        var args = arguments[...]
        var name = "run"
        if let first = args.first, !first.hasPrefix("-") {
            name = first
            args = args.dropFirst()
        }
        let rest = Array(args)
        switch name {
        case "run": return try parse(RunCommand.self, rest, Command.run)
        case "list": return try parse(ListCommand.self, rest, Command.list)
        case "doctor": return try parse(DoctorCommand.self, rest, Command.doctor)
        case "compare": return try parse(CompareCommand.self, rest, Command.compare)
        case "plot": return try parse(PlotCommand.self, rest, Command.plot)
        case "gate": return try parse(GateCommand.self, rest, Command.gate)
        case "export": return try parse(ExportCommand.self, rest, Command.export)
        case "help":
            // `help plot` is `plot --help`.
            guard let topic = rest.first, rest.count == 1, topic != "help" else {
                guard rest.isEmpty else { throw UsageError(message: "help takes at most one command name") }
                return .help(help)
            }
            return try parse([topic, "--help"])
        default:
            let guess = closest(name, to: commandNames).map { "did you mean \($0)? " } ?? ""
            throw UsageError(message: "unknown command '\(echo(name, limit: 40))' (\(guess)commands: \(commandNames.joined(separator: ", ")))")
        }
    }

    private static func parse<C: Subcommand>(_ type: C.Type, _ arguments: [String], _ command: (C) -> Command) throws(UsageError) -> Command {
        switch try C.parseCommandLine(arguments) {
        case let .run(parsed): return command(parsed)
        case .exit(.help): return .help(C.help)
        case .exit(.version): return .version
        }
    }

    /// The program's help: the commands, then the run options from `run`'s flag table.
    static var help: String {
        """
        ipcbench — how fast each way of moving data between two processes is, on this machine

        USAGE
          ipcbench [run] [options]     run a sweep (the default suite when no option shapes one)
          ipcbench list                mechanisms, what each supports, this machine's limits, suites
          ipcbench doctor              CPUs, topology, governor, clock, load, limits, and advice for stable numbers
          ipcbench compare BASE NEW    regressed / improved / unchanged / inconclusive per scenario; exit 1 on a
                                       regression
          ipcbench plot RESULTS --output DIR [--baseline BASE]   SVG charts and an index.html
                                       (--history DIR: each scenario over a folder of runs)
          ipcbench export RESULTS --format bmf|github-action-benchmark|hgrm [--output PATH]
                                       results for Bencher, github-action-benchmark or HdrHistogram tools
          ipcbench gate --base PROGRAM [--candidate PROGRAM]  paired A/B regression gate: scenario by
                                       scenario, back to back, until decided or --budget
          ipcbench COMMAND --help      a command's options (also ipcbench help COMMAND)
          ipcbench help                this text (also --help, -h)
          ipcbench --version           the version

        Every command reads its options the same way: --flag VALUE or --flag=VALUE; a value that
        starts with - only as --flag=VALUE; a flag given twice is an error; -- ends the options.

        RUN OPTIONS (each list is comma-separated; a flag replaces the suite's value)
        \(HelpText.options(RunCommand.flags.filter { $0.kind != .exit(.version) }))

        EXIT STATUS
          run: 0 all scenarios ok or skipped, 1 a scenario failed, 64 bad command line (or a plan over
          100000 scenarios x repetitions), 65 bad suite file (or one over that limit), 71 the run could
          not be set up, 73 the CSV could not be written (the error says where the rows are), 128+N
          ended by signal N
          compare: 0 no regression, 1 a regression, 2 unreadable or malformed CSV or JSON, 3 the files
          share no metric column, 4 nothing to compare, 5 different machines, 6 a likely regression
          left undecided (more repetitions needed), 64 bad command line
          gate: as compare, plus 65 bad suite, 71 a build could not be run, 73 cannot write
        """
    }
}
