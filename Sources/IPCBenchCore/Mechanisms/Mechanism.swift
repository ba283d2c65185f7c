import Glibc

/// What the coordinator knows when it makes a channel, before forking the workers.
public struct ChannelSpec {
    public var mode: Mode
    public var payloadBytes: Int
    /// Pairs running at once (their objects count against the same per-user limits).
    public var pairs: Int
    public var wait: WaitMode
    /// Holds FIFOs and mapped files for the short moment before they are unlinked.
    public var directory: PrivateDirectory
    /// Capacity of the shared-memory rings.
    public var ringBytes: Int
    /// Removes System V objects should the coordinator die before it can.
    public var janitor: Janitor?
    /// The limits the coordinator read at start, which decided that the scenario can run.
    public var limits: MachineLimits
}

/// One way of moving bytes between two processes.
///
/// The coordinator creates the kernel objects (`init`) before it forks, so both workers inherit
/// them and any name can be unlinked before a byte moves; each worker then takes its side
/// (`endpoint`). A mechanism knows nothing about timing, processes or reports.
public protocol Mechanism: AnyObject {
    associatedtype Endpoint: MessageEndpoint

    /// The name used on the command line and in the CSV (`unix-stream`).
    static var name: String { get }
    /// One line for `ipcbench list`.
    static var summary: String { get }
    /// Modes the mechanism can run at all.
    static var modes: [Mode] { get }
    /// Signals a worker must have blocked before any peer sends (only `signal` needs one).
    static var workerBlockedSignals: [Int32] { get }
    /// A ceiling measured by one process alone (`memcpy`): no consumer is forked.
    static var oneSided: Bool { get }
    /// Messages may be lost or reordered (`udp`): they are counted, not treated as a failure,
    /// and the receive side gives up on a missing message after a timeout.
    static var lossy: Bool { get }

    /// Why this machine cannot carry the scenario, or nil when it can.
    static func limitation(_ scenario: Scenario, limits: MachineLimits) -> String?
    /// The limits that apply, in words, for `ipcbench list`.
    static func limitsSummary(_ limits: MachineLimits) -> String

    /// Creates the kernel objects; runs in the coordinator before fork.
    init(_ spec: ChannelSpec) throws(IPCError)
    /// Takes one side, closing the descriptors the other side uses; runs in a worker.
    func endpoint(_ role: Role, peer: pid_t, spin: SpinPolicy) throws(IPCError) -> Endpoint
    /// Closes every descriptor this process holds (coordinator after fork, workers of other pairs).
    func closeDescriptors()
    /// Removes objects that outlive descriptors (System V ids); runs after the workers are reaped.
    func destroy()
}

extension Mechanism {
    public static var modes: [Mode] { Mode.allCases }
    public static var workerBlockedSignals: [Int32] { [] }
    public static var oneSided: Bool { false }
    public static var lossy: Bool { false }
    public func destroy() {}
}

/// One side of a channel inside a worker. Each call moves exactly one whole message.
public protocol MessageEndpoint {
    /// Sends `count` bytes from `buffer` as one message, looping over short writes.
    mutating func send(_ buffer: UnsafeRawPointer, count: Int) throws(IPCError)
    /// Receives one message of exactly `count` bytes into `buffer`, looping over short reads.
    mutating func receive(into buffer: UnsafeMutableRawPointer, count: Int) throws(IPCError)
    /// futex system calls made so far, for mechanisms that sleep on one (the rings); nil otherwise.
    var futexCalls: UInt64? { get }
}

extension MessageEndpoint {
    public var futexCalls: UInt64? { nil }
}
