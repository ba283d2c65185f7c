import Glibc
import XCTest
@testable import IPCBenchCore

/// `shm-sem`: messages larger than the whole slot array arrive whole, a corrupted slot or a
/// message of another length is caught, and the shared memory is never left visible.
final class SemaphoreBoundedBufferTests: PrivateDirectoryTestCase {
    /// 16 KiB: eight slots of 2 KiB.
    private let ringBytes = 16 << 10
    private func channel(payloadBytes: Int) throws -> SemaphoreBoundedBuffer {
        try SemaphoreBoundedBuffer(ChannelSpec(
            mode: .throughput, payloadBytes: payloadBytes, pairs: 1, wait: .block, copy: .copy, directory: directory,
            ringBytes: ringBytes, janitor: nil, limits: .current()))
    }

    /// Puts messages 1...n into the producer's slots, the sequence number and the pattern in each.
    private func put(_ n: UInt64, size: Int, into producer: inout SlotEndpoint) throws {
        let message = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 64)
        defer { message.deallocate() }
        for sequence in 1...n {
            Framing.stamp(sequence, into: message, size: size)
            Framing.fillPattern(sequence, into: message, size: size)
            try producer.send(message, count: size)
        }
    }

    func testAMessageLargerThanTheWholeSlotArrayArrivesWholeInEveryModeWaitAndCopyMode() {
        let coordinator = Coordinator(directory: directory, timeoutSeconds: 60)
        let placement: Placement = CPUSet.allowed().count >= 2 ? .crossCore : .sameCore
        for mode in [Mode.latency, .throughput] {
            for copy in CopyMode.allCases {
                for wait in WaitMode.allCases {
                    // 4 MiB and 13 bytes: 2,049 slots a message, 256 times round the array, a short last slot.
                    let r = coordinator.run(Scenario(
                        mechanism: "shm-sem", mode: mode, payloadBytes: (4 << 20) + 13, placement: placement, wait: wait,
                        copy: copy, messages: 3, warmupMessages: 1, verify: true, ringBytes: ringBytes), repetition: 1)
                    XCTAssertEqual(r.status, .ok, "\(mode) \(copy) \(wait): \(r.note)")
                }
            }
        }
    }

    func testACorruptedSlotIsFoundInBothCopyModes() throws {
        let size = 1001, corruptAt = 500
        for zero in [false, true] {
            let buffer = try channel(payloadBytes: size)
            defer { buffer.destroy() }
            var producer = try buffer.endpoint(.producer, peer: 0, spin: .block(spinFirst: false))
            try put(2, size: size, into: &producer)
            // Message 2 is in the second slot.
            let slot = producer.outbound.buffer.slot(1)
            slot.storeBytes(of: slot.load(fromByteOffset: corruptAt, as: UInt8.self) ^ 0x40, toByteOffset: corruptAt, as: UInt8.self)

            let consumer = try buffer.endpoint(.consumer, peer: 0, spin: .block(spinFirst: false))
            let plan = WorkloadPlan(payloadBytes: size, messages: 2, warmupMessages: 0, verify: true)
            let control = try ControlBlock(workers: 2)
            let sink = WorkloadSink(report: control.report(1), histogram: nil, warmedUp: control.warmedUp, parties: 1)
            let received = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 64)
            defer { received.deallocate() }
            do {
                if zero {
                    var transfer = InPlaceTransfer(endpoint: consumer, plan: plan)
                    try Workloads.streamConsumer(&transfer, plan: plan, sink: sink)
                } else {
                    var transfer = CopyingTransfer(endpoint: consumer, sendBuffer: received, receiveBuffer: received, plan: plan)
                    try Workloads.streamConsumer(&transfer, plan: plan, sink: sink)
                }
                XCTFail("zero \(zero): the corrupted slot passed")
            } catch {
                guard case .payloadCorrupt(2, corruptAt) = error else { return XCTFail("zero \(zero): got \(error)") }
            }
        }
    }

    func testAMessageOfAnotherLengthIsCaught() throws {
        let buffer = try channel(payloadBytes: 1001)
        defer { buffer.destroy() }
        var producer = try buffer.endpoint(.producer, peer: 0, spin: .block(spinFirst: false))
        try put(1, size: 1001, into: &producer)
        var consumer = try buffer.endpoint(.consumer, peer: 0, spin: .pause)
        let received = UnsafeMutableRawPointer.allocate(byteCount: 1001, alignment: 64)
        defer { received.deallocate() }
        XCTAssertThrowsError(try consumer.receive(into: received, count: 1000)) { error in
            guard case IPCError.messageSize(1000, 1001) = error else { return XCTFail("got \(error)") }
        }
    }

    /// The slots' semaphores count: eight puts fill the array, and a spinning ninth would wait.
    func testEightSlotsFillTheArray() throws {
        let buffer = try channel(payloadBytes: 64)
        defer { buffer.destroy() }
        var producer = try buffer.endpoint(.producer, peer: 0, spin: .pause)
        try put(8, size: 64, into: &producer)
        XCTAssertEqual(sem_trywait(producer.outbound.buffer.empty), -1, "a ninth slot was free")
        XCTAssertEqual(errno, EAGAIN)
        var full: Int32 = 0
        sem_getvalue(producer.outbound.buffer.full, &full)
        XCTAssertEqual(full, 8)
    }

    func testTheSharedMemoryIsUnlinkedOnceMapped() throws {
        let before = SystemObjects.entries("/dev/shm")
        let buffer = try channel(payloadBytes: 64)
        defer { buffer.destroy() }
        XCTAssertEqual(SystemObjects.entries("/dev/shm").subtracting(before).filter { $0.hasPrefix("ipcbench") }, [],
                       "the name is still visible while the buffer is in use")
    }

    func testARingSizeThatIsNotAPowerOfTwoIsSkipped() {
        let r = Coordinator(directory: directory).run(Scenario(
            mechanism: "shm-sem", mode: .latency, payloadBytes: 64, messages: 10, ringBytes: 12_000), repetition: 1)
        XCTAssertEqual(r.status, .skipped)
        XCTAssertTrue(r.note.contains("power of two"), r.note)
    }
}
