import Glibc
import CIPCShim

/// What a worker does when a non-blocking call would block.
public enum SpinPolicy: Sendable {
    /// Blocking calls: the kernel puts the worker to sleep. The shared-memory rings, which sleep
    /// on a futex, first poll briefly when `spinFirst` (the peer has a CPU of its own), so two
    /// busy sides pass messages without a system call.
    case block(spinFirst: Bool)
    /// Poll with the CPU's pause hint: the peer runs on another CPU.
    case pause
    /// Poll and give the CPU away each time: the peer shares this CPU, so pausing would live-lock.
    case yield
    /// Unpinned: pause for a while, then yield, since the peer may or may not share the CPU.
    case adaptive

    public static func `for`(_ wait: WaitMode, placement: Placement) -> SpinPolicy {
        guard wait == .spin else { return .block(spinFirst: placement != .sameCore) }
        switch placement {
        case .crossCore: return .pause
        case .sameCore: return .yield
        case .unpinned: return .adaptive
        }
    }

    public var isBlocking: Bool { if case .block = self { return true } else { return false } }

    /// One step of waiting; `spins` counts consecutive misses.
    @inline(__always)
    func backoff(_ spins: inout UInt32) {
        spins &+= 1
        switch self {
        case .block, .pause:
            ipc_cpu_relax()
        case .yield:
            sched_yield()
        case .adaptive:
            if spins & 127 == 0 { sched_yield() } else { ipc_cpu_relax() }
        }
    }
}

extension SpinPolicy {
    /// The one block-or-poll loop. Blocking, `block` runs once (EINTR retried); polling, `poll`
    /// (the call's non-blocking form) runs until it stops saying "would block" (EAGAIN, or
    /// `wouldBlock`: msgrcv says ENOMSG), with a `backoff` between tries. Any other failure
    /// becomes an error naming `call`.
    @inline(__always)
    func call<R: FixedWidthInteger>(
        _ name: StaticString, wouldBlock: Int32 = EAGAIN, _ block: () -> R, poll: () -> R
    ) throws(IPCError) -> R {
        if isBlocking { return try sys(name, block) }
        var spins: UInt32 = 0
        while true {
            let result = poll()
            if result != -1 { return result }
            let code = errno
            if code != EAGAIN && code != EWOULDBLOCK && code != wouldBlock && code != EINTR {
                throw .system(call: name, errno: code)
            }
            backoff(&spins)
        }
    }

    /// ``call(_:wouldBlock:_:poll:)`` for a call whose blocking and polling forms are the same
    /// (the descriptor's O_NONBLOCK decides).
    @inline(__always)
    func call<R: FixedWidthInteger>(_ name: StaticString, _ body: () -> R) throws(IPCError) -> R {
        try call(name, body, poll: body)
    }
}
