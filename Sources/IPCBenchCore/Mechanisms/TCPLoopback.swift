import Glibc

/// `tcp`: one TCP connection over 127.0.0.1 with TCP_NODELAY.
///
/// The coordinator listens on 127.0.0.1 with an ephemeral port, connects, and accepts only the
/// connection whose peer address is its own client socket's address (any other local process
/// that raced in is dropped), checks that a random token sent on its client arrives on that
/// connection, then closes the listener before forking: nothing else can join.
public final class TCPLoopback: Mechanism {
    public static let name = "tcp"
    public static let summary = "TCP over 127.0.0.1, ephemeral port, TCP_NODELAY"
    public static let traits = MechanismTraits(family: .kernel)

    private var client: Int32 = -1
    private var server: Int32 = -1

    public static func limitation(_ scenario: Scenario, limits: MachineLimits) -> String? { nil }

    public static func limitsSummary(_ limits: MachineLimits) -> String { "any size (a byte stream)" }

    public init(_ spec: ChannelSpec) throws(IPCError) {
        let listener = try sys("socket") { socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0) }
        defer { closeDescriptor(listener) }
        do {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_addr.s_addr = in_addr_t(0x7F00_0001).bigEndian
            address.sin_port = 0
            _ = try sys("bind") { withSockaddr(&address) { bind(listener, $0, $1) } }
            _ = try sys("listen") { listen(listener, 16) }
            var bound = sockaddr_in()
            _ = try sys("getsockname") { withSockaddr(&bound) { getsockname(listener, $0, &$1) } }

            client = try sys("socket") { socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0) }
            _ = try sys("connect") { withSockaddr(&bound) { connect(client, $0, $1) } }
            var clientAddress = sockaddr_in()
            _ = try sys("getsockname") { withSockaddr(&clientAddress) { getsockname(client, $0, &$1) } }

            try setNonBlocking(listener, true)
            server = try TCPLoopback.acceptOwn(listener, expecting: clientAddress)
            try TCPLoopback.exchangeToken(from: client, to: server)
            for fd in [client, server] {
                var one: Int32 = 1
                _ = try sys("setsockopt") {
                    setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
                }
                if spec.wait == .spin { try setNonBlocking(fd, true) } else { try setNonBlocking(fd, false) }
            }
        } catch {
            closeDescriptors()
            throw error
        }
    }

    /// Accepts until the connection from our own client arrives; strangers are closed.
    private static func acceptOwn(_ listener: Int32, expecting own: sockaddr_in) throws(IPCError) -> Int32 {
        for _ in 0..<64 {
            var peer = sockaddr_in()
            var length = socklen_t(MemoryLayout<sockaddr_in>.size)
            let fd = withUnsafeMutablePointer(to: &peer) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    accept(listener, $0, &length)
                }
            }
            if fd < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN { throw .unsupported("tcp: our own connection never reached the listener") }
                throw .system(call: "accept", errno: errno)
            }
            if peer.sin_port == own.sin_port && peer.sin_addr.s_addr == own.sin_addr.s_addr { return fd }
            closeDescriptor(fd)
        }
        throw .unsupported("tcp: too many foreign connections to the benchmark's listener")
    }

    /// A second check that the accepted connection is our own, before anything is timed: 16
    /// random bytes written on our client must be exactly what arrives on the accepted socket.
    private static func exchangeToken(from client: Int32, to server: Int32) throws(IPCError) {
        var token = SecureRandom.bytes(16)
        var echo = [UInt8](repeating: 0, count: 16)
        let sent = token.withUnsafeMutableBytes { raw in Glibc.send(client, raw.baseAddress, 16, Int32(MSG_NOSIGNAL)) }
        guard sent == 16 else { throw .system(call: "send", errno: errno) }
        var timeout = timeval(tv_sec: 2, tv_usec: 0)
        _ = try sys("setsockopt") { setsockopt(server, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size)) }
        let got = echo.withUnsafeMutableBytes { raw in recv(server, raw.baseAddress, 16, Int32(MSG_WAITALL)) }
        guard got == 16, echo == token else { throw .unsupported("tcp: the accepted connection did not carry our token") }
        var none = timeval(tv_sec: 0, tv_usec: 0)
        _ = try sys("setsockopt") { setsockopt(server, SOL_SOCKET, SO_RCVTIMEO, &none, socklen_t(MemoryLayout<timeval>.size)) }
    }

    public func endpoint(_ role: Role, peer: pid_t, spin: SpinPolicy) throws(IPCError) -> StreamEndpoint {
        let fd: Int32
        switch role {
        case .producer: fd = client; closeDescriptor(server); server = -1
        case .consumer: fd = server; closeDescriptor(client); client = -1
        }
        return StreamEndpoint(send: fd, receive: fd, spin: spin)
    }

    public func closeDescriptors() {
        closeDescriptor(client)
        closeDescriptor(server)
        client = -1
        server = -1
    }
}

/// Calls `body` with a sockaddr_in seen as the generic sockaddr and its length.
@inline(__always)
func withSockaddr<R>(_ address: inout sockaddr_in, _ body: (UnsafeMutablePointer<sockaddr>, inout socklen_t) -> R) -> R {
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    return withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, &length) }
    }
}
