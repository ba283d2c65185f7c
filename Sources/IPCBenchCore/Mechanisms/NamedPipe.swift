import Glibc

/// `fifo`: two named pipes (mkfifo, 0600) in the run's private folder, one per direction.
/// The coordinator opens both ends and unlinks the names before forking, so no path survives.
public enum NamedPipes: PipeKind {
    public static let name = "fifo"
    public static let summary = "named pipes (mkfifo 0600 in a private folder, unlinked once open)"

    public static func limitsSummary(_ limits: MachineLimits) -> String { "any size (a byte stream, like pipe)" }

    public static func open(_ ends: inout DuplexDescriptors, _ spec: ChannelSpec) throws(IPCError) {
        var (read, write) = try openFIFO(in: spec.directory)
        ends.forwardRead = OwnedDescriptor(read)
        ends.forwardWrite = OwnedDescriptor(write)
        (read, write) = try openFIFO(in: spec.directory)
        ends.backwardRead = OwnedDescriptor(read)
        ends.backwardWrite = OwnedDescriptor(write)
    }

    /// mkfifo, open the read end non-blocking (so it does not wait for a writer), open the write
    /// end, make the read end blocking again, unlink.
    private static func openFIFO(in directory: PrivateDirectory) throws(IPCError) -> (Int32, Int32) {
        let path = directory.uniquePath("fifo")
        _ = try sys("mkfifo") { mkfifo(path, 0o600) }
        defer { unlink(path) }
        let readEnd = OwnedDescriptor(try sys("open") { Glibc.open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOFOLLOW) })
        let writeEnd = OwnedDescriptor(try sys("open") { Glibc.open(path, O_WRONLY | O_CLOEXEC | O_NOFOLLOW) })
        try setNonBlocking(readEnd.raw, false)
        return (readEnd.release(), writeEnd.release())
    }
}

public typealias NamedPipe = PipeChannel<NamedPipes>
