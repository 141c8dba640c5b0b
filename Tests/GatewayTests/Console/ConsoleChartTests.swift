import Testing

@testable import Gateway

/// The server-drawn charts of the console.
@Suite("Console chart")
struct ConsoleChartTests {
    /// The labels under the bars (the y axis has three more).
    static func barLabels(_ count: Int) -> Int {
        let points = (0..<count).map { ConsoleChart.Point(label: "05:17:\($0)0", value: Double($0 % 2), title: "point \($0)") }
        let svg = ConsoleChart(points: points, summary: "test").svg
        return svg.components(separatedBy: "text-anchor=\"middle\"").count - 1
    }

    @Test func atMostSevenLabelsSitUnderTheBars() {
        // 12 points of 10 s (two minutes of history) drew 12 labels into each other.
        for count in [1, 6, 7, 8, 12, 13, 14, 30, 60] {
            let labels = Self.barLabels(count)
            #expect(labels <= 7 && labels >= min(count, 4), "\(count) points: \(labels) labels")
        }
    }
}
