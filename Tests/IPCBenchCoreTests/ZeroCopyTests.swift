import XCTest
@testable import IPCBenchCore

/// vmsplice and cross-memory attach beyond the common sizes: messages several times the pipe or
/// the landing ring, corruption found, and the kernel's permission decided and reported.
final class ZeroCopyTests: LeakCheckedTestCase {
    private func run(_ mechanism: String, _ mode: Mode, _ size: Int, copy: CopyMode, ringBytes: Int = 1 << 20) -> RepetitionResult {
        let directory = try! PrivateDirectory()
        defer { directory.remove() }
        return Coordinator(directory: directory, timeoutSeconds: 60).run(Scenario(
            mechanism: mechanism, mode: mode, payloadBytes: size, placement: CPUSet.allowed().count >= 2 ? .crossCore : .sameCore,
            copy: copy, messages: 4, warmupMessages: 1, verify: true, ringBytes: ringBytes), repetition: 1)
    }

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

    func testTheRotationNeverRewritesBytesThePipeMayStillHold() {
        // Four pipe capacities of rotation, stretches of at most one: a byte comes round again
        // only after more than a capacity of later bytes was spliced.
        let r = run("vmsplice", .throughput, 3 * 4096 + 8, copy: .zero)
        XCTAssertEqual(r.status, .ok, r.note)
    }

    func testYamaAndSeccompDecideWhetherCrossMemoryAttachRuns() {
        func permission(_ scope: Int?, cap: Bool = false, probe: Int32 = 0) -> AttachPermission {
            AttachPermission(yamaScope: scope, hasSysPtrace: cap, selfProbeErrno: probe)
        }
        XCTAssertNil(permission(nil).problem)
        XCTAssertNil(permission(0).problem)
        XCTAssertNil(permission(1).problem)
        XCTAssertTrue(permission(1).needsPtracer)
        XCTAssertFalse(permission(1, cap: true).needsPtracer)
        XCTAssertTrue(permission(2).problem?.contains("CAP_SYS_PTRACE") ?? false)
        XCTAssertNil(permission(2, cap: true).problem)
        XCTAssertTrue(permission(3).problem?.contains("ptrace_scope is 3") ?? false)
        XCTAssertTrue(permission(0, probe: EPERM).problem?.contains("EPERM") ?? false)
    }

    func testAStretchCorruptedInPlaceIsFound() {
        let plan = WorkloadPlan(payloadBytes: 4096, messages: 1, warmupMessages: 0, verify: false)
        let memory = UnsafeMutableRawBufferPointer.allocate(byteCount: 4096, alignment: 64)
        defer { memory.deallocate() }
        MessageBytes.fill(memory, at: 0, sequence: 7, sentAt: nil, plan: plan)
        XCTAssertNil(MessageBytes.firstMismatch(UnsafeRawBufferPointer(memory), at: 0, sequence: 7, plan: plan))
        memory[2049] ^= 0x40
        XCTAssertEqual(MessageBytes.firstMismatch(UnsafeRawBufferPointer(memory), at: 0, sequence: 7, plan: plan), 2049)
        let verified = WorkloadPlan(payloadBytes: 4096, messages: 1, warmupMessages: 0, verify: true)
        MessageBytes.fill(memory, at: 0, sequence: 9, sentAt: nil, plan: verified)
        memory[4095] ^= 1
        XCTAssertEqual(MessageBytes.firstMismatch(UnsafeRawBufferPointer(memory), at: 0, sequence: 9, plan: verified), 4095)
    }
}
