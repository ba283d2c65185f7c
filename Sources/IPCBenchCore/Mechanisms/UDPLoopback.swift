import Glibc

/// `udp`: two UDP sockets on 127.0.0.1, each connect()ed to the other, so the kernel drops any
/// datagram from a third party. UDP may drop (a full receive buffer) and, in principle, reorder:
/// both are counted (`lost_msgs`, `reordered_msgs`) instead of failing the run, and a receiver
/// gives up on a missing datagram after ``receiveTimeoutNs``.
public final class UDPLoopback: Mechanism {
    public static let name = "udp"
    public static let summary = "UDP over 127.0.0.1 (connected sockets), loss and reordering counted"
    public static let traits = MechanismTraits(family: .kernel, modes: [.latency, .throughput], lossy: true)
    /// The largest UDP payload over IPv4 (65535 - 8 - 20).
    public static let largestDatagram = 65_507
    /// How long a receiver waits for a datagram before counting it lost.
    public static let receiveTimeoutNs: UInt64 = 1_000_000_000

    private var producer: Int32 = -1
    private var consumer: Int32 = -1

    public static func limitation(_ scenario: Scenario, limits: MachineLimits) -> String? {
        if scenario.payloadBytes > largestDatagram { return "exceeds the largest UDP datagram over IPv4 (\(largestDatagram) bytes)" }
        if scenario.payloadBytes < 8 { return "udp needs 8 bytes for the full sequence number it counts losses with" }
        if scenario.mode == .openLoop || scenario.oneWay { return "udp counts losses instead of timing one-way; use latency or throughput" }
        return nil
    }

    public static func limitsSummary(_ limits: MachineLimits) -> String {
        "one message per datagram, at most \(largestDatagram) bytes; losses counted"
    }

    public init(_ spec: ChannelSpec) throws(IPCError) {
        do {
            producer = try UDPLoopback.boundSocket()
            consumer = try UDPLoopback.boundSocket()
            var p = try UDPLoopback.address(of: producer), c = try UDPLoopback.address(of: consumer)
            _ = try sys("connect") { withSockaddr(&c) { connect(producer, $0, $1) } }
            _ = try sys("connect") { withSockaddr(&p) { connect(consumer, $0, $1) } }
            for fd in [producer, consumer] {
                if spec.wait == .spin {
                    try setNonBlocking(fd, true)
                } else {
                    var timeout = timeval(tv_sec: Int(UDPLoopback.receiveTimeoutNs / 1_000_000_000),
                                          tv_usec: Int(UDPLoopback.receiveTimeoutNs % 1_000_000_000 / 1000))
                    _ = try sys("setsockopt") {
                        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
                    }
                }
            }
        } catch {
            closeDescriptors()
            throw error
        }
    }

    private static func boundSocket() throws(IPCError) -> Int32 {
        let fd = try sys("socket") { socket(AF_INET, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = in_addr_t(0x7F00_0001).bigEndian
        do {
            _ = try sys("bind") { withSockaddr(&address) { bind(fd, $0, $1) } }
        } catch {
            closeDescriptor(fd)
            throw error
        }
        return fd
    }

    private static func address(of fd: Int32) throws(IPCError) -> sockaddr_in {
        var address = sockaddr_in()
        _ = try sys("getsockname") { withSockaddr(&address) { getsockname(fd, $0, &$1) } }
        return address
    }

    public func endpoint(_ role: Role, peer: pid_t, spin: SpinPolicy) throws(IPCError) -> Endpoint {
        switch role {
        case .producer: closeDescriptor(consumer); consumer = -1; return Endpoint(fd: producer, spin: spin)
        case .consumer: closeDescriptor(producer); producer = -1; return Endpoint(fd: consumer, spin: spin)
        }
    }

    public func closeDescriptors() {
        closeDescriptor(producer)
        closeDescriptor(consumer)
        producer = -1
        consumer = -1
    }

    public struct Endpoint: MessageEndpoint {
        let fd: Int32
        let spin: SpinPolicy

        @inline(__always)
        public mutating func send(_ buffer: UnsafeRawPointer, count: Int) throws(IPCError) {
            var spins: UInt32 = 0
            while true {
                // A full socket buffer (EAGAIN) or ENOBUFS: wait and try again; UDP does not block.
                let n = Glibc.send(fd, buffer, count, Int32(MSG_NOSIGNAL))
                if n == count { return }
                if n >= 0 { throw .messageSize(expected: count, received: n) }
                let code = errno
                if code == EINTR { continue }
                if code == EAGAIN || code == ENOBUFS { spin.backoff(&spins); continue }
                // The consumer gave up waiting and closed its socket: the datagram is lost, and
                // the consumer has already counted it so.
                if code == ECONNREFUSED { return }
                throw .system(call: "send", errno: code)
            }
        }

        /// One datagram; `.timedOut` when none comes within the timeout.
        @inline(__always)
        public mutating func receive(into buffer: UnsafeMutableRawPointer, count: Int) throws(IPCError) {
            var spins: UInt32 = 0
            var deadline: UInt64 = 0
            while true {
                let n = recv(fd, buffer, count, Int32(MSG_TRUNC))
                if n >= 0 {
                    if n != count { throw .messageSize(expected: count, received: n) }
                    return
                }
                let code = errno
                if code == EINTR { continue }
                guard code == EAGAIN else { throw .system(call: "recv", errno: code) }
                if spin.isBlocking { throw .timedOut }   // SO_RCVTIMEO expired
                if spins & 1023 == 0 {
                    let now = MonotonicClock.nowNs()
                    if deadline == 0 { deadline = now + UDPLoopback.receiveTimeoutNs } else if now > deadline { throw .timedOut }
                }
                spin.backoff(&spins)
            }
        }
    }
}
