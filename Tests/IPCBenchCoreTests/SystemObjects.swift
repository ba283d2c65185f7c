import Glibc
import XCTest
@testable import IPCBenchCore

/// What a benchmark could leave behind: POSIX shared memory and queues, System V queues and
/// segments, and ipcbench's temp folders. Tests snapshot it before and after.
struct SystemObjects: Equatable, CustomStringConvertible {
    var devShm: Set<String>
    var posixQueues: Set<String>
    var sysvQueues: Set<String>
    var sysvSegments: Set<String>
    var tempFolders: Set<String>

    static func snapshot() -> SystemObjects {
        SystemObjects(
            devShm: entries("/dev/shm"),
            posixQueues: entries("/dev/mqueue"),
            sysvQueues: sysvIDs("/proc/sysvipc/msg"),
            sysvSegments: sysvIDs("/proc/sysvipc/shm"),
            tempFolders: entries(PrivateDirectory.temporaryBase()).filter { $0.hasPrefix("ipcbench") })
    }

    static func entries(_ folder: String) -> Set<String> {
        guard let dir = opendir(folder) else { return [] }
        defer { closedir(dir) }
        var out: Set<String> = []
        while let e = readdir(dir) {
            let name = withUnsafeBytes(of: e.pointee.d_name) { String(cString: $0.baseAddress!.assumingMemoryBound(to: CChar.self)) }
            if name != "." && name != ".." { out.insert(name) }
        }
        return out
    }

    /// The id column (second field) of /proc/sysvipc/{msg,shm}.
    static func sysvIDs(_ path: String) -> Set<String> {
        guard let text = ProcFiles.read(path) else { return [] }
        return Set(text.split(separator: "\n").dropFirst().compactMap { line in
            line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first.map(String.init)
        })
    }

    func leaked(since before: SystemObjects) -> [String] {
        var out: [String] = []
        out += devShm.subtracting(before.devShm).map { "/dev/shm/\($0)" }
        out += posixQueues.subtracting(before.posixQueues).map { "POSIX queue \($0)" }
        out += sysvQueues.subtracting(before.sysvQueues).map { "System V queue \($0)" }
        out += sysvSegments.subtracting(before.sysvSegments).map { "System V segment \($0)" }
        out += tempFolders.subtracting(before.tempFolders).map { "temp folder \($0)" }
        return out
    }

    var description: String { "\(devShm.count) shm, \(posixQueues.count) mq, \(sysvQueues.count) msq, \(sysvSegments.count) shmseg" }
}

/// The tests' own TMPDIR: a private folder, so other ipcbench runs on the machine (which use
/// /tmp) cannot make a temp-folder leak check fail, and the tests' leftovers cannot hide there.
let testTemporaryBase: String = {
    var template = Array("/tmp/ipcbench-tests.XXXXXX".utf8CString)
    let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
    precondition(made != nil, "mkdtemp for the tests' TMPDIR failed")
    let path = String(cString: template.withUnsafeBufferPointer { $0.baseAddress! })
    setenv("TMPDIR", path, 1)
    atexit { if let p = getenv("TMPDIR") { rmdir(p) } }
    return path
}()

/// A test case that fails any test that leaves a kernel object, a temp folder or a child behind.
class LeakCheckedTestCase: XCTestCase {
    private var before: SystemObjects!

    override func setUp() {
        super.setUp()
        _ = testTemporaryBase
        before = SystemObjects.snapshot()
    }

    override func tearDown() {
        let leaked = SystemObjects.snapshot().leaked(since: before)
        XCTAssertEqual(leaked, [], "left behind: \(leaked)")
        var status: Int32 = 0
        let child = waitpid(-1, &status, WNOHANG)
        XCTAssertTrue(child <= 0, "an unreaped child process (pid \(child)) was left")
        super.tearDown()
    }
}

/// Removes a folder the tests made, nested folders included (the library's own clean-up only
/// removes flat folders, which is all a run makes).
func removeTree(_ path: String) {
    guard let dir = opendir(path) else { unlink(path); return }
    while let entry = readdir(dir) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) { String(cString: $0.baseAddress!.assumingMemoryBound(to: CChar.self)) }
        if name == "." || name == ".." { continue }
        let child = "\(path)/\(name)"
        var info = stat()
        if lstat(child, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR { removeTree(child) } else { unlink(child) }
    }
    closedir(dir)
    rmdir(path)
}

/// A leak-checked test case with a private folder of its own for each test, removed after it.
class PrivateDirectoryTestCase: LeakCheckedTestCase {
    var directory: PrivateDirectory!

    override func setUp() {
        super.setUp()
        directory = try! PrivateDirectory()
    }

    override func tearDown() {
        directory.remove()
        directory = nil
        super.tearDown()
    }
}
