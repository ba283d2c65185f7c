import Glibc
import XCTest
@testable import IPCBenchCore

/// vmsplice and cross-memory attach beyond the common sizes: messages several times the pipe or
/// the landing ring, a rotation that comes round many times, corruption found through the real
/// endpoints, the kernel's permission decided and reported, nothing left open.
final class ZeroCopyTests: LeakCheckedTestCase {
    private var placement: Placement { CPUSet.allowed().count >= 2 ? .crossCore : .sameCore }

    private func run(
        _ mechanism: String, _ mode: Mode, _ size: Int, copy: CopyMode, wait: WaitMode = .block,
        messages: Int = 4, ringBytes: Int = 1 << 20, limits: MachineLimits = .current()
    ) -> RepetitionResult {
        let directory = try! PrivateDirectory()
        defer { directory.remove() }
        return Coordinator(limits: limits, directory: directory, timeoutSeconds: 60).run(Scenario(
            mechanism: mechanism, mode: mode, payloadBytes: size, placement: placement, wait: wait,
            copy: copy, messages: messages, warmupMessages: 1, verify: true, ringBytes: ringBytes), repetition: 1)
    }

    private func spec(_ wait: WaitMode = .block, ringBytes: Int = 1 << 20, limits: MachineLimits = .current(),
                      directory: PrivateDirectory) -> ChannelSpec {
        ChannelSpec(mode: .throughput, payloadBytes: 4096, pairs: 1, wait: wait, copy: .zero, directory: directory,
                    ringBytes: ringBytes, janitor: nil, limits: limits)
    }

    /// The descriptors this process holds.
    private func openDescriptors() -> Set<String> { SystemObjects.entries("/proc/self/fd") }

    // MARK: - Sizes

    func testMessagesLargerThanThePipeOrTheLandingRingArriveWhole() {
        for mechanism in ["vmsplice", "cma"] {
            for copy in CopyMode.allCases {
                for mode in [Mode.latency, .throughput] {
                    let r = run(mechanism, mode, (4 << 20) + 13, copy: copy, ringBytes: 64 << 10)
                    XCTAssertEqual(r.status, .ok, "\(mechanism) \(mode) \(copy): \(r.note)")
                }
            }
        }
    }

    // MARK: - vmsplice

    func testThePipeIsAsLargeAsPipeMaxSizeAllowsUpTo1MiBAndTheRotationFourTimesThat() throws {
        let directory = try PrivateDirectory()
        defer { directory.remove() }
        var small = MachineLimits.current()
        small.pipeMaxSize = 16 << 10
        XCTAssertEqual(try VmsplicePipe(spec(limits: small, directory: directory)).pipeBytes, 16 << 10)
        var large = MachineLimits.current()
        large.pipeMaxSize = 64 << 20
        XCTAssertEqual(VmsplicePipe.wantedPipeBytes(large), 1 << 20)
        XCTAssertEqual(VmsplicePipe.rotationCapacities, 4)
    }

    func testTheRotationNeverRewritesBytesThePipeMayStillHold() {
        // A 16 KiB pipe and a 64 KiB rotation: 3000 verified messages go round it dozens of
        // times while the pipe is kept full; a byte rewritten too soon would reach the reader.
        var limits = MachineLimits.current()
        limits.pipeMaxSize = 16 << 10
        for size in [1001, 4096 + 8, 16 << 10] {
            for copy in CopyMode.allCases {
                for wait in WaitMode.allCases {
                    let r = run("vmsplice", .throughput, size, copy: copy, wait: wait, messages: 3000, limits: limits)
                    XCTAssertEqual(r.status, .ok, "\(size) B \(copy) \(wait): \(r.note)")
                }
            }
        }
    }

    func testStretchesOfAPageOrMoreStartOnAPageAndSmallerOnesOnACacheLine() {
        let page = MemoryRegion.pageSize
        let rotation = UnsafeMutableRawPointer.allocate(byteCount: 4 * page, alignment: page)
        defer { rotation.deallocate() }
        var endpoint = VmsplicePipe.Endpoint(sendFD: -1, receiveFD: -1, spin: .block(spinFirst: false), rotation: rotation,
                                             rotationBytes: 4 * page, received: rotation, stretchBytes: page)
        XCTAssertEqual(endpoint.take(13) - rotation, 0)
        XCTAssertEqual(endpoint.take(100) - rotation, 64)
        XCTAssertEqual(endpoint.take(page) - rotation, page)
        XCTAssertEqual(endpoint.take(page) - rotation, 2 * page)
        XCTAssertEqual(endpoint.take(8) - rotation, 3 * page)
        XCTAssertEqual(endpoint.take(page) - rotation, 0, "a stretch that does not fit before the end starts again at 0")
    }

