import XCTest
@testable import IPCBenchCore

/// One test per mechanism, so one can be run alone (`swift test --filter EachMechanismTests/testPipe`):
/// real bytes between real processes, intact and verified, in every mode, wait and copy mode it
/// declares, at 1 byte, odd sizes, 64 KiB and a size larger than its ring, where the machine
/// allows them; nothing left behind.
final class EachMechanismTests: LeakCheckedTestCase {
    /// Small enough that 64 KiB messages are streamed through the ring in pieces.
    static let ringBytes = 16 << 10
    static let sizes = [1, 7, 13, 1001, 4097, 65536]

    /// Runs every combination the mechanism declares; returns how many ran.
    @discardableResult
    private func assertMovesIntact(_ name: String, file: StaticString = #filePath, line: UInt = #line) -> Int {
        guard let type = MechanismRegistry.named(name) else {
            XCTFail("\(name) is not registered", file: file, line: line)
            return 0
        }
        let directory = try! PrivateDirectory()
        defer { directory.remove() }
        let coordinator = Coordinator(directory: directory, timeoutSeconds: 30)
        let traits = type.traits
        let placement: Placement = CPUSet.allowed().count >= 2 ? .crossCore : .sameCore
        var ran = 0
        for mode in traits.modes where mode != .openLoop {
            for copy in traits.copyModes {
                for wait in traits.waits {
                    for size in traits.fixedPayloadBytes.map({ [$0] }) ?? Self.sizes {
                        let scenario = Scenario(
                            mechanism: name, mode: mode, payloadBytes: size, placement: placement, wait: wait, copy: copy,
                            messages: mode == .latency ? 40 : 300, warmupMessages: 5, verify: true, ringBytes: Self.ringBytes)
                        if coordinator.skipReason(scenario) != nil { continue }
                        let r = coordinator.run(scenario, repetition: 1)
                        let what = "\(name) \(mode) \(size) B \(wait) \(copy)"
                        XCTAssertEqual(r.status, .ok, "\(what): \(r.note)", file: file, line: line)
                        guard r.status == .ok else { continue }
                        ran += 1
                        switch mode {
                        case .latency:
                            XCTAssertEqual(r.latency?.count, 40, "\(what): every round trip timed", file: file, line: line)
                            XCTAssertGreaterThan(r.latency?.min ?? 0, 0, what, file: file, line: line)
                        case .throughput, .openLoop:
                            XCTAssertEqual(r.totalMessages, 300, what, file: file, line: line)
                            XCTAssertGreaterThan(r.mibPerSecond ?? 0, 0, what, file: file, line: line)
                        }
                        XCTAssertNotNil(r.cpuNsPerMessage, what, file: file, line: line)
                    }
                }
            }
        }
        XCTAssertGreaterThan(ran, 0, "\(name): nothing could run here", file: file, line: line)
        return ran
    }

    /// The names below, kept beside the registry: a mechanism without its own test fails here.
    static let covered = [
        "pipe", "fifo", "unix-stream", "unix-dgram", "unix-seqpacket", "tcp", "udp", "posix-mq", "sysv-mq",
        "eventfd", "signal", "futex", "shm-posix", "shm-sysv", "shm-mmap", "shm-sem", "vmsplice", "cma", "memfd-pass",
        "memcpy", "cacheline",
    ]

    func testEveryRegisteredMechanismHasItsOwnTest() {
        XCTAssertEqual(Set(MechanismRegistry.names), Set(Self.covered))
    }

    func testPipe() { assertMovesIntact("pipe") }
    func testFifo() { assertMovesIntact("fifo") }
    func testUnixStream() { assertMovesIntact("unix-stream") }
    func testUnixDgram() { assertMovesIntact("unix-dgram") }
    func testUnixSeqpacket() { assertMovesIntact("unix-seqpacket") }
    func testTCP() { assertMovesIntact("tcp") }
    func testUDP() { assertMovesIntact("udp") }
    func testPosixMQ() { assertMovesIntact("posix-mq") }
    func testSysVMQ() { assertMovesIntact("sysv-mq") }
    func testEventfd() { assertMovesIntact("eventfd") }
    func testSignal() { assertMovesIntact("signal") }
    func testFutex() { assertMovesIntact("futex") }
    func testShmPosix() { assertMovesIntact("shm-posix") }
    func testShmSysV() { assertMovesIntact("shm-sysv") }
    func testShmMmap() { assertMovesIntact("shm-mmap") }
    func testVmsplice() { assertMovesIntact("vmsplice") }
    func testCma() { assertMovesIntact("cma") }
    func testShmSem() { assertMovesIntact("shm-sem") }
    func testMemfdPass() { assertMovesIntact("memfd-pass") }
    func testMemcpy() { assertMovesIntact("memcpy") }
    func testCacheline() { assertMovesIntact("cacheline") }

    /// A mechanism declares `zero` exactly when its endpoint can lend memory.
    func testCopyModesMatchWhatTheEndpointCanDo() {
        for entry in MechanismRegistry.entries {
            XCTAssertEqual(entry.type.traits.copyModes.contains(.zero), entry.movesInPlace, entry.type.name)
        }
    }
}
