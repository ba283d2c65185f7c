import Glibc

/// `shm-mmap`: the ring in a file (0600, O_EXCL, in the run's private folder) mapped
/// MAP_SHARED, unlinked as soon as it is mapped. Where the temp folder is on a disk, the page
/// cache backs it and writeback may show in the numbers; on tmpfs it behaves like shm-posix.
public enum FileBacking: RingBacking {
    public static let name = "shm-mmap"
    public static let summary = "SPSC ring in a memory-mapped file (0600 in a private folder, unlinked once mapped)"
    public static var memorySummary: String { "; file in \(PrivateDirectory.temporaryBase())" }
    public static func backing(_ spec: ChannelSpec) -> SharedMapping.Backing { .file(spec.directory) }
}

public typealias SharedMemoryFile = SharedMemoryRing<FileBacking>
