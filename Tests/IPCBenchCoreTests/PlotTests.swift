import Glibc
import XCTest
@testable import IPCBenchCore
@testable import IPCBenchCLI

/// What every `ipcbench plot` test class builds on: result rows shaped like a real sweep, the
/// report rendered from them, a folder per test that is removed afterwards, and a small XML
/// checker. The tests themselves are in PlotChartTests, PlotLimitsTests and PlotCommandTests.
class PlotTests: LeakCheckedTestCase {
    // MARK: Fixtures

    struct Row {
        var mechanism: String
        var mode: String
        var size: Int
        var placement = "cross-core"
        var wait = "block"
        var repetition = 1
        var status = "ok"
        var note = ""
        var mib: Double? = nil
        var p50: Double? = nil
        var p99: Double? = nil
    }

    /// `exact`: numbers as Swift prints them (every digit, 1e-320 as such) instead of 3 decimals.
    static func csv(_ rows: [Row], exact: Bool = false) -> String {
        func field(_ s: String) -> String {
            s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" })
                ? "\"" + s.replacingAll("\"", with: "\"\"") + "\"" : s
        }
        func number(_ v: Double?) -> String { v.map { exact ? String($0) : fixed($0, 3) } ?? "" }
        var out = "mechanism,mode,payload_bytes,placement,pairs,wait,repetition,messages,status,note,mib_per_s,rtt_p50_ns,rtt_p99_ns,hostname,kernel,cpu_model,cpus\r\n"
        for r in rows {
            let cells = [r.mechanism, r.mode, String(r.size), r.placement, "1", r.wait, String(r.repetition), "1000", r.status, r.note,
                         number(r.mib), number(r.p50), number(r.p99), "testhost", "6.1.0", "Test CPU", "2"]
            out += cells.map(field).joined(separator: ",") + "\r\n"
        }
        return out
    }

    /// Four mechanisms at three sizes in both modes, the two ceilings, a spin ring and one
    /// skipped scenario: the shape of a real sweep.
    static func sweep(repetitions: Int = 1, latencyFactor: [String: Double] = [:]) -> [Row] {
        var rows: [Row] = []
        let speeds: [(String, Double)] = [("pipe", 40_000), ("unix-stream", 35_000), ("tcp", 60_000), ("shm-posix", 500)]
        for rep in 1...repetitions {
            let jitter = 1 + Double(rep % 3) * 0.002
            for (name, base) in speeds {
                let f = (latencyFactor[name] ?? 1) * jitter
                for size in [64, 4096, 65536] {
                    let rtt = (base + Double(size) / 4) * f
                    rows.append(Row(mechanism: name, mode: "latency", size: size, repetition: rep, p50: rtt, p99: rtt * 3))
                    rows.append(Row(mechanism: name, mode: "throughput", size: size, repetition: rep,
                                    mib: Double(size) / (rtt / 2) * 1e9 / 1_048_576))
                }
            }
            for size in [64, 4096, 65536] {
                rows.append(Row(mechanism: "memcpy", mode: "throughput", size: size, wait: "spin", repetition: rep, mib: Double(size) * 60 * jitter))
                rows.append(Row(mechanism: "shm-posix", mode: "latency", size: size, wait: "spin", repetition: rep, p50: 300 + Double(size) / 8, p99: 900 + Double(size) / 4))
            }
            rows.append(Row(mechanism: "cacheline", mode: "latency", size: 8, wait: "spin", repetition: rep, p50: 150, p99: 400))
            rows.append(Row(mechanism: "posix-mq", mode: "latency", size: 65536, repetition: rep, status: "skipped",
                            note: "exceeds /proc/sys/fs/mqueue/msgsize_max (8192 bytes)"))
        }
        return rows
    }

    static func results(_ rows: [Row]) throws -> ResultSet {
        try ResultSet.parse(csv(rows), name: "test.csv")
    }

    static func render(_ rows: [Row], baseline: [Row]? = nil) throws -> [String: String] {
        let files = try PlotReport.render(results: results(rows), baseline: baseline.map { try results($0) }, threshold: 0.05)
        return Dictionary(files.map { ($0.name, $0.content) }, uniquingKeysWith: { a, _ in a })
    }

    /// A folder for one test under the temp base, removed (with what was written) afterwards.
    private var folders: [PrivateDirectory] = []

