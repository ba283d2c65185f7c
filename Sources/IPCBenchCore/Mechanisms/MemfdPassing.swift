import Glibc
import CIPCShim

/// `memfd-pass`: messages handed over as memory, the way Windows ALPC passes large messages as
/// sections: over a connected pair of SOCK_SEQPACKET Unix sockets, a message of at most
/// ``inlineLimitBytes`` travels inline in the packet; a larger one is a fresh memfd per message,
/// passed with SCM_RIGHTS beside its 8-byte length and mapped by the receiver.
///
/// Per large message the sender makes memfd_create (close-on-exec, sealing allowed), ftruncate,
/// mmap (MAP_POPULATE: the pages are faulted in by one call, not one fault each), fill, munmap,
/// seals it (no shrinking, growing or writing: F_ADD_SEALS), sendmsg, close; the receiver
/// recvmsg, checks the seals and the size (F_GET_SEALS, fstat: a receiver that maps its
/// sender's memory must, or a shrunk file is a SIGBUS), mmap read-only, reads, munmap, close.
/// The seals cost two fcntl calls beside about ten other calls and the page faults, and make the
/// hand-off what ALPC's is: the receiver reads memory the sender can no longer change.
///
/// Copy mode copies the worker's buffer into the mapping and out of it; in place, the sender
/// fills the mapping (one writable stretch) and the receiver reads it where it lies. Inline
/// messages go through the socket (the kernel copies them twice) in both modes; in place the
/// worker writes and reads a page of the endpoint's own (`staging`) instead of its buffer.
public final class MemfdPassing: Mechanism {
    public static let name = "memfd-pass"
    public static let summary = "sealed memfd per message passed with SCM_RIGHTS (SOCK_SEQPACKET), mapped by the receiver; up to 4 KiB inline"
    public static let traits = MechanismTraits(family: .zeroCopy, copyModes: [.copy, .zero])

    /// Messages up to one page travel inline: below it a memfd's fixed cost (creating and sizing
    /// it, two mappings, two unmappings, two closes and a page fault on each side) is more than
    /// copying the bytes twice through the socket.
    public static let inlineLimitBytes = 4096

    private let pair: SocketPair
    /// Set for messages by memfd: each worker shrinks its own send buffer before it sends.
    private let shrinksSendBuffer: Bool
    /// Two inline-sized pages (outgoing, incoming) each worker writes and reads in place; mapped
    /// privately before the fork, so every worker has its own.
    private let staging: MemoryRegion

    /// memfds one direction can have queued in its socket once the send buffer is at its
    /// minimum: what a stream of large messages can hold beyond the one being filled and the one
    /// being read. Probed once (6 on Linux 6.18; 278 with the default buffer).
    public static let handlesInFlight: Int = probeHandlesInFlight()

    public static func limitation(_ scenario: Scenario, limits: MachineLimits) -> String? {
        let bytes = scenario.payloadBytes
        guard bytes > inlineLimitBytes, let available = ProcFiles.memoryInfoBytes("MemAvailable") else { return nil }
        // The workers' four payload buffers, and the memfds alive at once: one each way in a
        // round trip; in a stream, the queued ones, one being filled and one being read.
        let alive = scenario.mode == .latency ? 2 : handlesInFlight + 2
        let needed = scenario.pairs * bytes * (4 + alive)
        if needed <= available / 2 { return nil }
        return "needs about \(needed >> 20) MiB (4 payload buffers and up to \(alive) memfds of \(ByteSize.format(bytes)) per pair), "
            + "more than half of MemAvailable (\(available >> 20) MiB)"
    }

    public static func limitsSummary(_ limits: MachineLimits) -> String {
        "any size; up to \(ByteSize.format(inlineLimitBytes)) inline, larger by memfd (\(handlesInFlight) in flight each way); "
            + "memory for the memfds alive at once within half of MemAvailable"
    }

    public init(_ spec: ChannelSpec) throws(IPCError) {
        pair = try SocketPair(type: Int32(SOCK_SEQPACKET.rawValue), nonBlocking: spec.wait == .spin)
        shrinksSendBuffer = spec.payloadBytes > Self.inlineLimitBytes
        staging = try MemoryRegion(byteCount: 2 * Self.inlineLimitBytes, sharing: .private)
    }

    public func endpoint(_ role: Role, peer: pid_t, spin: SpinPolicy) throws(IPCError) -> MemfdEndpoint {
        let fd = pair.take(role)
        if shrinksSendBuffer { try Self.shrinkSendBuffer(fd) }
        return MemfdEndpoint(
            socket: fd, spin: spin, outgoingStaging: staging.base, incomingStaging: staging.base + Self.inlineLimitBytes)
    }

