#if canImport(Glibc)
import Glibc
#endif
import IPCBenchCore

/// Where a run's rows go: the CSV (or standard output), the JSON, and the partial file that
/// holds each row from the moment it completes until the CSV is written.
struct RunOutputs {
    /// The CSV path, or "-" for standard output.
    let csv: String
    let json: String?
    let partial: PartialRows
    /// The default name was created empty to claim it: removed again if nothing is written.
    let claimedDefault: Bool

    struct Problem: Error {
        let message: String
        /// 64, or 71 when the machine (out of descriptors or memory), not the path, is the cause.
        var status = ExitCode.usage
    }

    /// Checks and claims the output paths, before anything is measured.
    static func prepare(_ command: RunCommand) -> Result<RunOutputs, Problem> {
        // The JSON first: a bad --json must not leave a claimed default name (or its folder).
        if let json = command.json {
            do { try AtomicFile.checkWritable(json) } catch {
                return .failure(Problem(message: "--json: \(error)", status: error.isResourceExhaustion ? ExitCode.setupFailed : ExitCode.usage))
            }
        }
        var csv = command.output ?? ""
        var claimed = false
        if command.output == nil {
            switch claimDefaultName() {
            case let .success(path): csv = path; claimed = true
            case let .failure(problem): return .failure(problem)
            }
        }
        func fail(_ message: String, _ cause: AtomicFile.WriteError? = nil) -> Result<RunOutputs, Problem> {
            if claimed { unlink(csv) }
            return .failure(Problem(message: message, status: cause?.isResourceExhaustion == true ? ExitCode.setupFailed : ExitCode.usage))
        }
        let partialPath = csv == "-"
            ? "\(PrivateDirectory.temporaryBase())/ipcbench-\(WallClock.compactUTCMilliseconds())-\(getpid()).partial.csv"
            : "\(csv).partial"
        if csv != "-" {
            do { try AtomicFile.checkWritable(csv) } catch { return fail("--output: \(error)", error) }
        }
        // One path cannot be two reports: the JSON's rename would replace the CSV.
        if let json = command.json, csv != "-", AtomicFile.sameFile(json, csv) || AtomicFile.sameFile(json, partialPath) {
            return fail("--json: \(json) is the --output file\(AtomicFile.sameFile(json, csv) ? "" : "'s partial file") too; give two paths")
        }
        var info = stat()
        if lstat(partialPath, &info) == 0 {
            return fail("--output: \(partialPath) exists: the rows of a run that did not finish, or a run writing "
                + "\(csv) now; move it away or give another --output")
        }
        do {
            let partial = try PartialRows(path: partialPath)
            return .success(RunOutputs(csv: csv, json: command.json, partial: partial, claimedDefault: claimed))
        } catch {
            return fail("--output: cannot keep rows as they complete: \(error)", error)
        }
    }

    /// `results/runs/ipcbench-<UTC time>-<ms>-<pid>.csv`, created exclusively so that runs
    /// started together (in one folder, even in containers with one pid) never share one.
    static func claimDefaultName() -> Result<String, Problem> {
        let folder = "results/runs"
        do { try AtomicFile.createFolders(folder) } catch {
            return .failure(Problem(message: "the default output folder \(folder) cannot be made here: \(error.reason); give --output PATH"))
        }
        let stem = "\(folder)/ipcbench-\(WallClock.compactUTCMilliseconds())-\(getpid())"
        for attempt in 1...100 {
            let path = attempt == 1 ? "\(stem).csv" : "\(stem)-\(attempt).csv"
            do {
                if try AtomicFile.createExclusively(path) { return .success(path) }
            } catch {
                return .failure(Problem(message: "the default output in \(folder) cannot be created: \(error.reason); give --output PATH",
                                        status: error.isResourceExhaustion ? ExitCode.setupFailed : ExitCode.usage))
            }
        }
        return .failure(Problem(message: "no free name for the default output in \(folder); give --output PATH"))
    }

    /// Nothing was written: the claimed name and the partial file go.
    func abandon() {
        partial.discard()
        if claimedDefault { unlink(csv) }
    }

    /// The CSV could not be written: says where the rows are, after putting them somewhere if
    /// the partial file does not hold them all (a file in $TMPDIR, one in the working folder,
    /// else standard output).
    func rescue(_ text: String, rows: Int) -> String {
        // The claimed name holds nothing: leave no empty report behind.
        if claimedDefault { unlink(csv) }
        let all = rows == 1 ? "the row is" : "the \(rows) rows are"
        if partial.holdsEveryRow && partial.rows == rows {
            partial.keep()
            return "\(all) in \(partial.path) (without cv_pct and noisy)"
        }
        let name = "ipcbench-rescued-\(WallClock.compactUTCMilliseconds())-\(getpid()).csv"
        for candidate in ["\(PrivateDirectory.temporaryBase())/\(name)", name] {
            if (try? AtomicFile.write(text, to: candidate)) != nil {
                partial.discard()
                return "\(all) in \(candidate)"
            }
        }
        // What print() holds goes first, so the CSV is not cut into the header lines.
        fflush(nil)
        if csv != "-", (try? AtomicFile.write(text, descriptor: 1, name: "standard output")) != nil {
            partial.discard()
            return "\(all) on standard output"
        }
        partial.keep()
        return partial.rows > 0
            ? "\(partial.rows) of the \(rows) rows are in \(partial.path); the rest could not be written anywhere"
            : "the rows could not be written anywhere"
    }
}
