package dev.umbra.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.umbra.io.UsageException;
import io.vertx.core.json.JsonObject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** results.jsonl: one line per request id, whole lines only, and what a killed run can leave behind repaired. */
class ResultsFileTest {

    @TempDir
    Path tmp;

    private static JsonObject result(String id, String status) {
        return new JsonObject().put("request_id", id).put("status", status).put("images", new io.vertx.core.json.JsonArray());
    }

    @Test
    void theFirstResultOfARequestWinsAndLinesSurviveReopening() throws Exception {
        Path file = tmp.resolve("results.jsonl");
        try (ResultsFile results = ResultsFile.open(file)) {
            assertNull(results.repair());
            assertTrue(results.append("j-000001", "OK", result("j-000001", "OK")));
            assertFalse(results.append("j-000001", "FAILED", result("j-000001", "FAILED")), "a duplicate is dropped");
            assertTrue(results.append("j-000002", "REJECTED", result("j-000002", "REJECTED")));
        }
        assertEquals(2, Files.readAllLines(file).size());
        try (ResultsFile results = ResultsFile.open(file)) {
            assertEquals(Map.of("j-000001", "OK", "j-000002", "REJECTED"), results.statusById());
            assertNull(results.repair());
        }
    }

    @Test
    void aTornLastLineIsDroppedAndAWholeOneMissingItsNewlineIsKept() throws Exception {
        Path file = tmp.resolve("results.jsonl");
        String whole = result("j-000001", "OK").encode() + "\n";
        Files.writeString(file, whole + "{\"request_id\":\"j-0000");
        try (ResultsFile results = ResultsFile.open(file)) {
            assertTrue(results.repair().startsWith("dropped a torn last line"), results.repair());
            assertEquals(Map.of("j-000001", "OK"), results.statusById());
            results.append("j-000002", "OK", result("j-000002", "OK"));
        }
        assertEquals(whole + result("j-000002", "OK").encode() + "\n", Files.readString(file));

        Files.writeString(file, whole + result("j-000003", "FAILED").encode());
        try (ResultsFile results = ResultsFile.open(file)) {
            assertTrue(results.repair().startsWith("completed a last line"), results.repair());
            assertEquals(Map.of("j-000001", "OK", "j-000003", "FAILED"), results.statusById());
        }
        assertTrue(Files.readString(file).endsWith("}\n"));
    }

    @Test
    void aBrokenLineBeforeTheLastIsRefusedNamingIt() throws Exception {
        Path file = tmp.resolve("results.jsonl");
        Files.writeString(file, result("j-000001", "OK").encode() + "\nnot json\n" + result("j-000002", "OK").encode()
                + "\n");
        UsageException e = assertThrows(UsageException.class, () -> ResultsFile.open(file));
        assertTrue(e.getMessage().contains("line 2 is not a result"), e.getMessage());
    }
}
