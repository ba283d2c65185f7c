import Glibc
import CIPCShim

/// `vmsplice`: a pipe per direction fed with vmsplice(2), which hands the sender's pages to the
/// pipe by reference instead of copying them in; the receiver's read(2) is the one copy, the
/// kernel's, out of those pages into the receiver's memory.
///
/// A page the pipe still holds must not be rewritten, or the reader sees the new bytes. So the
/// sender writes into a rotation area ``rotationCapacities`` pipe capacities long, in stretches
/// of at most one capacity (page-aligned from a page up, cache-line aligned below). Before a
/// byte comes round again the sender has spliced at least two capacities of the rotation after
/// it (four, less the byte's own stretch and the gap skipped at the end). A pipe buffer holds at
/// most a page, so that is about twice as many buffers as the pipe can hold; the pipe is first
/// in, first out, so the reader has copied the byte by then.
///
/// `copy`: the worker's buffer is copied into the rotation (send returns once it is spliced, so
/// the worker may rewrite its buffer at once), the reader copies it out: two copies, as a pipe's
/// write and read, but the one into the pipe is a memcpy instead of the kernel's. `zero`: the
/// producer writes each payload byte straight into the rotation and splices it; the receiver
/// reads each stretch into the endpoint's own buffer (the kernel's copy, which no pipe reader
/// avoids) and checks it there.
public final class VmsplicePipe: Mechanism {
    public static let name = "vmsplice"
    public static let summary = "pipes fed with vmsplice(2) from a page rotation (no copy into the pipe), drained with read"
    public static let traits = MechanismTraits(family: .zeroCopy, copyModes: [.copy, .zero])

    /// The rotation's length in pipe capacities: a byte's own stretch and the gap skipped at the
    /// end take at most one each, which leaves two capacities spliced before it is rewritten.
    static let rotationCapacities = 4

    private var ends = DuplexDescriptors()
    /// Each side's rotation area and receive buffer: private, the same address in both workers.
    private let sendArea: MemoryRegion
    private let receiveArea: MemoryRegion
    /// The larger of the two pipes' capacities as the kernel granted them: the longest stretch.
    let pipeBytes: Int

    public static func limitation(_ scenario: Scenario, limits: MachineLimits) -> String? { nil }

    public static func limitsSummary(_ limits: MachineLimits) -> String {
        "any size (in stretches of the pipe's capacity, asked for as min(1 MiB, pipe-max-size \(limits.pipeMaxSize)))"
    }

    /// The capacity asked of each pipe: 1 MiB, or less where pipe-max-size says so.
    static func wantedPipeBytes(_ limits: MachineLimits) -> Int {
        min(1 << 20, max(MemoryRegion.pageSize, limits.pipeMaxSize))
    }

    public init(_ spec: ChannelSpec) throws(IPCError) {
        try ends.openPipes()
        var capacity = 0
        for fd in [ends.forwardWrite.raw, ends.backwardWrite.raw] {
            // A refusal (EPERM past the user's pipe-user-pages-soft) leaves the pipe as it is:
            // the rotation is sized from what the kernel reports, whatever that is.
            _ = ipc_set_pipe_size(fd, Int32(Self.wantedPipeBytes(spec.limits)))
            capacity = max(capacity, Int(try sys("fcntl(F_GETPIPE_SZ)") { ipc_pipe_size(fd) }))
        }
        pipeBytes = capacity
        if spec.wait == .spin { try ends.setNonBlockingAll() }
        sendArea = try MemoryRegion(byteCount: Self.rotationCapacities * pipeBytes, sharing: .private)
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
        /// The endpoint's own receive buffer, `stretchBytes` long: in place, reads land here.
        let received: UnsafeMutableRawPointer
        /// The pipe's capacity: the most one stretch may be (a multiple of the page size).
        let stretchBytes: Int
        /// The page size, kept here: a global's lazy initialisation check stays out of the loop.
        let pageBytes = MemoryRegion.pageSize
        /// Where the rotation's free part starts, and the stretch lent for filling.
        var next = 0
        var lent: UnsafeMutableRawPointer? = nil

        /// The next `count` bytes of the rotation area (count <= stretchBytes): page-aligned from
        /// a page up, so a stretch fills whole pipe buffers; cache-line aligned below.
        @inline(__always)
        mutating func take(_ count: Int) -> UnsafeMutableRawPointer {
            let alignment = count >= pageBytes ? pageBytes : 64
            var start = (next + alignment - 1) & ~(alignment - 1)
            if start + count > rotationBytes { start = 0 }
            next = start + count
            return rotation + start
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
                let stretch = take(n)
                stretch.copyMemory(from: buffer + done, byteCount: n)
                try splice(stretch, n)
                done += n
            } while done < count
        }

        @inline(__always)
        public mutating func receive(into buffer: UnsafeMutableRawPointer, count: Int) throws(IPCError) {
            try StreamCalls.receive(receiveFD, buffer, count, spin)
        }

        @inline(__always)
        public mutating func beginSend(count: Int) throws(IPCError) {}

        @inline(__always)
        public mutating func writable(limit: Int) throws(IPCError) -> UnsafeMutableRawBufferPointer {
            let n = min(limit, stretchBytes)
            let stretch = take(n)
            lent = stretch
            return UnsafeMutableRawBufferPointer(start: stretch, count: n)
        }

        @inline(__always)
        public mutating func commit(_ bytes: Int) throws(IPCError) {
            try splice(lent!, bytes)
        }

        @inline(__always)
        public mutating func beginReceive(count: Int) throws(IPCError) {}

        /// The kernel copies the next stretch out of the pipe into the endpoint's own buffer,
        /// which is lent as it is.
        @inline(__always)
        public mutating func readable(limit: Int) throws(IPCError) -> UnsafeRawBufferPointer {
            let n = min(limit, stretchBytes)
            try StreamCalls.receive(receiveFD, received, n, spin)
            return UnsafeRawBufferPointer(start: received, count: n)
        }

        @inline(__always)
        public mutating func release(_ bytes: Int) throws(IPCError) {}
    }
}
