import Glibc
import CIPCShim
import Synchronization

/// `cma`: cross-memory attach. The sender writes each message straight into the receiver's
/// memory with process_vm_writev(2) — one copy, by the kernel, from one address space into the
/// other — then publishes it through an index in a small shared page (a futex wakes a receiver
/// that sleeps, as in the rings). The receiver's landing area is a ring of slots in its own
/// private memory: mapped by the coordinator before the fork, so it lies at the same address in
/// both workers, and each worker's copy is its own.
///
/// The kernel must let the sender attach: with Yama's ptrace_scope 1 (the common default) the
/// receiver names its peer with prctl(PR_SET_PTRACER) before any message (`prepare`); with 2
/// only a process with CAP_SYS_PTRACE may, and 3 forbids it. Where Yama says no, or where a read
/// of a forked child's memory is refused (a seccomp filter, an LSM), every scenario is a skipped
/// row that says why (``AttachPermission``).
///
/// `copy`: from the worker's buffer into the peer's slot, and out of the slot into the
/// receiver's buffer. `zero`: the producer fills a staging buffer of the endpoint's own, the
/// kernel's copy is the only one, and the receiver reads the slot where it lies.
public final class CrossMemoryAttach: Mechanism {
    public static let name = "cma"
    public static let summary = "process_vm_writev(2) straight into the peer's memory, slots announced through shared indices"
    public static let traits = MechanismTraits(family: .zeroCopy, copyModes: [.copy, .zero], usesRingSize: true)

    /// How many slots one landing area has, and their size: a whole message (a cache line at
    /// least), or half the ring for a larger one, which then goes in pieces; two slots at least,
    /// so the producer fills one while the consumer reads the other.
    static func slots(ringBytes: Int, payloadBytes: Int) -> (count: Int, bytes: Int) {
        let bytes = max(64, min(MemoryRegion.roundToCacheLine(payloadBytes), ringBytes / 2))
        return (ringBytes / bytes, bytes)
    }

    public static func limitation(_ scenario: Scenario, limits: MachineLimits) -> String? {
        if let why = RingPair.limitation(payloadBytes: scenario.payloadBytes, mode: scenario.mode, ringBytes: scenario.ringBytes) {
            return why
        }
        return AttachPermission.current.problem
    }

    public static func limitsSummary(_ limits: MachineLimits) -> String {
        "any size (in slots of at most half the ring, --ring-size); " + (AttachPermission.current.problem ?? AttachPermission.current.summary)
    }

    private let indices: MemoryRegion
    private let forwardLanding: MemoryRegion
    private let backwardLanding: MemoryRegion
    private let staging: MemoryRegion
    private let slotCount: Int
    private let slotBytes: Int
    /// Read here, in the coordinator: the decision (and its probe's fork) is made before the
    /// workers exist, never inside one.
    private let namesPeer = AttachPermission.current.needsPtracer

    public init(_ spec: ChannelSpec) throws(IPCError) {
        (slotCount, slotBytes) = Self.slots(ringBytes: spec.ringBytes, payloadBytes: spec.payloadBytes)
        indices = try MemoryRegion(byteCount: 2 * RingLayout.headerBytes, sharing: .shared)
        memset(indices.base, 0, indices.byteCount)
        forwardLanding = try MemoryRegion(byteCount: slotCount * slotBytes, sharing: .private)
        backwardLanding = try MemoryRegion(byteCount: slotCount * slotBytes, sharing: .private)
        staging = try MemoryRegion(byteCount: slotBytes, sharing: .private)
    }

    /// Both sides are written into (the echo of a round trip): each names the other as the one
    /// process that may attach to it, and faults in its own landing area, here rather than in
    /// `endpoint`: the peer may write into it as soon as both have prepared.
    public func prepare(_ role: Role, peer: pid_t) throws(IPCError) {
        if namesPeer { _ = try sys("prctl(PR_SET_PTRACER)") { ipc_set_ptracer(peer) } }
        let inLanding = role == .producer ? backwardLanding : forwardLanding
        memset(inLanding.base, 0, inLanding.byteCount)
    }

