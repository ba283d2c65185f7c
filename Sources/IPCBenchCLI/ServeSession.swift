import Glibc
import IPCBenchCore

/// `run --serve`: one scenario's workers held warm, one burst per request read from standard
/// input, one CSV row per burst on standard output (the header first, once the workers are up).
/// A request is a line holding the burst's message count per pair (`count N`: a counting burst,
/// system calls counted and no times kept, see ``BurstRequest``); `renew` starts over with
/// fresh workers and a fresh channel (new memory, new kernel objects); an empty line, `quit` or
/// the end of input ends it all. This is how `gate` runs each build: both sides' sessions
/// stay up and the gate alternates short bursts between them.
final class ServeSession: BurstDriver {
    /// The longest request line taken; a longer one ends the session as malformed.
    static let maximumLineBytes = 64

    private let interrupts: InterruptSignals
    private let row: (RepetitionResult) -> [String]
    private var pending: [UInt8] = []
    private var headerWritten = false
    private(set) var interruptedBy: Int32?
    private(set) var malformed: String?
    private(set) var bursts = 0
    private(set) var failed = false
    /// The last session ended on `renew`: fresh workers and channel for the next requests.
    var renewRequested = false

    init(interrupts: InterruptSignals, row: @escaping (RepetitionResult) -> [String]) {
        self.interrupts = interrupts
        self.row = row
    }

    func nextBurst() -> BurstRequest? {
        writeHeaderOnce()
        while true {
            if let newline = pending.firstIndex(of: UInt8(ascii: "\n")) {
                let line = String(decoding: pending[..<newline], as: UTF8.self).trimmingSpaces
                pending.removeSubrange(...newline)
                if line.isEmpty || line == "quit" { return nil }
                if line == "renew" { renewRequested = true; return nil }
                let counted = line.hasPrefix("count ")
                guard let n = Int(counted ? String(line.dropFirst(6)) : line), n >= 1, n <= ServeLimits.maximumMessages else {
                    malformed = "a request is a message count from 1 to \(ServeLimits.maximumMessages) (or count N), not '\(echo(line, limit: 40))'"
                    return nil
                }
                return BurstRequest(messages: n, counted: counted)
            }
            if pending.count > Self.maximumLineBytes {
                malformed = "a request line longer than \(Self.maximumLineBytes) bytes"
                return nil
            }
            var fds = [pollfd(fd: 0, events: Int16(POLLIN), revents: 0), pollfd(fd: interrupts.fd, events: Int16(POLLIN), revents: 0)]
            if Glibc.poll(&fds, 2, -1) < 0 {
                if errno == EINTR { continue }
                return nil
            }
            if let signal = interrupts.poll() { interruptedBy = signal; return nil }
            var chunk = [UInt8](repeating: 0, count: 256)
            let n = chunk.withUnsafeMutableBytes { read(0, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return nil }
            pending += chunk[0..<n]
        }
    }

    func finished(_ result: RepetitionResult) {
        bursts += 1
        if result.status == .failed { failed = true }
        var numbered = result
        numbered.repetition = bursts
        emit(CSVReport.renderRaw([row(numbered)]))
    }

    /// The end of a session that failed before or between bursts: its row, so the gate reads why.
    func report(_ result: RepetitionResult) {
        writeHeaderOnce()
        if result.status != .ok {
            failed = result.status == .failed
            emit(CSVReport.renderRaw([row(result)]))
        }
    }

    /// The CSV header, before the first row (once the workers are up, or with a lone failure).
    private func writeHeaderOnce() {
        guard !headerWritten else { return }
        headerWritten = true
        emit(CSVReport.renderRaw([CSVReport.columns]))
    }

    private func emit(_ text: String) {
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let n = bytes.withUnsafeMutableBytes { write(1, $0.baseAddress! + offset, $0.count - offset) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { return }
            offset += n
        }
    }
}

private extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while let c = s.first, c == " " || c == "\t" || c == "\r" { s.removeFirst() }
        while let c = s.last, c == " " || c == "\t" || c == "\r" { s.removeLast() }
        return String(s)
    }
}
