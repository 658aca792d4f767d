package dev.umbra.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.umbra.model.EmbeddedModels;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code demo} end to end: embedded broker, real default model, every result in results.jsonl, exit codes. */
class DemoCommandTest {

    @TempDir
    Path tmp;

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void everyRequestIsAnsweredAndWrittenWithAllFields() throws Exception {
        Path prompts = Files.writeString(tmp.resolve("prompts.txt"), "a red cube\na blue ball\n\n");
        Path out = tmp.resolve("out");
        CliRun r = CliRun.of("demo", "--count", "15", "--prompts", prompts.toString(), "--out", out.toString(),
                "--images", "2", "--batch-size", "4", "--max-wait-ms", "30", "--timeout-s", "120");
        assertEquals(0, r.code(), r.err());
        List<JsonObject> lines = Files.readAllLines(out.resolve("results.jsonl")).stream().map(JsonObject::new).toList();
        assertEquals(15, lines.size());
        Set<String> ids = lines.stream().map(j -> j.getString("request_id")).collect(Collectors.toSet());
        assertEquals(15, ids.size());
        // Every third prompt is the file's empty line: rejected; the others have two images and diversity.
        assertEquals(5, lines.stream().filter(j -> "REJECTED".equals(j.getString("status"))
                && "EMPTY_PROMPT".equals(j.getString("error_code"))).count());
        for (JsonObject ok : lines.stream().filter(j -> "OK".equals(j.getString("status"))).toList()) {
            assertEquals(2, ok.getJsonArray("images").size());
            assertTrue(ok.getJsonObject("diversity").getDouble("vendi_score") >= 1);
            assertTrue(ok.getInteger("batch_size") <= 4);
            assertEquals(EmbeddedModels.DEFAULT_MODEL_NAME, ok.getJsonObject("model").getString("name"));
            assertTrue(ok.getJsonObject("timings").getDouble("end_to_end_ms") > 0);
            assertTrue(ok.getJsonObject("timings").getDouble("decode_ms") > 0);
            assertEquals("decoded_image_embeddings", ok.getJsonObject("diversity").getString("basis"));
            assertTrue(ok.getJsonObject("diversity").getDouble("mean_pairwise_cosine_distance") > 0,
                    "two different pictures of one prompt");
            assertTrue(!ok.getJsonArray("images").getJsonObject(0).getString("image")
                    .equals(ok.getJsonArray("images").getJsonObject(1).getString("image")), "two different PNGs");
            for (int i = 0; i < 2; i++) {
                JsonObject image = ok.getJsonArray("images").getJsonObject(i);
                assertEquals("png", image.getString("image_format"));
                assertEquals(64, image.getInteger("width"));
                // the inline PNG, also written out under images/
                byte[] png = java.util.Base64.getDecoder().decode(image.getString("image"));
                Path file = out.resolve("images").resolve(ok.getString("request_id")).resolve(i + ".png");
                assertTrue(java.util.Arrays.equals(png, Files.readAllBytes(file)), file.toString());
            }
        }
        assertTrue(r.out().contains("sent 15  answered 15  lost 0  duplicates 0"), r.out());
        assertTrue(r.out().contains("by status    OK 10  REJECTED 5"), r.out());
        assertTrue(r.err().matches(
                "(?s).*\\[demo] gallery, metrics and health at http://127\\.0\\.0\\.1:[1-9][0-9]*/ while the demo runs.*"),
                r.err());
        assertTrue(r.out().contains("latency (ms) p50 ") && r.out().contains("  p99.99 "), r.out());
        assertTrue(r.out().contains("  pictures     20 (20 inline, 0 stored)"), r.out());
        assertTrue(r.out().contains("  decoders     1 worker(s), utilization"), r.out());
        assertTrue(r.out().contains("  diversity    mean pairwise cosine distance"), r.out());
        assertTrue(r.err().contains("[demo]") && r.err().contains("answered"), "progress on stderr: " + r.err());
    }

    @Test
    void badOptionsExitWithCodeTwoNamingTheValue() {
        CliRun r = CliRun.of("demo", "--count", "0");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("count must be at least 1 (got 0)"), r.err());
        CliRun missing = CliRun.of("demo", "--prompts", tmp.resolve("nope.txt").toString());
        assertEquals(2, missing.code());
        assertTrue(missing.err().contains("nope.txt"), missing.err());
    }
}
