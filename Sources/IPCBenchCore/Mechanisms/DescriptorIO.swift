import Glibc

/// Whole-message reads and writes on a byte-stream or datagram descriptor, blocking or polled.
enum DescriptorIO {
    @inline(__always)
    static func writeAll(
        _ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int, _ spin: SpinPolicy
    ) throws(IPCError) {
        var done = 0
        while done < count {
            done += try spin.call("write") { write(fd, buffer + done, count - done) }
        }
    }

    @inline(__always)
    static func readAll(
        _ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int, _ spin: SpinPolicy
    ) throws(IPCError) {
        var done = 0
        while done < count {
            let n = try spin.call("read") { read(fd, buffer + done, count - done) }
            if n == 0 { throw .peerClosed }
            done += n
        }
    }

    /// Sends one datagram (or sequenced packet) of exactly `count` bytes.
    @inline(__always)
    static func sendDatagram(
        _ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int, _ spin: SpinPolicy
    ) throws(IPCError) {
        let sent = try spin.call("send") { send(fd, buffer, count, Int32(MSG_NOSIGNAL)) }
        if sent != count { throw .messageSize(expected: count, received: sent) }
    }

    /// Receives one datagram; MSG_TRUNC makes the kernel report its real length, so an
    /// oversized one is caught instead of silently cut.
    @inline(__always)
    static func receiveDatagram(
        _ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int, _ spin: SpinPolicy
    ) throws(IPCError) {
        let got = try spin.call("recv") { recv(fd, buffer, count, Int32(MSG_TRUNC)) }
        if got == 0 && count > 0 { throw .peerClosed }
        if got != count { throw .messageSize(expected: count, received: got) }
    }
}
