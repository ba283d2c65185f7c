import Glibc

/// `fifo`: two named pipes (mkfifo, 0600) in the run's private folder, one per direction.
/// The coordinator opens both ends and unlinks the names before forking, so no path survives.
public final class NamedPipe: Mechanism {
    public static let name = "fifo"
    public static let summary = "named pipes (mkfifo 0600 in a private folder, unlinked once open)"
    public static let traits = MechanismTraits.sharedQueue(.kernel)

    private var ends = DuplexDescriptors()

    public static func limitation(_ scenario: Scenario, limits: MachineLimits) -> String? {
        AnonymousPipe.sharedLimitation(scenario)
    }

    public static func limitsSummary(_ limits: MachineLimits) -> String {
        "any size (a byte stream, like pipe)"
    }

    public init(_ spec: ChannelSpec) throws(IPCError) {
        // Should a call fail, the ends already open close with `ends`.
        var (read, write) = try NamedPipe.openFIFO(in: spec.directory)
        ends.forwardRead = OwnedDescriptor(read)
        ends.forwardWrite = OwnedDescriptor(write)
        (read, write) = try NamedPipe.openFIFO(in: spec.directory)
        ends.backwardRead = OwnedDescriptor(read)
        ends.backwardWrite = OwnedDescriptor(write)
        if spec.wait == .spin { try ends.setNonBlockingAll() }
    }

    /// mkfifo, open the read end non-blocking (so it does not wait for a writer), open the write
    /// end, make the read end blocking again, unlink.
    private static func openFIFO(in directory: PrivateDirectory) throws(IPCError) -> (Int32, Int32) {
        let path = directory.uniquePath("fifo")
        _ = try sys("mkfifo") { mkfifo(path, 0o600) }
        defer { unlink(path) }
        let readEnd = OwnedDescriptor(try sys("open") { open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW) })
        let writeEnd = OwnedDescriptor(try sys("open") { open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW) })
        try setNonBlocking(readEnd.raw, false)
        return (readEnd.release(), writeEnd.release())
    }

    public func endpoint(_ role: Role, peer: pid_t, spin: SpinPolicy) throws(IPCError) -> StreamEndpoint {
        let (send, receive) = ends.take(role)
        return StreamEndpoint(send: send, receive: receive, spin: spin)
    }

    public func closeDescriptors() { ends.closeAll() }
}
