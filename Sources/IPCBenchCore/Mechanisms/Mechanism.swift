import Glibc

/// What the coordinator knows when it makes a channel, before forking the workers.
public struct ChannelSpec {
    public var mode: Mode
    public var payloadBytes: Int
    /// Pairs running at once (their objects count against the same per-user limits).
    public var pairs: Int
    public var wait: WaitMode
    /// Whether the workers copy through their own buffers or fill and read the channel in place.
    public var copy: CopyMode
    /// Holds FIFOs and mapped files for the short moment before they are unlinked.
    public var directory: PrivateDirectory
    /// Capacity of the shared-memory rings (and of any channel that takes `--ring-size`).
    public var ringBytes: Int
    /// Removes System V objects should the coordinator die before it can.
    public var janitor: Janitor?
    /// The limits the coordinator read at start, which decided that the scenario can run.
    public var limits: MachineLimits
}

/// Which group of mechanisms one belongs to: suites select by family (`mechanisms = rings`),
/// so a new mechanism joins every suite that names its family, and charts group by it.
public enum MechanismFamily: String, CaseIterable, Sendable {
    /// Kernel-buffered channels: pipes, sockets, message queues (the kernel copies twice).
    case kernel
    /// Pure wake-ups that carry 8 bytes: eventfd, signals, a futex.
    case notify
    /// Shared memory the two workers read and write themselves.
    case rings
    /// Channels that copy once or not at all: vmsplice, cross-memory attach, memfd hand-off.
    case zeroCopy = "zero-copy"
    /// One process alone, the figures every row is read against.
    case ceilings
}

/// Which ceiling a one-process mechanism sets.
public enum Ceiling: Sendable {
    /// `memcpy`: the most bytes per second one core copies.
    case throughput
    /// `cacheline`: the fastest round trip two CPUs can make.
    case latency
}

/// What the harness must know about a mechanism, declared by the mechanism instead of looked
/// up by name: which dimensions it runs in, what the coordinator must prepare, how its rows
/// are read.
public struct MechanismTraits: Sendable {
    public var family: MechanismFamily
    /// Modes it can run at all.
    public var modes: [Mode] = Mode.allCases
    /// Waits it can run with (`memcpy` never waits; `cacheline` only polls).
    public var waits: [WaitMode] = WaitMode.allCases
    /// `copy` (through the workers' buffers) and, where the channel can lend its memory, `zero`.
    public var copyModes: [CopyMode] = [.copy]
    /// The only payload it carries (an eventfd counter, a signal's value: 8 bytes), or nil.
    public var fixedPayloadBytes: Int? = nil
    /// Why the modes, waits or payload are restricted, in words: the harness adds it to the
    /// skipped row's reason (`eventfd runs only in latency mode: …`).
    public var restriction: String? = nil
    /// `--ring-size` shapes its channel (recorded as `ring_bytes`).
    public var usesRingSize = false
    /// Writable bytes the endpoint needs just before the worker's buffer (a System V message's
    /// `mtype`), so a message and its header go out in one call without a copy.
    public var headroomBytes = 0
    /// Set for one-process figures every other row is read against.
    public var ceiling: Ceiling? = nil
    /// Messages may be lost or reordered (`udp`): they are counted, not treated as a failure,
    /// and the receive side gives up on a missing message after a timeout.
    public var lossy = false
    /// Signals a worker must have blocked before any peer sends (only `signal` needs one).
    public var workerBlockedSignals: [Int32] = []
    /// One channel can take several producers (`fan-in:N`) or several competing consumers
    /// (`fan-out:N`): each message goes in and comes out whole, whoever else uses the channel.
    public var fanIn = false
    public var fanOut = false

    public init(
        family: MechanismFamily, modes: [Mode] = Mode.allCases, waits: [WaitMode] = WaitMode.allCases,
        copyModes: [CopyMode] = [.copy], fixedPayloadBytes: Int? = nil, ceiling: Ceiling? = nil, restriction: String? = nil,
        usesRingSize: Bool = false, lossy: Bool = false
    ) {
        self.family = family
        self.modes = modes
        self.waits = waits
        self.copyModes = copyModes
        self.fixedPayloadBytes = fixedPayloadBytes
        self.ceiling = ceiling
        self.restriction = restriction
        self.usesRingSize = usesRingSize
        self.lossy = lossy
    }

    /// A pure wake-up (the `notify` family): one 8-byte value per message, round trips only;
    /// `restriction` says why, in the mechanism's terms.
    static func notification(_ restriction: String) -> MechanismTraits {
        MechanismTraits(family: .notify, modes: [.latency], fixedPayloadBytes: 8, restriction: restriction)
    }

    /// A kernel queue that keeps message boundaries with many writers and readers.
    static func sharedQueue(_ family: MechanismFamily) -> MechanismTraits {
        var t = MechanismTraits(family: family)
        t.fanIn = true
        t.fanOut = true
        return t
    }

