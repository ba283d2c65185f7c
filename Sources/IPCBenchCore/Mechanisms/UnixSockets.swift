import Glibc

/// What one kind of Unix socket pair is: its type for socketpair(2), and whether a message is a
/// byte stream or one datagram (packet) each.
public protocol UnixSocketKind {
    associatedtype Calls: MessageCalls where Calls.Handle == Int32
    static var name: String { get }
    static var summary: String { get }
    static var traits: MechanismTraits { get }
    static var socketType: Int32 { get }
    static func limitation(_ scenario: Scenario, limits: MachineLimits) -> String?
    static func limitsSummary(_ limits: MachineLimits) -> String
}

/// `unix-stream`, `unix-dgram`, `unix-seqpacket`: a connected pair of Unix sockets
/// (``SocketPair``), one end each; the kinds differ only in what ``UnixSocketKind`` says.
public final class UnixSocketPair<Kind: UnixSocketKind>: Mechanism {
    public static var name: String { Kind.name }
    public static var summary: String { Kind.summary }
    public static var traits: MechanismTraits { Kind.traits }

    private let pair: SocketPair

    public static func limitation(_ scenario: Scenario, limits: MachineLimits) -> String? { Kind.limitation(scenario, limits: limits) }
    public static func limitsSummary(_ limits: MachineLimits) -> String { Kind.limitsSummary(limits) }

    public init(_ spec: ChannelSpec) throws(IPCError) {
        pair = try SocketPair(type: Kind.socketType, nonBlocking: spec.wait == .spin)
    }

    public func endpoint(_ role: Role, peer: pid_t, spin: SpinPolicy) throws(IPCError) -> DuplexEndpoint<Kind.Calls> {
        let fd = pair.take(role)
        return DuplexEndpoint(send: fd, receive: fd, spin: spin)
    }

    public func closeDescriptors() { pair.closeAll() }
}

/// `unix-stream`: SOCK_STREAM, a byte stream of any size.
public enum UnixStream: UnixSocketKind {
    public typealias Calls = StreamCalls
    public static let name = "unix-stream"
    public static let summary = "Unix domain stream sockets (socketpair SOCK_STREAM)"
    public static let traits = MechanismTraits(family: .kernel)
    public static let socketType = Int32(SOCK_STREAM.rawValue)
    public static func limitation(_ scenario: Scenario, limits: MachineLimits) -> String? { nil }
    public static func limitsSummary(_ limits: MachineLimits) -> String { "any size (a byte stream)" }
}

/// A kind that keeps message boundaries: one message per datagram or packet, so a message must
/// fit in one, and several producers or consumers may share the pair (fans).
public protocol UnixPacketKind: UnixSocketKind where Calls == DatagramCalls {
    /// What the kernel calls one message of this type, for the limits' wording.
    static var unit: String { get }
}

extension UnixPacketKind {
    public static var traits: MechanismTraits { .sharedQueue(.kernel) }

    public static func limitation(_ scenario: Scenario, limits: MachineLimits) -> String? {
        SocketPair.carries(type: socketType, bytes: scenario.payloadBytes) ? nil
            : "exceeds the largest \(unit) this kernel takes with default buffers "
                + "(\(SocketPair.largestMessage(type: socketType)) bytes; net.core.wmem_default \(limits.socketSendBufferDefault))"
    }

    public static func limitsSummary(_ limits: MachineLimits) -> String {
        "one message per \(unit), at most \(SocketPair.largestMessage(type: socketType)) bytes here (net.core.wmem_default \(limits.socketSendBufferDefault))"
    }
}

/// `unix-dgram`: SOCK_DGRAM, reliable and ordered on Linux.
public enum UnixDatagram: UnixPacketKind {
    public static let name = "unix-dgram"
    public static let summary = "Unix domain datagram sockets (socketpair SOCK_DGRAM)"
    public static let socketType = Int32(SOCK_DGRAM.rawValue)
    public static let unit = "datagram"
}

/// `unix-seqpacket`: SOCK_SEQPACKET, reliable, ordered, message boundaries kept.
public enum UnixSeqpacket: UnixPacketKind {
    public static let name = "unix-seqpacket"
    public static let summary = "Unix domain sequenced-packet sockets (socketpair SOCK_SEQPACKET)"
    public static let socketType = Int32(SOCK_SEQPACKET.rawValue)
    public static let unit = "packet"
}

public typealias UnixStreamSocket = UnixSocketPair<UnixStream>
public typealias UnixDatagramSocket = UnixSocketPair<UnixDatagram>
public typealias UnixSeqpacketSocket = UnixSocketPair<UnixSeqpacket>
