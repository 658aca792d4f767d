package dev.umbra.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** {@code batch} on its embedded broker and worker: one result per line, pictures on disk, reruns. */
class BatchCommandTest {

    @TempDir
    Path tmp;

    @Test
    @Timeout(value = 3, unit = TimeUnit.MINUTES)
    void everyLineGetsOneResultAndARerunOfAnotherJobIsRefused() throws Exception {
        // 24 lines, every sixth empty: the worker rejects those, and that answer is their result.
        String text = IntStream.range(0, 24).mapToObj(i -> i % 6 == 5 ? "" : List.of("a red cube", "a blue ball",
                "a green triangle left of a yellow circle").get(i % 3)).collect(Collectors.joining("\n", "", "\n"));
        Path prompts = Files.writeString(tmp.resolve("prompts.txt"), text);
        Path out = tmp.resolve("job");
        CliRun r = CliRun.of("batch", "--prompts", prompts.toString(), "--out", out.toString(), "--job-id", "t1",
                "--images", "2", "--seed", "100", "--decoder-candidates", "1");
        assertEquals(0, r.code(), r.err());

        List<JsonObject> lines = Files.readAllLines(out.resolve("results.jsonl")).stream().map(JsonObject::new).toList();
        assertEquals(IntStream.rangeClosed(1, 24).mapToObj(i -> String.format("t1-%06d", i)).collect(Collectors.toSet()),
                lines.stream().map(j -> j.getString("request_id")).collect(Collectors.toSet()));
        assertEquals(24, lines.size(), "one line per request id");
        Map<String, Long> byStatus = lines.stream().collect(Collectors.groupingBy(j -> j.getString("status"),
                Collectors.counting()));
        assertEquals(Map.of("OK", 20L, "REJECTED", 4L), byStatus);
        for (JsonObject line : lines) {
            int index = Integer.parseInt(line.getString("request_id").substring(3)) - 1;
            assertEquals(line.getString("status").equals("REJECTED"), index % 6 == 5, line.encode());
            assertEquals(String.valueOf(index + 1), line.getJsonObject("metadata").getString("line"));
            if (line.getString("status").equals("OK")) {
                assertEquals(100 + 2L * index, line.getJsonArray("images").getJsonObject(0).getLong("seed"),
                        "line i uses seed + i * images");
                for (int image = 0; image < 2; image++) {
                    Path png = out.resolve("images").resolve(line.getString("request_id")).resolve(image + ".png");
                    assertNotNull(ImageIO.read(png.toFile()), png + " is a picture");
                }
            } else {
                assertEquals("EMPTY_PROMPT", line.getString("error_code"));
            }
        }
        assertEquals("t1", new JsonObject(Files.readString(out.resolve("job.json"))).getString("job_id"));
        assertTrue(r.out().contains("lines        24  with a result 24  missing 0  (0 done before this run)"), r.out());
        assertTrue(r.out().contains("by status    OK 20  REJECTED 4"), r.out());
        assertTrue(r.out().contains("pictures     40 written in this run (40 inline"), r.out());
        assertTrue(r.err().matches("(?s).*\\[batch] \\d+/24 lines have a result \\(\\+\\d+ in this run\\)  [0-9.]+/s  ETA"
                + ".*"), "progress on stderr: " + r.err());

        // The job is done: a rerun sends nothing and needs no broker.
        CliRun again = CliRun.of("batch", "--prompts", prompts.toString(), "--out", out.toString());
        assertEquals(0, again.code(), again.err());
        assertTrue(again.out().contains("submitted 0  answered 0"), again.out());
        assertTrue(!again.err().contains("embedded Kafka broker"), again.err());
        assertEquals(24, Files.readAllLines(out.resolve("results.jsonl")).size());

        // Another prompts file into the same directory is another job: refused before anything is sent.
        Path other = Files.writeString(tmp.resolve("other.txt"), "a blue ball\n");
        CliRun refused = CliRun.of("batch", "--prompts", other.toString(), "--out", out.toString());
        assertEquals(CliErrors.BAD_INPUT, refused.code());
        assertTrue(refused.err().contains("holds batch job t1; this run differs: another prompts file (1 line(s)"),
                refused.err());
        CliRun otherImages = CliRun.of("batch", "--prompts", prompts.toString(), "--out", out.toString(), "--images", "3");
        assertEquals(CliErrors.BAD_INPUT, otherImages.code());
        assertTrue(otherImages.err().contains("--images 3 (the job's: 2)"), otherImages.err());
        assertEquals(24, Files.readAllLines(out.resolve("results.jsonl")).size());
    }

    @Test
    void badOptionsExitWithCodeTwo() {
        CliRun noPrompts = CliRun.of("batch", "--out", tmp.resolve("x").toString());
        assertEquals(CliErrors.BAD_INPUT, noPrompts.code());
        assertTrue(noPrompts.err().contains("--prompts"), noPrompts.err());
        CliRun badId = CliRun.of("batch", "--prompts", "p.txt", "--out", tmp.resolve("x").toString(), "--job-id", "a/b");
        assertEquals(CliErrors.BAD_INPUT, badId.code());
        assertTrue(badId.err().contains("--job-id \"a/b\""), badId.err());
        CliRun missing = CliRun.of("batch", "--prompts", tmp.resolve("nope.txt").toString(), "--out",
                tmp.resolve("x").toString());
        assertEquals(CliErrors.BAD_INPUT, missing.code());
        assertTrue(missing.err().contains("nope.txt: file not found"), missing.err());
    }
}
