package dev.umbra.loadtest.measure;

import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import java.util.Locale;
import org.HdrHistogram.Histogram;

/**
 * The worker's own timings of the measured answers, as the results carry them (not measured by the load tool):
 * percentiles over the first answers of measured requests that ran in an inference batch, one value per answer. The
 * stage times of a batch are the whole batch's, so a batch of 16 rows counts its compute once for each of its
 * requests: the p50 is the compute time of the batch a typical request ran in.
 *
 * @param count       answers that carried timings of a batch (the others, rejected or expired, have none)
 * @param batchWaitMs from the worker receiving a record to its batch starting
 * @param computeMs   tokenize + text encode + prior of the request's batch (the prior's batch compute)
 * @param decodeMs    the decoder's time for the request's images, its pool's queue included; 0 without a decoder
 * @param publishMs   from the end of inference to the result being handed to the producer
 * @param endToEndMs  from created_at to the result being handed to the producer (the broker's ack and the trip to
 *                    the load tool come after it)
 * @param batchSize   rows (images) per batch
 * @param p99Bound    the bound of {@code run --max-wait-ms}; null when not asked for
 */
@JsonPropertyOrder({"count", "batch_wait_ms", "compute_ms", "decode_ms", "publish_ms", "end_to_end_ms",
    "batch_size", "p99_bound"})
public record WorkerSummary(long count, Percentiles batchWaitMs, Percentiles computeMs, Percentiles decodeMs,
        Percentiles publishMs, Percentiles endToEndMs, Percentiles batchSize, P99Bound p99Bound) {

    /** No answer carried a batch's timings. */
    public static final WorkerSummary EMPTY = new WorkerSummary(0, Percentiles.NONE, Percentiles.NONE,
            Percentiles.NONE, Percentiles.NONE, Percentiles.NONE, Percentiles.NONE, null);

    /** The same figures with the p99 bound of a batching wait of {@code maxWaitMs}, against {@code p99Ms}. */
    public WorkerSummary withBound(double maxWaitMs, double p99Ms) {
        return new WorkerSummary(count, batchWaitMs, computeMs, decodeMs, publishMs, endToEndMs, batchSize,
                count == 0 ? null : P99Bound.of(maxWaitMs, computeMs.p50(), decodeMs.p50(), p99Ms));
    }

    /** Percentiles of one field: milliseconds, or rows for {@code batch_size}; NaN (null in JSON) when empty. */
    @JsonPropertyOrder({"p50", "p90", "p99", "max"})
    public record Percentiles(double p50, double p90, double p99, double max) {

        public static final Percentiles NONE = new Percentiles(Double.NaN, Double.NaN, Double.NaN, Double.NaN);

        /** From a histogram of values {@code scale} times the unit (1000: microseconds read as milliseconds). */
        static Percentiles of(Histogram h, double scale) {
            if (h.getTotalCount() == 0) {
                return NONE;
            }
            return new Percentiles(h.getValueAtPercentile(50) / scale, h.getValueAtPercentile(90) / scale,
                    h.getValueAtPercentile(99) / scale, h.getMaxValue() / scale);
        }
    }

    /**
     * "At half of the maximum sustainable rate, p99 latency no more than the batching wait plus three times the batch
     * compute time", for one run: {@code boundMs = maxWaitMs + 3 x (computeP50Ms + decodeP50Ms)}, the compute times
     * the worker's (p50 over the measured answers), the p99 the load tool's (from the intended send time to the
     * result's arrival). Whether the run was at half the sustainable rate is for whoever ran it to say.
     *
     * @param maxWaitMs    the worker's --max-wait-ms, as given to {@code run --max-wait-ms}
     * @param computeP50Ms the worker's p50 compute_ms
     * @param decodeP50Ms  the worker's p50 decode_ms
     * @param boundMs      maxWaitMs + 3 x (computeP50Ms + decodeP50Ms)
     * @param p99Ms        the measured p99 latency
     * @param met          p99Ms &lt;= boundMs
     */
    @JsonPropertyOrder({"max_wait_ms", "compute_p50_ms", "decode_p50_ms", "bound_ms", "p99_ms", "met"})
    public record P99Bound(double maxWaitMs, double computeP50Ms, double decodeP50Ms, double boundMs, double p99Ms,
            boolean met) {

        public static P99Bound of(double maxWaitMs, double computeP50Ms, double decodeP50Ms, double p99Ms) {
            double bound = maxWaitMs + 3 * (computeP50Ms + decodeP50Ms);
            return new P99Bound(maxWaitMs, computeP50Ms, decodeP50Ms, bound, p99Ms, p99Ms <= bound);
        }

        /** "20 + 3 x (30.10 + 0.00) = 110.30 ms". */
        public String formula() {
            return String.format(Locale.ROOT, "%s + 3 x (%.2f + %.2f) = %.2f ms", trim(maxWaitMs), computeP50Ms,
                    decodeP50Ms, boundMs);
        }

        private static String trim(double v) {
            return v == Math.rint(v) ? Long.toString((long) v) : String.format(Locale.ROOT, "%.2f", v);
        }
    }
}
