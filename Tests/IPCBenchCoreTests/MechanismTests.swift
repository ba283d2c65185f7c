import XCTest
@testable import IPCBenchCore

/// The harness around the mechanisms: placements, pairs, open loop, one-way times, CPU time.
/// Each mechanism's own test case is in `EachMechanismTests`.
final class MechanismTests: LeakCheckedTestCase {
    private var directory: PrivateDirectory!
    private var coordinator: Coordinator!

    override func setUp() {
        super.setUp()
        directory = try! PrivateDirectory()
        coordinator = Coordinator(directory: directory, timeoutSeconds: 30)
    }

    override func tearDown() {
        directory.remove()
        directory = nil
        coordinator = nil
        super.tearDown()
    }

    private func run(
        _ mechanism: String, _ mode: Mode, _ size: Int, wait: WaitMode = .block,
        placement: Placement = .crossCore, pairs: Int = 1, messages: Int? = nil
    ) -> RepetitionResult {
        let scenario = Scenario(
            mechanism: mechanism, mode: mode, payloadBytes: size,
            placement: CPUSet.allowed().count >= 2 ? placement : .sameCore, pairs: pairs, wait: wait,
            messages: messages ?? (mode == .latency ? 40 : 300), warmupMessages: 5, verify: true)
        return coordinator.run(scenario, repetition: 1)
    }

    /// What traits declare (modes, waits, a fixed payload), the harness refuses by itself, and
    /// the skipped row says the mechanism's own reason.
    func testDeclaredRestrictionsAreSkippedWithTheMechanismsReason() throws {
        let directory = try PrivateDirectory()
        defer { directory.remove() }
        let coordinator = Coordinator(directory: directory, timeoutSeconds: 5)
        func reason(_ name: String, _ mode: Mode, _ bytes: Int, _ wait: WaitMode) -> String? {
            coordinator.skipReason(Scenario(mechanism: name, mode: mode, payloadBytes: bytes, placement: .unpinned, wait: wait, messages: 10))
        }
        XCTAssertEqual(reason("eventfd", .throughput, 8, .block),
                       "eventfd runs only in latency mode: a counter adds up what is written, so a stream of messages cannot be told apart")
        XCTAssertEqual(reason("futex", .latency, 64, .block), "futex carries exactly one 8-byte value")
        XCTAssertEqual(reason("signal", .latency, 16, .spin), "signal carries exactly one 8-byte value")
        XCTAssertTrue(reason("cacheline", .latency, 8, .block)?.hasPrefix("cacheline runs only with --waits spin: ") == true)
        XCTAssertNil(reason("eventfd", .latency, 8, .block))
        XCTAssertEqual(MechanismRegistry.named("cacheline")!.limitsSummary(MachineLimits.current()), "8 bytes, latency only, spin only")
    }

    func testSpinningOnOneCoreYieldsInsteadOfLivelocking() {
        for name in ["pipe", "unix-dgram", "posix-mq", "sysv-mq", "eventfd", "signal"] {
            let size = name == "eventfd" || name == "signal" ? 8 : 64
            let r = run(name, .latency, size, wait: .spin, placement: .sameCore)
            XCTAssertEqual(r.status, .ok, "\(name): \(r.note)")
        }
    }

    func testUnpinnedAndSameCorePlacementsRun() {
        for placement in [Placement.sameCore, .unpinned] {
            XCTAssertEqual(run("unix-stream", .latency, 64, placement: placement).status, .ok)
            XCTAssertEqual(run("pipe", .throughput, 4096, placement: placement).status, .ok)
        }
    }

    func testSeveralPairsAtOnceAggregateThroughputAndMergeLatency() {
        let t = run("unix-stream", .throughput, 4096, pairs: 3)
        XCTAssertEqual(t.status, .ok, t.note)
        XCTAssertEqual(t.totalMessages, 900)
        let l = run("pipe", .latency, 64, pairs: 2)
        XCTAssertEqual(l.status, .ok, l.note)
        XCTAssertEqual(l.latency?.count, 80)
    }

    func testAPayloadLargerThanThePipeBufferIsStreamedWhole() {
        let r = run("pipe", .latency, 1 << 20, messages: 3)
        XCTAssertEqual(r.status, .ok, r.note)
    }

    func testOpenLoopSendsAtTheRateAndTimesFromTheIntendedSendTime() {
        for name in ["pipe", "shm-posix", "unix-dgram"] {
            let r = coordinator.run(Scenario(
                mechanism: name, mode: .openLoop, payloadBytes: 64, messages: 400, warmupMessages: 10,
                verify: true, rate: 2000), repetition: 1)
            XCTAssertEqual(r.status, .ok, "\(name): \(r.note)")
            XCTAssertEqual(r.oneWay?.count, 400)
            // 400 messages at 2000/s take at least 0.2 s from the first scheduled send.
            XCTAssertGreaterThanOrEqual(Double(r.windowNs ?? 0), 0.199e9)
            XCTAssertLessThanOrEqual(r.messagesPerSecond ?? .infinity, 2000 * 1.01)
        }
    }

    func testOneWayTimesAreRecordedBesideRoundTrips() {
        let r = coordinator.run(Scenario(mechanism: "unix-stream", mode: .latency, payloadBytes: 64, messages: 100, oneWay: true), repetition: 1)
        XCTAssertEqual(r.status, .ok, r.note)
        XCTAssertEqual(r.oneWay?.count, 100)
        XCTAssertEqual(r.latency?.count, 100)
        // One way cannot take longer than the whole round trip it is part of.
        XCTAssertLessThanOrEqual(r.oneWay!.percentile(50)!, r.latency!.percentile(50)!)
        let small = coordinator.run(Scenario(mechanism: "pipe", mode: .latency, payloadBytes: 8, messages: 10, oneWay: true), repetition: 1)
        XCTAssertEqual(small.status, .skipped)
    }

