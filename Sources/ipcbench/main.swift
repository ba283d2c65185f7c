import Glibc
import IPCBenchCLI

exit(IPCBenchCommand.main(Array(CommandLine.arguments.dropFirst())))
