package dev.umbra.kafka;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.fail;

import dev.umbra.cli.UmbraCommand;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * A worker in a JVM of its own, as {@code java -jar umbra-worker.jar run ...} runs it (the test's classpath), its output
 * in a log file; for tests that kill workers. A killed member is noticed by its group within seconds (session timeout
 * 6 s), not the default 45.
 */
record WorkerJvm(String id, Process process, Path logFile) {

    static WorkerJvm start(String id, String heap, Path logFile, List<String> runOptions) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "-Xmx" + heap, "-Dai.djl.offline=true",
                "-cp", System.getProperty("java.class.path"), UmbraCommand.class.getName(), "run", "--worker-id", id,
                "--kafka-property", "consumer.session.timeout.ms=6000",
                "--kafka-property", "consumer.heartbeat.interval.ms=1000"));
        command.addAll(runOptions);
        Files.createDirectories(logFile.toAbsolutePath().getParent());
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(logFile.toFile());
        pb.environment().put("DJL_OFFLINE", "true");
        pb.environment().put("OMP_NUM_THREADS", "1");
        return new WorkerJvm(id, pb.start(), logFile);
    }

    /** Waits until the log matches, failing at once if the process exited first. */
    void awaitLog(Pattern pattern, String what) {
        KafkaTestKit.await(() -> {
            if (!process.isAlive()) {
                fail(id + " exited with " + process.exitValue() + " before " + what + ":\n" + log());
            }
            return pattern.matcher(log()).find();
        }, () -> id + " did not get " + what + ":\n" + log());
    }

    String log() {
        try {
            return Files.exists(logFile) ? Files.readString(logFile, StandardCharsets.UTF_8) : "";
        } catch (IOException e) {
            return e.toString();
        }
    }

    /** SIGKILL: no drain, no commit, no leaving the group. True once the process is gone. */
    boolean kill() throws InterruptedException {
        process.destroyForcibly();
        return process.waitFor(30, TimeUnit.SECONDS);
    }

    /** SIGTERM: the clean stop (forced after a minute). */
    void stop() throws InterruptedException {
        if (process.isAlive()) {
            process.destroy();
            if (!process.waitFor(60, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
        assertFalse(process.isAlive());
    }
}
