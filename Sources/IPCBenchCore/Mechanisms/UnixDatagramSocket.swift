import Glibc

/// `unix-dgram`: a connected pair of SOCK_DGRAM Unix sockets; reliable and ordered on Linux,
/// one message per datagram, so a message must fit in one.
public final class UnixDatagramSocket: PacketSocketMechanism {
    public static let name = "unix-dgram"
    public static let summary = "Unix domain datagram sockets (socketpair SOCK_DGRAM)"
    public static let traits = MechanismTraits.sharedQueue(.kernel)
    static let socketType = Int32(SOCK_DGRAM.rawValue)
    static let unit = "datagram"

    let pair: SocketPair

    public init(_ spec: ChannelSpec) throws(IPCError) {
        pair = try SocketPair(type: Self.socketType, nonBlocking: spec.wait == .spin)
    }
}