    public func closeDescriptors() { pair.closeAll() }

    /// With messages by memfd only the 8-byte handle packets are queued, and with the default
    /// buffer hundreds of them fit: a producer faster than its consumer could hold hundreds of
    /// 1 GiB memfds. At its minimum (the kernel raises 1 to SOCK_MIN_SNDBUF) a few fit. A unix
    /// socket charges a packet to its sender's buffer until it is read, so each side's own
    /// buffer bounds what it has in flight.
    static func shrinkSendBuffer(_ socket: Int32) throws(IPCError) {
        var minimum: Int32 = 1
        _ = try sys("setsockopt SO_SNDBUF") {
            setsockopt(socket, SOL_SOCKET, SO_SNDBUF, &minimum, socklen_t(MemoryLayout<Int32>.size))
        }
    }

    private static func probeHandlesInFlight() -> Int {
        let fallback = 8
        var fds: [Int32] = [-1, -1]
        let type = Int32(SOCK_SEQPACKET.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue)
        guard socketpair(AF_UNIX, type, 0, &fds) == 0 else { return fallback }
        let sender = OwnedDescriptor(fds[0]), receiver = OwnedDescriptor(fds[1])
        let memfd = OwnedDescriptor(ipc_memfd_create("ipcbench-probe"))
        guard receiver.isOpen, memfd.isOpen, (try? shrinkSendBuffer(sender.raw)) != nil else { return fallback }
        let length: UInt64 = 0
        var queued = 0
        while queued < 1024, withUnsafeBytes(of: length, {
            ipc_send_with_fd(sender.raw, $0.baseAddress, 8, memfd.raw, Int32(MSG_NOSIGNAL))
        }) == 8 {
            queued += 1
        }
        return max(queued, 1)
    }
}

/// One message by memfd as one process holds it: the descriptor and, while mapped, the mapping.
struct MemfdMessage {
    var fd: Int32 = -1
    var mapping: UnsafeMutableRawPointer? = nil
    var count = 0
    /// In place: bytes lent so far.
    var offset = 0

    /// memfd_create, ftruncate, mmap read-write: a message of `count` bytes to fill.
    static func create(_ count: Int) throws(IPCError) -> MemfdMessage {
        let fd = try sys("memfd_create") { ipc_memfd_create("ipcbench-message") }
        var message = MemfdMessage(fd: fd, count: count)
        do throws(IPCError) {
            _ = try sys("ftruncate") { ftruncate(fd, off_t(count)) }
            message.mapping = try map(fd, count, PROT_READ | PROT_WRITE)
        } catch {
            message.close()
            throw error
        }
        return message
    }

    /// Unmaps, seals and sends the memfd with its length; the caller still closes it.
    mutating func handOver(_ socket: Int32, _ spin: SpinPolicy) throws(IPCError) {
        unmap()
        _ = try sys("fcntl F_ADD_SEALS") { ipc_memfd_seal(fd) }
        let length = UInt64(count)
        let sent = try spin.call("sendmsg") {
            withUnsafeBytes(of: length) { ipc_send_with_fd(socket, $0.baseAddress, 8, fd, Int32(MSG_NOSIGNAL)) }
        }
        if sent != 8 { throw .messageSize(expected: 8, received: sent) }
    }

    /// recvmsg one handle packet, check that it is a sealed memfd of `count` bytes, map it
    /// read-only. Every descriptor that came is closed on every failure.
    static func receive(_ socket: Int32, count: Int, _ spin: SpinPolicy) throws(IPCError) -> MemfdMessage {
        var length: UInt64 = 0
        var fd: Int32 = -1, extra: Int32 = -1, flags: Int32 = 0
        let got = try spin.call("recvmsg") { ipc_receive_with_fds(socket, &length, 8, Int32(MSG_TRUNC), &fd, &extra, &flags) }
        var message = MemfdMessage(fd: fd, count: count)
        do throws(IPCError) {
            if got == 0 && fd < 0 { throw .peerClosed }
            let truncated = flags & Int32(MSG_CTRUNC) != 0
            if truncated && fd < 0 {
                // The kernel could not install the descriptor: the receiver is out of them.
                throw .system(call: "recvmsg: the memfd was dropped (MSG_CTRUNC), likely at RLIMIT_NOFILE", errno: EMFILE)
            }
            if extra >= 0 || truncated {
                throw .system(call: "recvmsg: more than one descriptor came with the message", errno: EBADMSG)
            }
            if got != 8 { throw .messageSize(expected: count, received: got) }
            if fd < 0 { throw .system(call: "recvmsg: the message came without its memfd", errno: EBADMSG) }
            if length != UInt64(count) { throw .messageSize(expected: count, received: Int(truncatingIfNeeded: length)) }
            let sealed = try sys("fcntl F_GET_SEALS") { ipc_memfd_is_sealed(fd) }
            if sealed != 1 { throw .system(call: "memfd-pass: the memfd came without its seals", errno: EBADMSG) }
            var info = stat()
            _ = try sys("fstat") { fstat(fd, &info) }
            if info.st_size != off_t(count) { throw .messageSize(expected: count, received: Int(info.st_size)) }
            message.mapping = try map(fd, count, PROT_READ)
        } catch {
            closeDescriptor(extra)
            message.close()
            throw error
        }
        return message
    }

