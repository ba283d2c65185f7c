import Glibc
import XCTest
@testable import IPCBenchCore

extension LeakCheckedTestCase {
    /// What leaked since `before`, after giving objects of other runs on this machine (other test
    /// processes, other sweeps) up to 3 s to go: checks stay scoped to the test's own window.
    func settledLeaks(since before: SystemObjects) -> [String] {
        var leaked = SystemObjects.snapshot().leaked(since: before)
        let deadline = MonotonicClock.nowNs() + 3_000_000_000
        while !leaked.isEmpty && MonotonicClock.nowNs() < deadline {
            usleep(20_000)
            leaked = SystemObjects.snapshot().leaked(since: before)
        }
        return leaked
    }
}

/// Points TMPDIR (which `PrivateDirectory.temporaryBase()` and the runs read) at a fresh
/// folder inside the current one, for the length of one test. Its name does not start with
/// `ipcbench`, so leak checks that look at the enclosing folder do not count it.
final class TemporaryBaseScope {
    let path: String
    private let previous: String?

    init() {
        previous = getenv("TMPDIR").map { String(cString: $0) }
        var template = Array("\(PrivateDirectory.temporaryBase())/fault-scope.XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { mkdtemp($0.baseAddress!) }
        precondition(made != nil, "mkdtemp failed")
        path = String(cString: template.withUnsafeBufferPointer { $0.baseAddress! })
        setenv("TMPDIR", path, 1)
    }

    /// Restores TMPDIR and removes the folder with whatever is left in it (two levels deep).
    func end() {
        if let previous { setenv("TMPDIR", previous, 1) } else { unsetenv("TMPDIR") }
        for name in SystemObjects.entries(path) {
            let inner = "\(path)/\(name)"
            for file in SystemObjects.entries(inner) { unlink("\(inner)/\(file)") }
            if rmdir(inner) != 0 { unlink(inner) }
        }
        rmdir(path)
    }
}
