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
        do {
            (ends.forwardRead, ends.forwardWrite) = try NamedPipe.openFIFO(in: spec.directory)
            (ends.backwardRead, ends.backwardWrite) = try NamedPipe.openFIFO(in: spec.directory)
            if spec.wait == .spin { try ends.setNonBlockingAll() }
        } catch {
            ends.closeAll()
            throw error
        }
    }

    /// mkfifo, open the read end non-blocking (so it does not wait for a writer), open the write
    /// end, make the read end blocking again, unlink.
    private static func openFIFO(in directory: PrivateDirectory) throws(IPCError) -> (Int32, Int32) {
        let path = directory.uniquePath("fifo")
        _ = try sys("mkfifo") { mkfifo(path, 0o600) }
        defer { unlink(path) }
        let readFD = try sys("open") { open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW) }
        do {
            let writeFD = try sys("open") { open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW) }
            try setNonBlocking(readFD, false)
            return (readFD, writeFD)
        } catch {
            closeDescriptor(readFD)
            throw error
        }
    }

    public func endpoint(_ role: Role, peer: pid_t, spin: SpinPolicy) throws(IPCError) -> StreamEndpoint {
        let (send, receive) = ends.take(role)
        return StreamEndpoint(sendFD: send, receiveFD: receive, spin: spin)
    }

    public func closeDescriptors() { ends.closeAll() }
}