    func makeFolder() throws -> String {
        let dir = try PrivateDirectory(prefix: "ipcbench-plottest")
        folders.append(dir)
        return dir.path
    }

    override func tearDown() {
        for folder in folders { removeTree(folder.path) }
        folders = []
        super.tearDown()
    }

    // MARK: A tiny XML checker

    /// Nil when `text` is one well-formed XML element (tags balanced and properly nested,
    /// attributes quoted, no raw `<` or stray `&`), else what is wrong.
    static func xmlProblem(_ text: String) -> String? {
        let s = Array(text.unicodeScalars)
        var i = 0
        var stack: [String] = []
        var roots = 0
        func entityOK(at j: Int) -> Bool {
            var k = j + 1
            var name = ""
            while k < s.count && s[k] != ";" && k - j < 12 { name.unicodeScalars.append(s[k]); k += 1 }
            guard k < s.count && s[k] == ";" else { return false }
            if ["amp", "lt", "gt", "quot", "apos"].contains(name) { return true }
            if name.hasPrefix("#x") { return UInt32(name.dropFirst(2), radix: 16) != nil }
            if name.hasPrefix("#") { return UInt32(name.dropFirst()) != nil }
            return false
        }
        while i < s.count {
            let c = s[i]
            if c.value < 0x20 && c != "\n" && c != "\r" && c != "\t" { return "control character U+\(String(c.value, radix: 16)) at \(i)" }
            if c == "&" {
                guard entityOK(at: i) else { return "a bare & at \(i)" }
                i += 1
                continue
            }
            if c != "<" { i += 1; continue }
            if i + 1 < s.count && (s[i + 1] == "?" || s[i + 1] == "!") {
                while i < s.count && s[i] != ">" { i += 1 }
                i += 1
                continue
            }
            let closing = i + 1 < s.count && s[i + 1] == "/"
            var j = i + (closing ? 2 : 1)
            var name = ""
            while j < s.count, s[j].properties.isAlphabetic || s[j] == ":" || s[j] == "-" || ("0"..."9").contains(s[j]) {
                name.unicodeScalars.append(s[j])
                j += 1
            }
            guard !name.isEmpty else { return "a raw < at \(i)" }
            var selfClosing = false
            while true {
                guard j < s.count else { return "unterminated tag <\(name)" }
                let d = s[j]
                if d == ">" { break }
                if d == "/" && j + 1 < s.count && s[j + 1] == ">" { selfClosing = true; j += 1; break }
                if d == "\"" || d == "'" {
                    var k = j + 1
                    while k < s.count && s[k] != d {
                        if s[k] == "<" { return "a raw < inside an attribute of <\(name)" }
                        if s[k] == "&" && !entityOK(at: k) { return "a bare & inside an attribute of <\(name)" }
                        k += 1
                    }
                    guard k < s.count else { return "an unterminated attribute in <\(name)" }
                    j = k + 1
                    continue
                }
                if d == "=" {
                    // The value must be quoted.
                    var k = j + 1
                    while k < s.count && s[k] == " " { k += 1 }
                    guard k < s.count, s[k] == "\"" || s[k] == "'" else { return "an unquoted attribute in <\(name)" }
                }
                j += 1
            }
            if closing {
                guard stack.last == name else { return "</\(name)> closes <\(stack.last ?? "nothing")>" }
                stack.removeLast()
            } else if !selfClosing {
                if stack.isEmpty { roots += 1 }
                stack.append(name)
            } else if stack.isEmpty {
                roots += 1
            }
            i = j + 1
        }
        if !stack.isEmpty { return "unclosed <\(stack.last!)>" }
        return roots == 1 ? nil : "\(roots) root elements"
    }

    /// The text of every <text> element.
    static func texts(_ svg: String) -> [String] {
        var out: [String] = []
        var rest = Substring(svg)
        while let open = rest.range(of: "<text ") {
            rest = rest[open.upperBound...]
            guard let gt = rest.firstIndex(of: ">"), let close = rest.range(of: "</text>") else { break }
            var body = rest[rest.index(after: gt)..<close.lowerBound]
            if let title = body.range(of: "</title>") { body = body[title.upperBound...] }
            out.append(String(body))
            rest = rest[close.upperBound...]
        }
        return out
    }
}
