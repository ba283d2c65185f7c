import Glibc
import CIPCShim
import Synchronization

/// How long a blocking side polls before it sleeps. Longer than a wake-up through the
/// hypervisor (~40 µs cross-core on a VM), so two busy sides settle into passing messages
/// without the kernel instead of waking each other for every message; short enough that an
/// idle side gives its CPU back almost at once.
let ringSpinBeforeSleepNs: UInt64 = 60_000

/// Waiting on the other side's index: polling, or polling briefly and then sleeping on a futex
/// word that the other side checks after each publish (the only time it makes a system call).
struct RingWaiter {
    let policy: SpinPolicy
    let sleeps: Bool
    let spinFirst: Bool
    /// futex system calls made (waits and wakes), for `futex_calls_per_msg`.
    var futexCalls: UInt64 = 0

    init(_ policy: SpinPolicy) {
        self.policy = policy
        if case let .block(spinFirst) = policy {
            sleeps = true
            self.spinFirst = spinFirst
        } else {
            sleeps = false
            spinFirst = false
        }
    }

    /// Publishes `value` to `index`, then wakes the other side if it went to sleep. In blocking
    /// mode the store is sequentially consistent (an exchange) so it cannot pass the load of the
    /// sleep flag; the sleeper sets its flag and re-reads our index in the same order.
    @inline(__always)
    mutating func publish(_ value: UInt64, to index: UnsafeMutablePointer<Atomic<UInt64>>, waking asleep: UnsafeMutablePointer<Atomic<UInt32>>) {
        if !sleeps {
            index.pointee.store(value, ordering: .releasing)
            return
        }
        _ = index.pointee.exchange(value, ordering: .sequentiallyConsistent)
        if asleep.pointee.load(ordering: .sequentiallyConsistent) != 0 {
            asleep.pointee.store(0, ordering: .sequentiallyConsistent)
            _ = ipc_futex_wake(Futex.address(asleep), 1)
            futexCalls &+= 1
        }
    }

    /// Waits until `ready(index)` holds for the other side's index; returns its latest value.
    @inline(never)
    mutating func waitUntil(
        _ index: UnsafeMutablePointer<Atomic<UInt64>>, asleepFlag: UnsafeMutablePointer<Atomic<UInt32>>,
        _ ready: (UInt64) -> Bool
    ) -> UInt64 {
        var spins: UInt32 = 0
        if !sleeps {
            while true {
                let v = index.pointee.load(ordering: .acquiring)
                if ready(v) { return v }
                policy.backoff(&spins)
            }
        }
        if spinFirst {
            let deadline = MonotonicClock.nowNs() &+ ringSpinBeforeSleepNs
            while true {
                for _ in 0..<16 {
                    ipc_cpu_relax()
                    let v = index.pointee.load(ordering: .acquiring)
                    if ready(v) { return v }
                }
                if MonotonicClock.nowNs() > deadline { break }
            }
        }
        while true {
            asleepFlag.pointee.store(1, ordering: .sequentiallyConsistent)
            let v = index.pointee.load(ordering: .sequentiallyConsistent)
            if ready(v) {
                asleepFlag.pointee.store(0, ordering: .relaxed)
                return v
            }
            _ = ipc_futex_wait(Futex.address(asleepFlag), 1, nil)
            futexCalls &+= 1
            let w = index.pointee.load(ordering: .acquiring)
            if ready(w) {
                asleepFlag.pointee.store(0, ordering: .relaxed)
                return w
            }
        }
    }
}

/// One side's pair of indices in shared memory: its own (the producer's head, the consumer's
/// tail), a cached copy of the other side's, and how it waits and wakes. Both sides ask the same
/// question, how far they may go on: `slack + other - own`, where the producer's slack is the
/// capacity (free room) and the consumer's is 0 (what is filled). The unit is whatever the
/// indices count: bytes in the rings, slots in `cma`.
struct RingCursor {
    let own: UnsafeMutablePointer<Atomic<UInt64>>
    let other: UnsafeMutablePointer<Atomic<UInt64>>
    /// The futex word this side sleeps on, and the one the other side sleeps on.
    let ownSleep: UnsafeMutablePointer<Atomic<UInt32>>
    let otherSleep: UnsafeMutablePointer<Atomic<UInt32>>
    let slack: UInt64
    var position: UInt64 = 0
    var cachedOther: UInt64 = 0
    var waiter: RingWaiter

    /// The producer of `ring`, which holds `capacity` units.
    static func producer(_ ring: RingMemory, capacity: Int, _ policy: SpinPolicy) -> RingCursor {
        RingCursor(own: ring.head, other: ring.tail, ownSleep: ring.producerAsleep, otherSleep: ring.consumerAsleep,
                   slack: UInt64(capacity), waiter: RingWaiter(policy))
    }

    /// The consumer of `ring`.
    static func consumer(_ ring: RingMemory, _ policy: SpinPolicy) -> RingCursor {
        RingCursor(own: ring.tail, other: ring.head, ownSleep: ring.consumerAsleep, otherSleep: ring.producerAsleep,
                   slack: 0, waiter: RingWaiter(policy))
    }

    /// Waits until this side may go on by `units`: the cached index first, then a fresh load,
    /// then the waiter (polling, or sleeping on `ownSleep`).
    @inline(__always)
    mutating func wait(for units: Int) {
        let needed = UInt64(units)
        if slack &+ cachedOther &- position >= needed { return }
        cachedOther = other.pointee.load(ordering: .acquiring)
        if slack &+ cachedOther &- position >= needed { return }
        let room = slack &- position
        cachedOther = waiter.waitUntil(other, asleepFlag: ownSleep) { room &+ $0 >= needed }
    }

    /// Goes on by `units` and tells the other side (waking it if it sleeps).
    @inline(__always)
    mutating func advance(by units: Int) {
        position &+= UInt64(units)
        waiter.publish(position, to: own, waking: otherSleep)
    }
}
