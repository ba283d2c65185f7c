import Glibc

/// What the kernel says about how two CPUs are related (/sys/devices/system/cpu): hardware
/// threads of one core, a shared L2 or L3 cache, one package, one NUMA node. On a VM this is
/// what the hypervisor declares, not necessarily where the vCPUs run at the moment: the host
/// probe (`probe_ns`) measures that.
public struct CPUTopology: Sendable {
    public struct CPU: Sendable, Equatable {
        public var package: Int = -1
        public var core: Int = -1
        public var node: Int = -1
        /// Cache id by level (2 and 3), for caches the kernel lists as unified or data.
        public var caches: [Int: Int] = [:]
        public var siblings: String = ""
    }

    public let cpus: [Int32: CPU]

    public init(cpus: [Int32: CPU]) { self.cpus = cpus }

    /// Reads the CPUs this process may use.
    public static func read(_ list: [Int32] = CPUSet.allowed(), root: String = "/sys/devices/system/cpu") -> CPUTopology {
        var cpus: [Int32: CPU] = [:]
        for n in list {
            let base = "\(root)/cpu\(n)"
            func number(_ path: String) -> Int? {
                ProcFiles.read("\(base)/\(path)", limit: 64).flatMap { Int($0.trimmingCharacters(in: " \n")) }
            }
            var cpu = CPU()
            cpu.package = number("topology/physical_package_id") ?? -1
            cpu.core = number("topology/core_id") ?? -1
            cpu.siblings = ProcFiles.read("\(base)/topology/thread_siblings_list", limit: 256)?.trimmingCharacters(in: " \n") ?? ""
            for index in 0..<8 {
                guard let level = number("cache/index\(index)/level") else { break }
                let type = ProcFiles.read("\(base)/cache/index\(index)/type", limit: 64)?.trimmingCharacters(in: " \n") ?? ""
                if type != "Instruction", level >= 2, let id = number("cache/index\(index)/id") { cpu.caches[level] = id }
            }
            for node in 0..<64 where access("\(base)/node\(node)", F_OK) == 0 {
                cpu.node = node
                break
            }
            cpus[n] = cpu
        }
        return CPUTopology(cpus: cpus)
    }

    /// The closest relation between two CPUs, in the words the CSV's `cpu_relation` uses:
    /// `same-cpu`, `smt-siblings`, `shared-l2`, `shared-l3`, `same-package`, `same-node`,
    /// `other-node`, or `unknown`.
    public func relation(_ a: Int32, _ b: Int32) -> String {
        if a == b { return "same-cpu" }
        guard let x = cpus[a], let y = cpus[b] else { return "unknown" }
        if x.package >= 0 && x.package == y.package && x.core >= 0 && x.core == y.core { return "smt-siblings" }
        if let l2 = x.caches[2], l2 == y.caches[2] { return "shared-l2" }
        if let l3 = x.caches[3], l3 == y.caches[3], x.package == y.package { return "shared-l3" }
        if x.package >= 0 && x.package == y.package { return "same-package" }
        if x.node >= 0 && x.node == y.node { return "same-node" }
        if x.node >= 0 && y.node >= 0 { return "other-node" }
        return "unknown"
    }
}
