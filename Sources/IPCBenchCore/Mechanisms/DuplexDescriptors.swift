import Glibc

/// Four descriptors, two one-way paths: producer→consumer (`forward`) and consumer→producer
/// (`backward`). Pipes, FIFOs and eventfds all reduce to this; each worker keeps the two ends it
/// uses and closes the others, so a dead peer shows up as EOF or EPIPE rather than a hang.
struct DuplexDescriptors {
    var forwardRead: Int32 = -1
    var forwardWrite: Int32 = -1
    var backwardRead: Int32 = -1
    var backwardWrite: Int32 = -1

    /// (send, receive) for a role, closing the two ends the role does not use.
    mutating func take(_ role: Role) -> (send: Int32, receive: Int32) {
        switch role {
        case .producer:
            closeDescriptor(forwardRead); closeDescriptor(backwardWrite)
            forwardRead = -1; backwardWrite = -1
            return (forwardWrite, backwardRead)
        case .consumer:
            closeDescriptor(forwardWrite); closeDescriptor(backwardRead)
            forwardWrite = -1; backwardRead = -1
            return (backwardWrite, forwardRead)
        }
    }

    mutating func closeAll() {
        for fd in [forwardRead, forwardWrite, backwardRead, backwardWrite] { closeDescriptor(fd) }
        self = DuplexDescriptors()
    }

    func setNonBlockingAll() throws(IPCError) {
        for fd in [forwardRead, forwardWrite, backwardRead, backwardWrite] where fd >= 0 {
            try setNonBlocking(fd, true)
        }
    }
}
