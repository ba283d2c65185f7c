import Glibc

/// A run's rows kept safe while it goes on: each completed row is appended to a CSV next to
/// the report (`<output>.partial`) and fsynced, so a report that cannot be written at the end
/// (a full disk, a file-size limit) or a coordinator killed half-way still leaves what was
/// measured. The rows carry no `cv_pct`/`noisy` (the spread needs every repetition); the file
/// is removed once the report is written.
///
/// The file is opened for each append and closed again, so a run holds no descriptor for it
/// between rows (a mechanism's scenario may need every descriptor the limit allows).
public final class PartialRows {
    public let path: String
    private var active = true
    /// Bytes of whole rows on disk: a failed append is cut back to it, so the file never ends
    /// in half a row.
    private var goodBytes: off_t = 0
    /// Rows on disk.
    public private(set) var rows = 0
    /// Why an append failed (later rows are not appended), or nil.
    public private(set) var failure: String?

    /// Creates `path` exclusively (O_EXCL, O_NOFOLLOW, 0644) and writes the CSV header.
    public init(path: String) throws(AtomicFile.WriteError) {
        self.path = path
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0o644)
        guard fd >= 0 else { throw AtomicFile.WriteError(path: path, reason: errnoText(errno), code: errno) }
        close(fd)
        _ = append(text: CSVReport.render([]))
    }

    /// Appends one CSV row (``CSVReport/row(_:machine:timestamp:clockOverheadNs:)``) and syncs it.
    public func append(_ row: [String]) {
        if append(text: CSVReport.renderRaw([row])) { rows += 1 }
    }

    /// Whether the file holds every row appended, and at least one.
    public var holdsEveryRow: Bool { failure == nil && rows > 0 }

    /// The report is written: the rows are safe there, this copy goes.
    public func discard() {
        closeFile()
        unlink(path)
    }

    /// The report could not be written: the file stays if it holds a row, else it goes.
    public func keep() {
        closeFile()
        if rows == 0 { unlink(path) }
    }

    private func append(text: String) -> Bool {
        guard active, failure == nil else { return false }
        let fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else {
            failure = errnoText(errno)
            return false
        }
        defer { close(fd) }
        var why = AtomicFile.writeAll(text, to: fd)
        if why == nil && fsync(fd) != 0 { why = errnoText(errno) }
        if let why {
            failure = why
            _ = ftruncate(fd, goodBytes)
            return false
        }
        goodBytes += off_t(text.utf8.count)
        return true
    }

    private func closeFile() { active = false }
}
