import Glibc

/// The machine a run happened on, stamped on every row so results from different machines are
/// never mistaken for each other.
public struct MachineInfo: Sendable, Equatable {
    public var hostname: String
    public var kernel: String
    public var cpuModel: String
    /// CPUs this process may use (sched_getaffinity), which is what placement draws from.
    public var cpus: Int

    public static func current() -> MachineInfo {
        var buffer = [CChar](repeating: 0, count: 256)
        gethostname(&buffer, 255)
        let host = String(cString: buffer)
        var names = utsname()
        uname(&names)
        let release = withUnsafeBytes(of: names.release) { String(cString: $0.bindMemory(to: CChar.self).baseAddress!) }
        var model = "unknown"
        if let info = ProcFiles.read("/proc/cpuinfo") {
            for line in info.split(separator: "\n") where line.hasPrefix("model name") {
                if let colon = line.firstIndex(of: ":") {
                    model = String(line[line.index(after: colon)...]).trimmingCharacters(in: " \t")
                }
                break
            }
        }
        return MachineInfo(hostname: host, kernel: release, cpuModel: model, cpus: CPUSet.allowed().count)
    }
}

public let ipcbenchVersion = "0.1.0"
