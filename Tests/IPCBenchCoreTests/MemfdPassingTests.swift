import Glibc
import CIPCShim
import XCTest
@testable import IPCBenchCore

/// `memfd-pass`: what goes inline and what by memfd, that the receiver refuses a memfd it cannot
/// trust, that a corrupted byte is caught, and that no descriptor outlives its message, on any
/// path. The endpoints run in this process over a real socket pair, so every descriptor they
/// make is counted in /proc/self/fd; the worker runs go through the real coordinator and binary.
final class MemfdPassingTests: LeakCheckedTestCase {
    private var sockets: [Int32] = [-1, -1]
    private var staging: UnsafeMutableRawPointer!
    private var descriptorsBefore = 0
    private let large = 8192

    override func setUp() {
        super.setUp()
        descriptorsBefore = openDescriptors()
        XCTAssertEqual(socketpair(AF_UNIX, Int32(SOCK_SEQPACKET.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &sockets), 0)
        staging = UnsafeMutableRawPointer.allocate(byteCount: 4 * MemfdPassing.inlineLimitBytes, alignment: 64)
    }

    override func tearDown() {
        close(sockets[0])
        close(sockets[1])
        staging.deallocate()
        XCTAssertEqual(openDescriptors(), descriptorsBefore, "a descriptor was left open")
        super.tearDown()
    }

    private func openDescriptors() -> Int { SystemObjects.entries("/proc/self/fd").count }

    /// The endpoint on socket `side` (0 sends to 1 and back), blocking.
    private func endpoint(_ side: Int) -> MemfdEndpoint {
        let inline = MemfdPassing.inlineLimitBytes
        return MemfdEndpoint(
            socket: sockets[side], spin: .block(spinFirst: false),
            outgoingStaging: staging + 2 * side * inline, incomingStaging: staging + (2 * side + 1) * inline)
    }

    private func plan(_ size: Int, messages: Int) -> WorkloadPlan {
        WorkloadPlan(payloadBytes: size, messages: messages, warmupMessages: 0, verify: true)
    }

    /// Sends message `sequence` by memfd as a sender would, or spoiled: a byte flipped, the
    /// seals left off, the file one byte short of what the length says.
    private func sendCrafted(
        _ sequence: UInt64, size: Int, corruptAt: Int? = nil, sealed: Bool = true, fileBytes: Int? = nil
    ) throws {
        let fd = ipc_memfd_create("ipcbench-test")
        XCTAssertGreaterThanOrEqual(fd, 0)
        defer { close(fd) }
        let bytes = fileBytes ?? size
        XCTAssertEqual(ftruncate(fd, off_t(bytes)), 0)
        let p = try XCTUnwrap(mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0))
        XCTAssertNotEqual(p, MAP_FAILED)
        let message = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 64)
        defer { message.deallocate() }
        Framing.stamp(sequence, into: message, size: size)
        Framing.fillPattern(sequence, into: message, size: size)
        if let at = corruptAt { message.storeBytes(of: message.load(fromByteOffset: at, as: UInt8.self) ^ 0x40, toByteOffset: at, as: UInt8.self) }
        p.copyMemory(from: message, byteCount: min(size, bytes))
        munmap(p, bytes)
        if sealed { XCTAssertEqual(ipc_memfd_seal(fd), 0) }
        let length = UInt64(size)
        XCTAssertEqual(withUnsafeBytes(of: length) { ipc_send_with_fd(sockets[0], $0.baseAddress, 8, fd, 0) }, 8)
    }

    /// What arrives on socket 1, read raw: its bytes and the descriptor that came with it.
    private func receiveRaw(capacity: Int) -> (bytes: Int, fd: Int32) {
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: 8)
        defer { buffer.deallocate() }
        var fd: Int32 = -1, extra: Int32 = -1, flags: Int32 = 0
        let n = ipc_receive_with_fds(sockets[1], buffer, capacity, 0, &fd, &extra, &flags)
        XCTAssertEqual(extra, -1)
        return (n, fd)
    }

    private func receiveError(count: Int) -> IPCError? {
        var receiver = endpoint(1)
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: count, alignment: 64)
        defer { buffer.deallocate() }
        do {
            try receiver.receive(into: buffer, count: count)
            return nil
        } catch {
            return error
        }
    }

    // MARK: Inline or by memfd

    func testMessagesUpToFourKiBTravelInlineAndLargerOnesAsASealedMemfdOfTheirSize() throws {
        var sender = endpoint(0)
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: 4097, alignment: 64)
        defer { buffer.deallocate() }
        memset(buffer, 0x33, 4097)

        try sender.send(buffer, count: 4096)
        let inline = receiveRaw(capacity: 8192)
        XCTAssertEqual(inline.bytes, 4096, "4096 bytes go inline, in the packet")
        XCTAssertEqual(inline.fd, -1)

        try sender.send(buffer, count: 4097)
        let handle = receiveRaw(capacity: 8192)
        XCTAssertEqual(handle.bytes, 8, "a larger message is its 8-byte length and a memfd")
        XCTAssertGreaterThanOrEqual(handle.fd, 0)
        defer { close(handle.fd) }
        XCTAssertEqual(ipc_memfd_is_sealed(handle.fd), 1, "sealed against shrinking, growing and writing")
        var info = stat()
        XCTAssertEqual(fstat(handle.fd, &info), 0)
        XCTAssertEqual(info.st_size, 4097)
        XCTAssertEqual(ftruncate(handle.fd, 1), -1, "the receiver cannot shrink it")
        XCTAssertEqual(pwrite(handle.fd, buffer, 1, 0), -1, "nor write it")
    }

    // MARK: Descriptors

    func testThousandsOfMessagesByMemfdCloseEveryDescriptorInBothCopyModes() throws {
        let count = 2000
        let buffers = UnsafeMutableRawPointer.allocate(byteCount: 2 * large, alignment: 64)
        defer { buffers.deallocate() }
        let p = plan(large, messages: count)
        var copying = (CopyingTransfer(endpoint: endpoint(0), sendBuffer: buffers, receiveBuffer: buffers, plan: p),
                       CopyingTransfer(endpoint: endpoint(1), sendBuffer: buffers + large, receiveBuffer: buffers + large, plan: p))
        var inPlace = (InPlaceTransfer(endpoint: endpoint(0), plan: p), InPlaceTransfer(endpoint: endpoint(1), plan: p))
        for sequence in 1...UInt64(count) {
            try copying.0.send(sequence, sentAt: nil)
            _ = try copying.1.receive(sequence, timed: false)
            try inPlace.0.send(sequence, sentAt: nil)
            _ = try inPlace.1.receive(sequence, timed: false)
        }
        XCTAssertEqual(openDescriptors(), descriptorsBefore + 2, "only the socket pair is open")
    }

    /// Through the workers: 3,000 round trips and a 3,000-message stream by memfd under an
    /// RLIMIT_NOFILE of 24, so a descriptor left per message fails the run with EMFILE.
    func testWorkersMoveThousandsOfMemfdsWithTwentyFourDescriptors() throws {
        let folder = try PrivateDirectory(prefix: "ipcbench-memfdtest")
        defer { folder.remove() }
        let csv = "\(folder.path)/nofile.csv"
        let run = ProgramRunner.start(
            ["run", "--mechanisms", "memfd-pass", "--modes", "latency,throughput", "--copy", "copy,zero", "--waits", "block",
             "--sizes", "8K", "--messages", "3000", "--warmup", "10", "--repetitions", "1", "--quiet", "--output", csv],
            limits: [.openFiles(24)])
        let out = try XCTUnwrap(run.wait(atMost: 120), "hung")
        XCTAssertEqual(out.status, 0, out.stderr)
        let rows = try ResultSet.load(csv).rows
        XCTAssertEqual(rows.count, 4)
        for row in rows { XCTAssertEqual(row.status, .ok, "\(row.key): \(row.note)") }
    }

    // MARK: What the receiver refuses

    func testACorruptedByteInAMemfdIsFoundInBothCopyModes() throws {
        let corruptAt = 5000
        for zero in [false, true] {
            try sendCrafted(1, size: large)
            try sendCrafted(2, size: large, corruptAt: corruptAt)
            let control = try ControlBlock(workers: 2)
            let sink = WorkloadSink(report: control.report(1), histogram: nil, warmedUp: control.warmedUp, parties: 1)
            let buffer = UnsafeMutableRawPointer.allocate(byteCount: large, alignment: 64)
            defer { buffer.deallocate() }
            do {
                if zero {
                    var transfer = InPlaceTransfer(endpoint: endpoint(1), plan: plan(large, messages: 2))
                    defer { transfer.endpoint.abandonMessages() }
                    try Workloads.streamConsumer(&transfer, plan: plan(large, messages: 2), sink: sink)
                } else {
                    var transfer = CopyingTransfer(endpoint: endpoint(1), sendBuffer: buffer, receiveBuffer: buffer, plan: plan(large, messages: 2))
                    try Workloads.streamConsumer(&transfer, plan: plan(large, messages: 2), sink: sink)
                }
                XCTFail("zero \(zero): the corrupted message passed")
            } catch {
                guard case .payloadCorrupt(2, corruptAt) = error else { return XCTFail("zero \(zero): got \(error)") }
            }
        }
    }

    func testAMemfdWithoutItsSealsIsRefused() throws {
        try sendCrafted(1, size: large, sealed: false)
        let error = receiveError(count: large)
        guard case .system(_, EBADMSG) = error else { return XCTFail("got \(String(describing: error))") }
        XCTAssertTrue(error!.description.contains("without its seals"), error!.description)
    }

    func testAMemfdShorterThanItsLengthIsRefusedBeforeItIsMapped() throws {
        try sendCrafted(1, size: large, fileBytes: large - 1)
        guard case .messageSize(large, large - 1) = receiveError(count: large) else {
            return XCTFail("a memfd one byte short was mapped: reading its end would be a SIGBUS")
        }
    }

    func testAHandleOfAnotherLengthIsRefused() throws {
        try sendCrafted(1, size: large + 8)
        guard case .messageSize(large, large + 8) = receiveError(count: large) else { return XCTFail("a longer message passed") }
    }

    func testAHandleMessageWithoutItsMemfdIsRefused() throws {
        let length = UInt64(large)
        XCTAssertEqual(withUnsafeBytes(of: length) { send(sockets[0], $0.baseAddress, 8, 0) }, 8)
        let error = receiveError(count: large)
        guard case .system(_, EBADMSG) = error else { return XCTFail("got \(String(describing: error))") }
        XCTAssertTrue(error!.description.contains("without its memfd"), error!.description)
    }

    func testAHandleMessageWithTwoDescriptorsIsRefusedAndBothAreClosed() throws {
        let a = ipc_memfd_create("ipcbench-test-a"), b = ipc_memfd_create("ipcbench-test-b")
        defer { close(a); close(b) }
        XCTAssertEqual(sendTwoDescriptors(a, b, length: UInt64(large)), 8)
        let error = receiveError(count: large)
        guard case .system(_, EBADMSG) = error else { return XCTFail("got \(String(describing: error))") }
        XCTAssertTrue(error!.description.contains("more than one descriptor"), error!.description)
        // tearDown counts the descriptors: both received ones must be closed.
    }

    func testAPeerThatClosedIsReported() throws {
        close(sockets[0])
        sockets[0] = -1
        guard case .peerClosed = receiveError(count: large) else { return XCTFail("EOF was not reported as a closed peer") }
    }

    /// SCM_RIGHTS with two descriptors, built by hand (the shim only ever sends one): the
    /// control message layout of 64-bit Linux, a size_t length and two ints, then the data.
    private func sendTwoDescriptors(_ a: Int32, _ b: Int32, length: UInt64) -> Int {
        var control = [UInt64](repeating: 0, count: 3)
        var data = length
        return control.withUnsafeMutableBytes { c in
            c.storeBytes(of: 24, toByteOffset: 0, as: Int.self)
            c.storeBytes(of: SOL_SOCKET, toByteOffset: 8, as: Int32.self)
            c.storeBytes(of: Int32(SCM_RIGHTS), toByteOffset: 12, as: Int32.self)
            c.storeBytes(of: a, toByteOffset: 16, as: Int32.self)
            c.storeBytes(of: b, toByteOffset: 20, as: Int32.self)
            return withUnsafeMutableBytes(of: &data) { d in
                var iov = iovec(iov_base: d.baseAddress, iov_len: 8)
                return withUnsafeMutablePointer(to: &iov) { v in
                    var message = msghdr()
                    message.msg_iov = v
                    message.msg_iovlen = 1
                    message.msg_control = c.baseAddress
                    message.msg_controllen = 24
                    return sendmsg(sockets[0], &message, 0)
                }
            }
        }
    }

    // MARK: Sizes and memory

    func testAFourMiBMessageArrivesWholeInEveryModeWaitAndCopyMode() {
        let directory = try! PrivateDirectory()
        defer { directory.remove() }
        let coordinator = Coordinator(directory: directory, timeoutSeconds: 60)
        let placement: Placement = CPUSet.allowed().count >= 2 ? .crossCore : .sameCore
        for mode in [Mode.latency, .throughput] {
            for copy in CopyMode.allCases {
                for wait in WaitMode.allCases {
                    let r = coordinator.run(Scenario(
                        mechanism: "memfd-pass", mode: mode, payloadBytes: (4 << 20) + 13, placement: placement, wait: wait,
                        copy: copy, messages: 3, warmupMessages: 1, verify: true), repetition: 1)
                    XCTAssertEqual(r.status, .ok, "\(mode) \(copy) \(wait): \(r.note)")
                }
            }
        }
    }

    func testWhatMemAvailableCannotHoldIsSkippedNamingIt() throws {
        let limits = MachineLimits.current()
        let huge = Scenario(mechanism: "memfd-pass", mode: .throughput, payloadBytes: 1 << 30, pairs: 64, messages: 3)
        let why = try XCTUnwrap(MemfdPassing.limitation(huge, limits: limits), "64 pairs of 1 GiB streams fit in memory?")
        XCTAssertTrue(why.contains("MemAvailable"), why)
        XCTAssertNil(MemfdPassing.limitation(Scenario(mechanism: "memfd-pass", mode: .throughput, payloadBytes: 64 << 10, messages: 3), limits: limits))
        XCTAssertNil(MemfdPassing.limitation(Scenario(mechanism: "memfd-pass", mode: .latency, payloadBytes: 8, messages: 3), limits: limits))
    }

    /// A worker's send buffer is at its minimum for messages by memfd, so only a few wait in
    /// the socket; inline messages keep the default buffer, as `unix-seqpacket` has it.
    func testOnlyAFewMemfdsWaitInTheSocket() throws {
        XCTAssertGreaterThanOrEqual(MemfdPassing.handlesInFlight, 1)
        XCTAssertLessThanOrEqual(MemfdPassing.handlesInFlight, 64)
        let directory = try PrivateDirectory()
        defer { directory.remove() }
        var sendBuffers: [Int: Int32] = [:]
        for size in [64, large] {
            let channel = try MemfdPassing(ChannelSpec(
                mode: .throughput, payloadBytes: size, pairs: 1, wait: .block, copy: .copy, directory: directory,
                ringBytes: 1 << 20, janitor: nil, limits: .current()))
            defer { channel.closeDescriptors() }
            let producer = try channel.endpoint(.producer, peer: 0, spin: .block(spinFirst: false))
            var bytes: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            XCTAssertEqual(getsockopt(producer.socket, SOL_SOCKET, SO_SNDBUF, &bytes, &length), 0)
            sendBuffers[size] = bytes
        }
        XCTAssertEqual(sendBuffers[64], Int32(MachineLimits.current().socketSendBufferDefault), "inline: the default buffer")
        XCTAssertLessThan(sendBuffers[large] ?? .max, 16 << 10, "by memfd: the minimum")
    }
}
