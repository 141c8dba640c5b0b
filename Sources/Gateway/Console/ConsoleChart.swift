import Foundation

/// Small charts drawn on the server as inline SVG (no script, no library): bars with an
/// optional line over them. Colours come from the stylesheet's classes, so the dark theme
/// applies; each bar has a `<title>` and the whole chart a text alternative.
struct ConsoleChart: Sendable {
    /// One bar, with the line's value at the same place when there is a line.
    struct Point: Sendable {
        var label: String
        var value: Double
        var line: Double?
        /// What a pointer or a screen reader is told about this point.
        var title: String
    }

    var points: [Point]
    /// What the chart shows, in a sentence (its `aria-label`).
    var summary: String
    var width = 640.0
    var height = 200.0

    /// The SVG, with every piece of text escaped.
    var svg: String {
        let (left, right, top, bottom) = (36.0, 12.0, 12.0, 28.0)
        let plotWidth = width - left - right
        let plotHeight = height - top - bottom
        let maximum = max(1, points.map(\.value).max() ?? 1)
        let lineMaximum = max(1, points.compactMap(\.line).max() ?? 1)
        let step = plotWidth / Double(max(1, points.count))
        var out =
            "<svg class=\"chart\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" role=\"img\" aria-label=\"\(summary.addingXMLEscapes)\" "
            + "xmlns=\"http://www.w3.org/2000/svg\">"
        for fraction in [0.0, 0.5, 1.0] {
            let y = top + plotHeight * (1 - fraction)
            out += "<line class=\"grid\" x1=\"\(f(left))\" y1=\"\(f(y))\" x2=\"\(f(width - right))\" y2=\"\(f(y))\"/>"
            out +=
                "<text class=\"axis\" x=\"\(f(left - 6))\" y=\"\(f(y + 4))\" text-anchor=\"end\">\(Self.short(maximum * fraction))</text>"
        }
        // At most 7 labels under the bars, whatever their number: more overlap.
        let labelEvery = max(1, (points.count + 6) / 7)
        for (index, point) in points.enumerated() {
            let barHeight = plotHeight * point.value / maximum
            let x = left + step * Double(index) + step * 0.15
            out += "<rect class=\"bar\" x=\"\(f(x))\" y=\"\(f(top + plotHeight - barHeight))\" width=\"\(f(step * 0.7))\" "
            out += "height=\"\(f(max(barHeight, point.value > 0 ? 1 : 0)))\" rx=\"2\"><title>\(point.title.addingXMLEscapes)</title></rect>"
            if index % labelEvery == 0 {
                out += "<text class=\"axis\" x=\"\(f(x + step * 0.35))\" y=\"\(f(height - 8))\" text-anchor=\"middle\">"
                out += point.label.addingXMLEscapes + "</text>"
            }
        }
        let line = points.enumerated().compactMap { index, point in
            point.line.map { "\(f(left + step * (Double(index) + 0.5))),\(f(top + plotHeight * (1 - $0 / lineMaximum)))" }
        }
        if line.count > 1 { out += "<polyline class=\"line\" fill=\"none\" points=\"\(line.joined(separator: " "))\"/>" }
        return out + "</svg>"
    }

    private func f(_ value: Double) -> String { String(format: "%.1f", value) }

    /// 1.2k for 1200; whole numbers below that.
    static func short(_ value: Double) -> String {
        value >= 1000 ? String(format: "%.1fk", value / 1000) : String(Int(value.rounded()))
    }
}
