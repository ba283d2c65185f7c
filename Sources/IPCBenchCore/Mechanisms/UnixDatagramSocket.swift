#if canImport(Glibc)
import Glibc
#endif

/// `unix-dgram`: a connected pair of SOCK_DGRAM Unix sockets; reliable and ordered on Linux,
/// one message per datagram, so a message must fit in one.
public final class UnixDatagramSocket: Mechanism {
    public static let name = "unix-dgram"
    public static let summary = "Unix domain datagram sockets (socketpair SOCK_DGRAM)"
    static let socketType = Int32(SOCK_DGRAM.rawValue)

    private var pair: SocketPair

    public static func limitation(_ scenario: Scenario, limits: MachineLimits) -> String? {
        SocketPair.carries(type: socketType, bytes: scenario.payloadBytes) ? nil
            : "exceeds the largest datagram this kernel takes with default buffers "
                + "(\(SocketPair.largestMessage(type: socketType)) bytes; net.core.wmem_default \(limits.socketSendBufferDefault))"
    }

    public static func limitsSummary(_ limits: MachineLimits) -> String {
        "one message per datagram, at most \(SocketPair.largestMessage(type: socketType)) bytes here (net.core.wmem_default \(limits.socketSendBufferDefault))"
    }

    public init(_ spec: ChannelSpec) throws(IPCError) {
        pair = try SocketPair(type: Self.socketType, nonBlocking: spec.wait == .spin)
    }

    public func endpoint(_ role: Role, peer: pid_t, spin: SpinPolicy) throws(IPCError) -> DatagramEndpoint {
        DatagramEndpoint(fd: pair.take(role), spin: spin)
    }

    public func closeDescriptors() { pair.closeAll() }
}