    /// No consumer is forked: a ceiling measured by one process alone.
    public var oneSided: Bool { ceiling == .throughput }

    /// The restrictions declared here, in words, for `ipcbench list` ("8 bytes, latency only").
    var restrictionsSummary: String {
        var parts: [String] = []
        if let fixed = fixedPayloadBytes { parts.append("\(fixed) bytes") }
        if modes.count == 1 { parts.append("\(modes[0].rawValue) only") }
        if waits.count == 1 { parts.append("\(waits[0].rawValue) only") }
        return parts.joined(separator: ", ")
    }
}

/// One way of moving bytes between two processes.
///
/// The coordinator creates the kernel objects (`init`) before it forks, so both workers inherit
/// them and any name can be unlinked before a byte moves; each worker then prepares its side
/// (`prepare`, once both know the other's pid, before either sends) and takes it (`endpoint`).
/// A mechanism knows nothing about timing, processes or reports. Adding one is its own file and
/// one line in ``MechanismRegistry``.
public protocol Mechanism: AnyObject {
    associatedtype Endpoint: MessageEndpoint

    /// The name used on the command line and in the CSV (`unix-stream`).
    static var name: String { get }
    /// One line for `ipcbench list`.
    static var summary: String { get }
    /// What the harness must know (modes, copy modes, ring size, ceilings, …).
    static var traits: MechanismTraits { get }

    /// Why this machine cannot carry the scenario, or nil when it can. What ``traits`` declares
    /// (modes, waits, copy modes, a fixed payload) the harness checks itself.
    static func limitation(_ scenario: Scenario, limits: MachineLimits) -> String?
    /// The limits that apply, in words, for `ipcbench list`.
    static func limitsSummary(_ limits: MachineLimits) -> String

    /// Creates the kernel objects; runs in the coordinator before fork.
    init(_ spec: ChannelSpec) throws(IPCError)
    /// A worker's setup that its peer depends on, run by both workers of a pair before either
    /// sends (cross-memory attach names its peer as an allowed tracer here).
    func prepare(_ role: Role, peer: pid_t) throws(IPCError)
    /// Takes one side, closing the descriptors the other side uses; runs in a worker.
    func endpoint(_ role: Role, peer: pid_t, spin: SpinPolicy) throws(IPCError) -> Endpoint
    /// Closes every descriptor this process holds (coordinator after fork, workers of other pairs).
    func closeDescriptors()
    /// Removes objects that outlive descriptors (System V ids); runs after the workers are reaped.
    func destroy()
}

extension Mechanism {
    public static func limitation(_ scenario: Scenario, limits: MachineLimits) -> String? { nil }
    public static func limitsSummary(_ limits: MachineLimits) -> String { traits.restrictionsSummary }
    public func prepare(_ role: Role, peer: pid_t) throws(IPCError) {}
    public func destroy() {}
    public static var oneSided: Bool { traits.oneSided }
    public static var lossy: Bool { traits.lossy }
}

/// One side of a channel inside a worker. Each call moves exactly one whole message.
public protocol MessageEndpoint {
    /// Sends `count` bytes from `buffer` as one message, looping over short writes. When it
    /// returns, the channel no longer needs `buffer`: the worker may rewrite it at once.
    mutating func send(_ buffer: UnsafeRawPointer, count: Int) throws(IPCError)
    /// Receives one message of exactly `count` bytes into `buffer`, looping over short reads.
    mutating func receive(into buffer: UnsafeMutableRawPointer, count: Int) throws(IPCError)
    /// futex system calls made so far, for mechanisms that sleep on one (the rings); nil otherwise.
    var futexCalls: UInt64? { get }
}

extension MessageEndpoint {
    public var futexCalls: UInt64? { nil }
}

/// An endpoint that also moves messages in place (`--copy zero`): the sender fills memory the
/// channel lends it and publishes it; the receiver reads the channel's memory and releases it.
/// A message may be lent in several stretches (a ring's end, a message larger than the ring);
/// every stretch but the last is a multiple of 8 bytes, and the first holds at least
/// min(16, count) bytes, so the sequence number and the send time are never split.
public protocol InPlaceEndpoint: MessageEndpoint {
    /// Starts a message of `count` bytes.
    mutating func beginSend(count: Int) throws(IPCError)
    /// The next writable stretch of the message: between 1 and `limit` bytes.
    mutating func writable(limit: Int) throws(IPCError) -> UnsafeMutableRawBufferPointer
    /// Publishes the first `bytes` of the stretch `writable` lent.
    mutating func commit(_ bytes: Int) throws(IPCError)
    /// Starts receiving a message that must be `count` bytes long.
    mutating func beginReceive(count: Int) throws(IPCError)
    /// The next readable stretch of the message: between 1 and `limit` bytes.
    mutating func readable(limit: Int) throws(IPCError) -> UnsafeRawBufferPointer
    /// Gives the first `bytes` of the stretch `readable` lent back to the channel.
    mutating func release(_ bytes: Int) throws(IPCError)
}
