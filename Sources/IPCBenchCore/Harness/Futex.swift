import CIPCShim
import Synchronization

/// Futex helpers on a 32-bit word in shared memory (shared, not private, futexes).
enum Futex {
    static func address(_ word: UnsafeMutablePointer<Atomic<UInt32>>) -> UnsafeMutablePointer<UInt32> {
        UnsafeMutableRawPointer(word).assumingMemoryBound(to: UInt32.self)
    }

    /// Sleeps until `word` differs from `value` (spurious wake-ups are fine: callers re-check).
    static func wait(_ word: UnsafeMutablePointer<Atomic<UInt32>>, while value: UInt32) {
        _ = ipc_futex_wait(address(word), value, nil)
    }

    static func wakeAll(_ word: UnsafeMutablePointer<Atomic<UInt32>>) {
        _ = ipc_futex_wake(address(word), Int32.max)
    }

    /// Blocks until `word` reaches `target`.
    static func waitUntil(_ word: UnsafeMutablePointer<Atomic<UInt32>>, reaches target: UInt32) {
        while true {
            let v = word.pointee.load(ordering: .acquiring)
            if v >= target { return }
            wait(word, while: v)
        }
    }
}