    public func endpoint(_ role: Role, peer: pid_t, spin: SpinPolicy) throws(IPCError) -> Endpoint {
        let forward = RingMemory(base: indices.base, capacity: RingLayout.minimumCapacity)
        let backward = RingMemory(base: indices.base + RingLayout.headerBytes, capacity: RingLayout.minimumCapacity)
        let (outRing, inRing, outLanding, inLanding) = role == .producer
            ? (forward, backward, forwardLanding, backwardLanding) : (backward, forward, backwardLanding, forwardLanding)
        memset(staging.base, 0, staging.byteCount)
        return Endpoint(
            peer: peer, slotCount: UInt64(slotCount), slotBytes: slotBytes, staging: staging.base,
            remoteBase: outLanding.base, localBase: inLanding.base,
            out: .producer(outRing, capacity: slotCount, spin), inbound: .consumer(inRing, spin))
    }

    /// The mappings go with the process.
    public func closeDescriptors() {}

    public struct Endpoint: InPlaceEndpoint {
        let peer: pid_t
        let slotCount: UInt64
        let slotBytes: Int
        let staging: UnsafeMutableRawPointer
        /// The peer's landing area (written into) and ours (read where it lies).
        let remoteBase: UnsafeMutableRawPointer
        let localBase: UnsafeMutableRawPointer
        /// Indices counting slots: ours into the peer, the peer's into us.
        var out: RingCursor
        var inbound: RingCursor

        public var futexCalls: UInt64? { out.waiter.futexCalls &+ inbound.waiter.futexCalls }

        /// Writes `count` bytes (at most a slot) into the peer's next free slot and publishes it.
        @inline(__always)
        private mutating func put(_ local: UnsafeRawPointer, _ count: Int) throws(IPCError) {
            out.wait(for: 1)
            let remote = remoteBase + Int(out.position % slotCount) * slotBytes
            let written = try sys("process_vm_writev") { ipc_process_vm_write(peer, local, remote, UInt(count)) }
            if written != count { throw .messageSize(expected: count, received: written) }
            out.advance(by: 1)
        }

        /// The next filled slot, waiting for the peer to publish it.
        @inline(__always)
        private mutating func nextFilled() -> UnsafeMutableRawPointer {
            inbound.wait(for: 1)
            return localBase + Int(inbound.position % slotCount) * slotBytes
        }

        @inline(__always)
        private mutating func releaseSlot() { inbound.advance(by: 1) }

        @inline(__always)
        public mutating func send(_ buffer: UnsafeRawPointer, count: Int) throws(IPCError) {
            var done = 0
            repeat {
                let n = min(count - done, slotBytes)
                try put(buffer + done, n)
                done += n
            } while done < count
        }

        @inline(__always)
        public mutating func receive(into buffer: UnsafeMutableRawPointer, count: Int) throws(IPCError) {
            var done = 0
            repeat {
                let n = min(count - done, slotBytes)
                (buffer + done).copyMemory(from: nextFilled(), byteCount: n)
                releaseSlot()
                done += n
            } while done < count
        }

        @inline(__always)
        public mutating func beginSend(count: Int) throws(IPCError) {}

        @inline(__always)
        public mutating func writable(limit: Int) throws(IPCError) -> UnsafeMutableRawBufferPointer {
            UnsafeMutableRawBufferPointer(start: staging, count: min(limit, slotBytes))
        }

        @inline(__always)
        public mutating func commit(_ bytes: Int) throws(IPCError) { try put(staging, bytes) }

        @inline(__always)
        public mutating func beginReceive(count: Int) throws(IPCError) {}

        @inline(__always)
        public mutating func readable(limit: Int) throws(IPCError) -> UnsafeRawBufferPointer {
            UnsafeRawBufferPointer(start: nextFilled(), count: min(limit, slotBytes))
        }

        @inline(__always)
        public mutating func release(_ bytes: Int) throws(IPCError) { releaseSlot() }
    }
}

/// Whether this process's workers may write into each other's memory (process_vm_writev),
/// decided once per process: Yama's setting, CAP_SYS_PTRACE, and a real try on a forked child.
struct AttachPermission: Sendable {
    /// /proc/sys/kernel/yama/ptrace_scope, or nil without Yama.
    let yamaScope: Int?
    let hasSysPtrace: Bool
    /// errno of process_vm_readv on a forked child that named us its tracer (0: the word came
    /// back): a seccomp filter says EPERM or ENOSYS, an LSM that forbids ptrace EPERM.
    let probeErrno: Int32

