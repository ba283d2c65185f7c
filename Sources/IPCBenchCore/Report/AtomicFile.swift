#if canImport(Glibc)
import Glibc
#endif

/// Writes a file all at once: a private temp file in the same folder, fsync, rename. Readers
/// see the old file or the whole new one, never half a report.
public enum AtomicFile {
    public struct WriteError: Error, CustomStringConvertible {
        public let path: String
        public let reason: String
        public var description: String { "cannot write \(path): \(reason)" }
    }

    static func folder(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// Fails early, before any measuring, if `path` could not be written later. Creates no file.
    public static func checkWritable(_ path: String) throws(WriteError) {
        guard !path.isEmpty, !path.hasSuffix("/") else { throw WriteError(path: path, reason: "not a file name") }
        var info = stat()
        if lstat(path, &info) == 0 {
            // Replacing a device, FIFO or symlink with a report would break the machine
            // (think /dev/null as root) or silently miss the target: only regular files.
            switch info.st_mode & S_IFMT {
            case S_IFREG: break
            case S_IFDIR: throw WriteError(path: path, reason: "is a folder")
            case S_IFLNK: throw WriteError(path: path, reason: "is a symbolic link (give the real path)")
            default: throw WriteError(path: path, reason: "exists and is not a regular file")
            }
        }
        let dir = folder(of: path)
        if stat(dir, &info) != 0 { throw WriteError(path: path, reason: "folder \(dir) does not exist") }
        if (info.st_mode & S_IFMT) != S_IFDIR { throw WriteError(path: path, reason: "\(dir) is not a folder") }
        if access(dir, W_OK | X_OK) != 0 { throw WriteError(path: path, reason: "folder \(dir) is not writable") }
        if access(path, F_OK) == 0 && access(path, W_OK) != 0 { throw WriteError(path: path, reason: "file is not writable") }
        // access() says yes to root everywhere; creating the temp file is the real test.
        let probe = "\(dir)/.ipcbench-probe-\(SecureRandom.token().prefix(12))"
        let fd = open(probe, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { throw WriteError(path: path, reason: errnoText(errno)) }
        close(fd)
        unlink(probe)
    }

    public static func write(_ text: String, to path: String) throws(WriteError) {
        try refuseNonRegular(path)
        let temp = "\(folder(of: path))/.\(path.split(separator: "/").last ?? "out").\(SecureRandom.token().prefix(12)).tmp"
        let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o644)
        guard fd >= 0 else { throw WriteError(path: path, reason: errnoText(errno)) }
        var failure = writeAll(text, to: fd)
        if failure == nil && fsync(fd) != 0 { failure = errnoText(errno) }
        if close(fd) != 0 && failure == nil { failure = errnoText(errno) }
        if failure == nil && rename(temp, path) != 0 { failure = errnoText(errno) }
        if let failure {
            unlink(temp)
            throw WriteError(path: path, reason: failure)
        }
    }

    static func refuseNonRegular(_ path: String) throws(WriteError) {
        var info = stat()
        if lstat(path, &info) == 0 && (info.st_mode & S_IFMT) != S_IFREG {
            throw WriteError(path: path, reason: "exists and is not a regular file")
        }
    }

    /// Writes all of `text` to a descriptor (standard output for `--output -`).
    public static func write(_ text: String, descriptor fd: Int32, name: String) throws(WriteError) {
        if let failure = writeAll(text, to: fd) { throw WriteError(path: name, reason: failure) }
    }

    /// Writes every byte, looping over short writes and EINTR; the error text, or nil.
    private static func writeAll(_ text: String, to fd: Int32) -> String? {
        var bytes = Array(text.utf8)
        return bytes.withUnsafeMutableBytes { raw -> String? in
            var done = 0
            while done < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + done, raw.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    return errnoText(errno)
                }
                done += n
            }
            return nil
        }
    }

    /// mkdir -p for the report folder (0755).
    public static func makeFolders(_ path: String) {
        var prefix = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/") {
            prefix += "/\(part)"
            mkdir(prefix, 0o755)
        }
    }
}
