import Glibc
import XCTest
@testable import IPCBenchCore

/// `futex`: the value travels through the mailbox, a wrong one is caught, and every message
/// makes its FUTEX_WAKE (and a sleeping receiver its FUTEX_WAIT), counted.
final class FutexWakeupTests: PrivateDirectoryTestCase {
    private func channel() throws -> FutexWakeup {
        try FutexWakeup(ChannelSpec(
            mode: .latency, payloadBytes: 8, pairs: 1, wait: .block, copy: .copy, directory: directory,
            ringBytes: 1 << 20, janitor: nil, limits: .current()))
    }

    func testAWrongValueInTheMailboxIsCaughtAsABrokenSequence() throws {
        let futex = try channel()
        var producer = try futex.endpoint(.producer, peer: 0, spin: .block(spinFirst: false))
        let consumer = try futex.endpoint(.consumer, peer: 0, spin: .block(spinFirst: false))
        var value: UInt64 = 7  // the consumer expects message 1
        try producer.send(&value, count: 8)

        let plan = WorkloadPlan(payloadBytes: 8, messages: 1, warmupMessages: 0, verify: true)
        let control = try ControlBlock(workers: 2)
        let sink = WorkloadSink(report: control.report(1), histogram: nil, warmedUp: control.warmedUp, parties: 1)
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: 8, alignment: 8)
        defer { buffer.deallocate() }
        var transfer = CopyingTransfer(endpoint: consumer, sendBuffer: buffer, receiveBuffer: buffer, plan: plan)
        XCTAssertThrowsError(try Workloads.roundTripConsumer(&transfer, plan: plan, sink: sink)) { error in
            guard case IPCError.sequenceMismatch(1, 7) = error else { return XCTFail("got \(error)") }
        }
    }

    func testEachMessageIsOneWakeAndASleepingReceiverWaitsInTheKernel() {
        let coordinator = Coordinator(directory: directory, timeoutSeconds: 30)
        let placement: Placement = CPUSet.allowed().count >= 2 ? .crossCore : .sameCore
        for wait in WaitMode.allCases {
            let r = coordinator.run(Scenario(
                mechanism: "futex", mode: .latency, payloadBytes: 8, placement: placement, wait: wait,
                messages: 200, warmupMessages: 10, verify: true), repetition: 1)
            XCTAssertEqual(r.status, .ok, "\(wait): \(r.note)")
            let calls = r.futexCallsPerMessage ?? 0
            // A round trip is two messages, each one FUTEX_WAKE; a blocking receiver adds its waits.
            if wait == .spin {
                XCTAssertEqual(calls, 2, accuracy: 0.01, "spin: only the wakes")
            } else {
                XCTAssertGreaterThanOrEqual(calls, 2, "block: the wakes and the waits")
            }
        }
    }
}
