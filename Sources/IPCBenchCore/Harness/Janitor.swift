import Glibc
import CIPCShim
import Synchronization

/// Cleans up after a coordinator that dies without doing it itself (SIGKILL, a crash).
///
/// Named objects are unlinked before any byte moves, so two things can outlive a killed
/// coordinator: System V message queues (removing one early would destroy it under the
/// workers) and the private temp folder. The janitor is a tiny process forked before any worker:
/// it blocks reading a pipe that only the coordinator (and its workers, which die with it) can
/// write; when every writer is gone it removes every queue id still listed in a shared table and
/// the folder, and exits. The coordinator lists ids as it creates them, unlists them as it
/// removes them, and closes the pipe when it is done.
public final class Janitor {
    static let capacity = 1024
    private let table: MemoryRegion
    private var writeEnd: Int32 = -1
    private var pid: pid_t = -1

    private var slots: UnsafeMutablePointer<Atomic<Int32>> {
        table.base.assumingMemoryBound(to: Atomic<Int32>.self)
    }

    public init(folder: String) throws(IPCError) {
        table = try MemoryRegion(byteCount: Janitor.capacity * 4, sharing: .shared)
        let folderPath = Array(folder.utf8CString)
        for i in 0..<Janitor.capacity { (slots + i).initialize(to: Atomic(-1)) }
        var fds: [Int32] = [-1, -1]
        _ = try sys("pipe") { pipe(&fds) }
        let child = fork()
        if child < 0 {
            let code = errno
            closeDescriptor(fds[0]); closeDescriptor(fds[1])
            throw .system(call: "fork", errno: code)
        }
        if child == 0 { Janitor.watch(readEnd: fds[0], writeEnd: fds[1], slots: slots, folder: folderPath) }
        closeDescriptor(fds[0])
        writeEnd = fds[1]
        pid = child
    }

    /// The janitor's whole life: out of the terminal's process group (a Ctrl-C meant for the
    /// coordinator must not kill it first), wait for the pipe to close, remove what is listed.
    private static func watch(readEnd: Int32, writeEnd: Int32, slots: UnsafeMutablePointer<Atomic<Int32>>, folder: [CChar]) -> Never {
        setpgid(0, 0)
        _ = ipc_set_process_name("ipcbench-janitor")
        for s in [SIGINT, SIGTERM, SIGHUP, SIGPIPE] { signal(s, SIG_IGN) }
        for crash in [SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP] { signal(crash, SIG_DFL) }
        var mask = sigset_t()
        sigemptyset(&mask)
        sigprocmask(SIG_SETMASK, &mask, nil)
        close(writeEnd)
        var byte: UInt8 = 0
        while true {
            let n = read(readEnd, &byte, 1)
            if n == 0 || (n < 0 && errno != EINTR) { break }
        }
        for i in 0..<capacity {
            let id = (slots + i).pointee.load(ordering: .acquiring)
            if id >= 0 { msgctl(id, IPC_RMID, nil) }
        }
        folder.withUnsafeBufferPointer { removeFolder($0.baseAddress!) }
        _exit(0)
    }

    /// Lists a queue id for removal should the coordinator die.
    func register(_ id: Int32) {
        for i in 0..<Janitor.capacity {
            if (slots + i).pointee.compareExchange(expected: -1, desired: id, ordering: .acquiringAndReleasing).exchanged { return }
        }
    }

    /// Unlists an id the coordinator removed itself.
    func unregister(_ id: Int32) {
        for i in 0..<Janitor.capacity {
            if (slots + i).pointee.compareExchange(expected: id, desired: -1, ordering: .acquiringAndReleasing).exchanged { return }
        }
    }

    /// The janitor's write end, which workers must close so only the coordinator keeps it open.
    var descriptor: Int32 { writeEnd }

    /// Lets the janitor go (nothing is listed by then) and reaps it.
    public func finish() {
        guard pid > 0 else { return }
        closeDescriptor(writeEnd)
        writeEnd = -1
        var status: Int32 = 0
        while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        pid = -1
    }

    deinit { finish() }
}

/// Unlinks the entries of a flat folder and the folder, with nothing but system calls, so the
/// janitor can run it too (`PrivateDirectory.remove` uses it).
func removeFolder(_ path: UnsafePointer<CChar>) {
    let fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
    if fd >= 0 {
        if let dir = fdopendir(fd) {
            while let entry = readdir(dir) {
                withUnsafeBytes(of: entry.pointee.d_name) { raw in
                    let name = raw.baseAddress!.assumingMemoryBound(to: CChar.self)
                    if strcmp(name, ".") != 0 && strcmp(name, "..") != 0 { unlinkat(fd, name, 0) }
                }
            }
            closedir(dir)
        } else {
            close(fd)
        }
    }
    rmdir(path)
}
