import Glibc

/// Writes a file all at once: a private temp file in the same folder, fsync, rename. Readers
/// see the old file or the whole new one, never half a report.
public enum AtomicFile {
    public struct WriteError: Error, CustomStringConvertible {
        public let path: String
        public let reason: String
        /// The errno behind it, where one is.
        public var code: Int32? = nil
        public var description: String { "cannot write \(path): \(reason)" }

        /// Out of descriptors or memory: the machine's state, not the path's fault.
        public var isResourceExhaustion: Bool { [EMFILE, ENFILE, ENOMEM].contains(code ?? 0) }
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
        guard fd >= 0 else { throw WriteError(path: path, reason: errnoText(errno), code: errno) }
        close(fd)
        unlink(probe)
    }

    /// Replaces (or creates) `path` with `text`. A file that is replaced keeps its mode and, where
    /// this process may give it away (root), its owner: rewriting another user's 0600 report
    /// must not leave it world-readable and root's.
    public static func write(_ text: String, to path: String) throws(WriteError) {
        try refuseNonRegular(path)
        var existing = stat()
        let replacing = stat(path, &existing) == 0
        let temp = "\(folder(of: path))/.\(path.split(separator: "/").last ?? "out").\(SecureRandom.token().prefix(12)).tmp"
        let fd = open(temp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, replacing ? 0o600 : 0o644)
        guard fd >= 0 else { throw WriteError(path: path, reason: errnoText(errno)) }
        var failure = writeAll(text, to: fd)
        if failure == nil && replacing {
            // Owner first: chown clears the set-id bits the mode may then restore. Only root may
            // give a file away; anyone else's replacement is theirs, with the old mode.
            if existing.st_uid != geteuid() || existing.st_gid != getegid() { _ = fchown(fd, existing.st_uid, existing.st_gid) }
            if fchmod(fd, existing.st_mode & 0o7777) != 0 { failure = errnoText(errno) }
        }
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
    static func writeAll(_ text: String, to fd: Int32) -> String? {
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

    /// mkdir -p for the report folder (0755), best effort: a folder that cannot be made shows
    /// when the file in it is checked or written. ``createFolders(_:)`` says why at once.
    public static func makeFolders(_ path: String) {
        try? createFolders(path)
    }

    /// mkdir -p for the report folder (0755); throws naming the folder that could not be made
    /// (a read-only working folder is EROFS here, not a puzzling "does not exist" later).
    public static func createFolders(_ path: String) throws(WriteError) {
        var prefix = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/") {
            prefix += "/\(part)"
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
                throw WriteError(path: prefix, reason: "cannot create the folder: \(errnoName(errno)) (\(errnoText(errno)))")
            }
        }
    }

    /// Creates `path` empty, exclusively (O_EXCL, O_NOFOLLOW): false when it already exists. Two
    /// runs that picked one name cannot both take it.
    public static func createExclusively(_ path: String) throws(WriteError) -> Bool {
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o644)
        if fd < 0 {
            if errno == EEXIST { return false }
            throw WriteError(path: path, reason: errnoText(errno), code: errno)
        }
        close(fd)
        return true
    }

    /// Whether two paths name one file: the same text, the same existing file (device and
    /// inode, so `a.csv`, `./a.csv` and a hard link all match), or the same name in the same
    /// real folder for a file not there yet.
    public static func sameFile(_ a: String, _ b: String) -> Bool {
        if a == b { return true }
        var sa = stat(), sb = stat()
        if stat(a, &sa) == 0 && stat(b, &sb) == 0 { return sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino }
        guard let ra = canonical(a), let rb = canonical(b) else { return false }
        return ra == rb
    }

    /// The real path of the file's folder (realpath) plus its last name component.
    static func canonical(_ path: String) -> String? {
        guard let name = path.split(separator: "/").last, !path.hasSuffix("/") else { return nil }
        guard let real = realpath(folder(of: path), nil) else { return nil }
        defer { free(real) }
        return String(cString: real) + "/" + name
    }
}
