package dev.umbra.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code deploy/gpu/run-gpu-checks.sh} and {@code pack-bundle.sh} where there is no GPU: both parse, the checks
 * script explains itself and refuses what it cannot run with one line and exit status 2. (The whole script runs
 * here with {@code --cpu}; see deploy/gpu/README.md. It takes a built JNI, so it is not part of the tests.)
 */
class GpuChecksScriptTest {

    @TempDir
    Path tmp;

    @Test
    void theScriptsParse() throws Exception {
        for (String script : new String[] {"run-gpu-checks.sh", "pack-bundle.sh", "build-djl-jni.sh"}) {
            Result r = run(Map.of(), "bash", "-n", "deploy/gpu/" + script);
            assertEquals(0, r.code(), script + ": " + r.text());
        }
    }

    @Test
    void helpNamesTheStepsAndTheOutputs() throws Exception {
        Result r = run(Map.of(), "bash", "deploy/gpu/run-gpu-checks.sh", "--help");
        assertEquals(0, r.code(), r.text());
        for (String expected : new String[] {"Usage: deploy/gpu/run-gpu-checks.sh", "GpuEmbedParityTest", "figures.md",
            "pack-bundle.sh", "--cpu"}) {
            assertTrue(r.text().contains(expected), expected + " in " + r.text());
        }
    }

    @Test
    void refusesWhatItCannotRun() throws Exception {
        Result bad = run(Map.of("OUT", tmp.resolve("a").toString()), "bash", "deploy/gpu/run-gpu-checks.sh", "--bogus");
        assertEquals(2, bad.code(), bad.text());
        assertTrue(bad.text().contains("unknown argument --bogus"), bad.text());

        Path out = tmp.resolve("b");
        Result noBundle = run(Map.of("OUT", out.toString()), "bash", "deploy/gpu/run-gpu-checks.sh", "--cpu",
                "--work", tmp.resolve("work").toString(), "--bundle", tmp.resolve("none.tar.xz").toString());
        assertEquals(2, noBundle.code(), noBundle.text());
        assertTrue(noBundle.text().contains("no bundle at " + tmp.resolve("none.tar.xz")
                + ": run deploy/gpu/pack-bundle.sh first"), noBundle.text());
        assertTrue(Files.readString(out.resolve("log.txt")).contains("probe (cpu mode)"), "the log is kept in OUT");
    }

    record Result(int code, String text) {}

    private static Result run(Map<String, String> env, String... command) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(new ArrayList<>(List.of(command)))
                .directory(BuildDjlJniScriptTest.root().toFile()).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        String text = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(120, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError(List.of(command) + " did not end");
        }
        return new Result(p.exitValue(), text);
    }
}
