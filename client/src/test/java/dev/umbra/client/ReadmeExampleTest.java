package dev.umbra.client;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.umbra.kafka.WorkerProcess;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The README's example is {@link ReadmeExample}'s code, and it runs against a worker as the README says. */
class ReadmeExampleTest {

    private static final Path SOURCE = Path.of("src/test/java/dev/umbra/client/ReadmeExample.java");
    private static final Path README = Path.of("../README.md");

    @Test
    void theReadmeShowsTheExamplesCode() throws Exception {
        List<String> lines = Files.readAllLines(SOURCE);
        int begin = lines.indexOf("        // README:begin");
        int end = lines.indexOf("        // README:end");
        assertTrue(begin > 0 && end > begin, "markers in " + SOURCE);
        String body = lines.subList(begin + 1, end).stream().map(l -> l.length() >= 8 ? l.substring(8) : l.strip())
                .collect(Collectors.joining("\n"));
        String readme = Files.readString(README);
        assertTrue(readme.contains(body), "README.md's Java client example differs from " + SOURCE + "; it should"
                + " contain:\n" + body);
    }

    @Test
    @Timeout(value = 60, unit = TimeUnit.SECONDS)
    void theExampleRunsAgainstAWorker() throws Exception {
        TestCluster.Topics t = TestCluster.topics("readme");
        String out;
        PrintStream stdout = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        try (WorkerProcess worker = TestCluster.worker(t)) {
            System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
            ReadmeExample.main(new String[] {TestCluster.bootstrap(), t.prompts()});
        } finally {
            System.setOut(stdout);
            out = captured.toString(StandardCharsets.UTF_8);
            stdout.print(out);
        }
        List<String> lines = out.lines().toList();
        assertEquals(5, lines.size(), out);
        assertTrue(lines.get(0).matches("[0-9a-f-]{36}: 1 image\\(s\\), seed -?\\d+"), lines.get(0));
        assertTrue(lines.get(1).endsWith(": OK, 2 image(s)"), lines.get(1));
        assertTrue(lines.get(2).endsWith(": OK, 1 image(s)"), lines.get(2));
        assertEquals("async: OK from " + t.group() + "-worker", lines.get(3));
        assertTrue(lines.get(4).startsWith("rejected: EMPTY_PROMPT ("), lines.get(4));
    }
}
