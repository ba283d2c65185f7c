/// A result file as given on the command line: a run's CSV, or its JSON document (`run --json`),
/// which holds the same rows and, from this version on, each repetition's latency histogram.
public struct RunFile: Sendable {
    public var results: ResultSet
    /// Empty for a CSV, or a JSON written before histograms were kept.
    public var spectra: LatencySpectra

    public init(results: ResultSet, spectra: LatencySpectra = LatencySpectra()) {
        self.results = results
        self.spectra = spectra
    }

    public static func load(_ path: String) throws(ResultSet.LoadError) -> RunFile {
        guard let text = ProcFiles.read(path, limit: CSVReader.maximumBytes + 1) else { throw .unreadable(path) }
        return try parse(text, name: path)
    }

    /// JSON when the first character that is not white space is `{`; a CSV never starts so.
    static func isJSON(_ text: String) -> Bool {
        text.utf8.first { ![0x20, 0x09, 0x0A, 0x0D, 0xEF, 0xBB, 0xBF].contains($0) } == UInt8(ascii: "{")
    }

    public static func parse(_ text: String, name: String) throws(ResultSet.LoadError) -> RunFile {
        guard isJSON(text) else { return RunFile(results: try ResultSet.parse(text, name: name), spectra: LatencySpectra()) }
        let document: JSONValue
        do { document = try JSONReader.parse(text) } catch { throw .malformedJSON(name, error.description) }
        guard let columns = document["columns"]?.array?.compactMap(\.string), let rows = document["rows"]?.array else {
            throw .notAResultFile(name, "a JSON document without columns and rows (not from ipcbench run --json)")
        }
        // Each row back into the cells the CSV holds: numbers keep their text, null is empty.
        let table = [columns] + rows.map { row in columns.map { row[$0]?.cellText ?? "" } }
        let results = try ResultSet.parse(table: table, name: name, source: .json)
        do { return RunFile(results: results, spectra: try LatencySpectra.parse(document)) } catch {
            throw .malformedJSON(name, error.message)
        }
    }
}
