import Glibc

/// A connected pair of Unix sockets (socketpair): no path on disk, nothing to unlink.
/// The producer keeps one end, the consumer the other.
final class SocketPair {
    private var producerEnd: OwnedDescriptor
    private var consumerEnd: OwnedDescriptor

    init(type: Int32, nonBlocking: Bool) throws(IPCError) {
        var fds: [Int32] = [-1, -1]
        _ = try sys("socketpair") { socketpair(AF_UNIX, type | Int32(SOCK_CLOEXEC.rawValue), 0, &fds) }
        producerEnd = OwnedDescriptor(fds[0])
        consumerEnd = OwnedDescriptor(fds[1])
        if nonBlocking {
            try setNonBlocking(fds[0], true)
            try setNonBlocking(fds[1], true)
        }
    }

    func take(_ role: Role) -> Int32 {
        switch role {
        case .producer:
            consumerEnd.close()
            return producerEnd.raw
        case .consumer:
            producerEnd.close()
            return consumerEnd.raw
        }
    }

    func closeAll() {
        producerEnd.close()
        consumerEnd.close()
    }

    /// Whether one message of `bytes` fits through a fresh pair of this type with the kernel's
    /// default buffers: the kernel answers EMSGSIZE when it does not, so ask it.
    static func carries(type: Int32, bytes: Int) -> Bool {
        guard let pair = try? SocketPair(type: type, nonBlocking: true) else { return false }
        defer { pair.closeAll() }
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: max(bytes, 1), alignment: 64)
        defer { buffer.deallocate() }
        // The other end stays open: a datagram to a closed peer is refused, not measured.
        let sent = send(pair.producerEnd.raw, buffer, bytes, Int32(MSG_NOSIGNAL))
        return sent == bytes
    }

    /// The largest message of this type the kernel takes with default buffers (binary search).
    static func largestMessage(type: Int32) -> Int {
        var low = 1, high = 64 * 1024 * 1024
        guard carries(type: type, bytes: low) else { return 0 }
        while low < high {
            let mid = low + (high - low + 1) / 2
            if carries(type: type, bytes: mid) { low = mid } else { high = mid - 1 }
        }
        return low
    }
}
