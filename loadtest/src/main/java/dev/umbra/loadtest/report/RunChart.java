package dev.umbra.loadtest.report;

import dev.umbra.loadtest.measure.RunSummary;
import dev.umbra.loadtest.measure.TimelineRow;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;
import org.knowm.xchart.AnnotationLine;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * chart.png: two XChart charts over the run's seconds, stacked in one picture. Above, the latency of the results that
 * arrived in each second (p50, p99, max; from the intended send time; log scale, so that a median of milliseconds and
 * a stall of seconds both read); below, the target rate, the sends and the answers per second. Vertical lines mark
 * the end of the warm-up and of each step.
 */
public final class RunChart {

    public static final int WIDTH = 1200;
    public static final int PANEL_HEIGHT = 420;
    /** Latencies below this are drawn at it: a log axis has no zero. */
    private static final double FLOOR_MS = 0.01;
    private static final String X_TITLE = "time since start (s); vertical lines: end of the warm-up and of each step";

    private RunChart() {}

    public static void write(RunSummary summary, String title, Path file) throws IOException {
        StackedPng.write(file, latencyChart(summary, title), throughputChart(summary));
    }

    static XYChart latencyChart(RunSummary summary, String title) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(PANEL_HEIGHT).title(title)
                .xAxisTitle(X_TITLE).yAxisTitle("latency from intended send (ms, log)").build();
        style(chart);
        List<TimelineRow> rows = summary.timeline();
        boolean any = add(chart, "p50", rows, TimelineRow::p50Ms, true)
                | add(chart, "p99", rows, TimelineRow::p99Ms, true)
                | add(chart, "max", rows, TimelineRow::maxMs, true);
        if (any) {
            chart.getStyler().setYAxisLogarithmic(true);
        } else {
            chart.addSeries("no answers", new double[] {0}, new double[] {0}).setMarker(SeriesMarkers.NONE);
        }
        markSegments(chart, summary);
        return chart;
    }

    static XYChart throughputChart(RunSummary summary) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(PANEL_HEIGHT)
                .title("Throughput: requests per second")
                .xAxisTitle(X_TITLE).yAxisTitle("requests / s").build();
        style(chart);
        List<TimelineRow> rows = summary.timeline();
        boolean any = add(chart, "target", rows, TimelineRow::targetRate, false)
                | add(chart, "sent", rows, TimelineRow::sentPerSecond, false)
                | add(chart, "answered", rows, TimelineRow::answeredPerSecond, false);
        if (!any) {
            chart.addSeries("nothing sent", new double[] {0}, new double[] {0}).setMarker(SeriesMarkers.NONE);
        }
        markSegments(chart, summary);
        return chart;
    }

    /** A vertical line where the warm-up and each step end: what changed there explains the curves. */
    private static void markSegments(XYChart chart, RunSummary summary) {
        for (RunSummary.SegmentSummary segment : summary.segments()) {
            chart.addAnnotation(new AnnotationLine(segment.endSecond(), true, false));
        }
    }

    private static void style(XYChart chart) {
        chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
        chart.getStyler().setChartBackgroundColor(Color.WHITE).setMarkerSize(4).setLegendVisible(true);
    }

    /** Adds a series of the rows' defined values (NaN: none that second); false when there is none at all. */
    private static boolean add(XYChart chart, String name, List<TimelineRow> rows, ToDoubleFunction<TimelineRow> y,
            boolean latency) {
        List<Double> xs = new ArrayList<>();
        List<Double> ys = new ArrayList<>();
        for (TimelineRow r : rows) {
            double v = y.applyAsDouble(r);
            if (Double.isNaN(v) || (!latency && r.spanSeconds() < 0.5)) {
                continue; // a short last row's rate is noise
            }
            xs.add(r.second() + r.spanSeconds() / 2);
            ys.add(latency ? Math.max(v, FLOOR_MS) : v);
        }
        if (xs.isEmpty()) {
            return false;
        }
        chart.addSeries(name, xs, ys).setMarker(SeriesMarkers.CIRCLE);
        return true;
    }
}
