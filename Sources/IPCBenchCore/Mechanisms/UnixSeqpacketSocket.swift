import Glibc

/// `unix-seqpacket`: a connected pair of SOCK_SEQPACKET Unix sockets: reliable, ordered,
/// message boundaries kept, so a message must fit in one packet.
public final class UnixSeqpacketSocket: PacketSocketMechanism {
    public static let name = "unix-seqpacket"
    public static let summary = "Unix domain sequenced-packet sockets (socketpair SOCK_SEQPACKET)"
    public static let traits = MechanismTraits.sharedQueue(.kernel)
    static let socketType = Int32(SOCK_SEQPACKET.rawValue)
    static let unit = "packet"

    let pair: SocketPair

    public init(_ spec: ChannelSpec) throws(IPCError) {
        pair = try SocketPair(type: Self.socketType, nonBlocking: spec.wait == .spin)
    }
}
