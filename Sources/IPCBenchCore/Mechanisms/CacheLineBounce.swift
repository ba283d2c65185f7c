import Glibc
import Synchronization

/// `cacheline`: the ceiling for latency. Two processes pass an 8-byte value back and forth
/// through one cache line of shared memory, polling it: each hop is one cache-line transfer
/// between the CPUs and nothing else. No round trip through shared memory can beat it.
public final class CacheLineBounce: Mechanism {
    public static let name = "cacheline"
    public static let summary = "ceiling: two processes bouncing one cache line (8-byte payload, spin)"
    public static let traits = MechanismTraits(
        family: .ceilings, modes: [.latency], waits: [.spin], fixedPayloadBytes: 8, ceiling: .latency,
        restriction: "a latency ceiling, one 8-byte word in flight, polled (there is nothing to sleep on)")

    private let line: MemoryRegion

    public init(_ spec: ChannelSpec) throws(IPCError) {
        line = try MemoryRegion(byteCount: 64, sharing: .shared)
    }

    public func endpoint(_ role: Role, peer: pid_t, spin: SpinPolicy) throws(IPCError) -> Endpoint {
        // Both words share one line: ping at offset 0, pong at offset 8.
        let ping = line.base.assumingMemoryBound(to: Atomic<UInt64>.self)
        let pong = (line.base + 8).assumingMemoryBound(to: Atomic<UInt64>.self)
        switch role {
        case .producer: return Endpoint(outgoing: ping, incoming: pong, spin: spin)
        case .consumer: return Endpoint(outgoing: pong, incoming: ping, spin: spin)
        }
    }

    public func closeDescriptors() {}

    public struct Endpoint: MessageEndpoint {
        let outgoing: UnsafeMutablePointer<Atomic<UInt64>>
        let incoming: UnsafeMutablePointer<Atomic<UInt64>>
        let spin: SpinPolicy
        var lastSeen: UInt64 = 0

        @inline(__always)
        public mutating func send(_ buffer: UnsafeRawPointer, count: Int) throws(IPCError) {
            outgoing.pointee.store(buffer.loadUnaligned(as: UInt64.self), ordering: .releasing)
        }

        @inline(__always)
        public mutating func receive(into buffer: UnsafeMutableRawPointer, count: Int) throws(IPCError) {
            var spins: UInt32 = 0
            while true {
                let v = incoming.pointee.load(ordering: .acquiring)
                if v != lastSeen {
                    lastSeen = v
                    buffer.storeBytes(of: v, as: UInt64.self)
                    return
                }
                spin.backoff(&spins)
            }
        }
    }
}
