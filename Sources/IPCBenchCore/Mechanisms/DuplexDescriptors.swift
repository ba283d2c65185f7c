import Glibc

/// Four descriptors, two one-way paths: producer→consumer (`forward`) and consumer→producer
/// (`backward`). Pipes and FIFOs reduce to this; each worker keeps the two ends it uses and
/// closes the others, so a dead peer shows up as EOF or EPIPE rather than a hang.
struct DuplexDescriptors: ~Copyable {
    var forwardRead = OwnedDescriptor()
    var forwardWrite = OwnedDescriptor()
    var backwardRead = OwnedDescriptor()
    var backwardWrite = OwnedDescriptor()

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
