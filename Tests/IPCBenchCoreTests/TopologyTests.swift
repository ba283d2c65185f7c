import XCTest
@testable import IPCBenchCore

/// Several producers, or several competing consumers, on one channel (`--topology`), with real
/// processes: every message arrives whole and in its producer's order, the counts add up, and
/// what a mechanism cannot carry is a skipped row with the reason.
final class TopologyTests: LeakCheckedTestCase {
    private func run(_ mechanism: String, _ topology: Topology, size: Int = 64, mode: Mode = .throughput,
                     wait: WaitMode = .block, copy: CopyMode = .copy, pairs: Int = 1) -> RepetitionResult {
        let directory = try! PrivateDirectory()
        defer { directory.remove() }
        let scenario = Scenario(
            mechanism: mechanism, mode: mode, payloadBytes: size,
            placement: CPUSet.allowed().count >= 2 ? .crossCore : .sameCore, pairs: pairs, wait: wait, copy: copy,
            topology: topology, messages: 200, warmupMessages: 10, verify: true)
        return Coordinator(directory: directory, timeoutSeconds: 30).run(scenario, repetition: 1)
    }

    func testFanInDeliversEveryProducersMessagesInOrder() {
        for name in ["pipe", "fifo", "unix-dgram", "unix-seqpacket", "posix-mq", "sysv-mq"] {
            for wait in [WaitMode.block, .spin] {
                let r = run(name, .fanIn(3), wait: wait)
                XCTAssertEqual(r.status, .ok, "\(name) \(wait): \(r.note)")
                XCTAssertEqual(r.totalMessages, 600, name)
                XCTAssertEqual(r.oneWay?.count, 600, "\(name): every message timed one way")
                XCTAssertGreaterThan(r.messagesPerSecond ?? 0, 0, name)
            }
        }
    }

    func testFanOutHandsEachMessageToExactlyOneConsumer() {
        for name in ["pipe", "unix-dgram", "posix-mq", "sysv-mq"] {
            for wait in [WaitMode.block, .spin] {
                let r = run(name, .fanOut(3), wait: wait)
                XCTAssertEqual(r.status, .ok, "\(name) \(wait): \(r.note)")
                XCTAssertEqual(r.totalMessages, 200, name)
                XCTAssertEqual(r.oneWay?.count, 200, "\(name): every message taken once")
            }
        }
    }

    func testSeveralGroupsOfAFanRunSideBySide() {
        let r = run("posix-mq", .fanIn(2), pairs: 2)
        XCTAssertEqual(r.status, .ok, r.note)
        XCTAssertEqual(r.totalMessages, 800)
    }

    func testAFanOfOneIsAPairThatTimesOneWay() {
        let r = run("pipe", .fanIn(1), size: 4096)
        XCTAssertEqual(r.status, .ok, r.note)
        XCTAssertEqual(r.oneWay?.count, 200)
    }

    func testWhatAMechanismCannotCarryIsSkippedWithTheReason() {
        let cases: [(String, Topology, Int, Mode, CopyMode, String)] = [
            ("pipe", .fanIn(2), 8192, .throughput, .copy, "PIPE_BUF"),
            ("shm-posix", .fanIn(2), 64, .throughput, .copy, "several producers"),
            ("tcp", .fanOut(2), 64, .throughput, .copy, "several consumers"),
            ("pipe", .fanIn(2), 64, .latency, .copy, "round trip"),
            ("posix-mq", .fanIn(2), 8, .throughput, .copy, "16-byte"),
        ]
        for (name, topology, size, mode, copy, reason) in cases {
            let r = run(name, topology, size: size, mode: mode, copy: copy)
            XCTAssertEqual(r.status, .skipped, "\(name) \(topology.rawValue)")
            XCTAssertTrue(r.note.contains(reason), "\(name) \(topology.rawValue): \(r.note)")
        }
    }

    func testTopologiesParseAndPrintTheSameWay() {
        XCTAssertEqual(try Setting.topologies("pairs, fan-in:4,FAN-OUT:2"), [.pairs, .fanIn(4), .fanOut(2)])
        for bad in ["fan-in", "fan-in:0", "fan-in:65", "fan-in:-1", "fan-in:1e3", "star:3", ""] {
            XCTAssertThrowsError(try Setting.topologies(bad), bad)
        }
        for t in [Topology.pairs, .fanIn(3), .fanOut(64)] { XCTAssertEqual(Topology(rawValue: t.rawValue), t) }
    }
}
