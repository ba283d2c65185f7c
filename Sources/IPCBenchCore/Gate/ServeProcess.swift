import Glibc

/// One side of a burst-paired gate: a build of ipcbench running `run --serve` for one
/// scenario, its workers warm, answering each request (a burst's message count) with one CSV
/// row. Every read has a deadline, output is bounded, and the process is always torn down and
/// reaped (``ChildProcess/teardown``), whatever the build does: hang, flood, crash or lie.
final class ServeProcess {
    let program: String
    let side: String
    private var child: ChildProcess.Spawned
    private var pending: [UInt8] = []
    private var errors: [UInt8] = []
    private var ended = false
    /// The child's columns, mapped onto ours (nil where it has no such column).
    private var columnIndex: [Int?] = []
    /// The columns of this version that the child's header lacks, and the child's that this
    /// version does not know (a build of another release): listed, not compared.
    private(set) var columns = GateColumns()

    /// The most a row (or the header) may take; a build printing more without ending one is
    /// stopped as flooding.
    static let maximumLineBytes = 1 << 20
    static let keptErrorBytes = 4_096

    init(program: String, side: String, arguments: [String]) throws(GateError) {
        // A build that stops reading must be an error we report, not a signal that ends us.
        signal(SIGPIPE, SIG_IGN)
        self.program = program
        self.side = side
        do { child = try ChildProcess.spawn(program, arguments, pipeInput: true) } catch {
            throw GateError(message: "\(side): \(error)")
        }
    }

    deinit { stop() }

    /// Waits for the header (the workers are up) and learns the child's column order.
    func start(deadline: UInt64) throws(GateError) {
        let header = try readRecord(deadline: deadline, what: "its CSV header")
        var ours: [String: Int] = [:]
        for (i, c) in CSVReport.columns.enumerated() { ours[c] = i }
        var theirs: [String: Int] = [:]
        for (i, c) in header.enumerated() { theirs[c] = i }
        guard theirs["mechanism"] != nil, theirs["status"] != nil else {
            throw failure("printed '\(echo(header.joined(separator: ","), limit: 120))' instead of a result header")
        }
        columnIndex = CSVReport.columns.map { theirs[$0] }
        columns = GateColumns(header: header)
    }

    /// One burst of `messages` per pair: its row in our column order.
    func burst(_ messages: Int, counted: Bool = false, deadline: UInt64) throws(GateError) -> [String] {
        let what = "a row for a \(counted ? "counting " : "")burst of \(messages) messages"
        if send((counted ? "count " : "") + "\(messages)\n") { return try readRow(deadline: deadline, what: what) }
        // It stopped reading: a session that skipped or failed has said why already.
        do { return try readRow(deadline: min(deadline, MonotonicClock.nowNs() + 2_000_000_000), what: what) } catch {
            throw failure(exitDescription(orElse: "stopped reading its requests") + " before \(what)")
        }
    }

    /// Ends the session's workers; the next request starts fresh ones (new memory and objects).
    func renew() throws(GateError) {
        if !send("renew\n") { throw failure(exitDescription(orElse: "stopped reading its requests") + " when asked to renew") }
    }

    /// A row the child printed without being asked (a skipped scenario says so at once).
    func readRow(deadline: UInt64, what: String) throws(GateError) -> [String] {
        let cells = try readRecord(deadline: deadline, what: what)
        return columnIndex.map { i in i.flatMap { $0 < cells.count ? cells[$0] : nil } ?? "" }
    }

    /// Asks the session to end, then tears the process down and reaps it (idempotent).
    func stop() {
        guard !ended else { return }
        ended = true
        if child.input >= 0 {
            _ = "\n".withCString { write(child.input, $0, 1) }
            close(child.input)
        }
        var status: Int32 = 0
        if !ChildProcess.waitUntilExit(child.pid, &status, until: MonotonicClock.nowNs() + UInt64(ChildProcess.graceMs) * 1_000_000) {
            _ = ChildProcess.teardown(child.pid)
        }
        kill(-child.pid, SIGKILL)
        close(child.output)
        close(child.errors)
    }

