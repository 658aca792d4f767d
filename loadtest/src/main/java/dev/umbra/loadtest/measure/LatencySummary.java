package dev.umbra.loadtest.measure;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import org.HdrHistogram.Histogram;

/**
 * Percentiles of a latency histogram, in milliseconds. The histograms hold microseconds with 3 significant digits,
 * so every figure is within 0.1% of the exact value.
 */
@JsonPropertyOrder({"count", "mean", "p50", "p90", "p99", "p99_9", "p99_99", "max"})
public record LatencySummary(
        long count,
        double mean,
        double p50,
        double p90,
        double p99,
        @JsonProperty("p99_9") double p999,
        @JsonProperty("p99_99") double p9999,
        double max) {

    public static final LatencySummary EMPTY = new LatencySummary(0, 0, 0, 0, 0, 0, 0, 0);

    /** The summary of a histogram of microseconds. */
    public static LatencySummary of(Histogram micros) {
        if (micros.getTotalCount() == 0) {
            return EMPTY;
        }
        return new LatencySummary(micros.getTotalCount(), micros.getMean() / 1000.0,
                ms(micros, 50), ms(micros, 90), ms(micros, 99), ms(micros, 99.9), ms(micros, 99.99),
                micros.getMaxValue() / 1000.0);
    }

    private static double ms(Histogram micros, double percentile) {
        return micros.getValueAtPercentile(percentile) / 1000.0;
    }
}
