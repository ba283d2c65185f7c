import Glibc
import CIPCShim

/// The worker processes of one repetition: forked into one process group, watched through
/// pidfds, and always reaped; on any failure the rest are killed (SIGKILL) and reaped too.
struct WorkerSet {
    private(set) var pids: [pid_t] = []
    /// Each process's worker index in the control block (2*pair, +1 for the consumer).
    private var workerIndices: [Int] = []
    private var pidfds: [Int32] = []
    private var statuses: [TerminationStatus?] = []
    /// Index of the first worker that exited non-zero or by a signal we did not send.
    private(set) var firstFailureIndex: Int?
    private var killing = false

    enum Outcome: Equatable {
        case allExited
        case workerFailed
        case timedOut
        case interrupted(Int32)
    }

    /// Workers that ended before we killed any: the candidates for the cause of a failure.
    private var endedOnTheirOwn: Set<Int> = []

    /// The control-block index and wait status of the worker whose end explains the failure: one killed by a signal we did not send (its
    /// peer then sees EOF or EPIPE and exits too, which is a symptom), else the first one that
    /// exited non-zero.
    var firstFailure: (Int, TerminationStatus)? {
        let ended = endedOnTheirOwn.sorted()
        if let i = ended.first(where: { statuses[$0]?.signal != nil }) {
            return (workerIndices[i], statuses[i]!)
        }
        guard let i = firstFailureIndex, let s = statuses[i] else { return nil }
        return (workerIndices[i], s)
    }

    /// After a first failure, gives the others a moment to end on their own, so the cause is
    /// told apart from its symptoms before anything is killed.
    mutating func settle(graceMs: Int32 = 50) {
        let deadline = MonotonicClock.nowNs() + UInt64(graceMs) * 1_000_000
        while statuses.contains(where: { $0 == nil }) && MonotonicClock.nowNs() < deadline {
            if watch(timeoutMs: max(1, Int32((deadline - MonotonicClock.nowNs()) / 1_000_000)), interrupts: nil) == .allExited { break }
        }
    }

    /// Forks a worker that runs `body` (which must `_exit`), in the group of the first worker.
    mutating func spawn(worker index: Int, groupLeader: pid_t?, _ body: () -> Never) throws(IPCError) -> pid_t {
        let pid = fork()
        if pid < 0 { throw .system(call: "fork", errno: errno) }
        if pid == 0 {
            setpgid(0, groupLeader ?? 0)
            body()
        }
        setpgid(pid, groupLeader ?? pid)   // both sides set it: no race with the first kill
        let pidfd = ipc_pidfd_open(pid)
        if pidfd < 0 {
            let code = errno
            kill(pid, SIGKILL)
            var status: Int32 = 0
            waitpid(pid, &status, 0)
            throw .system(call: "pidfd_open", errno: code)
        }
        pids.append(pid)
        workerIndices.append(index)
        pidfds.append(pidfd)
        statuses.append(nil)
        return pid
    }

    /// Sleeps until a worker exits, an interrupt arrives or `timeoutMs` passes (nil then).
    /// Returns `.allExited` once every worker has exited cleanly.
    mutating func watch(timeoutMs: Int32, interrupts: InterruptSignals?) -> Outcome? {
        var fds: [pollfd] = []
        var owners: [Int] = []
        for (i, fd) in pidfds.enumerated() where statuses[i] == nil {
            fds.append(pollfd(fd: fd, events: Int16(POLLIN), revents: 0))
            owners.append(i)
        }
        if owners.isEmpty { return .allExited }
        if let interrupts { fds.append(pollfd(fd: interrupts.fd, events: Int16(POLLIN), revents: 0)) }
        let n = poll(&fds, nfds_t(fds.count), timeoutMs)
        if n < 0 && errno != EINTR { return .workerFailed }
        if let interrupts, let signal = interrupts.poll() { return .interrupted(signal) }
        if n <= 0 { return nil }
        for (k, i) in owners.enumerated() where fds[k].revents != 0 {
            var status: Int32 = 0
            let r = waitpid(pids[i], &status, WNOHANG)
            guard r == pids[i] else { continue }
            statuses[i] = TerminationStatus(status)
            endedOnTheirOwn.insert(i)
            closeDescriptor(pidfds[i])
            pidfds[i] = -1
            if !statuses[i]!.isClean && firstFailureIndex == nil { firstFailureIndex = i }
        }
        if firstFailureIndex != nil { return .workerFailed }
        return statuses.allSatisfy { $0 != nil } ? .allExited : nil
    }

    /// Ends every worker still running and reaps all of them; safe to call more than once.
    mutating func killAndReapAll() {
        if let leader = pids.first { kill(-leader, SIGKILL) }
        for (i, pid) in pids.enumerated() where statuses[i] == nil {
            kill(pid, SIGKILL)
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
            statuses[i] = TerminationStatus(status)
        }
        for fd in pidfds where fd >= 0 { closeDescriptor(fd) }
        pidfds = pidfds.map { _ in -1 }
    }

}
