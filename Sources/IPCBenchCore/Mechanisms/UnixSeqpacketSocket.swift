#if canImport(Glibc)
import Glibc
#endif

/// `unix-seqpacket`: a connected pair of SOCK_SEQPACKET Unix sockets: reliable, ordered,
/// message boundaries kept, so a message must fit in one packet.
public final class UnixSeqpacketSocket: Mechanism {
    public static let name = "unix-seqpacket"
    public static let summary = "Unix domain sequenced-packet sockets (socketpair SOCK_SEQPACKET)"
    static let socketType = Int32(SOCK_SEQPACKET.rawValue)

    private var pair: SocketPair

    public static func limitation(_ scenario: Scenario, limits: MachineLimits) -> String? {
        SocketPair.carries(type: socketType, bytes: scenario.payloadBytes) ? nil
            : "exceeds the largest packet this kernel takes with default buffers "
                + "(\(SocketPair.largestMessage(type: socketType)) bytes; net.core.wmem_default \(limits.socketSendBufferDefault))"
    }

    public static func limitsSummary(_ limits: MachineLimits) -> String {
        "one message per packet, at most \(SocketPair.largestMessage(type: socketType)) bytes here (net.core.wmem_default \(limits.socketSendBufferDefault))"
    }

    public init(_ spec: ChannelSpec) throws(IPCError) {
        pair = try SocketPair(type: Self.socketType, nonBlocking: spec.wait == .spin)
    }

    public func endpoint(_ role: Role, peer: pid_t, spin: SpinPolicy) throws(IPCError) -> DatagramEndpoint {
        DatagramEndpoint(fd: pair.take(role), spin: spin)
    }

    public func closeDescriptors() { pair.closeAll() }
}
