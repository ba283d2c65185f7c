import Glibc

/// Two rings (producer→consumer and back) in one shared mapping, whatever provides it.
struct RingPair {
    let forward: RingMemory
    let backward: RingMemory

    static func bytes(capacity: Int) -> Int { 2 * RingLayout.bytes(capacity: capacity) }

    /// Lays the rings out in `base` and zeroes their headers (once, in the coordinator).
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

    /// What every ring-backed mechanism declares: `--ring-size`, and both copy modes.
    static let traits = MechanismTraits(family: .rings, copyModes: [.copy, .zero], usesRingSize: true)

    static func limitation(payloadBytes: Int, mode: Mode, ringBytes: Int) -> String? {
        RingLayout.isValidCapacity(ringBytes) ? nil
            : "ring size \(ringBytes) is not a power of two from 4K to 1G"
    }
}

/// How one `shm-*` mechanism gets the mapping its rings live in: the three differ in nothing
/// else (``SharedMemoryRing``).
public protocol RingBacking {
    static var name: String { get }
    static var summary: String { get }
    /// Where the mapping's memory comes from, in words, for `ipcbench list` ("" when it says nothing more).
    static var memorySummary: String { get }
    static func backing(_ spec: ChannelSpec) -> SharedMapping.Backing
}

extension RingBacking {
    public static var memorySummary: String { "" }
}

/// A ``RingPair`` in a shared mapping that ``RingBacking`` provides: the `shm-posix`,
/// `shm-sysv` and `shm-mmap` mechanisms.
public final class SharedMemoryRing<Backing: RingBacking>: Mechanism {
    public static var name: String { Backing.name }
    public static var summary: String { Backing.summary }
    public static var traits: MechanismTraits { RingPair.traits }

    private let shared: SharedMapping
    let rings: RingPair

    public static func limitation(_ scenario: Scenario, limits: MachineLimits) -> String? {
        RingPair.limitation(payloadBytes: scenario.payloadBytes, mode: scenario.mode, ringBytes: scenario.ringBytes)
    }

    public static func limitsSummary(_ limits: MachineLimits) -> String {
        "any size (larger than the ring: streamed through it in pieces); --ring-size a power of two" + Backing.memorySummary
    }

    public init(_ spec: ChannelSpec) throws(IPCError) {
        shared = try SharedMapping(Backing.backing(spec), bytes: RingPair.bytes(capacity: spec.ringBytes))
        rings = RingPair(mapping: shared.base, capacity: spec.ringBytes)
    }

    public func endpoint(_ role: Role, peer: pid_t, spin: SpinPolicy) throws(IPCError) -> RingEndpoint {
        rings.endpoint(role, spin)
    }

    /// The mapping is inherited, not a descriptor: it goes with the process.
    public func closeDescriptors() {}

    public func destroy() { shared.unmap() }
}
