import Glibc
import CIPCShim

/// `pipe`: two anonymous pipes (pipe2), one per direction.
public final class AnonymousPipe: Mechanism {
    public static let name = "pipe"
    public static let summary = "anonymous pipes (pipe2), one per direction"
    public static let traits = MechanismTraits.sharedQueue(.kernel)

    private var ends = DuplexDescriptors()

    public static func limitation(_ scenario: Scenario, limits: MachineLimits) -> String? {
        AnonymousPipe.sharedLimitation(scenario)
    }

    /// Several writers or readers on one pipe keep messages whole only up to PIPE_BUF.
    static func sharedLimitation(_ scenario: Scenario) -> String? {
        guard scenario.topology.isFan, scenario.payloadBytes > Int(PIPE_BUF) else { return nil }
        return "a pipe keeps a write whole only up to PIPE_BUF (\(PIPE_BUF) bytes): larger messages of several producers or consumers would interleave"
    }

    public static func limitsSummary(_ limits: MachineLimits) -> String {
        "any size (a byte stream; writes over the pipe's 64 KiB buffer are split); pipe-max-size \(limits.pipeMaxSize)"
    }

    public init(_ spec: ChannelSpec) throws(IPCError) {
        try ends.openPipes()
        if spec.wait == .spin { try ends.setNonBlockingAll() }
    }

    public func endpoint(_ role: Role, peer: pid_t, spin: SpinPolicy) throws(IPCError) -> StreamEndpoint {
        let (send, receive) = ends.take(role)
        return StreamEndpoint(send: send, receive: receive, spin: spin)
    }

    public func closeDescriptors() { ends.closeAll() }
}
