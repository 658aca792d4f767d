package dev.umbra.loadtest.report;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.umbra.loadtest.measure.RunSummary;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** report.json read back is the report written, "no value" (NaN, written as null) included. */
class JsonReportTest {

    @Test
    void aReportReadBackEqualsTheOneWritten(@TempDir Path dir) throws Exception {
        RunSettings settings = SyntheticReports.settings("open", "poisson", List.of(25.0, 50.0), 0);
        RunSummary summary = SyntheticReports.summary(List.of(
                SyntheticReports.step(25, 25, 20, 40, 41, 0),
                SyntheticReports.step(50, 30, Double.NaN, Double.NaN, Double.NaN, 500)), Double.NaN);
        Path file = SyntheticReports.write(dir, settings, summary);
        assertTrue(Files.readString(file).contains("\"target_per_second\" : null"), "NaN is written as null");

        Report back = JsonReport.read(file);

        assertEquals(settings, back.settings());
        assertEquals(summary, back.results(), "null is read back as NaN, every other figure as it was");
        assertTrue(Double.isNaN(back.results().throughput().targetPerSecond()));
        assertEquals(SyntheticReports.WORKER, back.results().worker());
    }

    @Test
    void theWorkersTimingsAreUnderResultsWorker(@TempDir Path dir) throws Exception {
        Path file = SyntheticReports.closedLoop(dir);
        JsonNode worker = JsonReport.MAPPER.readTree(file.toFile()).get("results").get("worker");
        assertEquals(10, worker.get("count").asLong());
        assertEquals(List.of("count", "batch_wait_ms", "compute_ms", "decode_ms", "publish_ms", "end_to_end_ms",
                "batch_size", "p99_bound"), names(worker));
        assertEquals(List.of("p50", "p90", "p99", "max"), names(worker.get("compute_ms")));
        assertEquals(30.0, worker.get("compute_ms").get("p50").asDouble());
        assertEquals(0.0, worker.get("decode_ms").get("max").asDouble());
        JsonNode bound = worker.get("p99_bound");
        assertEquals(110.0, bound.get("bound_ms").asDouble(), 1e-9);
        assertTrue(bound.get("met").asBoolean());
    }

    @Test
    void aReportWithoutWorkerTimingsIsReadWithNone(@TempDir Path dir) throws Exception {
        Path file = SyntheticReports.closedLoop(dir);
        ObjectNode root = (ObjectNode) JsonReport.MAPPER.readTree(file.toFile());
        ((ObjectNode) root.get("results")).remove("worker");
        JsonReport.MAPPER.writeValue(file.toFile(), root);
        assertNull(JsonReport.read(file).results().worker(), "reports of versions before it");
    }

    private static List<String> names(JsonNode node) {
        List<String> names = new ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }

    @Test
    void unknownKeysOfOtherVersionsAreSkipped(@TempDir Path dir) throws Exception {
        Path file = SyntheticReports.closedLoop(dir);
        Files.writeString(file, Files.readString(file).replaceFirst("\\{", "{ \"from_the_future\" : [1, 2],"));
        assertEquals("closed", JsonReport.read(file).settings().mode());
    }

    @Test
    void whatIsNotAReportIsRefusedNamingTheFile(@TempDir Path dir) throws Exception {
        assertThrows(NoSuchFileException.class, () -> JsonReport.read(dir.resolve("none.json")));
        Path garbage = Files.writeString(dir.resolve("garbage.json"), "{\"settings\": {\n oops");
        IOException bad = assertThrows(IOException.class, () -> JsonReport.read(garbage));
        assertTrue(bad.getMessage().startsWith(garbage + ": not a load tool report ("), bad.getMessage());
        assertTrue(bad.getMessage().contains("line 2"), bad.getMessage());
        Path empty = Files.writeString(dir.resolve("empty.json"), "{}");
        IOException none = assertThrows(IOException.class, () -> JsonReport.read(empty));
        assertEquals(empty + ": not a load tool report (no settings or results)", none.getMessage());
        Path string = Files.writeString(dir.resolve("string.json"),
                Files.readString(SyntheticReports.closedLoop(dir.resolve("c"))).replace("\"p50\" : 4.0",
                        "\"p50\" : \"four\""));
        assertThrows(IOException.class, () -> JsonReport.read(string), "a figure that is not a number");
    }
}
