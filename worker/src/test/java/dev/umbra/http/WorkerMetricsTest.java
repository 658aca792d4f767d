package dev.umbra.http;

import static dev.umbra.http.OpsServerIntegrationTest.value;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.umbra.schemas.ImageResult;
import dev.umbra.schemas.Status;
import dev.umbra.schemas.Timings;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Per-answer metrics from {@link WorkerMetrics#published}, and the families docs/operations.md must list. */
class WorkerMetricsTest {

    private static ImageResult result(String id, Status status, String batch, int batchSize, double priorMs,
            double decodeMs) {
        return ImageResult.newBuilder()
                .setRequestId(id)
                .setStatus(status)
                .setImages(List.of())
                .setTimings(Timings.newBuilder().setQueueWaitMs(1).setBatchWaitMs(2).setTokenizeMs(0.5)
                        .setTextEncodeMs(3).setPriorMs(priorMs).setDecodeMs(decodeMs).setPublishMs(1)
                        .setEndToEndMs(10 + priorMs + decodeMs).build())
                .setBatchId(batch)
                .setBatchSize(batchSize)
                .setWorkerId("w")
                .setCompletedAt(Instant.now())
                .build();
    }

    @Test
    void answersAreCountedByStatusAndTheirStagesTimedBatchesOnce() {
        try (WorkerMetrics metrics = new WorkerMetrics("prior")) {
            // Three answers of one batch of 3 rows, handed on; one rejected before any batch.
            metrics.published(result("a", Status.OK, "b1", 3, 40, 0), true);
            metrics.published(result("b", Status.OK, "b1", 3, 40, 0), true);
            metrics.published(result("c", Status.OK, "b1", 3, 40, 0), true);
            metrics.published(result("d", Status.REJECTED, null, 0, 0, 0), false);
            String text = metrics.scrape();
            assertEquals(3, value(text, "umbra_results_total", "handed_on=\"true\",role=\"prior\",status=\"OK\""));
            assertEquals(1, value(text, "umbra_results_total", "handed_on=\"false\",role=\"prior\",status=\"REJECTED\""));
            assertEquals(3, value(text, "umbra_stage_seconds_count", "role=\"prior\",stage=\"prior\""));
            assertEquals(0.120, value(text, "umbra_stage_seconds_sum", "role=\"prior\",stage=\"prior\""), 1e-9);
            // No decoding in the prior role: a zero is not a measurement. End to end is always recorded.
            assertEquals(0, value(text, "umbra_stage_seconds_count", "role=\"prior\",stage=\"decode\""));
            assertEquals(4, value(text, "umbra_stage_seconds_count", "role=\"prior\",stage=\"end_to_end\""));
            assertEquals(1, value(text, "umbra_batch_rows_count", "role=\"prior\""));
            assertEquals(3, value(text, "umbra_batch_rows_sum", "role=\"prior\""));
            // Unbound: the worker's gauges read zero rather than failing the scrape.
            assertEquals(0, value(text, "umbra_in_flight_rows", "role=\"prior\""));
        }
    }

    @Test
    void docsListEveryMetricFamilyTheWorkerRegisters() throws Exception {
        String text;
        try (WorkerMetrics metrics = new WorkerMetrics("all")) {
            metrics.published(result("a", Status.OK, "b1", 1, 5, 7), false);
            text = metrics.scrape();
        }
        TreeSet<String> families = new TreeSet<>();
        Matcher m = Pattern.compile("(?m)^# TYPE (umbra_\\S+) (\\S+)$").matcher(text);
        while (m.find()) {
            // Micrometer adds a NAME_max gauge beside each histogram: listed with the histogram.
            String name = m.group(1).endsWith("_max") && m.group(2).equals("gauge")
                    ? m.group(1).substring(0, m.group(1).length() - 4) : m.group(1);
            families.add(m.group(2).equals("counter") && !name.endsWith("_total") ? name + "_total" : name);
        }
        assertTrue(families.size() >= 14, families.toString());
        Path docs = Path.of("").toAbsolutePath();
        while (!Files.isRegularFile(docs.resolve("docs/operations.md"))) {
            docs = docs.getParent();
        }
        String page = Files.readString(docs.resolve("docs/operations.md"));
        for (String family : families) {
            assertTrue(page.contains("`" + family + "`") || page.contains("`" + family + "{"),
                    "docs/operations.md does not list " + family);
        }
    }
}
