import Glibc

/// Memory the two workers of a channel share, mapped by the coordinator before the fork.
/// Nothing of it outlives the process but the mapping, which `unmap()` removes once.
///
/// - POSIX shared memory and a file: a fresh object, opened O_EXCL 0600 under an unpredictable
///   name and unlinked at once, sized, its blocks reserved and mapped MAP_SHARED.
/// - System V: a segment (shmget IPC_PRIVATE 0600) marked IPC_RMID right after it is attached,
///   so the kernel frees it when the last process detaches; not even a crash leaves it behind.
public final class SharedMapping {
    public enum Backing {
        /// POSIX shared memory (/dev/shm).
        case posixShm
        /// A file in the run's private folder (the TMPDIR file system).
        case file(PrivateDirectory)
        /// A System V segment.
        case systemV

        /// The reservation's name in a failure note.
        var reservation: StaticString {
            switch self {
            case .posixShm: return "posix_fallocate in /dev/shm"
            case .file: return "posix_fallocate of the ring file in TMPDIR"
            case .systemV: return "shmget"
            }
        }
    }

    let base: UnsafeMutableRawPointer
    let byteCount: Int
    private let attached: Bool
    private var mapped = true

    init(_ backing: Backing, bytes: Int) throws(IPCError) {
        let flags = O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW
        let fd: Int32
        switch backing {
        case .posixShm:
            let name = "/ipcbench-\(SecureRandom.token())"
            fd = try sys("shm_open") { shm_open(name, flags, 0o600) }
            shm_unlink(name)
        case let .file(directory):
            let path = directory.uniquePath("ring")
            fd = try sys("open") { open(path, flags, 0o600) }
            unlink(path)
        case .systemV:
            base = try Self.attachSegment(bytes: bytes)
            byteCount = bytes
            attached = true
            return
        }
        defer { closeDescriptor(fd) }
        base = try Self.mapShared(fd, bytes: bytes, reserve: backing.reservation)
        byteCount = bytes
        attached = false
    }

    private static func attachSegment(bytes: Int) throws(IPCError) -> UnsafeMutableRawPointer {
        let id = try sys("shmget") { shmget(IPC_PRIVATE, bytes, IPC_CREAT | IPC_EXCL | 0o600) }
        let p = shmat(id, nil, 0)
        let attachErrno = errno
        shmctl(id, IPC_RMID, nil)
        guard let p, p != UnsafeMutableRawPointer(bitPattern: -1) else {
            throw .system(call: "shmat", errno: attachErrno)
        }
        return p
    }

    /// Sizes the object behind `fd`, reserves its blocks and maps it shared (ftruncate,
    /// posix_fallocate, mmap MAP_SHARED). Without the reservation a full file system (a small
    /// tmpfs as TMPDIR, a full /dev/shm) is found by the first store into the mapping, as a
    /// SIGBUS that kills the coordinator; with it, it is ENOSPC here and a failed scenario.
    /// `reserve` names the call and what it reserves, for the scenario's note.
    private static func mapShared(_ fd: Int32, bytes: Int, reserve: StaticString) throws(IPCError) -> UnsafeMutableRawPointer {
        _ = try sys("ftruncate") { ftruncate(fd, off_t(bytes)) }
        try reserveBlocks(fd, bytes: bytes, call: reserve)
        let p = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0)
        guard let p, p != MAP_FAILED else { throw .system(call: "mmap", errno: errno) }
        return p
    }

    /// posix_fallocate returns its error instead of setting errno; EINTR is retried.
    private static func reserveBlocks(_ fd: Int32, bytes: Int, call: StaticString) throws(IPCError) {
        while true {
            let code = posix_fallocate(fd, 0, off_t(bytes))
            if code == 0 { return }
            if code != EINTR { throw .system(call: call, errno: code) }
        }
    }

    func unmap() {
        guard mapped else { return }
        if attached { shmdt(base) } else { munmap(base, byteCount) }
        mapped = false
    }

    deinit { unmap() }
}
