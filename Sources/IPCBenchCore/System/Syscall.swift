import Glibc
import CIPCShim

/// The one door every system call goes through: `-1` plus errno becomes an ``IPCError`` that
/// names the call, and EINTR is retried. Inlined, so a hot loop pays only the comparison.
@inline(__always)
func sys<Result: FixedWidthInteger>(
    _ call: StaticString, _ body: () -> Result
) throws(IPCError) -> Result {
    while true {
        let result = body()
        if result != -1 { return result }
        let code = errno
        if code == EINTR { continue }
        throw .system(call: call, errno: code)
    }
}

/// Like ``sys(_:_:)`` for non-blocking calls: `nil` when the call would block (EAGAIN).
@inline(__always)
func sysNonBlocking<Result: FixedWidthInteger>(
    _ call: StaticString, _ body: () -> Result
) throws(IPCError) -> Result? {
    while true {
        let result = body()
        if result != -1 { return result }
        let code = errno
        if code == EINTR { continue }
        if code == EAGAIN || code == EWOULDBLOCK { return nil }
        throw .system(call: call, errno: code)
    }
}

/// Closes a descriptor we own; errors other than EBADF are not actionable at close time.
@inline(__always)
func closeDescriptor(_ fd: Int32) {
    guard fd >= 0 else { return }
    let result = close(fd)
    precondition(result == 0 || errno != EBADF, "close: EBADF: descriptor \(fd) closed twice")
}

/// Sets or clears O_NONBLOCK on a descriptor (fcntl F_GETFL / F_SETFL).
func setNonBlocking(_ fd: Int32, _ enabled: Bool) throws(IPCError) {
    let flags = try sys("fcntl") { fcntl(fd, F_GETFL) }
    let wanted = enabled ? (flags | O_NONBLOCK) : (flags & ~O_NONBLOCK)
    if wanted != flags { _ = try sys("fcntl") { fcntl(fd, F_SETFL, wanted) } }
}

/// A descriptor this process owns. It is closed exactly once: by `close()`, or when its owner
/// lets go of it — so an initialiser that throws halfway closes what it had opened without a
/// catch-close-rethrow of its own. A forked worker leaves with `_exit`, so nothing is closed
/// behind the mechanism's back there.
struct OwnedDescriptor: ~Copyable {
    private(set) var raw: Int32

    init(_ raw: Int32 = -1) { self.raw = raw }

    var isOpen: Bool { raw >= 0 }

    mutating func close() {
        closeDescriptor(raw)
        raw = -1
    }

    /// Gives the descriptor up without closing it: whoever takes the number owns it now.
    consuming func release() -> Int32 {
        let r = raw
        discard self
        return r
    }

    deinit { closeDescriptor(raw) }
}
