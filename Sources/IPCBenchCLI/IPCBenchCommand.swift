import Glibc
import IPCBenchCore

/// The `ipcbench` program: parse, run, print; returns the exit status.
public enum IPCBenchCommand {
    public static func main(_ arguments: [String]) -> Int32 {
        #if IPCBENCH_PLANTS
        // A build with regressions compiled in (scripts/gate-targets.sh) says so whenever one is on.
        if let plant = Planted.configure() {
            printToStderr("ipcbench: planted regression \(plant.rawValue) is on (\(Plant.environmentVariable)); not a build to measure with\n")
        }
        #endif
        let command: Command
        do {
            command = try ArgumentParser.parse(arguments)
        } catch {
            printError(error.message)
            return ExitCode.usage
        }
        switch command {
        case let .help(text):
            print(text)
            return ExitCode.success
        case .version:
            print("ipcbench \(ipcbenchVersion)")
            return ExitCode.success
        case let .run(command): return command.run()
        case let .list(command): return command.run()
        case let .doctor(command): return command.run()
        case let .compare(command): return command.run()
        case let .plot(command): return command.run()
        case let .gate(command): return command.run()
        case let .export(command): return command.run()
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
