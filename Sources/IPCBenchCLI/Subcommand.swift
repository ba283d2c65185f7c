import IPCBenchCore

/// A bad command line: one line that names the flag and what it accepts (exit 64).
struct UsageError: Error, CustomStringConvertible, Equatable {
    let message: String
    var description: String { message }
}

/// The words of a command line that are not flags (`compare BASE.csv NEW.csv`): how help shows
/// them, and where they go. The command's `validate()` counts them.
struct Operands<Command> {
    let synopsis: String
    let target: WritableKeyPath<Command, [String]>
}

/// One `ipcbench` command, modelled on swift-argument-parser: its flags are declared once
/// (``flags``), and its parsing, its usage errors and its `--help` are all made from them;
/// ``validate()`` checks the command line as a whole, without touching the machine, apart from
/// ``run()``, which does the work and returns the exit status.
protocol Subcommand {
    /// The word after `ipcbench`.
    static var name: String { get }
    static var flags: [Flag<Self>] { get }
    /// nil: the command takes no operands, and one is a usage error.
    static var operands: Operands<Self>? { get }
    /// What `--help` says between the usage line and the options.
    static var about: String { get }
    /// What `--help` says after the options.
    static var exitStatuses: String { get }
    static var help: String { get }
    /// Before each usage error of this command: `plot: `.
    static var errorPrefix: String { get }
    /// The command with every default, before any flag is applied.
    init()
    func validate() throws(UsageError)
    func run() -> Int32
}

/// A parsed command line: the command to run, or an answer that replaces it.
enum ParsedCommandLine<Command> {
    case run(Command)
    case exit(EarlyExit)
}

extension Subcommand {
    static var operands: Operands<Self>? { nil }
    static var about: String { "" }
    static var exitStatuses: String { "" }
    static var help: String { HelpText.command(Self.self) }
    static var errorPrefix: String { "\(name): " }
    func validate() throws(UsageError) {}

    /// Every flag the command line may hold: the declared ones, then `--help`.
    static var table: [Flag<Self>] { flags + [.help] }

    /// `usage: ipcbench plot RESULTS.csv --output DIR [--baseline BASE.csv] ...`
    static var usage: String { HelpText.usage(Self.self) }

    /// Parses `arguments` (the words after the command's name) by the table, then validates.
    static func parseCommandLine(_ arguments: [String]) throws(UsageError) -> ParsedCommandLine<Self> {
        do throws(UsageError) {
            let parsed = try FlagParser<Self>.parse(arguments)
            if case let .run(command) = parsed { try command.validate() }
            return parsed
        } catch {
            throw UsageError(message: errorPrefix + error.message)
        }
    }

    /// The command `arguments` describe; nil when they ask for help (or the version) instead.
    static func parse(_ arguments: [String]) throws(UsageError) -> Self? {
        guard case let .run(command) = try parseCommandLine(arguments) else { return nil }
        return command
    }

    /// The whole command: parse and validate `arguments`, then run; a usage error is one line
    /// on stderr and exit 64, help goes to stdout.
    static func run(_ arguments: [String]) -> Int32 {
        let parsed: ParsedCommandLine<Self>
        do { parsed = try parseCommandLine(arguments) } catch {
            printError(error.message)
            return ExitCode.usage
        }
        switch parsed {
        case let .run(command): return command.run()
        case .exit(.help): print(help)
        case .exit(.version): print("ipcbench \(ipcbenchVersion)")
        }
        return ExitCode.success
    }
}