    private static func map(_ fd: Int32, _ count: Int, _ protection: Int32) throws(IPCError) -> UnsafeMutableRawPointer {
        let p = mmap(nil, count, protection, MAP_SHARED | MAP_POPULATE, fd, 0)
        guard let p, p != MAP_FAILED else { throw .system(call: "mmap", errno: errno) }
        return p
    }

    mutating func unmap() {
        if let mapping { munmap(mapping, count) }
        mapping = nil
    }

    /// Unmaps and closes whatever is still held; safe to call again.
    mutating func close() {
        unmap()
        closeDescriptor(fd)
        fd = -1
    }
}

/// A worker's side of ``MemfdPassing``: one socket, both directions.
public struct MemfdEndpoint: InPlaceEndpoint {
    let socket: Int32
    let spin: SpinPolicy
    /// In place, inline messages are written here and sent, and received here and read.
    let outgoingStaging: UnsafeMutableRawPointer
    let incomingStaging: UnsafeMutableRawPointer
    var sending = MemfdMessage()
    var receiving = MemfdMessage()

    @inline(__always)
    static func inline(_ count: Int) -> Bool { count <= MemfdPassing.inlineLimitBytes }

    @inline(__always)
    public mutating func send(_ buffer: UnsafeRawPointer, count: Int) throws(IPCError) {
        if Self.inline(count) { return try DatagramCalls.send(socket, buffer, count, spin) }
        var message = try MemfdMessage.create(count)
        defer { message.close() }
        message.mapping!.copyMemory(from: buffer, byteCount: count)
        try message.handOver(socket, spin)
    }

    @inline(__always)
    public mutating func receive(into buffer: UnsafeMutableRawPointer, count: Int) throws(IPCError) {
        if Self.inline(count) { return try DatagramCalls.receive(socket, buffer, count, spin) }
        var message = try MemfdMessage.receive(socket, count: count, spin)
        defer { message.close() }
        buffer.copyMemory(from: message.mapping!, byteCount: count)
    }

    // In place: a memfd is lent whole, as one stretch; an inline message is the staging page.

    public mutating func beginSend(count: Int) throws(IPCError) {
        sending.close()
        sending = Self.inline(count) ? MemfdMessage(count: count) : try MemfdMessage.create(count)
    }

    @inline(__always)
    public mutating func writable(limit: Int) throws(IPCError) -> UnsafeMutableRawBufferPointer {
        Self.rest(of: sending, staging: outgoingStaging, limit: limit)
    }

    /// What is left of `message`, at most `limit` bytes: in its memfd, or in `staging` when inline.
    @inline(__always)
    private static func rest(of message: MemfdMessage, staging: UnsafeMutableRawPointer, limit: Int) -> UnsafeMutableRawBufferPointer {
        let base = inline(message.count) ? staging : message.mapping!
        return UnsafeMutableRawBufferPointer(start: base + message.offset, count: min(limit, message.count - message.offset))
    }

    public mutating func commit(_ bytes: Int) throws(IPCError) {
        sending.offset += bytes
        guard sending.offset == sending.count else { return }
        if Self.inline(sending.count) { return try DatagramCalls.send(socket, outgoingStaging, sending.count, spin) }
        defer { sending.close() }
        try sending.handOver(socket, spin)
    }

    public mutating func beginReceive(count: Int) throws(IPCError) {
        receiving.close()
        if Self.inline(count) {
            try DatagramCalls.receive(socket, incomingStaging, count, spin)
            receiving = MemfdMessage(count: count)
        } else {
            receiving = try MemfdMessage.receive(socket, count: count, spin)
        }
    }

    @inline(__always)
    public mutating func readable(limit: Int) throws(IPCError) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(Self.rest(of: receiving, staging: incomingStaging, limit: limit))
    }

    public mutating func release(_ bytes: Int) throws(IPCError) {
        receiving.offset += bytes
        if receiving.offset == receiving.count { receiving.close() }
    }

    /// Unmaps and closes a message left half-way by an error (the workers simply exit; a test
    /// that goes on in the same process calls this).
    mutating func abandonMessages() {
        sending.close()
        receiving.close()
    }
}
