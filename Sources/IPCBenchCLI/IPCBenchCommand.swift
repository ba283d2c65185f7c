#if canImport(Glibc)
import Glibc
#endif
import IPCBenchCore

/// The `ipcbench` program: parse, run, print; returns the exit status.
public enum IPCBenchCommand {
    public static func main(_ arguments: [String]) -> Int32 {
        let command: Command
        do {
            command = try ArgumentParser.parse(arguments)
        } catch {
            printError(error.message)
            return ExitCode.usage
        }
        switch command {
        case .help:
            print(ArgumentParser.help)
            return ExitCode.success
        case .version:
            print("ipcbench \(ipcbenchVersion)")
            return ExitCode.success
        case .list:
            print(ListCommand.render(limits: .current(), machine: .current()), terminator: "")
            return ExitCode.success
        case .doctor:
            print(DoctorCommand.render(.read()), terminator: "")
            return ExitCode.success
        case let .run(options):
            return RunCommand(options: options).execute()
        case let .compare(args):
            return CompareCommand.run(args)
        case let .plot(args):
            return PlotCommand.run(args)
        case let .gate(args):
            return GateCommand.run(args)
        case let .export(args):
            return ExportCommand.run(args)
        }
    }
}

/// One line on stderr, prefixed with the program name. Whatever the message quotes (a path, a
/// CSV cell, a hostname) shows its control characters as escapes: it stays one line and cannot
/// drive the terminal.
func printError(_ message: String) {
    var line = "ipcbench: \(TextSafety.forTerminal(message))\n"
    line.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
}

/// Text on stderr, unprefixed (progress and notes).
func printToStderr(_ text: String) {
    var t = text
    t.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
}
