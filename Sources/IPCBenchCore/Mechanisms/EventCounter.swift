import Glibc
import CIPCShim

/// `eventfd`: two eventfd counters, one per direction. A message is the 8-byte value added to
/// the counter; the sequence number (never 0) is that value.
public final class EventCounter: Mechanism {
    public static let name = "eventfd"
    public static let summary = "eventfd counters, one per direction (8-byte payload)"
    public static let traits = MechanismTraits.notification("a counter adds up what is written, so a stream of messages cannot be told apart")

    private var forward = OwnedDescriptor()
    private var backward = OwnedDescriptor()

    public init(_ spec: ChannelSpec) throws(IPCError) {
        let flags = Int32(EFD_CLOEXEC_VALUE) | (spec.wait == .spin ? O_NONBLOCK : 0)
        forward = OwnedDescriptor(try sys("eventfd") { ipc_eventfd(0, flags) })
        backward = OwnedDescriptor(try sys("eventfd") { ipc_eventfd(0, flags) })
    }

    public func endpoint(_ role: Role, peer: pid_t, spin: SpinPolicy) throws(IPCError) -> StreamEndpoint {
        // An eventfd is read and written through the same descriptor: each side keeps both.
        StreamEndpoint(role, forward: forward.raw, backward: backward.raw, spin: spin)
    }

    public func closeDescriptors() {
        forward.close()
        backward.close()
    }
}

/// EFD_CLOEXEC equals O_CLOEXEC on Linux.
let EFD_CLOEXEC_VALUE = O_CLOEXEC
