import IPCBenchCore

/// `ipcbench list`: what can be measured here, and the limits that decide it.
struct ListCommand: Subcommand {
    static let name = "list"
    static var flags: [Flag<ListCommand>] { [] }
    /// No options of its own: the program's help.
    static var help: String { ArgumentParser.help }

    func run() -> Int32 {
        print(Self.render(limits: .current(), machine: .current()), terminator: "")
        return ExitCode.success
    }

    static func render(limits: MachineLimits, machine: MachineInfo) -> String {
        var out = "MECHANISMS\n"
        var rows: [[String]] = [["name", "family", "modes", "copy", "what", "limits here"]]
        for m in MechanismRegistry.all {
            let t = m.traits
            rows.append([m.name, t.family.rawValue, t.modes.map(\.rawValue).joined(separator: ","),
                         t.copyModes.map(\.rawValue).joined(separator: ","), m.summary, m.limitsSummary(limits)])
        }
        out += indent(SummaryTable.alignColumns(rows))
        let cpus = CPUSet.allowed()
        out += "\nPLACEMENTS (this process may use CPUs \(cpus.map(String.init).joined(separator: ",")))\n"
        out += "  cross-core   producer and consumer pinned to two different CPUs"
            + (cpus.count < 2 ? " (not available: one CPU)" : " (\(cpus[0]) and \(cpus[1]))") + "\n"
        out += "  same-core    both pinned to one CPU (\(cpus.first.map(String.init) ?? "?"))\n"
        out += "  unpinned     the scheduler decides\n"
        out += "\nWAITS\n  block        blocking calls\n  spin         non-blocking calls polled in a loop (yields on same-core)\n"
        out += "\nCOPY\n  copy         through the workers' buffers: the channel copies every byte in and out\n"
        out += "  zero         in place: the producer writes every byte into memory the channel lends, the consumer reads it there\n"
        out += "\nMACHINE\n"
        out += "  cpu                              \(TextSafety.forTerminal(machine.cpuModel)), \(machine.cpus) usable\n"
        out += "  kernel                           \(TextSafety.forTerminal(machine.kernel))\n"
        out += "  fs.mqueue.msgsize_max            \(limits.mqMessageSizeMax) bytes\n"
        out += "  fs.mqueue.msg_max                \(limits.mqMessagesMax) messages\n"
        out += "  RLIMIT_MSGQUEUE                  \(limits.mqBytesLimit == Int.max ? "unlimited" : "\(limits.mqBytesLimit) bytes")\n"
        out += "  CAP_SYS_RESOURCE                 \(limits.hasSysResource ? "yes (POSIX queues may exceed msgsize_max)" : "no")\n"
        out += "  kernel.msgmax / msgmnb           \(limits.sysvMessageMax) / \(limits.sysvQueueBytes) bytes\n"
        out += "  fs.pipe-max-size                 \(limits.pipeMaxSize) bytes\n"
        out += "  net.core.wmem_default            \(limits.socketSendBufferDefault) bytes\n"
        out += "\nSUITES (\(SuiteLocator.available().joined(separator: ", ")))\n"
        return out
    }

    static func indent(_ text: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.isEmpty ? "" : "  \($0)" }.joined(separator: "\n")
    }
}
