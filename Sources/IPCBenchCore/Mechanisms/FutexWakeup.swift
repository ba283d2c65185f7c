import Glibc
import CIPCShim
import Synchronization

/// `futex`: a pure wake-up through a futex word in shared memory, one per direction. The sender
/// stores the 8-byte value in the direction's mailbox, bumps the 32-bit sequence word beside
/// it and calls FUTEX_WAKE; the receiver sleeps in FUTEX_WAIT while the sequence is the one it
/// last took (`block`) or polls it (`spin`). The wake is made for every message, whether or not
/// the receiver sleeps: the textbook pattern, and what makes it a kernel path (the rings keep an
/// "asleep" flag to skip it). Mailbox and sequence share one cache line.
public final class FutexWakeup: Mechanism {
    public static let name = "futex"
    public static let summary = "futex word in shared memory: value in a mailbox, sequence bumped, FUTEX_WAKE (8-byte payload)"
    public static let traits = MechanismTraits.notification("one 8-byte mailbox per direction, which a stream would overwrite")

    /// Two cache lines: producer→consumer at 0, consumer→producer at 64.
    private let lines: MemoryRegion

    public init(_ spec: ChannelSpec) throws(IPCError) {
        // A fresh shared anonymous mapping reads as zeros: sequence 0, nothing sent.
        lines = try MemoryRegion(byteCount: 128, sharing: .shared)
    }

    public func endpoint(_ role: Role, peer: pid_t, spin: SpinPolicy) throws(IPCError) -> Endpoint {
        let forward = FutexMailbox(lines.base), backward = FutexMailbox(lines.base + 64)
        switch role {
        case .producer: return Endpoint(outgoing: forward, incoming: backward, spin: spin)
        case .consumer: return Endpoint(outgoing: backward, incoming: forward, spin: spin)
        }
    }

    /// The mapping is inherited, not a descriptor: it goes with the process.
    public func closeDescriptors() {}

    public struct Endpoint: MessageEndpoint {
        let outgoing: FutexMailbox
        let incoming: FutexMailbox
        let spin: SpinPolicy
        /// The incoming sequence value already taken.
        var lastSequence: UInt32 = 0
        var calls: UInt64 = 0

        @inline(__always)
        public mutating func send(_ buffer: UnsafeRawPointer, count: Int) throws(IPCError) {
            outgoing.value.pointee.store(buffer.loadUnaligned(as: UInt64.self), ordering: .relaxed)
            // Releasing: a receiver that sees the new sequence sees the value stored before it.
            outgoing.sequence.pointee.wrappingAdd(1, ordering: .releasing)
            _ = ipc_futex_wake(Futex.address(outgoing.sequence), 1)
            calls &+= 1
        }

        @inline(__always)
        public mutating func receive(into buffer: UnsafeMutableRawPointer, count: Int) throws(IPCError) {
            var spins: UInt32 = 0
            while true {
                let sequence = incoming.sequence.pointee.load(ordering: .acquiring)
                if sequence != lastSequence {
                    lastSequence = sequence
                    buffer.storeBytes(of: incoming.value.pointee.load(ordering: .relaxed), as: UInt64.self)
                    return
                }
                if spin.isBlocking {
                    // Returns at once (EAGAIN) if the sequence moved since the load above.
                    _ = ipc_futex_wait(Futex.address(incoming.sequence), sequence, nil)
                    calls &+= 1
                } else {
                    spin.backoff(&spins)
                }
            }
        }

        public var futexCalls: UInt64? { calls }
    }
}

/// One direction of ``FutexWakeup``: the 32-bit futex word (the sequence) at offset 0, the
/// 8-byte value at offset 8, on one cache line.
struct FutexMailbox {
    let sequence: UnsafeMutablePointer<Atomic<UInt32>>
    let value: UnsafeMutablePointer<Atomic<UInt64>>

    init(_ line: UnsafeMutableRawPointer) {
        sequence = line.assumingMemoryBound(to: Atomic<UInt32>.self)
        value = (line + 8).assumingMemoryBound(to: Atomic<UInt64>.self)
    }
}
