import Glibc
import CIPCShim

/// What a worker does when a non-blocking call would block.
public enum SpinPolicy: Sendable {
    /// Blocking calls: the kernel puts the worker to sleep. The shared-memory rings, which sleep
    /// on a futex, first poll briefly when `spinFirst` (the peer has a CPU of its own), so two
    /// busy sides pass messages without a system call.
    case block(spinFirst: Bool)
    /// Poll with the CPU's pause hint: the peer runs on another CPU.
    case pause
    /// Poll and give the CPU away each time: the peer shares this CPU, so pausing would live-lock.
    case yield
    /// Unpinned: pause for a while, then yield, since the peer may or may not share the CPU.
    case adaptive

    public static func `for`(_ wait: WaitMode, placement: Placement) -> SpinPolicy {
        guard wait == .spin else { return .block(spinFirst: placement != .sameCore) }
        switch placement {
        case .crossCore: return .pause
        case .sameCore: return .yield
        case .unpinned: return .adaptive
        }
    }

    public var isBlocking: Bool { if case .block = self { return true } else { return false } }

    /// One step of waiting; `spins` counts consecutive misses.
    @inline(__always)
    func backoff(_ spins: inout UInt32) {
        spins &+= 1
        switch self {
        case .block, .pause:
            ipc_cpu_relax()
        case .yield:
            sched_yield()
        case .adaptive:
            if spins & 127 == 0 { sched_yield() } else { ipc_cpu_relax() }
        }
    }
}

/// Whole-message reads and writes on a byte-stream or datagram descriptor, blocking or polled.
enum DescriptorIO {
    @inline(__always)
    static func writeAll(
        _ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int, _ spin: SpinPolicy
    ) throws(IPCError) {
        var done = 0
        var spins: UInt32 = 0
        while done < count {
            if spin.isBlocking {
                done += try sys("write") { write(fd, buffer + done, count - done) }
            } else if let n = try sysNonBlocking("write", { write(fd, buffer + done, count - done) }) {
                done += n
            } else {
                spin.backoff(&spins)
            }
        }
    }

    @inline(__always)
    static func readAll(
        _ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int, _ spin: SpinPolicy
    ) throws(IPCError) {
        var done = 0
        var spins: UInt32 = 0
        while done < count {
            let n: Int
            if spin.isBlocking {
                n = try sys("read") { read(fd, buffer + done, count - done) }
            } else if let m = try sysNonBlocking("read", { read(fd, buffer + done, count - done) }) {
                n = m
            } else {
                spin.backoff(&spins)
                continue
            }
            if n == 0 { throw .peerClosed }
            done += n
        }
    }

    /// Sends one datagram (or sequenced packet) of exactly `count` bytes.
    @inline(__always)
    static func sendDatagram(
        _ fd: Int32, _ buffer: UnsafeRawPointer, _ count: Int, _ spin: SpinPolicy
    ) throws(IPCError) {
        var spins: UInt32 = 0
        while true {
            let sent: Int
            if spin.isBlocking {
                sent = try sys("send") { send(fd, buffer, count, Int32(MSG_NOSIGNAL)) }
            } else if let n = try sysNonBlocking("send", { send(fd, buffer, count, Int32(MSG_NOSIGNAL)) }) {
                sent = n
            } else {
                spin.backoff(&spins)
                continue
            }
            if sent != count { throw .messageSize(expected: count, received: sent) }
            return
        }
    }

    /// Receives one datagram; MSG_TRUNC makes the kernel report its real length, so an
    /// oversized one is caught instead of silently cut.
    @inline(__always)
    static func receiveDatagram(
        _ fd: Int32, _ buffer: UnsafeMutableRawPointer, _ count: Int, _ spin: SpinPolicy
    ) throws(IPCError) {
        var spins: UInt32 = 0
        while true {
            let got: Int
            if spin.isBlocking {
                got = try sys("recv") { recv(fd, buffer, count, Int32(MSG_TRUNC)) }
            } else if let n = try sysNonBlocking("recv", { recv(fd, buffer, count, Int32(MSG_TRUNC)) }) {
                got = n
            } else {
                spin.backoff(&spins)
                continue
            }
            if got == 0 && count > 0 { throw .peerClosed }
            if got != count { throw .messageSize(expected: count, received: got) }
            return
        }
    }
}
