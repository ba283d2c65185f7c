/// Text made safe for XML and HTML, in content and in quoted attributes: `& < > " '` become
/// entities, and the control characters XML 1.0 cannot carry at all become U+FFFD, so a hostile
/// mechanism name or note can never end an element or break the file.
func xmlEscape(_ text: String) -> String {
    xmlEscapes(text)
}

/// Tab, line feed and carriage return are the only C0 characters XML 1.0 allows; U+FFFE and
/// U+FFFF are not characters to it at all.
private let xmlEscapes = EscapeTable(
    ["&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;", "'": "&#39;", "\t": "\t", "\n": "\n", "\r": "\r",
     "\u{FFFE}": "\u{FFFD}", "\u{FFFF}": "\u{FFFD}"],
    control: { _ in "\u{FFFD}" })

/// A small SVG writer for the plot report: shapes in paint order, every text and attribute
/// escaped, coordinates rounded to 0.1 px so the files stay small and diff well.
struct SVGDocument {
    enum Anchor: String { case start, middle, end }

    let width: Double
    let height: Double
    /// The chart's accessible name (and the tooltip of its background).
    var title: String? = nil
    private var parts: [String] = []

    /// Fonts every system has one of; the metrics the layout assumes are near all of them.
    static let fontFamily = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, 'Liberation Sans', 'DejaVu Sans', sans-serif"

    init(width: Double, height: Double) {
        self.width = width
        self.height = height
    }

    mutating func rect(x: Double, y: Double, width: Double, height: Double, fill: String,
                              stroke: String? = nil, strokeWidth: Double = 1, opacity: Double? = nil, tooltip: String? = nil) {
        var a = [("x", n(x)), ("y", n(y)), ("width", n(max(0, width))), ("height", n(max(0, height))), ("fill", fill)]
        if let stroke { a += [("stroke", stroke), ("stroke-width", n(strokeWidth))] }
        if let opacity { a.append(("opacity", n2(opacity))) }
        element("rect", a, tooltip: tooltip)
    }

    mutating func line(x1: Double, y1: Double, x2: Double, y2: Double, stroke: String,
                              width: Double = 1, dash: String? = nil, opacity: Double? = nil) {
        var a = [("x1", n(x1)), ("y1", n(y1)), ("x2", n(x2)), ("y2", n(y2)), ("stroke", stroke), ("stroke-width", n(width))]
        if let dash, !dash.isEmpty { a.append(("stroke-dasharray", dash)) }
        if let opacity { a.append(("opacity", n2(opacity))) }
        element("line", a)
    }

    mutating func polyline(_ points: [(x: Double, y: Double)], stroke: String, width: Double = 2,
                                  dash: String? = nil, opacity: Double? = nil, tooltip: String? = nil) {
        guard points.count > 1 else { return }
        var a = [("points", points.map { "\(n($0.x)),\(n($0.y))" }.joined(separator: " ")), ("fill", "none"),
                 ("stroke", stroke), ("stroke-width", n(width)), ("stroke-linejoin", "round"), ("stroke-linecap", "round")]
        if let dash, !dash.isEmpty { a.append(("stroke-dasharray", dash)) }
        if let opacity { a.append(("opacity", n2(opacity))) }
        element("polyline", a, tooltip: tooltip)
    }

    mutating func circle(cx: Double, cy: Double, r: Double, fill: String, stroke: String? = nil,
                                strokeWidth: Double = 1, tooltip: String? = nil) {
        var a = [("cx", n(cx)), ("cy", n(cy)), ("r", n(r)), ("fill", fill)]
        if let stroke { a += [("stroke", stroke), ("stroke-width", n(strokeWidth))] }
        element("circle", a, tooltip: tooltip)
    }

    mutating func polygon(_ points: [(x: Double, y: Double)], fill: String, stroke: String? = nil,
                          strokeWidth: Double = 1, opacity: Double? = nil, tooltip: String? = nil) {
        var a = [("points", points.map { "\(n($0.x)),\(n($0.y))" }.joined(separator: " ")), ("fill", fill)]
        if let stroke { a += [("stroke", stroke), ("stroke-width", n(strokeWidth))] }
        if let opacity { a.append(("opacity", n2(opacity))) }
        element("polygon", a, tooltip: tooltip)
    }

