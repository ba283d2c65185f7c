import Glibc

/// An anonymous mapping made before fork: `shared` is seen by every process (control block,
/// histograms), `private` becomes copy-on-write per process (payload buffers). munmap on release.
public final class MemoryRegion {
    public let base: UnsafeMutableRawPointer
    public let byteCount: Int

    public enum Sharing { case shared, `private` }

    public init(byteCount: Int, sharing: Sharing) throws(IPCError) {
        let size = max(MemoryRegion.roundToPage(byteCount), MemoryRegion.pageSize)
        let flags = (sharing == .shared ? MAP_SHARED : MAP_PRIVATE) | MAP_ANONYMOUS
        let p = mmap(nil, size, PROT_READ | PROT_WRITE, flags, -1, 0)
        guard let p, p != MAP_FAILED else { throw .system(call: "mmap", errno: errno) }
        base = p
        self.byteCount = size
    }

    deinit { munmap(base, byteCount) }

    public static let pageSize = Int(sysconf(Int32(_SC_PAGESIZE)))

    public static func roundToPage(_ n: Int) -> Int {
        (n + pageSize - 1) / pageSize * pageSize
    }

    /// Rounds to a 64-byte cache line so two processes' fields never share one.
    public static func roundToCacheLine(_ n: Int) -> Int { (n + 63) & ~63 }
}
