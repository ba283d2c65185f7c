import Glibc
import CIPCShim

/// Four descriptors, two one-way paths: producer→consumer (`forward`) and consumer→producer
/// (`backward`). Pipes and FIFOs reduce to this; each worker keeps the two ends it uses and
/// closes the others, so a dead peer shows up as EOF or EPIPE rather than a hang.
public struct DuplexDescriptors: ~Copyable {
    var forwardRead = OwnedDescriptor()
    var forwardWrite = OwnedDescriptor()
    var backwardRead = OwnedDescriptor()
    var backwardWrite = OwnedDescriptor()

    /// Two anonymous pipes (pipe2, close-on-exec), one per direction. Should the second fail,
    /// the first closes with `self`.
    mutating func openPipes() throws(IPCError) {
        var fds: [Int32] = [-1, -1]
        _ = try sys("pipe2") { ipc_pipe2(&fds, O_CLOEXEC) }
        forwardRead = OwnedDescriptor(fds[0])
        forwardWrite = OwnedDescriptor(fds[1])
        _ = try sys("pipe2") { ipc_pipe2(&fds, O_CLOEXEC) }
        backwardRead = OwnedDescriptor(fds[0])
        backwardWrite = OwnedDescriptor(fds[1])
    }

    /// (send, receive) for a role, closing the two ends the role does not use.
    mutating func take(_ role: Role) -> (send: Int32, receive: Int32) {
        switch role {
        case .producer:
            forwardRead.close()
            backwardWrite.close()
            return (forwardWrite.raw, backwardRead.raw)
        case .consumer:
            forwardWrite.close()
            backwardRead.close()
            return (backwardWrite.raw, forwardRead.raw)
        }
    }

    mutating func closeAll() {
        forwardRead.close()
        forwardWrite.close()
        backwardRead.close()
        backwardWrite.close()
    }

    func setNonBlockingAll() throws(IPCError) {
        for fd in [forwardRead.raw, forwardWrite.raw, backwardRead.raw, backwardWrite.raw] where fd >= 0 {
            try setNonBlocking(fd, true)
        }
    }
}
