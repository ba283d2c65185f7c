/// What about this machine makes IPC numbers stable or not, read from /proc and /sys, with advice.
public struct EnvironmentCheck: Sendable {
    public struct CPU: Sendable {
        public var id: Int
        public var core: String
        public var package: String
        public var siblings: String
        public var governor: String?
        public var frequencyMHz: Double?
    }

    public var machine: MachineInfo
    public var allowed: [Int32]
    public var online: String
    public var cpus: [CPU]
    public var isolated: String
    public var nohzFull: String
    public var clocksource: String
    public var hypervisor: Bool
    public var loadAverage: Double?
    public var stealSinceBootPercent: Double?
    public var limits: MachineLimits
    public var clockReadNs: UInt64
    /// Which source counts system calls here, and why (``ExactCounterPlan/reason``).
    public var syscallCounting: String

    public static func read() -> EnvironmentCheck {
        func sys(_ path: String) -> String? { ProcFiles.read(path)?.trimmingCharacters(in: " \n\t") }
        let allowed = CPUSet.allowed()
        var cpus: [CPU] = []
        for id in allowed.map(Int.init) {
            let base = "/sys/devices/system/cpu/cpu\(id)"
            cpus.append(CPU(
                id: id, core: sys("\(base)/topology/core_id") ?? "?", package: sys("\(base)/topology/physical_package_id") ?? "?",
                siblings: sys("\(base)/topology/thread_siblings_list") ?? "?",
                governor: sys("\(base)/cpufreq/scaling_governor"),
                frequencyMHz: sys("\(base)/cpufreq/scaling_cur_freq").flatMap(Double.init).map { $0 / 1000 }))
        }
        var steal: Double? = nil
        if let t = CPUTimes.read(), t.total > 0 { steal = Double(t.steal) * 100 / Double(t.total) }
        return EnvironmentCheck(
            machine: .current(), allowed: allowed, online: sys("/sys/devices/system/cpu/online") ?? "?",
            cpus: cpus, isolated: sys("/sys/devices/system/cpu/isolated") ?? "",
            nohzFull: sys("/sys/devices/system/cpu/nohz_full") ?? "",
            clocksource: sys("/sys/devices/system/clocksource/clocksource0/current_clocksource") ?? "?",
            hypervisor: (ProcFiles.read("/proc/cpuinfo") ?? "").contains(" hypervisor"),
            loadAverage: LoadAverage.oneMinute(), stealSinceBootPercent: steal,
            limits: .current(), clockReadNs: MonotonicClock.readOverheadNs(),
            syscallCounting: ExactCounterPlan().reason)
    }

    /// Advice for stable numbers, most important first.
    public var advice: [String] {
        var out: [String] = []
        if allowed.count < 2 {
            out.append("Only one CPU is usable: cross-core placement is impossible and same-core results dominate.")
        }
        if hypervisor {
            out.append("This is a virtual machine: a blocking hand-off between vCPUs is woken through the hypervisor and costs tens of microseconds; compare only rows of the same placement, and prefer a dedicated host for absolute numbers.")
        }
        if let load = loadAverage, load > 0.5 {
            out.append("Load average is \(fixed(load, 2)): other work competes for the CPUs; run on a quiet machine or expect noisy rows.")
        }
        if let steal = stealSinceBootPercent, steal > 1 {
            out.append("The hypervisor has stolen \(fixed(steal, 1))% of CPU time since boot: neighbours share the host.")
        }
        if isolated.isEmpty {
            out.append("No CPUs are isolated: for the quietest runs boot with isolcpus=N nohz_full=N and pin with taskset (ipcbench pins workers itself).")
        }
        let governors = Set(cpus.compactMap(\.governor))
        if governors.isEmpty {
            out.append("CPU frequency governor is not readable (common in VMs): frequency may change under you.")
        } else if governors != ["performance"] {
            out.append("Governor is \(governors.sorted().joined(separator: ", ")): set 'performance' (cpupower frequency-set -g performance) so clock speed does not drift between runs.")
        }
        if clocksource != "tsc" {
            out.append("Clock source is \(clocksource), not tsc: each clock read costs \(clockReadNs) ns, which is part of every round trip.")
        }
        out.append("Use --repetitions 5 or more and compare medians; ipcbench interleaves repetitions across scenarios and flags rows whose spread exceeds \(fixed(Spread.noisyAbovePercent, 0))%.")
        return out
    }
}
