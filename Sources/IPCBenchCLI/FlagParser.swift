import IPCBenchCore

/// The rules every command line follows, applied from a command's flag table, the same way for
/// every command:
/// - `--flag value` and `--flag=value`; a toggle takes no value;
/// - a value that looks like a flag (`-` and more, not a negative number) is not taken as the
///   value: `--output --quiet` is "--output needs a value" (`--output=--quiet` says it is one);
/// - a single-value flag given twice is an error; only a repeatable flag collects values;
/// - an unknown flag is an error that names it, and the closest known flag if one is close;
/// - `--` ends the options: every word after it is an operand;
/// - `--help` (`-h`) anywhere before `--` answers with the help text, whatever else is there.
enum FlagParser<Command: Subcommand> {
    static func parse(_ arguments: [String]) throws(UsageError) -> ParsedCommandLine<Command> {
        let table = Command.table
        for word in arguments.prefix(while: { $0 != "--" }) where looksLikeFlag(word) {
            if let flag = find(spelled(word).name, in: table), case let .exit(answer) = flag.kind { return .exit(answer) }
        }
        var command = Command()
        var given: Set<String> = []
        var operands: [String] = []
        var words = arguments[...]
        while let word = words.popFirst() {
            if word == "--" {
                operands += words
                break
            }
            guard looksLikeFlag(word) else {
                operands.append(word)
                continue
            }
            let (name, inline) = spelled(word)
            guard let flag = find(name, in: table) else { throw unknown(name, in: table) }
            switch flag.kind {
            case .exit:
                continue // answered before the walk
            case .toggle:
                guard inline == nil else { throw UsageError(message: "\(flag.name) takes no value") }
                try apply(flag, "", to: &command)
            case .single, .repeatable:
                // A second value would silently win over the first: say so instead.
                guard flag.kind == .repeatable || given.insert(flag.name).inserted else {
                    throw UsageError(message: "\(flag.name) given twice" + (flag.isList ? " (give one value; lists are comma-separated)" : ""))
                }
                var value = inline
                if value == nil {
                    guard let next = words.first else { throw UsageError(message: "\(flag.name) needs a value") }
                    guard !looksLikeFlag(next) else {
                        throw UsageError(message: "\(flag.name) needs a value, got the option '\(echo(next))' "
                            + "(for a value that starts with -, write \(flag.name)=VALUE)")
                    }
                    value = words.popFirst()
                }
                try apply(flag, value!, to: &command)
            }
        }
        if !operands.isEmpty {
            guard let target = Command.operands?.target else {
                throw UsageError(message: "unexpected argument '\(echo(operands[0]))' (see ipcbench \(Command.name) --help)")
            }
            command[keyPath: target] = operands
        }
        for flag in table where flag.isRequired && !given.contains(flag.name) {
            throw UsageError(message: "\(flag.name) \(flag.valueName ?? "") is required (\(Command.usage))")
        }
        return .run(command)
    }

    /// `-x`, `--x`, but not `-` (standard input or output), nor a negative number such as `-3`.
    static func looksLikeFlag(_ word: String) -> Bool {
        guard word.hasPrefix("-"), word.count > 1 else { return false }
        let rest = word.dropFirst()
        return !(rest.first!.isASCII && rest.first!.isNumber) && !(rest.hasPrefix(".") && rest.dropFirst().first?.isNumber == true)
    }

    /// `--name=value` as the name and the value; other flags as themselves and no value.
    static func spelled(_ word: String) -> (name: String, inline: String?) {
        guard word.hasPrefix("--"), let equals = word.firstIndex(of: "=") else { return (word, nil) }
        return (String(word[..<equals]), String(word[word.index(after: equals)...]))
    }

    static func find(_ name: String, in table: [Flag<Command>]) -> Flag<Command>? {
        table.first { $0.name == name || ($0.short.map { "-\($0)" } == name) }
    }

    static func apply(_ flag: Flag<Command>, _ value: String, to command: inout Command) throws(UsageError) {
        do throws(SettingError) {
            try flag.apply(&command, value)
        } catch {
            throw UsageError(message: "\(flag.name): \(error.message)")
        }
    }

    static func unknown(_ name: String, in table: [Flag<Command>]) -> UsageError {
        let guess = closest(name, to: table.map(\.name)).map { "did you mean \($0)? " } ?? ""
        return UsageError(message: "unknown option '\(echo(name))' (\(guess)see ipcbench \(Command.name) --help)")
    }
}

/// The known word `word` is most likely a slip for: the only one it begins, else the nearest
/// within two edits (a typo, not a different word).
func closest(_ word: String, to known: [String]) -> String? {
    let extended = known.filter { $0.hasPrefix(word) }
    if word.count >= 4, extended.count == 1 { return extended[0] }
    let scored = known.map { (name: $0, distance: editDistance(word, $0)) }.filter { $0.distance <= min(2, word.count / 3) }
    return scored.min { $0.distance < $1.distance }?.name
}

/// Edits from one word to the other: insertions, deletions, substitutions, and swaps of two
/// neighbours (`plto` is one edit from `plot`).
func editDistance(_ a: String, _ b: String) -> Int {
    let a = Array(a.utf8.prefix(64)), b = Array(b.utf8.prefix(64))
    // d[i][j]: edits from a's first i bytes to b's first j.
    var d = (0...a.count).map { i in (0...b.count).map { j in i == 0 ? j : (j == 0 ? i : 0) } }
    for i in a.indices {
        for j in b.indices {
            var best = Swift.min(d[i][j + 1] + 1, d[i + 1][j] + 1, d[i][j] + (a[i] == b[j] ? 0 : 1))
            if i > 0, j > 0, a[i] == b[j - 1], a[i - 1] == b[j] { best = Swift.min(best, d[i - 1][j - 1] + 1) }
            d[i + 1][j + 1] = best
        }
    }
    return d[a.count][b.count]
}
