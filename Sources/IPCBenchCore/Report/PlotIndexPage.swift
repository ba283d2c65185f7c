// The report's index.html: every chart in sections, the machine, and what was not plotted.

extension PlotReport {
    enum Section: String, CaseIterable {
        case change = "Change against the baseline"
        case throughput = "Throughput vs payload size"
        case latency = "Latency vs payload size"
        case openLoop = "Open-loop latency vs payload size"
        case spectra = "Latency by percentile"
        case history = "Over the runs"
        case bars = "Mechanisms side by side at one size"
        case heatmaps = "Heatmaps"
        case coreMatrix = "Core matrix"
    }

    struct Chart {
        var section: Section
        var name: String
        var caption: String
        var svg: String
    }

    static func index(_ charts: [Chart], data: PlotData, results: ResultSet) -> String {
        var html = pageHead("ipcbench results")
        html += "<p class=\"machine\">\(xmlEscape(data.machineLine))</p>\n"
        html += "<p>Each value is the median of a scenario's <code>ok</code> repetitions. Compare rows of the same placement and wait; "
            + "read every row against the ceilings (<code>memcpy</code> for throughput, <code>cacheline</code> for latency).</p>\n"
        let sections = Section.allCases.filter { s in charts.contains { $0.section == s } }
        html += "<nav>" + sections.map { "<a href=\"#\(anchor($0))\">\(xmlEscape($0.rawValue))</a>" }.joined() + (data.notOk.isEmpty ? "" : "<a href=\"#not-plotted\">Not plotted</a>") + "</nav>\n"
        html += figures(charts, sections: sections)
        if !data.notOk.isEmpty {
            html += "<h2 id=\"not-plotted\">Not plotted</h2>\n<p>Scenarios without an ok repetition (they are grey in the heatmaps).</p>\n"
            html += "<table><tr><th>scenario</th><th>status</th><th>note</th></tr>\n"
            for (key, status, note) in data.notOk.prefix(500) {
                html += "<tr><td>\(xmlEscape(key.description))</td><td>\(xmlEscape(status.rawValue))</td><td>\(xmlEscape(note))</td></tr>\n"
            }
            if data.notOk.count > 500 { html += "<tr><td colspan=\"3\">… and \(data.notOk.count - 500) more</td></tr>\n" }
            html += "</table>\n"
        }
        html += "<p class=\"machine\">Written by ipcbench \(xmlEscape(ipcbenchVersion)) from \(results.rows.count) rows.</p>\n</body>\n</html>\n"
        return html
    }

    /// Each section's heading and its charts, every name and caption escaped.
    static func figures(_ charts: [Chart], sections: [Section]) -> String {
        var html = ""
        for section in sections {
            html += "<h2 id=\"\(anchor(section))\">\(xmlEscape(section.rawValue))</h2>\n"
            for chart in charts where chart.section == section {
                html += "<figure><a href=\"\(xmlEscape(chart.name))\"><img src=\"\(xmlEscape(chart.name))\" alt=\"\(xmlEscape(chart.caption))\"></a>"
                html += "<figcaption>\(xmlEscape(chart.caption)) — <code>\(xmlEscape(chart.name))</code></figcaption></figure>\n"
            }
        }
        return html
    }

    /// The page up to its first heading.
    static func pageHead(_ title: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(xmlEscape(title))</title>
        <style>
        body { font-family: \(SVGDocument.fontFamily); color: #222; background: #fff; max-width: 940px; margin: 24px auto; padding: 0 16px; line-height: 1.45; }
        h1 { font-size: 26px; margin-bottom: 4px; }
        h2 { font-size: 20px; margin-top: 40px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
        .machine { color: #555; margin-top: 0; }
        nav a { margin-right: 14px; }
        figure { margin: 20px 0 28px; }
        figure img { width: 100%; max-width: 900px; height: auto; border: 1px solid #eee; }
        figcaption { color: #555; font-size: 14px; }
        table { border-collapse: collapse; font-size: 14px; }
        td, th { text-align: left; padding: 3px 10px 3px 0; vertical-align: top; }
        </style>
        </head>
        <body>
        <h1>\(xmlEscape(title))</h1>

        """
    }

    static func anchor(_ section: Section) -> String {
        switch section {
        case .change: return "change"
        case .throughput: return "throughput"
        case .latency: return "latency"
        case .openLoop: return "openloop"
        case .spectra: return "spectra"
        case .history: return "history"
        case .bars: return "bars"
        case .heatmaps: return "heatmaps"
        case .coreMatrix: return "core-matrix"
        }
    }
}
