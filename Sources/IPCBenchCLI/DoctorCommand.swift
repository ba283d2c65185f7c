import IPCBenchCore

/// `ipcbench doctor`: the environment that decides how stable the numbers will be, with advice.
struct DoctorCommand: Subcommand {
    static let name = "doctor"
    static var flags: [Flag<DoctorCommand>] { [] }
    /// No options of its own: the program's help.
    static var help: String { ArgumentParser.help }

    func run() -> Int32 {
        print(Self.render(.read()), terminator: "")
        return ExitCode.success
    }

    /// Machine text (CPU model, clock source, CPU lists, advice quoting them) is shown through
    /// ``TextSafety/forTerminal(_:)``: what /proc and /sys say is not trusted to be printable.
    static func render(_ e: EnvironmentCheck) -> String {
        let t = TextSafety.forTerminal
        var out = "CPUS\n"
        out += "  model                  \(t(e.machine.cpuModel))\n"
        out += "  online                 \(t(e.online))\n"
        out += "  usable (affinity)      \(e.allowed.map(String.init).joined(separator: ","))\n"
        var rows: [[String]] = [["cpu", "core", "package", "siblings", "governor", "MHz"]]
        for c in e.cpus {
            rows.append([String(c.id), c.core, c.package, c.siblings, c.governor ?? "n/a", c.frequencyMHz.map { fixed($0, 0) } ?? "n/a"])
        }
        out += SummaryTable.alignColumns(rows).split(separator: "\n").map { "  \($0)" }.joined(separator: "\n") + "\n"
        out += "  isolated               \(e.isolated.isEmpty ? "none" : t(e.isolated))\n"
        out += "  nohz_full              \(e.nohzFull.isEmpty || e.nohzFull == "(null)" ? "none" : t(e.nohzFull))\n"
        out += "  virtual machine        \(e.hypervisor ? "yes" : "no")\n"
        out += "\nTIME\n"
        out += "  clocksource            \(t(e.clocksource))\n"
        out += "  CLOCK_MONOTONIC read   \(e.clockReadNs) ns (median of back-to-back reads)\n"
        out += "\nCOUNTS\n"
        out += "  system calls           \(t(e.syscallCounting))\n"
        out += "\nLOAD\n"
        out += "  load average (1 min)   \(e.loadAverage.map { fixed($0, 2) } ?? "?")\n"
        out += "  steal since boot       \(e.stealSinceBootPercent.map { "\(fixed($0, 2))%" } ?? "?")\n"
        out += "\nLIMITS\n"
        out += "  fs.mqueue.msgsize_max  \(e.limits.mqMessageSizeMax) bytes\n"
        out += "  fs.mqueue.msg_max      \(e.limits.mqMessagesMax)\n"
        out += "  RLIMIT_MSGQUEUE        \(e.limits.mqBytesLimit == Int.max ? "unlimited" : "\(e.limits.mqBytesLimit) bytes")\n"
        out += "  kernel.msgmax / msgmnb \(e.limits.sysvMessageMax) / \(e.limits.sysvQueueBytes) bytes\n"
        out += "  fs.pipe-max-size       \(e.limits.pipeMaxSize) bytes\n"
        out += "  net.core.wmem_default  \(e.limits.socketSendBufferDefault) bytes\n"
        out += "\nADVICE\n"
        for line in e.advice { out += "  - \(t(line))\n" }
        return out
    }
}
