import IPCBenchCore

/// A command line, parsed: what to do and with which values.
public enum Command: Equatable {
    case run(RunOptions)
    case list
    case doctor
    /// Subcommands that parse their own arguments.
    case compare([String])
    case plot([String])
    case gate([String])
    case export([String])
    case help
    case version
}

/// `ipcbench run` options after parsing; nothing here touches the machine.
public struct RunOptions: Equatable {
    public var suite: String?
    public var overrides = Overrides()
    /// nil: `results/runs/ipcbench-<timestamp>.csv`; "-": CSV on stdout.
    public var output: String?
    public var quiet = false
    public var keepGoing = false
    /// Also write the run as JSON here.
    public var json: String?
    /// `--commit` and `--label`: what this run is, on every row.
    public var run = RunLabel()
    /// `--export FORMAT=PATH,…`: exports written from the rows once the CSV is.
    public var exports: [ExportRequest] = []

    public init() {}

    public static func == (a: RunOptions, b: RunOptions) -> Bool {
        a.suite == b.suite && a.output == b.output && a.json == b.json && a.quiet == b.quiet && a.keepGoing == b.keepGoing
            && a.overrides.mechanisms == b.overrides.mechanisms && a.overrides.sizes == b.overrides.sizes
            && a.overrides.modes == b.overrides.modes && a.overrides.placements == b.overrides.placements
            && a.overrides.waits == b.overrides.waits && a.overrides.pairs == b.overrides.pairs
            && a.overrides.messages == b.overrides.messages && a.overrides.repetitions == b.overrides.repetitions
            && a.overrides.warmup == b.overrides.warmup && a.overrides.timeoutSeconds == b.overrides.timeoutSeconds
            && a.overrides.verify == b.overrides.verify && a.overrides.ringBytes == b.overrides.ringBytes
            && a.overrides.rate == b.overrides.rate && a.overrides.oneWay == b.overrides.oneWay
            && a.overrides.minimumWindowNs == b.overrides.minimumWindowNs && a.run == b.run && a.exports == b.exports
    }
}

/// A bad command line: one line that names the flag and what it accepts.
public struct UsageError: Error, CustomStringConvertible, Equatable {
    public let message: String
    public var description: String { message }
}

public enum ArgumentParser {
    static let valueFlags = [
        "--suite", "--mechanisms", "--modes", "--sizes", "--placements", "--waits", "--pairs",
        "--repetitions", "--messages", "--warmup", "--timeout", "--output", "--ring-size", "--json", "--rate", "--min-time",
        "--commit", "--label", "--export",
    ]
    static let switches = ["--verify", "--quiet", "--keep-going", "--oneway"]

    public static func parse(_ arguments: [String]) throws(UsageError) -> Command {
        var args = arguments[...]
        var subcommand = "run"
        if let first = args.first, !first.hasPrefix("-") {
            subcommand = first
            args = args.dropFirst()
        }
        switch subcommand {
        case "run": break
        case "list", "doctor":
            if args.count == 1 && ["--help", "-h"].contains(args.first!) { return .help }
            guard args.isEmpty else { throw UsageError(message: "\(subcommand) takes no options (got '\(echo(args.first!, limit: 40))')") }
            return subcommand == "list" ? .list : .doctor
        case "help": return .help
        case "compare": return .compare(Array(args))
        case "plot": return .plot(Array(args))
        case "gate": return .gate(Array(args))
        case "export": return .export(Array(args))
        default:
            throw UsageError(message: "unknown command '\(echo(subcommand, limit: 40))' (commands: run, list, doctor, compare, plot, gate, export, help)")
        }
        if args.contains("--help") || args.contains("-h") { return .help }
        if args.contains("--version") { return .version }

        var options = RunOptions()
        var given: Set<String> = []
        while let arg = args.popFirst() {
            var flag = arg
            var value: String? = nil
            if arg.hasPrefix("--"), let eq = arg.firstIndex(of: "=") {
                flag = String(arg[..<eq])
                value = String(arg[arg.index(after: eq)...])
            }
            if switches.contains(flag) {
                guard value == nil else { throw UsageError(message: "\(flag) takes no value") }
                switch flag {
                case "--verify": options.overrides.verify = true
                case "--oneway": options.overrides.oneWay = true
                case "--quiet": options.quiet = true
                default: options.keepGoing = true
                }
                continue
            }
            guard valueFlags.contains(flag) else {
                throw UsageError(message: "unknown option '\(echo(flag, limit: 40))' (see ipcbench --help)")
            }
            // A second value would silently win over the first: say so instead.
            guard given.insert(flag).inserted else {
                throw UsageError(message: "\(flag) given twice (give one value; lists are comma-separated)")
            }
            if value == nil {
                guard let next = args.popFirst() else { throw UsageError(message: "\(flag) needs a value") }
                value = next
            }
            try apply(flag, value!, to: &options)
        }
        return .run(options)
    }

