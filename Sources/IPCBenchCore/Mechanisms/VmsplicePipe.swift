import Glibc
import CIPCShim

/// `vmsplice`: a pipe per direction fed with vmsplice(2), which hands the sender's pages to the
/// pipe instead of copying them in; the receiver reads (one copy, the kernel's, out of those
/// pages). A page the pipe still holds must not be rewritten, so the sender writes into a
/// rotation area four times the pipe's capacity, in stretches of at most one capacity: a byte
/// is written again only after more than a capacity of later bytes went into the pipe, and the
/// pipe holds at most a capacity, so the reader has copied it by then.
///
/// `copy`: the worker's buffer is copied into the rotation area, then spliced. `zero`: the
/// producer writes each payload byte straight into the rotation area; the receiver's read is
/// the one copy left (into the endpoint's own buffer, read there in place).
public final class VmsplicePipe: Mechanism {
    public static let name = "vmsplice"
    public static let summary = "pipes fed with vmsplice(2) from a page rotation (no copy into the pipe), drained with read"
    public static let traits = MechanismTraits(family: .zeroCopy, copyModes: [.copy, .zero])

    private var ends = DuplexDescriptors()
    /// Each side's rotation area and receive buffer: private, the same address in both workers.
    private let sendArea: MemoryRegion
    private let receiveArea: MemoryRegion
    let pipeBytes: Int

    public static func limitation(_ scenario: Scenario, limits: MachineLimits) -> String? { nil }

    public static func limitsSummary(_ limits: MachineLimits) -> String {
        "any size (in stretches of the pipe's capacity, set to min(1 MiB, pipe-max-size \(limits.pipeMaxSize)))"
    }

    public init(_ spec: ChannelSpec) throws(IPCError) {
        // Should a call fail, the ends already open close with `ends`.
        var fds: [Int32] = [-1, -1]
        _ = try sys("pipe2") { ipc_pipe2(&fds, O_CLOEXEC) }
        ends.forwardRead = OwnedDescriptor(fds[0])
        ends.forwardWrite = OwnedDescriptor(fds[1])
        _ = try sys("pipe2") { ipc_pipe2(&fds, O_CLOEXEC) }
        ends.backwardRead = OwnedDescriptor(fds[0])
        ends.backwardWrite = OwnedDescriptor(fds[1])
        // The largest pipe this user may have, up to 1 MiB; without it, the default 64 KiB.
        let wanted = Int32(min(1 << 20, max(4096, spec.limits.pipeMaxSize)))
        var size = 65536
        for fd in [ends.forwardWrite.raw, ends.backwardWrite.raw] {
            let got = ipc_set_pipe_size(fd, wanted)
            if got > 0 { size = min(size == 65536 ? Int(got) : size, Int(got)) }
        }
        pipeBytes = size
        if spec.wait == .spin { try ends.setNonBlockingAll() }
        sendArea = try MemoryRegion(byteCount: 4 * pipeBytes, sharing: .private)
        receiveArea = try MemoryRegion(byteCount: pipeBytes, sharing: .private)
    }

    public func endpoint(_ role: Role, peer: pid_t, spin: SpinPolicy) throws(IPCError) -> Endpoint {
        let (send, receive) = ends.take(role)
        // Fault the pages in now, not in the measured loop.
        memset(sendArea.base, 0, sendArea.byteCount)
        memset(receiveArea.base, 0, receiveArea.byteCount)
        return Endpoint(sendFD: send, receiveFD: receive, spin: spin, rotation: sendArea.base,
                        rotationBytes: sendArea.byteCount, received: receiveArea.base, stretchBytes: pipeBytes)
    }

    public func closeDescriptors() { ends.closeAll() }

    public struct Endpoint: InPlaceEndpoint {
        let sendFD: Int32
        let receiveFD: Int32
        let spin: SpinPolicy
        let rotation: UnsafeMutableRawPointer
        let rotationBytes: Int
        let received: UnsafeMutableRawPointer
        /// The pipe's capacity: the most one stretch may be.
        let stretchBytes: Int
        /// Where the next stretch starts in the rotation area, and the one lent for filling.
        var next = 0
        var lent = 0

        /// The next `count` bytes of the rotation area (count <= stretchBytes), cache-line aligned.
        @inline(__always)
        private mutating func take(_ count: Int) -> UnsafeMutableRawPointer {
            if next + count > rotationBytes { next = 0 }
            let start = rotation + next
            next += MemoryRegion.roundToCacheLine(count)
            return start
        }

        /// Hands `count` bytes at `base` to the pipe, looping over partial splices.
        @inline(__always)
        private func splice(_ base: UnsafeRawPointer, _ count: Int) throws(IPCError) {
            var done = 0
            while done < count {
                done += try spin.call("vmsplice", { ipc_vmsplice(sendFD, base + done, UInt(count - done), 0) },
                                      poll: { ipc_vmsplice(sendFD, base + done, UInt(count - done), 1) })
            }
        }

        @inline(__always)
        public mutating func send(_ buffer: UnsafeRawPointer, count: Int) throws(IPCError) {
            var done = 0
            repeat {
                let n = min(count - done, stretchBytes)
                let slot = take(n)
                slot.copyMemory(from: buffer + done, byteCount: n)
                try splice(slot, n)
                done += n
            } while done < count
        }

        @inline(__always)
        public mutating func receive(into buffer: UnsafeMutableRawPointer, count: Int) throws(IPCError) {
            try DescriptorIO.readAll(receiveFD, buffer, count, spin)
        }

        @inline(__always)
        public mutating func beginSend(count: Int) throws(IPCError) {}

        @inline(__always)
        public mutating func writable(limit: Int) throws(IPCError) -> UnsafeMutableRawBufferPointer {
            lent = min(limit, stretchBytes)
            return UnsafeMutableRawBufferPointer(start: take(lent), count: lent)
        }

        @inline(__always)
        public mutating func commit(_ bytes: Int) throws(IPCError) {
            try splice(rotation + (next - MemoryRegion.roundToCacheLine(lent)), bytes)
        }

        @inline(__always)
        public mutating func beginReceive(count: Int) throws(IPCError) {}

        @inline(__always)
        public mutating func readable(limit: Int) throws(IPCError) -> UnsafeRawBufferPointer {
            let n = min(limit, stretchBytes)
            try DescriptorIO.readAll(receiveFD, received, n, spin)
            return UnsafeRawBufferPointer(start: received, count: n)
        }

        @inline(__always)
        public mutating func release(_ bytes: Int) throws(IPCError) {}
    }
}
