import Glibc
import CIPCShim

/// What one kind of pipe is: how its two one-way paths are opened. `pipe` and `fifo` differ
/// in nothing else (``PipeChannel``).
public protocol PipeKind {
    static var name: String { get }
    static var summary: String { get }
    static func limitsSummary(_ limits: MachineLimits) -> String
    /// Opens the four ends; should a call fail, those already open close with `ends`.
    static func open(_ ends: inout DuplexDescriptors, _ spec: ChannelSpec) throws(IPCError)
}

/// A pipe per direction, read and written as a byte stream: `pipe` and `fifo`.
public final class PipeChannel<Kind: PipeKind>: Mechanism {
    public static var name: String { Kind.name }
    public static var summary: String { Kind.summary }
    public static var traits: MechanismTraits { .sharedQueue(.kernel) }

    private var ends = DuplexDescriptors()

    /// Several writers or readers on one pipe keep messages whole only up to PIPE_BUF.
    public static func limitation(_ scenario: Scenario, limits: MachineLimits) -> String? {
        guard scenario.topology.isFan, scenario.payloadBytes > Int(PIPE_BUF) else { return nil }
        return "a pipe keeps a write whole only up to PIPE_BUF (\(PIPE_BUF) bytes): larger messages of several producers or consumers would interleave"
    }

    public static func limitsSummary(_ limits: MachineLimits) -> String { Kind.limitsSummary(limits) }

    public init(_ spec: ChannelSpec) throws(IPCError) {
        try Kind.open(&ends, spec)
        if spec.wait == .spin { try ends.setNonBlockingAll() }
    }

    public func endpoint(_ role: Role, peer: pid_t, spin: SpinPolicy) throws(IPCError) -> StreamEndpoint {
        let (send, receive) = ends.take(role)
        return StreamEndpoint(send: send, receive: receive, spin: spin)
    }

    public func closeDescriptors() { ends.closeAll() }
}

/// `pipe`: two anonymous pipes (pipe2), one per direction.
public enum AnonymousPipes: PipeKind {
    public static let name = "pipe"
    public static let summary = "anonymous pipes (pipe2), one per direction"

    public static func limitsSummary(_ limits: MachineLimits) -> String {
        "any size (a byte stream; writes over the pipe's 64 KiB buffer are split); pipe-max-size \(limits.pipeMaxSize)"
    }

    public static func open(_ ends: inout DuplexDescriptors, _ spec: ChannelSpec) throws(IPCError) { try ends.openPipes() }
}

public typealias AnonymousPipe = PipeChannel<AnonymousPipes>
