import Glibc
import XCTest
@testable import IPCBenchCore

/// The receiver catches lost, duplicated, reordered, corrupted and cut-short messages.
/// Crafted streams go through real pipes and sockets into the real measuring loops.
final class IntegrityTests: LeakCheckedTestCase {
    private let size = 32

    private func message(_ sequence: UInt64, size: Int? = nil, corruptAt: Int? = nil) -> [UInt8] {
        let n = size ?? self.size
        var bytes = [UInt8](repeating: 0, count: n)
        bytes.withUnsafeMutableBytes {
            Framing.stamp(sequence, into: $0.baseAddress!, size: n)
            Framing.fillPattern(sequence, into: $0.baseAddress!, size: n)
        }
        if let at = corruptAt { bytes[at] ^= 0x40 }
        return bytes
    }

    /// Feeds `messages` through a pipe into the throughput consumer and returns what it threw.
    private func consume(_ messages: [[UInt8]], expecting count: Int, verify: Bool = true, size: Int? = nil) throws -> IPCError? {
        let n = size ?? self.size
        var fds: [Int32] = [-1, -1]
        XCTAssertEqual(pipe(&fds), 0)
        for m in messages { _ = m.withUnsafeBytes { write(fds[1], $0.baseAddress, $0.count) } }
        close(fds[1])
        defer { close(fds[0]) }
        let control = try ControlBlock(workers: 2)
        let endpoint = StreamEndpoint(send: -1, receive: fds[0], spin: .block(spinFirst: false))
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: n, alignment: 64)
        defer { buffer.deallocate() }
        let sink = WorkloadSink(report: control.report(1), histogram: nil, warmedUp: control.warmedUp, parties: 1)
        let plan = WorkloadPlan(payloadBytes: n, messages: count, warmupMessages: 0, verify: verify)
        do {
            var transfer = CopyingTransfer(endpoint: endpoint, sendBuffer: buffer, receiveBuffer: buffer, plan: plan)
            try Workloads.streamConsumer(&transfer, plan: plan, sink: sink)
            return nil
        } catch {
            return error
        }
    }

    func testAnIntactStreamPasses() throws {
        XCTAssertNil(try consume((1...5).map { message($0) }, expecting: 5))
    }

    func testALostMessageIsDetected() throws {
        let error = try consume([message(1), message(2), message(4)], expecting: 3)
        guard case .sequenceMismatch(3, 4) = error else { return XCTFail("got \(String(describing: error))") }
        XCTAssertTrue(error!.description.contains("expected message 3, received 4"))
    }

    func testADuplicateIsDetected() throws {
        let error = try consume([message(1), message(1)], expecting: 2)
        guard case .sequenceMismatch(2, 1) = error else { return XCTFail("got \(String(describing: error))") }
        XCTAssertTrue(error!.description.contains("duplicate or reordered"))
    }

    func testReorderedDatagramsAreDetected() throws {
        var fds: [Int32] = [-1, -1]
        XCTAssertEqual(socketpair(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0, &fds), 0)
        defer { close(fds[0]); close(fds[1]) }
        for s: UInt64 in [1, 3, 2] { _ = message(s).withUnsafeBytes { send(fds[0], $0.baseAddress, $0.count, 0) } }
        let control = try ControlBlock(workers: 2)
        let endpoint = DatagramEndpoint(send: fds[1], receive: fds[1], spin: .block(spinFirst: false))
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 64)
        defer { buffer.deallocate() }
        let sink = WorkloadSink(report: control.report(1), histogram: nil, warmedUp: control.warmedUp, parties: 1)
        let plan = WorkloadPlan(payloadBytes: size, messages: 3, warmupMessages: 0, verify: false)
        var transfer = CopyingTransfer(endpoint: endpoint, sendBuffer: buffer, receiveBuffer: buffer, plan: plan)
        XCTAssertThrowsError(try Workloads.streamConsumer(&transfer, plan: plan, sink: sink)) { error in
            guard case IPCError.sequenceMismatch(2, 3) = error else { return XCTFail("got \(error)") }
        }
    }

    func testACorruptedByteIsFoundWithVerify() throws {
        let error = try consume([message(1), message(2, corruptAt: 21)], expecting: 2)
        guard case .payloadCorrupt(2, 21) = error else { return XCTFail("got \(String(describing: error))") }
    }

    func testACorruptedByteInTheOddTailIsFound() throws {
        let error = try consume([message(1, size: 13, corruptAt: 12)], expecting: 1, size: 13)
        guard case .payloadCorrupt(1, 12) = error else { return XCTFail("got \(String(describing: error))") }
    }

    func testWithoutVerifyOnlyTheSequenceIsChecked() throws {
        XCTAssertNil(try consume([message(1, corruptAt: 20)], expecting: 1, verify: false))
    }

    func testACutShortStreamIsReportedAsAClosedPeer() throws {
        let partial = Array(message(2).prefix(10))
        let error = try consume([message(1), partial], expecting: 2)
        guard case .peerClosed = error else { return XCTFail("got \(String(describing: error))") }
    }

    func testSequenceNumbersWrapInPayloadsShorterThanEightBytes() throws {
        // One-byte messages carry the sequence number modulo 256.
        let msgs = (1...300).map { message(UInt64($0), size: 1) }
        XCTAssertNil(try consume(msgs, expecting: 300, size: 1))
        let error = try consume([message(1, size: 1), message(3, size: 1)], expecting: 2, size: 1)
        guard case .sequenceMismatch(2, 3) = error else { return XCTFail("got \(String(describing: error))") }
    }

    func testTheRoundTripProducerRejectsAWrongEcho() throws {
        var forward: [Int32] = [-1, -1], backward: [Int32] = [-1, -1]
        XCTAssertEqual(pipe(&forward), 0)
        XCTAssertEqual(pipe(&backward), 0)
        defer { for fd in forward + backward { close(fd) } }
        // The "consumer" already answered with message 7 instead of 1.
        _ = message(7).withUnsafeBytes { write(backward[1], $0.baseAddress, $0.count) }
        let control = try ControlBlock(workers: 2)
        let hist = RecordingHistogram(over: control.histogramMemory(0))
        let sink = WorkloadSink(report: control.report(0), histogram: hist, warmedUp: control.warmedUp, parties: 1)
        let endpoint = StreamEndpoint(send: forward[1], receive: backward[0], spin: .block(spinFirst: false))
        let send = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 64)
        let receive = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 64)
        defer { send.deallocate(); receive.deallocate() }
        let plan = WorkloadPlan(payloadBytes: size, messages: 1, warmupMessages: 0, verify: true)
        var transfer = CopyingTransfer(endpoint: endpoint, sendBuffer: send, receiveBuffer: receive, plan: plan)
        XCTAssertThrowsError(try Workloads.roundTripProducer(&transfer, plan: plan, sink: sink)) { error in
            guard case IPCError.sequenceMismatch(1, 7) = error else { return XCTFail("got \(error)") }
        }
    }

    func testAWorkerFailureReachesTheReportInWords() throws {
        let control = try ControlBlock(workers: 2)
        control.report(0).pointee.recordFailure(.system(call: "msgsnd", errno: EINVAL))
        XCTAssertEqual(control.report(0).pointee.failureDescription, "msgsnd: EINVAL (Invalid argument)")
        control.report(1).pointee.recordFailure(.sequenceMismatch(expected: 5, received: 9))
        XCTAssertEqual(control.report(1).pointee.failureDescription, "sequence broken: expected message 5, received 9 (lost or reordered)")
    }
}

/// The coordinator ends hung runs and reports dead workers instead of waiting forever.
final class WatchdogTests: LeakCheckedTestCase {
    func testARunLongerThanTheTimeoutIsKilledAndReportedFailed() throws {
        let dir = try PrivateDirectory()
        defer { dir.remove() }
        let coordinator = Coordinator(directory: dir, timeoutSeconds: 0.3)
        let start = MonotonicClock.nowNs()
        let r = coordinator.run(Scenario(mechanism: "sysv-mq", mode: .latency, payloadBytes: 64, messages: 100_000_000), repetition: 1)
        let elapsed = Double(MonotonicClock.nowNs() - start) / 1e9
        XCTAssertEqual(r.status, .failed)
        XCTAssertTrue(r.note.contains("timed out"), r.note)
        XCTAssertLessThan(elapsed, 5)
    }
}
