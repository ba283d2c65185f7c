import Glibc

/// Two rings (producer→consumer and back) in one shared mapping, whatever provides it.
/// The three backings differ only in how they get the mapping.
struct RingPair {
    let forward: RingMemory
    let backward: RingMemory

    static func bytes(capacity: Int) -> Int { 2 * RingLayout.bytes(capacity: capacity) }

    init(mapping base: UnsafeMutableRawPointer, capacity: Int) {
        forward = RingMemory(base: base, capacity: capacity)
        backward = RingMemory(base: base + RingLayout.bytes(capacity: capacity), capacity: capacity)
        forward.reset()
        backward.reset()
    }

    func endpoint(_ role: Role, _ spin: SpinPolicy) -> RingEndpoint {
        switch role {
        case .producer: return RingEndpoint(outbound: .producer(forward, spin), inbound: .consumer(backward, spin))
        case .consumer: return RingEndpoint(outbound: .producer(backward, spin), inbound: .consumer(forward, spin))
        }
    }

    /// Sizes the object behind `fd`, reserves its blocks and maps it shared (ftruncate,
    /// posix_fallocate, mmap MAP_SHARED). Without the reservation a full file system (a small
    /// tmpfs as TMPDIR, a full /dev/shm) is found by the first store into the mapping, as a
    /// SIGBUS that kills the coordinator; with it, it is ENOSPC here and a failed scenario.
    /// `reserve` names the call and what it reserves, for the scenario's note.
    static func mapShared(_ fd: Int32, bytes: Int, reserve: StaticString) throws(IPCError) -> UnsafeMutableRawPointer {
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

    /// What every ring-backed mechanism declares: `--ring-size`, and both copy modes.
    static var traits: MechanismTraits {
        var t = MechanismTraits(family: .rings, copyModes: [.copy, .zero])
        t.usesRingSize = true
        return t
    }

    static func limitation(payloadBytes: Int, mode: Mode, ringBytes: Int) -> String? {
        RingLayout.isValidCapacity(ringBytes) ? nil
            : "ring size \(ringBytes) is not a power of two from 4K to 1G"
    }
}

/// A mechanism whose channel is a ``RingPair`` in some shared mapping: the three `shm-*`
/// backings differ only in how they get the mapping and give it back.
protocol RingBacked: Mechanism where Endpoint == RingEndpoint {
    var rings: RingPair { get }
}

extension RingBacked {
    public static func limitation(_ scenario: Scenario, limits: MachineLimits) -> String? {
        RingPair.limitation(payloadBytes: scenario.payloadBytes, mode: scenario.mode, ringBytes: scenario.ringBytes)
    }

    public static func limitsSummary(_ limits: MachineLimits) -> String {
        "any size (larger than the ring: streamed through it in pieces); --ring-size a power of two"
    }

    public func endpoint(_ role: Role, peer: pid_t, spin: SpinPolicy) throws(IPCError) -> RingEndpoint {
        rings.endpoint(role, spin)
    }

    /// The mapping is inherited, not a descriptor: it goes with the process.
    public func closeDescriptors() {}
}

/// Memory the two workers of a channel share: a fresh object, opened O_EXCL 0600 under an
/// unpredictable name and unlinked at once, sized, its blocks reserved and mapped MAP_SHARED
/// (``RingPair/mapShared(_:bytes:reserve:)``). Nothing of it outlives the process but the
/// mapping, which `unmap()` removes once.
final class SharedMapping {
    enum Backing {
        /// POSIX shared memory (/dev/shm).
        case posixShm
        /// A file in the run's private folder (the TMPDIR file system).
        case file(PrivateDirectory)
    }

    let base: UnsafeMutableRawPointer
    let byteCount: Int
    private var mapped = true

    /// `reserve` names the reservation in a failure note (`posix_fallocate of the ring in /dev/shm`).
    init(_ backing: Backing, bytes: Int, reserve: StaticString) throws(IPCError) {
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
        }
        defer { closeDescriptor(fd) }
        base = try RingPair.mapShared(fd, bytes: bytes, reserve: reserve)
        byteCount = bytes
    }

    func unmap() {
        guard mapped else { return }
        munmap(base, byteCount)
        mapped = false
    }

    deinit { unmap() }
}