    static func apply(_ flag: String, _ value: String, to options: inout RunOptions) throws(UsageError) {
        do throws(SettingError) {
            switch flag {
            case "--suite":
                guard !value.isEmpty else { throw SettingError(message: "empty suite name (suites: \(SuiteLocator.available().joined(separator: ", ")))") }
                options.suite = value
            case "--mechanisms": options.overrides.mechanisms = try Setting.mechanisms(value)
            case "--modes": options.overrides.modes = try Setting.list(value, Mode.self)
            case "--sizes": options.overrides.sizes = try Setting.sizes(value)
            case "--placements": options.overrides.placements = try Setting.list(value, Placement.self)
            case "--waits": options.overrides.waits = try Setting.list(value, WaitMode.self)
            case "--pairs": options.overrides.pairs = try Setting.counts(value, range: 1...64)
            case "--repetitions": options.overrides.repetitions = try Setting.count(value, range: 1...1000)
            case "--messages": options.overrides.messages = try Setting.count(value, range: 1...1_000_000_000)
            case "--warmup": options.overrides.warmup = try Setting.count(value, range: 0...1_000_000_000)
            case "--timeout": options.overrides.timeoutSeconds = try Setting.seconds(value)
            case "--ring-size": options.overrides.ringBytes = try Setting.ringSize(value)
            case "--rate": options.overrides.rate = try Setting.count(value, range: 1...100_000_000)
            case "--min-time": options.overrides.minimumWindowNs = try Setting.duration(value)
            case "--output":
                guard !value.isEmpty else { throw SettingError(message: "empty path (use - for standard output)") }
                options.output = value
            case "--json":
                guard !value.isEmpty, value != "-" else { throw SettingError(message: "needs a file path") }
                options.json = value
            case "--commit": options.run.commit = try RunLabel.text(value, limit: 100)
            case "--label": options.run.label = try RunLabel.text(value, limit: 200)
            case "--export": options.exports = try ExportRequest.list(value)
            default: break
            }
        } catch {
            throw UsageError(message: "\(flag): \(error.message)")
        }
    }

    public static let help = """
    ipcbench — how fast each way of moving data between two processes is, on this machine

    USAGE
      ipcbench [run] [options]     run a sweep (the default suite when no option shapes one)
      ipcbench list                mechanisms, what each supports, this machine's limits, suites
      ipcbench doctor              CPUs, topology, governor, clock, load, limits, and advice for stable numbers
      ipcbench compare BASE NEW    regressed / improved / unchanged / inconclusive per scenario
                                   (--threshold 5, --confidence 0.95, --format table|markdown|csv|json,
                                    --output PATH, --allow-different-machines); exit 1 on a regression
      ipcbench plot RESULTS --output DIR [--baseline BASE]   SVG charts and an index.html
                                   (--history DIR: each scenario over a folder of runs)
      ipcbench export RESULTS --format bmf|github-action-benchmark|hgrm [--output PATH]
                                   results for Bencher, github-action-benchmark or HdrHistogram tools
      ipcbench gate --base PROGRAM [--candidate PROGRAM]  paired A/B regression gate: scenario by
                                   scenario, back to back, until decided or --budget (see gate --help)
      ipcbench help                this text (also --help, -h)
      ipcbench --version           the version

    RUN OPTIONS (each list is comma-separated; a flag replaces the suite's value)
      --suite NAME|PATH       quick, default, full (the package's Benchmarks/suites/NAME.suite) or a
                              path to a suite file (one with a / or ending in .suite)
      --mechanisms LIST       all, or names from `ipcbench list`
      --modes LIST            latency (round trips), throughput (streaming), openloop (sends at
                              --rate, times each message from its intended send time)
      --rate N                open-loop messages per second per pair, 1 to 100000000 (default 10000)
      --oneway                also time each message one way (sender's stamp to arrival; 16+ bytes)
      --sizes LIST            payload bytes: 64, 4K, 4KiB, 1M, 1GiB (1 byte to 1 GiB)
      --placements LIST       cross-core, same-core, unpinned (default: cross-core with 2+ CPUs)
      --waits LIST            block, spin (non-blocking calls polled in a loop)
      --pairs LIST            producer/consumer pairs at once, 1 to 64 (default 1)
      --repetitions N         fresh process pairs per scenario, 1 to 1000 (suite default)
      --messages N            measured messages (throughput) or round trips (latency) per pair
      --warmup N              untimed messages first (default: a tenth of --messages, at most 1000)
      --min-time DURATION     grow each scenario's message count (the suite's or --messages) until
                              its window lasts at least this long (e.g. 50ms; untimed pilots first)
      --ring-size BYTES       capacity of the shared-memory rings (default 1M)
      --verify                check every payload byte, not only the sequence numbers
      --timeout SECONDS       per repetition, 0.1 to 86400 (default 60); the workers are killed after it
      --keep-going            record a failed scenario and go on (default: stop at the first)
      --output PATH           CSV path (default results/runs/ipcbench-<UTC time>-<ms>-<pid>.csv;
                              - for stdout); each row is also kept in PATH.partial until it is written
      --json PATH             also write the run as JSON (the rows plus the machine description;
                              not the --output path)
      --commit SHA            record the commit measured (a `commit` column on every row)
      --label TEXT            record a name for the run (a `label` column on every row)
      --export FORMAT=PATH    also export the rows once written, comma-separated: bmf=PATH,
                              github-action-benchmark=STEM (STEM-smaller.json, STEM-bigger.json),
                              hgrm=DIR (one percentile file per scenario); see ipcbench export --help
      --quiet                 no table and no progress (the progress line, on a terminal, shows
                              the time left once the sweep has run a few seconds)

    EXIT STATUS
      run: 0 all scenarios ok or skipped, 1 a scenario failed, 64 bad command line (or a plan over
      100000 scenarios x repetitions), 65 bad suite file (or one over that limit), 71 the run could
      not be set up, 73 the CSV could not be written (the error says where the rows are), 128+N
      ended by signal N
      compare: 0 no regression, 1 a regression, 2 unreadable or malformed CSV, 3 different schema,
      4 nothing to compare, 5 different machines, 6 a likely regression left undecided (more
      repetitions needed), 64 bad command line
      gate: as compare, plus 65 bad suite, 71 a build could not be run, 73 cannot write
    """
}
