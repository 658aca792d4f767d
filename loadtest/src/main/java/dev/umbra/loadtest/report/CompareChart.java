package dev.umbra.loadtest.report;

import dev.umbra.loadtest.measure.RunSummary.SegmentSummary;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.ToDoubleFunction;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.lines.SeriesLines;
import org.knowm.xchart.style.markers.Marker;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * compare.png: runs set side by side against the target rate of their steps, two XChart panels stacked in one
 * picture. Above, the answers per second each step got while it ran, with the line where answers equal the target (a
 * run keeps up while it stays on it, and flattens where it saturates). Below, the p99 latency of each step's requests
 * from their intended send time, on a log scale, optionally with a horizontal line at a latency target. Each run has
 * the same colour and marker in both panels. The rate axis is logarithmic when the rates span a factor of
 * {@link #LOG_RATE_SPAN} or more (ramps that double), linear otherwise.
 */
public final class CompareChart {

    public static final int WIDTH = RunChart.WIDTH;
    public static final int PANEL_HEIGHT = RunChart.PANEL_HEIGHT;
    /** Rates spanning at least this factor are drawn on a log axis. */
    public static final double LOG_RATE_SPAN = 10;
    /** Latencies below this are drawn at it: a log axis has no zero. */
    private static final double FLOOR_MS = 0.01;
    private static final Color REFERENCE = Color.GRAY;
    /** Tick labels written out (1,000, not 1E3). */
    private static final String TICKS = "#,##0.##";

    private CompareChart() {}

    /**
     * @param latencyLineMs where to draw a horizontal line on the latency panel (a worker's latency target); NaN for
     *                      none
     */
    public static void write(List<ComparedRun> runs, String title, double latencyLineMs, Path file)
            throws IOException {
        StackedPng.write(file, throughputChart(runs, title), latencyChart(runs, latencyLineMs));
    }

    static XYChart throughputChart(List<ComparedRun> runs, String title) {
        boolean logRates = logRates(runs);
        XYChart chart = new XYChartBuilder().width(WIDTH).height(PANEL_HEIGHT).title(title)
                .xAxisTitle(rateAxisTitle(logRates)).yAxisTitle("answered / s while the step ran").build();
        style(chart, runs, logRates);
        chart.getStyler().setYAxisMin(0.0);
        for (int i = 0; i < runs.size(); i++) {
            add(chart, i, runs.get(i), SegmentSummary::answeredPerSecond, false);
        }
        // Through every rate, not only the ends: on a log rate axis, answered = target is a curve.
        double[] rates = ComparedRun.rates(runs);
        reference(chart, "answered = target", rates, rates);
        return chart;
    }

    static XYChart latencyChart(List<ComparedRun> runs, double latencyLineMs) {
        boolean logRates = logRates(runs);
        XYChart chart = new XYChartBuilder().width(WIDTH).height(PANEL_HEIGHT)
                .title("p99 latency of each step's requests, from their intended send time")
                .xAxisTitle(rateAxisTitle(logRates)).yAxisTitle("p99 latency (ms, log)").build();
        style(chart, runs, logRates);
        boolean any = false;
        for (int i = 0; i < runs.size(); i++) {
            any |= add(chart, i, runs.get(i), s -> s.latency().count() > 0 ? s.latency().p99() : Double.NaN, true);
        }
        if (!Double.isNaN(latencyLineMs)) {
            reference(chart, "latency target " + TerminalReport.num(latencyLineMs) + " ms", span(runs),
                    new double[] {latencyLineMs, latencyLineMs});
            any = true;
        }
        if (any) {
            chart.getStyler().setYAxisLogarithmic(true);
        } else {
            chart.addSeries("no answers", new double[] {span(runs)[0]}, new double[] {0})
                    .setMarker(SeriesMarkers.NONE);
        }
        return chart;
    }

    private static String rateAxisTitle(boolean log) {
        return "target rate of the step (requests / s" + (log ? ", log" : "") + ")";
    }

    private static void style(XYChart chart, List<ComparedRun> runs, boolean logRates) {
        chart.getStyler().setDefaultSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Line);
        // Every 1-9 multiple of a decade labelled (a doubling ramp's rates read off the axis), decades alone past
        // three of them; numbers written out, not as 1E3.
        double[] span = span(runs);
        chart.getStyler().setXAxisLogarithmic(logRates).setXAxisLogarithmicDecadeOnly(span[1] > 1000 * span[0])
                .setXAxisDecimalPattern(TICKS).setYAxisDecimalPattern(TICKS);
        chart.getStyler().setChartBackgroundColor(Color.WHITE).setMarkerSize(8).setLegendVisible(true)
                .setLegendPosition(Styler.LegendPosition.InsideNW);
    }

    /** The i-th run's steps by rate, in the i-th colour and marker; false when it has no value to draw. */
    private static boolean add(XYChart chart, int i, ComparedRun run, ToDoubleFunction<SegmentSummary> y,
            boolean latency) {
        List<Double> xs = new ArrayList<>();
        List<Double> ys = new ArrayList<>();
        for (SegmentSummary step : run.byRate()) {
            double v = y.applyAsDouble(step);
            if (!Double.isNaN(v)) {
                xs.add(step.targetRate());
                ys.add(latency ? Math.max(v, FLOOR_MS) : v);
            }
        }
        if (xs.isEmpty()) {
            return false;
        }
        Color[] colors = chart.getStyler().getSeriesColors();
        Marker[] markers = chart.getStyler().getSeriesMarkers();
        XYSeries series = chart.addSeries(run.label(), xs, ys);
        series.setMarker(markers[i % markers.length]);
        series.setLineColor(colors[i % colors.length]);
        series.setMarkerColor(colors[i % colors.length]);
        return true;
    }

    /** A dashed grey line over the rates, for the eye: where answers equal the target, or a latency target. */
    private static void reference(XYChart chart, String name, double[] xs, double[] ys) {
        XYSeries series = chart.addSeries(name, xs, ys);
        series.setMarker(SeriesMarkers.NONE);
        series.setLineColor(REFERENCE);
        series.setLineStyle(SeriesLines.DASH_DASH);
    }

    /** The lowest and highest target rate of all the runs. */
    private static double[] span(List<ComparedRun> runs) {
        double min = Double.POSITIVE_INFINITY;
        double max = 0;
        for (ComparedRun run : runs) {
            for (SegmentSummary step : run.steps()) {
                min = Math.min(min, step.targetRate());
                max = Math.max(max, step.targetRate());
            }
        }
        return new double[] {min, max};
    }

    static boolean logRates(List<ComparedRun> runs) {
        double[] span = span(runs);
        return span[1] >= LOG_RATE_SPAN * span[0];
    }
}
