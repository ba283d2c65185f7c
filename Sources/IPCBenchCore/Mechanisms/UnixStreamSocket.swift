import Glibc

/// `unix-stream`: a connected pair of SOCK_STREAM Unix sockets.
public final class UnixStreamSocket: Mechanism {
    public static let name = "unix-stream"
    public static let summary = "Unix domain stream sockets (socketpair SOCK_STREAM)"
    public static let traits = MechanismTraits(family: .kernel)

    private let pair: SocketPair

    public static func limitation(_ scenario: Scenario, limits: MachineLimits) -> String? { nil }

    public static func limitsSummary(_ limits: MachineLimits) -> String { "any size (a byte stream)" }

    public init(_ spec: ChannelSpec) throws(IPCError) {
        pair = try SocketPair(type: Int32(SOCK_STREAM.rawValue), nonBlocking: spec.wait == .spin)
    }

    public func endpoint(_ role: Role, peer: pid_t, spin: SpinPolicy) throws(IPCError) -> StreamEndpoint {
        let fd = pair.take(role)
        return StreamEndpoint(sendFD: fd, receiveFD: fd, spin: spin)
    }

    public func closeDescriptors() { pair.closeAll() }
}
