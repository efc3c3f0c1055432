import Foundation
import WorkPlanProtocol

/// Inline SVG charts for the HTML brief: no scripts, no external resources.
enum BriefChart {
    /// Colour of each task status, in stacking order.
    static let statusColours: [(String, String)] = [
        ("done", "#2e7d4f"), ("in-progress", "#e0a030"), ("open", "#3f6fa8"),
        ("proposed", "#9aa9ba"), ("blocked", "#c0392b"), ("cancelled", "#5f6b76"),
    ]

    /// Horizontal stacked bars: for each area, its tasks by status, with a legend.
    static func statusByArea(_ areas: [BriefArea]) -> String {
        let labelWidth = 172.0, barWidth = 200.0, rowHeight = 26.0, top = 8.0
        let maxCount = max(1, areas.map(\.tasks.count).max() ?? 1)
        let height = top + Double(areas.count) * rowHeight + 34
        var svg = open(width: labelWidth + barWidth + 40, height: height, label: "Task status by area")
        for (i, area) in areas.enumerated() {
            let y = top + Double(i) * rowHeight
            svg += text(x: labelWidth - 8, y: y + 15, area.name, anchor: "end", size: 10.5)
            var x = labelWidth
            for (status, colour) in statusColours {
                let n = area.tasks.filter { $0.status == status }.count
                guard n > 0 else { continue }
                let w = barWidth * Double(n) / Double(maxCount)
                svg += "<rect x=\"\(fmt(x))\" y=\"\(fmt(y + 3))\" width=\"\(fmt(w))\" height=\"\(fmt(rowHeight - 8))\" fill=\"\(colour)\"><title>\(HTML.escape(area.name)): \(n) \(status)</title></rect>"
                if w >= 14 { svg += text(x: x + w / 2, y: y + 16, String(n), anchor: "middle", size: 10, fill: "#fff", bold: true) }
                x += w
            }
            svg += text(x: x + 6, y: y + 16, String(area.tasks.count), anchor: "start", size: 10, fill: "#333")
        }
        var lx = 4.0
        let ly = top + Double(areas.count) * rowHeight + 14
        for (status, colour) in statusColours {
            svg += "<rect x=\"\(fmt(lx))\" y=\"\(fmt(ly - 8))\" width=\"10\" height=\"10\" fill=\"\(colour)\"/>"
            svg += text(x: lx + 14, y: ly + 1, BriefText.statusLabel(status), anchor: "start", size: 10)
            lx += 20 + Double(status.count) * 5.2
        }
        return svg + "</svg>"
    }

    /// Horizontal bars of labelled counts (progress since the baseline).
    static func counts(_ items: [(String, Int, String)], label: String) -> String {
        let labelWidth = 62.0, barWidth = 150.0, rowHeight = 26.0, top = 8.0
        let maxCount = max(1, items.map(\.1).max() ?? 1)
        var svg = open(width: labelWidth + barWidth + 40, height: top + Double(items.count) * rowHeight + 8, label: label)
        for (i, (name, n, colour)) in items.enumerated() {
            let y = top + Double(i) * rowHeight
            let w = max(n > 0 ? 3 : 0, barWidth * Double(n) / Double(maxCount))
            svg += text(x: labelWidth - 8, y: y + 15, name, anchor: "end", size: 11)
            svg += "<rect x=\"\(fmt(labelWidth))\" y=\"\(fmt(y + 3))\" width=\"\(fmt(barWidth))\" height=\"\(fmt(rowHeight - 8))\" fill=\"#eef1f5\"/>"
            if w > 0 { svg += "<rect x=\"\(fmt(labelWidth))\" y=\"\(fmt(y + 3))\" width=\"\(fmt(w))\" height=\"\(fmt(rowHeight - 8))\" fill=\"\(colour)\"/>" }
            svg += text(x: labelWidth + w + 6, y: y + 16, String(n), anchor: "start", size: 11, bold: true)
        }
        return svg + "</svg>"
    }

    static func open(width: Double, height: Double, label: String) -> String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"\(HTML.escape(label))\" viewBox=\"0 0 \(fmt(width)) \(fmt(height))\" width=\"\(fmt(width))\" height=\"\(fmt(height))\" font-family=\"Helvetica, Arial, sans-serif\">"
    }

    static func text(x: Double, y: Double, _ s: String, anchor: String, size: Double, fill: String = "#222", bold: Bool = false) -> String {
        let shown = s.count > 30 ? String(s.prefix(29)) + "…" : s
        return "<text x=\"\(fmt(x))\" y=\"\(fmt(y))\" text-anchor=\"\(anchor)\" font-size=\"\(fmt(size))\" fill=\"\(fill)\"\(bold ? " font-weight=\"bold\"" : "")>\(HTML.escape(shown))</text>"
    }

    static func fmt(_ v: Double) -> String {
        let r = (v * 10).rounded() / 10
        return r == r.rounded() ? String(Int(r)) : String(r)
    }
}

/// HTML escaping of user text.
enum HTML {
    static func escape(_ s: String) -> String {
        var out = ""
        out.reserveCapacity(s.count)
        for ch in s {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default: out.append(ch)
            }
        }
        return out
    }
}
