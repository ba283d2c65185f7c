#if canImport(Glibc)
import Glibc
#endif

// The chart types of `ipcbench plot`, drawn as SVG by hand. They know only labels and
// numbers, never rows or files.

/// How a point is marked: each series of a chart also has its own shape (with its colour), so
/// no series is told apart by colour alone.
enum Marker: Sendable, CaseIterable {
    case circle, square, triangle, diamond
}

/// How one series is drawn.
struct SeriesStyle: Sendable, Equatable {
    var colour: String
    /// An SVG dash array, or nil for a solid line.
    var dash: String?
    var marker: Marker

    init(colour: String, dash: String? = nil, marker: Marker = .circle) {
        self.colour = colour
        self.dash = dash
        self.marker = marker
    }

    /// Okabe-Ito's eight (its yellow darkened so it reads on white), then eight of Paul Tol's
    /// muted and dark colours that stay apart from them for colour-blind readers, then twelve
    /// of Tol's light, high-contrast and medium-contrast ones: twenty-eight, enough for every
    /// mechanism of a full sweep with its in-place rows. Past the first sixteen, colours are
    /// closer, so each series also keeps its own marker shape. A chart numbers its series
    /// across its panels, and a panel never holds more than a palette (``splitForPalette(_:)``),
    /// so a colour repeats nowhere in a chart of up to twenty-eight series.
    static let palette = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#000000", "#B39B00",
                          "#332288", "#882255", "#117733", "#AA4499", "#44AA99", "#999933", "#CC6677", "#663333",
                          "#77AADD", "#EE8866", "#BBCC33", "#FFAABB", "#99DDFF", "#44BB99", "#994455", "#004488",
                          "#997700", "#EE99AA", "#6699CC", "#AAAA00"]

    /// The style of the `index`th series of one chart: its own colour, and a marker shape that
    /// differs from its neighbours'.
    static func forIndex(_ index: Int) -> SeriesStyle {
        let i = max(0, index)
        return SeriesStyle(colour: palette[i % palette.count], dash: i < palette.count ? nil : "7 4",
                           marker: Marker.allCases[i % Marker.allCases.count])
    }

    /// Lists of series cut into runs of at most one palette each.
    static func splitForPalette<T>(_ items: [T]) -> [[T]] {
        stride(from: 0, to: items.count, by: palette.count).map { Array(items[$0..<min($0 + palette.count, items.count)]) }
    }

    /// The ceilings (`memcpy`, `cacheline`): grey, long dashes.
    static let ceiling = SeriesStyle(colour: "#6B6B6B", dash: "10 5", marker: .diamond)
}

/// The families mechanisms are drawn in, one panel each, so that a chart of 25 mechanisms is
/// four small charts of a few lines rather than one of 25.
extension MechanismFamily: Comparable {
    /// A mechanism's family as its registry entry declares it; a name from a file that no
    /// registered mechanism has is drawn with the kernel channels.
    static func of(_ mechanism: String) -> MechanismFamily {
        MechanismRegistry.named(mechanism)?.traits.family ?? .kernel
    }

    public static func < (a: MechanismFamily, b: MechanismFamily) -> Bool {
        allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)!
    }

    var title: String {
        switch self {
        case .kernel: return "Kernel channels (pipes, sockets, queues)"
        case .notify: return "Notifications (eventfd, signals, futex)"
        case .rings: return "Shared-memory rings"
        case .zeroCopy: return "Zero-copy (vmsplice, cross-memory attach, memfd)"
        case .ceilings: return "Ceilings"
        }
    }

    /// One colour per family where bars are coloured by family.
    var colour: String {
        switch self {
        case .kernel: return "#0072B2"
        case .notify: return "#E69F00"
        case .rings: return "#009E73"
        case .zeroCopy: return "#CC79A7"
        case .ceilings: return "#6B6B6B"
        }
    }
}

enum ChartText {
    static let title = 18.0
    static let subtitle = 13.0
    static let axisTitle = 14.0
    static let tick = 12.0
    static let legend = 13.0
    static let ink = "#222222"
    static let muted = "#555555"
    static let grid = "#E4E4E4"
    static let axis = "#444444"
}

extension SVGDocument {
    mutating func marker(_ shape: Marker, x: Double, y: Double, colour: String, size: Double = 4, hollow: Bool = false, tooltip: String? = nil) {
        let fill = hollow ? "#ffffff" : colour
        let stroke = hollow ? colour : "#ffffff"
        let width = hollow ? 1.6 : 1
        switch shape {
        case .circle:
            circle(cx: x, cy: y, r: size, fill: fill, stroke: stroke, strokeWidth: width, tooltip: tooltip)
        case .square:
            let s = size * 0.9
            polygon([(x - s, y - s), (x + s, y - s), (x + s, y + s), (x - s, y + s)], fill: fill, stroke: stroke, strokeWidth: width, tooltip: tooltip)
        case .triangle:
            let s = size * 1.2
            polygon([(x, y - s), (x + s, y + s * 0.8), (x - s, y + s * 0.8)], fill: fill, stroke: stroke, strokeWidth: width, tooltip: tooltip)
        case .diamond:
            let s = size * 1.25
            polygon([(x, y - s), (x + s, y), (x, y + s), (x - s, y)], fill: fill, stroke: stroke, strokeWidth: width, tooltip: tooltip)
        }
    }

    /// Colour swatches in a row from `x`, each followed by its label; returns where the row ends.
    mutating func swatches(_ items: [(label: String, colour: String)], x: Double, y: Double) -> Double {
        var x = x
        for item in items {
            rect(x: x, y: y, width: 14, height: 14, fill: item.colour)
            text(item.label, x: x + 20, y: y + 12, size: ChartText.legend, fill: ChartText.ink)
            x += 20 + SVGDocument.textWidth(item.label, size: ChartText.legend) + 22
        }
        return x
    }

    /// Title and subtitle, top left; returns where the content may start.
    mutating func heading(_ title: String, _ subtitle: String) -> Double {
        self.title = title
        text(SVGDocument.fitted(title, width: width - 40, size: ChartText.title), x: 20, y: 30,
             size: ChartText.title, bold: true, fill: ChartText.ink, tooltip: title)
        guard !subtitle.isEmpty else { return 48 }
        // A subtitle too long for one line breaks at its last " · " that fits, so the machine
        // at its end is shown rather than cut.
        var lines = [subtitle]
        if SVGDocument.textWidth(subtitle, size: ChartText.subtitle) > width - 40 {
            let parts = subtitle.split(separator: " · ", omittingEmptySubsequences: false).map(String.init)
            if let cut = (1..<max(parts.count, 1)).reversed().first(where: {
                SVGDocument.textWidth(parts[..<$0].joined(separator: " · "), size: ChartText.subtitle) <= width - 40
            }) {
                lines = [parts[..<cut].joined(separator: " · "), parts[cut...].joined(separator: " · ")]
            }
        }
        for (i, line) in lines.enumerated() {
            text(SVGDocument.fitted(line, width: width - 40, size: ChartText.subtitle), x: 20, y: 52 + Double(i) * 16,
                 size: ChartText.subtitle, fill: ChartText.muted, tooltip: subtitle)
        }
        return 70
    }
}
