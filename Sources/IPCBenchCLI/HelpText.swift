/// Help made from a command's flag table: the usage line, what the command does, one entry per
/// flag (its label, then its help wrapped beside it), and the exit statuses.
enum HelpText {
    /// Columns of a help line, at most.
    static let width = 100
    /// Where a flag's help starts: after two spaces and its label.
    static let helpColumn = 26
    /// Up to this many optional flags are spelled out in the usage line; more are `[options]`.
    static let flagsInUsage = 8

    static func command<C: Subcommand>(_ type: C.Type) -> String {
        // The usage line wrapped under itself: `usage: ipcbench compare ` and the words after it.
        let lead = "usage: ipcbench \(C.name) "
        var text = lead + wrap(synopsis(C.self), width: width - lead.count).joined(separator: "\n" + String(repeating: " ", count: lead.count)) + "\n"
        if !C.about.isEmpty { text += "\n" + C.about + "\n" }
        text += "\nOPTIONS\n" + options(C.table)
        if !C.exitStatuses.isEmpty { text += "\n\n" + C.exitStatuses }
        return text
    }

    /// `usage: ipcbench NAME OPERANDS --required VALUE [--optional VALUE] ...`, on one line (usage
    /// errors quote it).
    static func usage<C: Subcommand>(_ type: C.Type) -> String {
        "usage: ipcbench \(C.name) " + synopsis(C.self).joined(separator: " ")
    }

    /// What follows the command's name in its usage line: the operands, the required flags, then
    /// the optional ones in brackets (or `[options]` when there are many), each unbroken.
    static func synopsis<C: Subcommand>(_ type: C.Type) -> [String] {
        let flags = C.flags.filter { $0.kind == .toggle || $0.kind == .single || $0.kind == .repeatable }
        let optional = flags.filter { !$0.isRequired }
        var units = C.operands.map { [$0.synopsis] } ?? []
        units += flags.filter(\.isRequired).map(\.synopsis)
        units += optional.count <= flagsInUsage ? optional.map(\.synopsis) : ["[options]"]
        return units
    }

    /// One entry per flag: `  --output PATH           help`, the help wrapped at ``helpColumn``;
    /// a label too long for its column gets a line of its own.
    static func options<C>(_ flags: [Flag<C>]) -> String {
        let indent = String(repeating: " ", count: helpColumn)
        return flags.map { flag in
            let label = "  " + flag.label
            let help = flag.help.split(separator: "\n", omittingEmptySubsequences: false)
                .flatMap { wrap($0.split(separator: " ").map(String.init), width: width - helpColumn) }
            let first = label.count < helpColumn
                ? label + String(repeating: " ", count: helpColumn - label.count) + (help.first ?? "")
                : label + "\n" + indent + (help.first ?? "")
            return ([first] + help.dropFirst().map { indent + $0 }).joined(separator: "\n")
        }.joined(separator: "\n")
    }

    /// Words joined by spaces into lines of at most `width` columns (a longer word stands alone).
    static func wrap(_ words: [String], width: Int) -> [String] {
        var lines: [String] = []
        var line = ""
        for word in words {
            if line.isEmpty {
                line = word
            } else if line.count + 1 + word.count <= width {
                line += " " + word
            } else {
                lines.append(line)
                line = word
            }
        }
        return lines + [line]
    }
}