    /// What went wrong, naming the side, the program and its first line on standard error.
    func failure(_ what: String) -> GateError {
        drainErrors()
        let first = String(decoding: errors, as: UTF8.self).split(separator: "\n").first.map { echo($0, limit: 300) } ?? ""
        stop()
        return GateError(message: "\(side): \(echo(program, limit: 200)) \(what)" + (first.isEmpty ? "" : ": \(first)"))
    }

    /// Writes a request; false when the child no longer reads (EPIPE: SIGPIPE is ignored).
    private func send(_ text: String) -> Bool {
        guard child.input >= 0 else { return false }
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeMutableBytes { write(child.input, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return false }
            offset += n
        }
        return true
    }

    /// One CSV record (a line, or several where a quoted field holds a line break).
    private func readRecord(deadline: UInt64, what: String) throws(GateError) -> [String] {
        while true {
            if let end = recordEnd() {
                let text = String(decoding: pending[...end], as: UTF8.self)
                pending.removeSubrange(...end)
                let table: [[String]]
                do { table = try CSVReader.parse(text) } catch {
                    throw failure("printed an unreadable CSV line instead of \(what): \(error)")
                }
                guard let cells = table.first, !(cells.count == 1 && cells[0].isEmpty) else {
                    throw failure("printed an empty line instead of \(what)")
                }
                return cells
            }
            if pending.count > Self.maximumLineBytes {
                throw failure("printed more than \(Self.maximumLineBytes) bytes without a complete row (flooding); stopped")
            }
            let now = MonotonicClock.nowNs()
            guard now < deadline else {
                throw failure("did not answer (\(what)) before its deadline (hanging); stopped")
            }
            var fds = [pollfd(fd: child.output, events: Int16(POLLIN), revents: 0), pollfd(fd: child.errors, events: Int16(POLLIN), revents: 0)]
            let waitMs = Int32(min(1_000, (deadline - now) / 1_000_000 + 1))
            if poll(&fds, 2, waitMs) < 0 {
                if errno == EINTR { continue }
                throw failure("could not be watched: poll \(errnoName(errno))")
            }
            if fds[1].revents != 0 { drainErrors() }
            if fds[0].revents != 0 {
                var chunk = [UInt8](repeating: 0, count: 65536)
                let n = chunk.withUnsafeMutableBytes { read(child.output, $0.baseAddress, $0.count) }
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { throw failure(exitDescription(orElse: "closed its output") + " before \(what)") }
                pending += chunk[0..<n]
            }
        }
    }

    /// The offset of the newline that ends the first complete record (quotes balanced), if any.
    private func recordEnd() -> Int? {
        var quotes = 0
        for i in 0..<pending.count {
            if pending[i] == UInt8(ascii: "\"") { quotes += 1 }
            if pending[i] == UInt8(ascii: "\n") && quotes % 2 == 0 { return i }
        }
        return nil
    }

    /// Keeps the first few KiB of standard error; the rest is read and dropped (never blocks it).
    private func drainErrors() {
        var chunk = [UInt8](repeating: 0, count: 16384)
        while true {
            var fd = pollfd(fd: child.errors, events: Int16(POLLIN), revents: 0)
            guard poll(&fd, 1, 0) > 0 else { return }
            let n = chunk.withUnsafeMutableBytes { read(child.errors, $0.baseAddress, $0.count) }
            if n <= 0 { return }
            if errors.count < Self.keptErrorBytes { errors += chunk[0..<min(n, Self.keptErrorBytes - errors.count)] }
        }
    }

    /// "exited 1", "was killed by signal 11", or `orElse` while it still runs.
    private func exitDescription(orElse: String) -> String {
        var status: Int32 = 0
        guard ChildProcess.waitUntilExit(child.pid, &status, until: MonotonicClock.nowNs() + 200_000_000) else { return orElse }
        drainErrors()
        ended = true
        kill(-child.pid, SIGKILL)
        close(child.input); child.input = -1
        close(child.output); close(child.errors)
        child.output = -1; child.errors = -1
        let exit = TerminationStatus(status)
        if let signal = exit.signal { return "was killed by signal \(signal)" }
        return "exited \(exit.exitCode ?? -1)"
    }
}