    /// One line of text. `halo` paints a white outline under the glyphs so a label stays
    /// readable where it crosses a line.
    mutating func text(_ content: String, x: Double, y: Double, size: Double = 12, anchor: Anchor = .start,
                              bold: Bool = false, fill: String = "#222222", rotate: Double? = nil,
                              halo: Bool = false, tooltip: String? = nil) {
        var a = [("x", n(x)), ("y", n(y)), ("font-size", n(size)), ("fill", fill)]
        if anchor != .start { a.append(("text-anchor", anchor.rawValue)) }
        if bold { a.append(("font-weight", "bold")) }
        if let rotate { a.append(("transform", "rotate(\(n(rotate)) \(n(x)) \(n(y)))")) }
        if halo { a += [("stroke", "#ffffff"), ("stroke-width", "3"), ("stroke-linejoin", "round"), ("paint-order", "stroke")] }
        var body = xmlEscape(content)
        if let tooltip { body = "<title>\(xmlEscape(tooltip))</title>" + body }
        parts.append("<text \(attributes(a))>\(body)</text>")
    }

    /// The whole document, white background first.
    func render() -> String {
        var out = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(n(width))\" height=\"\(n(height))\" "
        out += "viewBox=\"0 0 \(n(width)) \(n(height))\" font-family=\"\(xmlEscape(Self.fontFamily))\" role=\"img\">\n"
        if let title { out += "<title>\(xmlEscape(title))</title>\n" }
        out += "<rect x=\"0\" y=\"0\" width=\"\(n(width))\" height=\"\(n(height))\" fill=\"#ffffff\"/>\n"
        for part in parts { out += part + "\n" }
        out += "</svg>\n"
        return out
    }

    private mutating func element(_ name: String, _ a: [(String, String)], tooltip: String? = nil) {
        if let tooltip {
            parts.append("<\(name) \(attributes(a))><title>\(xmlEscape(tooltip))</title></\(name)>")
        } else {
            parts.append("<\(name) \(attributes(a))/>")
        }
    }

    private func attributes(_ a: [(String, String)]) -> String {
        a.map { "\($0.0)=\"\(xmlEscape($0.1))\"" }.joined(separator: " ")
    }

    /// A coordinate: a scale fed an extreme value may return one far off the canvas, which is
    /// clamped to a million pixels (and a non-finite one drawn at 0) so it stays a plain number.
    private func n(_ v: Double) -> String { trimmed(fixed(v.isFinite ? min(max(v, -1e6), 1e6) : 0, 1)) }
    private func n2(_ v: Double) -> String { trimmed(fixed(v.isFinite ? min(max(v, 0), 1) : 1, 2)) }

    private func trimmed(_ s: String) -> String {
        guard s.contains(".") else { return s == "-0" ? "0" : s }
        var t = Substring(s)
        while t.hasSuffix("0") { t = t.dropLast() }
        if t.hasSuffix(".") { t = t.dropLast() }
        return t == "-0" ? "0" : String(t)
    }

    /// About how wide `text` is at `size` px in a sans-serif font, for layout (no font metrics
    /// without a renderer; errs wide so labels do not collide).
    static func textWidth<S: StringProtocol>(_ text: S, size: Double) -> Double {
        var em = 0.0
        for c in text { em += emWidth(c) }
        return em * size
    }

    private static func emWidth(_ c: Character) -> Double {
        switch c {
        case "i", "l", "j", "I", "|", ".", ",", ":", ";", "'", "!", " ", "(", ")", "[", "]": return 0.32
        case "f", "r", "t", "-": return 0.42
        case "m", "w", "M", "W", "%", "@": return 0.9
        case "A"..."Z": return 0.7
        case "0"..."9": return 0.62
        default: return c.isASCII ? 0.58 : 0.7
        }
    }

    /// `text` cut (with "…") to fit `width` px at `size`: one pass over the characters, so a
    /// label of any length costs its length, not its length squared.
    static func fitted(_ text: String, width: Double, size: Double) -> String {
        guard textWidth(text, size: size) > width else { return text }
        let budget = width / size - emWidth("…")
        var used = 0.0
        var end = text.startIndex
        for i in text.indices {
            let w = emWidth(text[i])
            if used + w > budget { break }
            used += w
            end = text.index(after: i)
        }
        return text[..<end] + "…"
    }
}
