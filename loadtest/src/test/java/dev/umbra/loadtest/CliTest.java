package dev.umbra.loadtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Bad command lines end with exit code 2 and one line saying what is wrong, before any Kafka client is made. */
class CliTest {

    /** Nothing listens on port 1: a test that got as far as connecting would fail slowly, not pass. */
    private static final String NOWHERE = "127.0.0.1:1";

    record Outcome(int code, String out, List<String> errLines) {
        String err() {
            return String.join("\n", errLines);
        }
    }

    static Outcome execute(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = LoadTestCommand.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
        List<String> lines = new ArrayList<>(err.toString().lines().filter(l -> !l.isBlank()).toList());
        return new Outcome(code, out.toString(), lines);
    }

    static void assertRefused(String expectedFragment, String... args) {
        Outcome o = execute(args);
        assertEquals(2, o.code(), () -> "exit code of " + String.join(" ", args) + "; stderr: " + o.err());
        assertEquals(1, o.errLines().size(), () -> "one line, got:\n" + o.err());
        assertTrue(o.err().contains(expectedFragment), () -> "'" + expectedFragment + "' in: " + o.err());
        assertTrue(o.err().startsWith("umbra-loadtest"), o.err());
        assertEquals("", o.out());
    }

    @Test
    void aNegativeRateIsRefused() {
        assertRefused("--rate must be a positive number of requests per second (got -5.0)",
                "run", "--bootstrap-servers", NOWHERE, "--rate", "-5");
        assertRefused("--rate must be a positive", "run", "--bootstrap-servers", NOWHERE, "--rate=0");
        assertRefused("--ramp must be a positive", "run", "--bootstrap-servers", NOWHERE, "--ramp", "10,-20",
                "--step", "1s");
    }

    @Test
    void unknownArrivalsAreRefusedWithTheKnownOnes() {
        assertRefused("unknown arrivals 'uniform'; expected one of constant, poisson",
                "run", "--bootstrap-servers", NOWHERE, "--rate", "10", "--arrivals", "uniform");
    }

    @Test
    void theClusterIsRequired() {
        assertRefused("Missing required option: '--bootstrap-servers", "run", "--rate", "10");
        assertRefused("Missing required option: '--bootstrap-servers", "baseline");
    }

    @Test
    void optionsThatDoNotGoTogetherAreRefused() {
        assertRefused("give one of --rate, --ramp (with --step) or --concurrency", "run", "--bootstrap-servers", NOWHERE);
        assertRefused("exclude each other", "run", "--bootstrap-servers", NOWHERE, "--rate", "10", "--concurrency", "2");
        assertRefused("--ramp needs --step", "run", "--bootstrap-servers", NOWHERE, "--ramp", "10,20");
        assertRefused("--duration does not apply", "run", "--bootstrap-servers", NOWHERE, "--ramp", "10,20", "--step",
                "1s", "--duration", "5s");
        assertRefused("belong to the open loop", "run", "--bootstrap-servers", NOWHERE, "--concurrency", "2",
                "--arrivals", "poisson");
        assertRefused("--concurrency must be at least 1 (got 0)", "run", "--bootstrap-servers", NOWHERE,
                "--concurrency", "0");
        assertRefused("--images must be at least 1", "run", "--bootstrap-servers", NOWHERE, "--rate", "1", "--images",
                "0");
        assertRefused("--max-wait-ms must be a number of milliseconds, 0 or more (got -1.0)", "run",
                "--bootstrap-servers", NOWHERE, "--rate", "1", "--max-wait-ms", "-1");
    }

    @Test
    void durationsAreReadAsPeopleWriteThem() {
        assertRefused("'5 parsecs' is not a duration", "run", "--bootstrap-servers", NOWHERE, "--rate", "1",
                "--duration", "5 parsecs");
        assertRefused("--warmup must not be negative (got -2 s)", "run", "--bootstrap-servers", NOWHERE, "--rate", "1",
                "--warmup", "-2s");
        assertRefused("--duration must be longer than zero (got 0 s)", "run", "--bootstrap-servers", NOWHERE,
                "--rate", "1", "--duration", "0ms");
        assertEquals(java.time.Duration.ofMillis(1500), DurationConverter.parse("1.5s"));
        assertEquals(java.time.Duration.ofMinutes(2), DurationConverter.parse("2m"));
        assertEquals(java.time.Duration.ofSeconds(30), DurationConverter.parse("PT30S"));
    }

    @Test
    void reservedKafkaPropertiesAndBadFilesAreRefused(@TempDir Path dir) throws Exception {
        assertRefused("--kafka-property group.id is set by the load tool itself", "run", "--bootstrap-servers",
                NOWHERE, "--rate", "1", "--kafka-property", "group.id=mine");
        assertRefused("--kafka-property consumer.value.deserializer is set by the load tool itself", "baseline",
                "--bootstrap-servers", NOWHERE, "--kafka-property", "consumer.value.deserializer=x");
        Path empty = Files.writeString(dir.resolve("prompts.txt"), "\n   \n");
        assertRefused(empty + ": no prompts", "run", "--bootstrap-servers", NOWHERE, "--rate", "1", "--prompts",
                empty.toString());
        assertRefused(dir.resolve("missing.txt") + ": no such file", "run", "--bootstrap-servers", NOWHERE, "--rate",
                "1", "--prompts", dir.resolve("missing.txt").toString());
        assertRefused("--result-bytes must not be negative", "baseline", "--bootstrap-servers", NOWHERE,
                "--result-bytes", "-1");
    }

    @Test
    void helpListsEveryOptionAndExitsZero() {
        Outcome o = execute("run", "--help");
        assertEquals(0, o.code());
        for (String option : List.of("--bootstrap-servers", "--kafka-property", "--rate", "--ramp", "--step",
                "--concurrency", "--duration", "--arrivals", "--warmup", "--max-outstanding", "--grace", "--settle",
                "--images", "--prompts", "--out", "--baseline", "--result-bytes")) {
            assertTrue(o.out().contains(option), option);
        }
    }
}
