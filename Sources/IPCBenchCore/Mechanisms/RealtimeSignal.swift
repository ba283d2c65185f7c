import Glibc
import CIPCShim

/// `signal`: a queued real-time signal (SIGRTMIN) sent with sigqueue, whose 8-byte value is the
/// message, received with sigwaitinfo. Workers block the signal before they say they are ready.
public final class RealtimeSignal: Mechanism {
    public static let name = "signal"
    public static let summary = "SIGRTMIN with a value (sigqueue), received with sigwaitinfo (8-byte payload)"
    public static var traits: MechanismTraits {
        var t = MechanismTraits.notification("a signal is a notification carrying one 8-byte value, no stream of messages to time")
        t.workerBlockedSignals = [ipc_sigrtmin()]
        return t
    }

    /// No kernel object: the channel is the two worker processes.
    public init(_ spec: ChannelSpec) throws(IPCError) {}

    public func endpoint(_ role: Role, peer: pid_t, spin: SpinPolicy) throws(IPCError) -> Endpoint {
        var set = sigset_t()
        sigemptyset(&set)
        sigaddset(&set, ipc_sigrtmin())
        return Endpoint(peer: peer, signal: ipc_sigrtmin(), set: set, spin: spin)
    }

    public func closeDescriptors() {}

    public struct Endpoint: MessageEndpoint {
        let peer: pid_t
        let signal: Int32
        var set: sigset_t
        let spin: SpinPolicy
        var info = siginfo_t()

        @inline(__always)
        public mutating func send(_ buffer: UnsafeRawPointer, count: Int) throws(IPCError) {
            let value = buffer.loadUnaligned(as: UInt64.self)
            var spins: UInt32 = 0
            // sigqueue says EAGAIN when the receiver's queue of pending signals is full.
            while try sysNonBlocking("sigqueue", { ipc_sigqueue_u64(peer, signal, value) }) == nil {
                spin.backoff(&spins)
            }
        }

        @inline(__always)
        public mutating func receive(into buffer: UnsafeMutableRawPointer, count: Int) throws(IPCError) {
            var zero = timespec()
            while true {
                _ = try spin.call("sigwaitinfo", { sigwaitinfo(&set, &info) }, poll: { sigtimedwait(&set, &info, &zero) })
                // Only our peer's signals count; anything else (another sender) is dropped.
                guard ipc_siginfo_sender(&info) == peer else { continue }
                buffer.storeBytes(of: ipc_siginfo_value_u64(&info), as: UInt64.self)
                return
            }
        }
    }
}