    /// One endpoint that sends into a pipe and reads from it: producer and consumer in one.
    private func withLoopedVmsplice(_ body: (inout VmsplicePipe.Endpoint, UnsafeMutableRawPointer) throws -> Void) throws {
        var fds: [Int32] = [-1, -1]
        XCTAssertEqual(pipe(&fds), 0)
        defer { close(fds[0]); close(fds[1]) }
        let rotation = try MemoryRegion(byteCount: 4 * 65536, sharing: .private)
        let received = try MemoryRegion(byteCount: 65536, sharing: .private)
        var endpoint = VmsplicePipe.Endpoint(sendFD: fds[1], receiveFD: fds[0], spin: .block(spinFirst: false),
                                             rotation: rotation.base, rotationBytes: rotation.byteCount,
                                             received: received.base, stretchBytes: 65536)
        try body(&endpoint, rotation.base)
    }

    func testAByteRewrittenWhileThePipeHoldsItReachesTheReaderAndIsFound() throws {
        // vmsplice hands the pipe the page itself, not a copy: why the rotation exists.
        let plan = WorkloadPlan(payloadBytes: 4096, messages: 1, warmupMessages: 0, verify: true)
        try withLoopedVmsplice { endpoint, rotation in
            var transfer = InPlaceTransfer(endpoint: endpoint, plan: plan)
            try transfer.send(5, sentAt: nil)
            rotation.storeBytes(of: rotation.load(fromByteOffset: 1234, as: UInt8.self) ^ 0x40, toByteOffset: 1234, as: UInt8.self)
            XCTAssertThrowsError(try transfer.receive(5, timed: false)) { error in
                guard case IPCError.payloadCorrupt(5, 1234) = error else { return XCTFail("got \(error)") }
            }
        }
    }

    func testAMessageOutOfTurnThroughVmspliceIsASequenceMismatch() throws {
        let plan = WorkloadPlan(payloadBytes: 64, messages: 1, warmupMessages: 0, verify: true)
        try withLoopedVmsplice { endpoint, _ in
            let buffer = UnsafeMutableRawPointer.allocate(byteCount: 64, alignment: 64)
            defer { buffer.deallocate() }
            var transfer = CopyingTransfer(endpoint: endpoint, sendBuffer: buffer, receiveBuffer: buffer, plan: plan)
            try transfer.send(3, sentAt: nil)
            XCTAssertThrowsError(try transfer.receive(2, timed: false)) { error in
                guard case IPCError.sequenceMismatch(2, 3) = error else { return XCTFail("got \(error)") }
            }
        }
    }

    // MARK: - cma

    /// A producer and a consumer endpoint in this one process, writing into its own memory
    /// (a process may always attach to itself).
    private func withLoopedCma(
        _ body: (inout CrossMemoryAttach.Endpoint, inout CrossMemoryAttach.Endpoint) throws -> Void
    ) throws {
        try XCTSkipIf(AttachPermission.current.probeErrno != 0, AttachPermission.current.problem ?? "")
        let directory = try PrivateDirectory()
        defer { directory.remove() }
        let channel = try CrossMemoryAttach(spec(ringBytes: 16 << 10, directory: directory))
        try channel.prepare(.consumer, peer: getpid())
        var producer = try channel.endpoint(.producer, peer: getpid(), spin: .block(spinFirst: false))
        var consumer = try channel.endpoint(.consumer, peer: getpid(), spin: .block(spinFirst: false))
        try body(&producer, &consumer)
    }

    func testAByteCorruptedInTheLandingSlotIsFound() throws {
        let plan = WorkloadPlan(payloadBytes: 4096, messages: 1, warmupMessages: 0, verify: true)
        try withLoopedCma { producer, consumer in
            var sender = InPlaceTransfer(endpoint: producer, plan: plan)
            var receiver = InPlaceTransfer(endpoint: consumer, plan: plan)
            try sender.send(9, sentAt: nil)
            let slot = consumer.localBase
            slot.storeBytes(of: slot.load(fromByteOffset: 4095, as: UInt8.self) ^ 1, toByteOffset: 4095, as: UInt8.self)
            XCTAssertThrowsError(try receiver.receive(9, timed: false)) { error in
                guard case IPCError.payloadCorrupt(9, 4095) = error else { return XCTFail("got \(error)") }
            }
        }
    }

