import Glibc
import XCTest
@testable import IPCBenchCore

/// The shared-memory ring: every backing and wait, sizes around and beyond its capacity,
/// wrap-around under random sizes, and the ceilings.
final class RingTests: LeakCheckedTestCase {
    private var directory: PrivateDirectory!
    private var coordinator: Coordinator!
    private let ring = 4096

    override func setUp() {
        super.setUp()
        directory = try! PrivateDirectory()
        coordinator = Coordinator(directory: directory, timeoutSeconds: 30)
    }

    override func tearDown() {
        directory.remove()
        super.tearDown()
    }

    private func run(_ mechanism: String, _ mode: Mode, _ size: Int, _ wait: WaitMode, placement: Placement = .crossCore, messages: Int = 60) -> RepetitionResult {
        coordinator.run(Scenario(
            mechanism: mechanism, mode: mode, payloadBytes: size,
            placement: CPUSet.allowed().count >= 2 ? placement : .sameCore, wait: wait,
            messages: messages, warmupMessages: 3, verify: true, ringBytes: ring), repetition: 1)
    }

    func testEveryBackingAndWaitCarriesSizesAroundAndBeyondTheRingIntact() {
        // 1 byte, odd sizes, a message that just fits (header + payload = capacity), exactly the
        // capacity (streamed in pieces) and four times it.
        let sizes = [1, 13, 1001, ring - 8, ring - 7, ring, 4 * ring + 3]
        for mechanism in ["shm-posix", "shm-sysv", "shm-mmap"] {
            for wait in WaitMode.allCases {
                for mode in [Mode.latency, .throughput] {
                    for size in sizes {
                        let r = run(mechanism, mode, size, wait)
                        XCTAssertEqual(r.status, .ok, "\(mechanism) \(wait) \(mode) \(size) B: \(r.note)")
                    }
                }
            }
        }
    }

    func testRingsWorkWithBothSidesOnOneCPU() {
        for wait in WaitMode.allCases {
            XCTAssertEqual(run("shm-posix", .latency, 64, wait, placement: .sameCore).status, .ok)
            XCTAssertEqual(run("shm-sysv", .throughput, 3000, wait, placement: .sameCore, messages: 2000).status, .ok)
        }
    }

    func testBlockingRingsCountTheirFutexCalls() {
        let r = run("shm-posix", .latency, 64, .block, placement: .sameCore)
        XCTAssertEqual(r.status, .ok, r.note)
        // On one CPU every hand-off must sleep and wake: the count is real, not a constant.
        XCTAssertGreaterThan(r.futexCallsPerMessage ?? 0, 0.5)
        let spin = run("shm-posix", .latency, 64, .spin)
        XCTAssertEqual(spin.futexCallsPerMessage, 0)
    }

    func testARingSizeThatIsNotAPowerOfTwoIsSkippedWithTheReason() {
        let r = coordinator.run(Scenario(mechanism: "shm-posix", mode: .latency, payloadBytes: 64, messages: 5, ringBytes: 5000), repetition: 1)
        XCTAssertEqual(r.status, .skipped)
        XCTAssertTrue(r.note.contains("power of two"), r.note)
    }

    func testTheCeilingsRun() {
        let copy = run("memcpy", .throughput, 4096, .spin, messages: 1000)
        XCTAssertEqual(copy.status, .ok, copy.note)
        XCTAssertGreaterThan(copy.mibPerSecond ?? 0, 0)
        let line = run("cacheline", .latency, 8, .spin)
        XCTAssertEqual(line.status, .ok, line.note)
        XCTAssertEqual(line.latency?.count, 60)
        XCTAssertEqual(run("cacheline", .latency, 8, .block).status, .skipped)
        XCTAssertEqual(run("memcpy", .latency, 64, .spin).status, .skipped)
    }

    /// Messages of random sizes (0 to 3x the ring) between two processes through a 4 KiB ring,
    /// so headers and payloads land on every offset and wrap at every point.
    func testWrapAroundUnderRandomSizesKeepsEveryByte() throws {
        for policy in [SpinPolicy.pause, .block(spinFirst: true), .yield] {
            let capacity = 4096
            let shared = try MemoryRegion(byteCount: RingPair.bytes(capacity: capacity), sharing: .shared)
            let rings = RingPair(mapping: shared.base, capacity: capacity)
            let count = 3000
            var rng = StatisticsRNG(seed: 42)
            let sizes = (0..<count).map { _ in Int(rng.next() % UInt64(3 * capacity)) + 1 }
            let scratch = UnsafeMutableRawPointer.allocate(byteCount: 3 * capacity + 8, alignment: 64)
            defer { scratch.deallocate() }
            let pid = fork()
            if pid == 0 {
                var endpoint = rings.endpoint(.producer, policy)
                for (i, size) in sizes.enumerated() {
                    Framing.stamp(UInt64(i + 1), into: scratch, size: size)
                    Framing.fillPattern(UInt64(i + 1), into: scratch, size: size)
                    try? endpoint.send(scratch, count: size)
                }
                _exit(0)
            }
            var endpoint = rings.endpoint(.consumer, policy)
            for (i, size) in sizes.enumerated() {
                try endpoint.receive(into: scratch, count: size)
                XCTAssertEqual(Framing.sequence(in: scratch, size: size), Framing.expected(UInt64(i + 1), size: size), "message \(i + 1)")
                XCTAssertNil(Framing.firstCorruptOffset(UInt64(i + 1), in: scratch, size: size), "message \(i + 1) of \(size) B")
            }
            var status: Int32 = 0
            waitpid(pid, &status, 0)
            XCTAssertEqual(status, 0)
        }
    }

    func testAReceiverExpectingAnotherSizeSaysSo() throws {
        let shared = try MemoryRegion(byteCount: RingPair.bytes(capacity: 4096), sharing: .shared)
        let rings = RingPair(mapping: shared.base, capacity: 4096)
        var producer = rings.endpoint(.producer, .pause)
        var consumer = rings.endpoint(.consumer, .pause)
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: 128, alignment: 64)
        defer { buffer.deallocate() }
        try producer.send(buffer, count: 100)
        XCTAssertThrowsError(try consumer.receive(into: buffer, count: 64)) { error in
            guard case IPCError.messageSize(64, 100) = error else { return XCTFail("\(error)") }
        }
    }
}
