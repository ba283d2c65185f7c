import Glibc
import CIPCShim

/// The CPUs this process may run on (sched_getaffinity).
public enum CPUSet {
    public static func allowed() -> [Int32] {
        var cpus = [Int32](repeating: 0, count: 1024)
        let count = cpus.withUnsafeMutableBufferPointer { ipc_allowed_cpus($0.baseAddress, 1024) }
        guard count > 0 else { return [] }
        return Array(cpus.prefix(Int(count)))
    }

    /// Pins the calling process to one CPU (sched_setaffinity).
    static func pin(to cpu: Int32) throws(IPCError) {
        _ = try sys("sched_setaffinity") { ipc_pin_to_cpu(cpu) }
    }
}
