import Glibc

/// `memcpy`: the ceiling for throughput. One process copies each payload into the next slot of
/// a ring-sized buffer (`--ring-size`), exactly the copy a ring's producer makes, with no other
/// process, no synchronisation and no kernel. Every ring row is read against it.
public final class MemoryCopy: Mechanism {
    public static let name = "memcpy"
    public static let summary = "ceiling: one core copying each payload into a ring-sized buffer (no IPC)"
    public static var traits: MechanismTraits {
        var t = MechanismTraits(family: .ceilings, modes: [.throughput], waits: [.spin], ceiling: .throughput)
        t.usesRingSize = true
        return t
    }

    private let destination: MemoryRegion

    public static func limitation(_ scenario: Scenario, limits: MachineLimits) -> String? {
        if scenario.mode != .throughput { return "memcpy is a throughput ceiling: nothing travels" }
        return RingPair.limitation(payloadBytes: scenario.payloadBytes, mode: scenario.mode, ringBytes: scenario.ringBytes)
    }

    public static func limitsSummary(_ limits: MachineLimits) -> String { "throughput only; one process" }

    public init(_ spec: ChannelSpec) throws(IPCError) {
        destination = try MemoryRegion(byteCount: max(spec.ringBytes, spec.payloadBytes), sharing: .private)
    }

    public func endpoint(_ role: Role, peer: pid_t, spin: SpinPolicy) throws(IPCError) -> Endpoint {
        Endpoint(base: destination.base, capacity: destination.byteCount)
    }

    public func closeDescriptors() {}

    public struct Endpoint: MessageEndpoint {
        let base: UnsafeMutableRawPointer
        let capacity: Int
        var offset = 0

        @inline(__always)
        public mutating func send(_ buffer: UnsafeRawPointer, count: Int) throws(IPCError) {
            if offset + count > capacity { offset = 0 }
            (base + offset).copyMemory(from: buffer, byteCount: count)
            offset += (count + 7) & ~7
        }

        public mutating func receive(into buffer: UnsafeMutableRawPointer, count: Int) throws(IPCError) {
            throw .unsupported("memcpy has no receiving side")
        }
    }
}
