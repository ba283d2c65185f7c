import Glibc
import XCTest
@testable import IPCBenchCore

/// The core matrix: every ordered pair of CPUs as its own scenario, pinned exactly there, with
/// the CPUs and their relation recorded and drawn as a grid.
final class CoreMatrixTests: LeakCheckedTestCase {
    func testTheMatrixIsEveryOrderedPairWithTheDiagonalSameCore() throws {
        var o = Overrides()
        o.mechanisms = ["pipe"]
        o.modes = [.latency]
        o.sizes = [64]
        o.placements = []
        o.matrix = true
        o.cpus = [0, 1, 2]
        let plan = RunPlan.make(suite: try SuiteLocator.load("quick"), overrides: o, cpuCount: 3)
        XCTAssertEqual(plan.scenarios.compactMap(\.cpuPair).map(\.description), ["0>0", "0>1", "0>2", "1>0", "1>1", "1>2", "2>0", "2>1", "2>2"])
        XCTAssertTrue(plan.scenarios.allSatisfy { ($0.cpuPair!.producer == $0.cpuPair!.consumer) == ($0.placement == .sameCore) })
        XCTAssertEqual(RunPlan.runCount(suite: try SuiteLocator.load("quick"), overrides: o), plan.scenarios.count * 3)
    }

    func testCPUListsAndPairsParseLikeTaskset() throws {
        XCTAssertEqual(try Setting.cpus("0-3,8,2"), [0, 1, 2, 3, 8])
        XCTAssertEqual(try Setting.cpuPairs("0>1, 1>0"), [CPUPair(producer: 0, consumer: 1), CPUPair(producer: 1, consumer: 0)])
        for bad in ["", "3-1", "a", "-1", "0-99999", "1,,2"] { XCTAssertThrowsError(try Setting.cpus(bad), bad) }
        for bad in ["0", "0>", ">1", "0>1>2", "x>1"] { XCTAssertThrowsError(try Setting.cpuPairs(bad), bad) }
        XCTAssertEqual(try Setting.placements("matrix").matrix, true)
        XCTAssertEqual(try Setting.placements("matrix").placements, [])
        XCTAssertThrowsError(try Setting.placements("matrix,diagonal"))
    }

    func testACellOnACPUThisProcessMayNotUseIsSkipped() throws {
        let directory = try PrivateDirectory()
        defer { directory.remove() }
        let r = Coordinator(directory: directory).run(Scenario(
            mechanism: "pipe", mode: .latency, payloadBytes: 64, cpuPair: CPUPair(producer: 0, consumer: 4000), messages: 10), repetition: 1)
        XCTAssertEqual(r.status, .skipped)
        XCTAssertTrue(r.note.contains("CPU 4000"), r.note)
    }

    func testEachCellRunsPinnedWhereItSaysAndRecordsItsCPUs() throws {
        let cpus = Array(CPUSet.allowed().prefix(2))
        let directory = try PrivateDirectory()
        defer { directory.remove() }
        let coordinator = Coordinator(directory: directory)
        var results: [RepetitionResult] = []
        for cell in CPUPair.matrix(cpus) {
            let r = coordinator.run(Scenario(
                mechanism: "cacheline", mode: .latency, payloadBytes: 8, placement: cell.producer == cell.consumer ? .sameCore : .crossCore,
                wait: .spin, cpuPair: cell, messages: 200), repetition: 1)
            XCTAssertEqual(r.status, .ok, "\(cell): \(r.note)")
            XCTAssertEqual(r.producerCPU, cell.producer)
            XCTAssertEqual(r.consumerCPU, cell.consumer)
            results.append(r)
        }
        let grid = CoreMatrixTable.render(results)
        XCTAssertTrue(grid.contains("CORE MATRIX  cacheline latency 8"), grid)
        XCTAssertTrue(grid.contains("cpu\(cpus[0])"), grid)
        let row = CSVReport.row(results[0], machine: MachineInfo.current(), timestamp: "t")
        XCTAssertEqual(row[CSVReport.columns.firstIndex(of: "cpu_pair")!], "\(cpus[0])>\(cpus[0])")
        XCTAssertEqual(row[CSVReport.columns.firstIndex(of: "cpu_relation")!], "same-cpu")
    }

    /// A made-up /sys: CPUs 0 and 1 are threads of one core, 2 shares their L3, 3 is on
    /// another package and node.
    func testRelationsComeFromSysfs() throws {
        let root = try PrivateDirectory(prefix: "ipcbench-sysfs")
        defer { removeTree(root.path) }
        func put(_ path: String, _ text: String) {
            let full = "\(root.path)/\(path)"
            var parts = full.split(separator: "/").dropLast().map(String.init)
            var dir = ""
            while !parts.isEmpty { dir += "/" + parts.removeFirst(); mkdir(dir, 0o700) }
            let fd = open(full, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
            _ = text.withCString { write(fd, $0, strlen($0)) }
            close(fd)
        }
        let layout: [(cpu: Int, package: Int, core: Int, l2: Int, l3: Int, node: Int)] = [
            (0, 0, 0, 0, 0, 0), (1, 0, 0, 0, 0, 0), (2, 0, 1, 1, 0, 0), (3, 1, 0, 2, 1, 1),
        ]
        for c in layout {
            put("cpu\(c.cpu)/topology/physical_package_id", "\(c.package)\n")
            put("cpu\(c.cpu)/topology/core_id", "\(c.core)\n")
            for (index, level, id) in [(0, 1, c.cpu), (2, 2, c.l2), (3, 3, c.l3)] {
                put("cpu\(c.cpu)/cache/index\(index)/level", "\(level)\n")
                put("cpu\(c.cpu)/cache/index\(index)/type", "Unified\n")
                put("cpu\(c.cpu)/cache/index\(index)/id", "\(id)\n")
            }
            put("cpu\(c.cpu)/cache/index1/level", "1\n")
            put("cpu\(c.cpu)/cache/index1/type", "Instruction\n")
            put("cpu\(c.cpu)/node\(c.node)/x", "")
        }
        let t = CPUTopology.read([0, 1, 2, 3], root: root.path)
        XCTAssertEqual(t.relation(0, 0), "same-cpu")
        XCTAssertEqual(t.relation(0, 1), "smt-siblings")
        XCTAssertEqual(t.relation(1, 2), "shared-l3")
        XCTAssertEqual(t.relation(2, 3), "other-node")
        XCTAssertEqual(t.relation(0, 9), "unknown")
    }
}
