import IPCBenchCore

/// One option of a subcommand, declared once: how it is spelled, what it takes, what it sets on
/// the command, and its line in `--help`. The parser, the one-line usage errors and the help
/// text all read these declarations; nothing about a flag is written down twice.
struct Flag<Command> {
    enum Kind: Equatable {
        /// Present or absent; takes no value (giving it twice changes nothing).
        case toggle
        /// Takes one value; given twice is an error.
        case single
        /// Takes a value each time it is given; every value is kept, in order.
        case repeatable
        /// Answers instead of running the command: the help text, or the version.
        case exit(EarlyExit)
    }

    /// `--output`.
    let name: String
    /// `h` for `-h`; only flags that have always had one get one.
    var short: Character? = nil
    /// `PATH`, as help and the usage line show the value; nil for a toggle.
    var valueName: String? = nil
    let kind: Kind
    /// One sentence or two; help wraps it.
    let help: String
    /// The command cannot do without it (`plot --output DIR`): missing, it is a usage error.
    var isRequired = false
    /// The value is a comma-separated list (for the "given twice" error).
    var isList = false
    /// Parses the text and stores the value; a toggle gets "".
    let apply: (inout Command, String) throws(SettingError) -> Void
}

/// What a command line asks for instead of a run.
enum EarlyExit: Equatable {
    case help
    case version
}

extension Flag {
    /// A switch that sets `target` to true.
    static func toggle(_ name: String, _ target: WritableKeyPath<Command, Bool>, help: String) -> Flag {
        Flag(name: name, kind: .toggle, help: help) { command, _ in command[keyPath: target] = true }
    }

    /// A switch that sets an optional `target` (nil: not given) to true.
    static func toggle(_ name: String, _ target: WritableKeyPath<Command, Bool?>, help: String) -> Flag {
        Flag(name: name, kind: .toggle, help: help) { command, _ in command[keyPath: target] = true }
    }

    /// A flag that takes one value, given at most once; `required` ones must be given.
    static func value<Value>(_ name: String, _ valueName: String, _ target: WritableKeyPath<Command, Value>,
                             _ parser: ValueParser<Value>, required: Bool = false, help: String) -> Flag {
        Flag(name: name, valueName: valueName, kind: .single, help: help, isRequired: required, isList: parser.isList) {
            (command: inout Command, text: String) throws(SettingError) in
            command[keyPath: target] = try parser.parse(text)
        }
    }

    /// A flag that takes one value, given at most once, into an optional (nil: not given).
    static func value<Value>(_ name: String, _ valueName: String, _ target: WritableKeyPath<Command, Value?>,
                             _ parser: ValueParser<Value>, help: String) -> Flag {
        Flag(name: name, valueName: valueName, kind: .single, help: help, isList: parser.isList) {
            (command: inout Command, text: String) throws(SettingError) in
            command[keyPath: target] = try parser.parse(text)
        }
    }

    /// A flag that may be given again and again; each value is appended to `target`.
    static func repeatable<Value>(_ name: String, _ valueName: String, _ target: WritableKeyPath<Command, [Value]>,
                                  _ parser: ValueParser<Value>, help: String) -> Flag {
        Flag(name: name, valueName: valueName, kind: .repeatable, help: help) {
            (command: inout Command, text: String) throws(SettingError) in
            command[keyPath: target].append(try parser.parse(text))
        }
    }

    /// `-h`, `--help`: every command has it.
    static var help: Flag {
        Flag(name: "--help", short: "h", kind: .exit(.help), help: "this text") { _, _ in }
    }

    /// `--version`: the program's, so only the default command declares it.
    static var version: Flag {
        Flag(name: "--version", kind: .exit(.version), help: "the version") { _, _ in }
    }

    /// How help shows the flag: `--output PATH`, `-h, --help`.
    var label: String {
        let spelled = short.map { "-\($0), \(name)" } ?? name
        return valueName.map { "\(spelled) \($0)" } ?? spelled
    }

    /// How the usage line shows the flag: `--output DIR`, or `[--threshold PERCENT]` when optional.
    var synopsis: String {
        let word = valueName.map { "\(name) \($0)" } ?? name
        return isRequired ? word : "[\(word)]"
    }
}

/// An enumeration's raw values as help shows a choice: `table|markdown|csv|json`.
func choices<E: RawRepresentable & CaseIterable>(_ type: E.Type) -> String where E.RawValue == String {
    E.allCases.map(\.rawValue).joined(separator: "|")
}