    // MARK: CPU time per message

    /// Five messages: windows of a few microseconds, where getrusage's ticks and a consumer's
    /// wait for the first send used to count several windows' worth of CPU time.
    func testCPUTimeNeverExceedsWhatTheWorkersCanSpendInTheWindow() {
        var checked = 0
        for name in ["pipe", "unix-stream", "tcp", "udp", "shm-posix", "memcpy", "cacheline"] {
            guard let type = MechanismRegistry.named(name) else { return XCTFail(name) }
            for mode in type.traits.modes where mode != .openLoop {
                for wait in [WaitMode.block, .spin] {
                    for repetition in 1...3 {
                        let r = coordinator.run(Scenario(
                            mechanism: name, mode: mode, payloadBytes: 64, placement: CPUSet.allowed().count >= 2 ? .crossCore : .sameCore,
                            wait: wait, messages: 5, warmupMessages: 2), repetition: repetition)
                        guard r.status == .ok, let cpu = r.cpuNsPerMessage, let window = r.windowNs else { continue }
                        let workers = name == "memcpy" ? 1.0 : 2.0
                        XCTAssertLessThanOrEqual(cpu * Double(r.totalMessages), workers * Double(window),
                                                 "\(name) \(mode) \(wait): \(cpu) ns x \(r.totalMessages) in a \(window) ns window")
                        XCTAssertGreaterThanOrEqual(cpu, 0)
                        checked += 1
                    }
                }
            }
        }
        XCTAssertGreaterThan(checked, 40)
    }

    /// At 1,000 messages a second the producer waits about 1 ms per message for its send time:
    /// that wait is the schedule's, not the pipe's, and stays out of the figure.
    func testOpenLoopCPUTimeLeavesOutTheProducersWaitForItsSendTimes() {
        let r = coordinator.run(Scenario(
            mechanism: "pipe", mode: .openLoop, payloadBytes: 64, wait: .block, messages: 40, warmupMessages: 5, rate: 1000),
            repetition: 1)
        XCTAssertEqual(r.status, .ok, r.note)
        let cpu = r.cpuNsPerMessage ?? .infinity
        XCTAssertLessThan(cpu, 250_000, "the pacing wait (1 ms a message) is counted as the pipe's CPU time")
        XCTAssertGreaterThan(cpu, 0)
    }

    func testZeroMeasuredMessagesIsNotACrash() {
        let r = coordinator.run(Scenario(mechanism: "pipe", mode: .throughput, payloadBytes: 64, messages: 1, warmupMessages: 0), repetition: 1)
        XCTAssertEqual(r.status, .ok, r.note)
    }
}

/// Sizes and modes a mechanism cannot carry on this machine become skipped rows with a reason.
final class LimitTests: LeakCheckedTestCase {
    private func result(_ mechanism: String, _ mode: Mode, _ size: Int) -> RepetitionResult {
        let dir = try! PrivateDirectory()
        defer { dir.remove() }
        return Coordinator(directory: dir).run(Scenario(mechanism: mechanism, mode: mode, payloadBytes: size, messages: 10), repetition: 1)
    }

    func testEventfdAndSignalCarryExactlyEightBytes() {
        for name in ["eventfd", "signal"] {
            let r = result(name, .latency, 64)
            XCTAssertEqual(r.status, .skipped)
            XCTAssertTrue(r.note.contains("8-byte"), r.note)
        }
    }

    func testEventfdAndSignalHaveNoThroughputMode() {
        for name in ["eventfd", "signal"] {
            let r = result(name, .throughput, 8)
            XCTAssertEqual(r.status, .skipped)
            XCTAssertFalse(r.note.isEmpty)
        }
    }

    func testPosixQueueMessagesOverTheMachineLimitAreSkippedWithTheLimitNamed() {
        let limits = MachineLimits.current()
        let ceiling = limits.hasSysResource ? MachineLimits.mqHardMessageSizeMax : limits.mqMessageSizeMax
        let r = result("posix-mq", .latency, ceiling + 1)
        XCTAssertEqual(r.status, .skipped)
        XCTAssertTrue(r.note.contains(String(ceiling)), r.note)
    }

    func testSystemVMessagesOverMsgmaxAreSkipped() {
        let limits = MachineLimits.current()
        let r = result("sysv-mq", .throughput, limits.sysvMessageMax + 1)
        XCTAssertEqual(r.status, .skipped)
        XCTAssertTrue(r.note.contains("msgmax"), r.note)
    }

    func testDatagramsLargerThanTheKernelTakesAreSkipped() {
        for name in ["unix-dgram", "unix-seqpacket"] {
            let r = result(name, .latency, 1 << 30)
            XCTAssertEqual(r.status, .skipped)
            XCTAssertTrue(r.note.contains("bytes"), r.note)
        }
    }

    func testTheLargestDatagramProbeAgreesWithTheKernel() {
        let type = Int32(SOCK_DGRAM.rawValue)
        let largest = SocketPair.largestMessage(type: type)
        XCTAssertGreaterThan(largest, 65536)
        XCTAssertTrue(SocketPair.carries(type: type, bytes: largest))
        XCTAssertFalse(SocketPair.carries(type: type, bytes: largest + 1))
    }
}