    func testAMessageOutOfTurnThroughCmaIsASequenceMismatch() throws {
        let plan = WorkloadPlan(payloadBytes: 100, messages: 1, warmupMessages: 0, verify: true)
        try withLoopedCma { producer, consumer in
            let send = UnsafeMutableRawPointer.allocate(byteCount: 128, alignment: 64)
            let receive = UnsafeMutableRawPointer.allocate(byteCount: 128, alignment: 64)
            defer { send.deallocate(); receive.deallocate() }
            var sender = CopyingTransfer(endpoint: producer, sendBuffer: send, receiveBuffer: receive, plan: plan)
            var receiver = CopyingTransfer(endpoint: consumer, sendBuffer: send, receiveBuffer: receive, plan: plan)
            try sender.send(1, sentAt: nil)
            try sender.send(3, sentAt: nil)
            XCTAssertEqual(try receiver.receive(1, timed: false), 0)
            XCTAssertThrowsError(try receiver.receive(2, timed: false)) { error in
                guard case IPCError.sequenceMismatch(2, 3) = error else { return XCTFail("got \(error)") }
            }
        }
    }

    func testSlotsHoldAWholeMessageOrHalfTheRing() {
        XCTAssertEqual(CrossMemoryAttach.slots(ringBytes: 1 << 20, payloadBytes: 1).bytes, 64)
        XCTAssertEqual(CrossMemoryAttach.slots(ringBytes: 1 << 20, payloadBytes: 1001).bytes, 1024)
        XCTAssertEqual(CrossMemoryAttach.slots(ringBytes: 1 << 20, payloadBytes: 1 << 20).count, 2)
        XCTAssertEqual(CrossMemoryAttach.slots(ringBytes: 64 << 10, payloadBytes: 4 << 20).bytes, 32 << 10)
    }

    // MARK: - Permission

    func testYamaAndTheProbeDecideWhetherCrossMemoryAttachRuns() {
        func permission(_ scope: Int?, cap: Bool = false, probe: Int32 = 0) -> AttachPermission {
            AttachPermission(yamaScope: scope, hasSysPtrace: cap, probeErrno: probe)
        }
        XCTAssertNil(permission(nil).problem)
        XCTAssertNil(permission(0).problem)
        XCTAssertNil(permission(1).problem)
        XCTAssertTrue(permission(1).needsPtracer)
        XCTAssertFalse(permission(1, cap: true).needsPtracer)
        XCTAssertFalse(permission(0).needsPtracer)
        XCTAssertTrue(permission(2, probe: EPERM).problem?.contains("ptrace_scope is 2 (admin only)") ?? false)
        XCTAssertNil(permission(2, cap: true).problem)
        XCTAssertTrue(permission(3, cap: true).problem?.contains("ptrace_scope is 3") ?? false)
        XCTAssertTrue(permission(0, probe: EPERM).problem?.contains("EPERM") ?? false)
        XCTAssertTrue(permission(nil, probe: ENOSYS).problem?.contains("ENOSYS") ?? false)
    }

    func testARefusedAttachIsASkippedRowThatSaysWhy() throws {
        // The decision itself, on a scope this machine may not have: what a row and `list` show.
        let refused = AttachPermission(yamaScope: 3, hasSysPtrace: false, probeErrno: EPERM)
        let why = try XCTUnwrap(refused.problem)
        XCTAssertTrue(why.contains("kernel.yama.ptrace_scope is 3"), why)
        // And on this machine: a row that runs or is skipped with the reason, never a failure.
        let r = run("cma", .latency, 64, copy: .copy)
        if let problem = AttachPermission.current.problem {
            XCTAssertEqual(r.status, .skipped)
            XCTAssertEqual(r.note, problem)
        } else {
            XCTAssertEqual(r.status, .ok, r.note)
        }
        XCTAssertTrue(CrossMemoryAttach.limitsSummary(.current()).contains(AttachPermission.current.problem ?? AttachPermission.current.summary))
    }

    func testTheProbeReadsAChildThatAllowedItAndReapsIt() {
        XCTAssertEqual(AttachPermission.probeChild(namingTracer: false), AttachPermission.current.probeErrno)
        var status: Int32 = 0
        XCTAssertLessThanOrEqual(waitpid(-1, &status, WNOHANG), 0, "the probe's child was left")
    }

    // MARK: - Leaks

    func testNothingIsLeftOpenAfterEveryModeWaitAndCopy() {
        let before = openDescriptors()
        for mechanism in ["vmsplice", "cma"] {
            for mode in [Mode.latency, .throughput] {
                for wait in WaitMode.allCases {
                    for copy in CopyMode.allCases {
                        let r = run(mechanism, mode, 4097, copy: copy, wait: wait, messages: 20)
                        XCTAssertTrue(r.status == .ok || r.status == .skipped, "\(mechanism) \(mode) \(wait) \(copy): \(r.note)")
                    }
                }
            }
        }
        XCTAssertEqual(openDescriptors().subtracting(before), [], "descriptors left open")
    }
}
