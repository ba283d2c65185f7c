#if canImport(Glibc)
import Glibc
#endif
import IPCBenchCLI

exit(IPCBenchCommand.main(Array(CommandLine.arguments.dropFirst())))