    static let current = AttachPermission.decide()

    static func decide() -> AttachPermission {
        let scope = ProcFiles.integer("/proc/sys/kernel/yama/ptrace_scope")
        let capable = MachineLimits.effectiveCapability(19)  // CAP_SYS_PTRACE
        return AttachPermission(yamaScope: scope, hasSysPtrace: capable,
                                probeErrno: probeChild(namingTracer: needsPtracer(scope, capable)))
    }

    /// Yama's scope 1 lets a process attach only to its descendants, so each worker names its
    /// sibling with PR_SET_PTRACER; CAP_SYS_PTRACE passes without.
    static func needsPtracer(_ scope: Int?, _ capable: Bool) -> Bool { scope == 1 && !capable }

    var needsPtracer: Bool { Self.needsPtracer(yamaScope, hasSysPtrace) }

    /// Forks a child that names this process its tracer (where Yama wants it, as a worker names
    /// its peer) and waits; reads a word of the child's memory with process_vm_readv; kills and
    /// reaps the child. Returns 0 when the word came back, else the errno (EIO: a short read).
    /// A probe that cannot start (no pipe, no fork) returns 0: the scenario then runs and fails
    /// with the error of the call that failed, which says more than a guess here.
    static func probeChild(namingTracer: Bool) -> Int32 {
        let word = UnsafeMutablePointer<UInt64>.allocate(capacity: 2)
        defer { word.deallocate() }
        word[0] = 0x1A2B_3C4D_5E6F_7081  // the same address, and value, in the child after fork
        word[1] = 0
        var fds: [Int32] = [-1, -1]
        guard ipc_pipe2(&fds, O_CLOEXEC) == 0 else { return 0 }
        var ready = OwnedDescriptor(fds[0])
        var readyInChild = OwnedDescriptor(fds[1])
        let parent = getpid()
        let child = fork()
        if child == 0 {
            // Only system calls here; the parent kills us once it has read the word.
            _ = ipc_set_parent_death_signal(SIGKILL)
            if getppid() != parent { _exit(1) }
            if namingTracer { _ = ipc_set_ptracer(parent) }
            var byte: UInt8 = 1
            _ = write(readyInChild.raw, &byte, 1)
            while true { pause() }
        }
        readyInChild.close()
        guard child > 0 else { return 0 }
        defer {
            kill(child, SIGKILL)
            var status: Int32 = 0
            while waitpid(child, &status, 0) < 0 && errno == EINTR {}
        }
        var byte: UInt8 = 0
        var got = 0
        repeat { got = read(ready.raw, &byte, 1) } while got < 0 && errno == EINTR
        ready.close()
        guard got == 1 else { return 0 }
        let n = ipc_process_vm_read(child, word + 1, word, 8)
        if n < 0 { return errno }
        return n == 8 && word[1] == word[0] ? 0 : EIO
    }

    /// Why cross-memory attach cannot work here, or nil. Yama's reasons first: they say what to
    /// change, where the probe's errno only says that it failed.
    var problem: String? {
        switch yamaScope {
        case 2 where !hasSysPtrace:
            return "kernel.yama.ptrace_scope is 2 (admin only): cross-memory attach needs CAP_SYS_PTRACE"
        case 3:
            return "kernel.yama.ptrace_scope is 3: no process may attach to another"
        default:
            break
        }
        if probeErrno != 0 {
            return "process_vm_readv on a child that allowed it failed with \(errnoName(probeErrno))"
                + " (a seccomp filter, an LSM that forbids ptrace, or a kernel without CONFIG_CROSS_MEMORY_ATTACH)"
        }
        return nil
    }

    var summary: String {
        switch yamaScope {
        case nil: return "no Yama: siblings may attach"
        case 0: return "Yama ptrace_scope 0: siblings may attach"
        case 1: return hasSysPtrace ? "Yama ptrace_scope 1, CAP_SYS_PTRACE held" : "Yama ptrace_scope 1: each worker names its peer (PR_SET_PTRACER)"
        case let scope?: return "Yama ptrace_scope \(scope), CAP_SYS_PTRACE held"
        }
    }
}
