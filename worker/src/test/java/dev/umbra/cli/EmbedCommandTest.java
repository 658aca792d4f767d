package dev.umbra.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.pytorch.jni.JniUtils;
import dev.umbra.io.Npy;
import dev.umbra.model.EmbeddedModels;
import dev.umbra.model.Golden;
import dev.umbra.model.PriorNoise;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code embed} command end to end: files in, .npy files out, and one-line errors with exit code 2. */
class EmbedCommandTest {

    @TempDir
    Path tmp;

    private Path prompts() {
        return Golden.dir().resolve("inputs/prompts.txt");
    }

    @Test
    void writesEveryOutputMatchingTheGoldenSet() throws IOException {
        Path out = tmp.resolve("out");
        CliRun r = CliRun.of("embed", "--model", EmbeddedModels.tinyModelDir().toString(), "--prompts", prompts().toString(),
                "--out", out.toString(), "--noise", Golden.dir().resolve("inputs/noise.npy").toString(), "--batch-size", "4");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("embedded 14 prompt(s) in 4 batch(es)"), r.out());
        for (String ints : new String[] {"input_ids", "attention_mask"}) {
            Npy.Array a = Npy.read(out.resolve(ints + ".npy"));
            assertEquals("<i8", a.dtype());
            assertArrayEquals(Golden.expected(ints).values(), a.values(), ints);
        }
        for (String floats : new String[] {"text_embeds", "last_hidden_state", "image_embeds"}) {
            Npy.Array a = Npy.read(out.resolve(floats + ".npy"));
            Npy.Array want = Golden.expected(floats);
            assertEquals("<f4", a.dtype());
            assertArrayEquals(want.shape(), a.shape(), floats);
            double max = 0;
            for (int i = 0; i < a.values().length; i++) {
                max = Math.max(max, Math.abs(a.values()[i] - want.values()[i]));
            }
            assertTrue(max <= Golden.TOLERANCE, floats + " max abs error " + max);
        }
    }

    /**
     * --threads reaches libtorch in a fresh process (where the engine has not started when the option is read) and
     * in this one (where it has), and changes no result.
     */
    @Test
    void threadsAreSetOnTheEngineAndTheOutputsStayTheSame() throws Exception {
        Path one = tmp.resolve("one");
        Path two = tmp.resolve("two");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process child = new ProcessBuilder(java, "-Dai.djl.offline=true", "-cp", System.getProperty("java.class.path"),
                UmbraCommand.class.getName(), "embed", "--prompts", prompts().toString(), "--out", one.toString(),
                "--seed", "5", "--threads", "1").redirectErrorStream(true).start();
        String output = new String(child.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(child.waitFor(120, TimeUnit.SECONDS), "the child JVM did not finish");
        assertEquals(0, child.exitValue(), output);
        // libtorch's OpenMP thread count is per thread once a thread has used it, so this JVM's other tests keep
        // theirs; restored anyway, for the threads that start after this one.
        int before = JniUtils.getNumThreads();
        try {
            assertEquals(0, CliRun.of("embed", "--prompts", prompts().toString(), "--out", two.toString(), "--seed",
                    "5", "--threads", "1").code());
        } finally {
            JniUtils.setNumThreads(before);
        }
        assertArrayEquals(Npy.readFloat32Matrix(one.resolve("image_embeds.npy"))[0],
                Npy.readFloat32Matrix(two.resolve("image_embeds.npy"))[0], 1e-5f);
    }

    @Test
    void zeroNoiseAndSeparatePartFolders() throws IOException {
        Path model = EmbeddedModels.tinyModelDir();
        Path out = tmp.resolve("zeros");
        CliRun r = CliRun.of("embed", "--tokenizer", model.resolve("tokenizer").toString(),
                "--text-encoder", model.resolve("text_encoder").toString(), "--prior", model.resolve("prior").toString(),
                "--prompts", prompts().toString(), "--out", out.toString(), "--noise", "zeros");
        assertEquals(0, r.code(), r.err());
        float[][] image = Npy.readFloat32Matrix(out.resolve("image_embeds.npy"));
        Golden.assertClose(Golden.expected("image_embeds_zero_noise"), image, "image_embeds with --noise zeros");
    }

    @Test
    void aSeedMakesTheNoiseAndSoTheEmbeddingsReproducible() throws IOException {
        Path a = tmp.resolve("a");
        Path b = tmp.resolve("b");
        Path c = tmp.resolve("c");
        assertEquals(0, CliRun.of("embed", "--prompts", prompts().toString(), "--out", a.toString(), "--seed", "42").code());
        assertEquals(0, CliRun.of("embed", "--prompts", prompts().toString(), "--out", b.toString(), "--seed", "42",
                "--batch-size", "3").code());
        assertEquals(0, CliRun.of("embed", "--prompts", prompts().toString(), "--out", c.toString(), "--seed", "43").code());
        float[][] ea = Npy.readFloat32Matrix(a.resolve("image_embeds.npy"));
        float[][] eb = Npy.readFloat32Matrix(b.resolve("image_embeds.npy"));
        float[][] ec = Npy.readFloat32Matrix(c.resolve("image_embeds.npy"));
        for (int i = 0; i < ea.length; i++) {
            for (int j = 0; j < ea[i].length; j++) {
                assertEquals(ea[i][j], eb[i][j], 1e-5, "row " + i);
            }
        }
        assertNotEquals(ea[0][0], ec[0][0]);
        // Row i of seed 42 uses the same noise as row 0 of seed 42 + i: check through a second run.
        Path one = tmp.resolve("one");
        Path single = tmp.resolve("single.txt");
        Files.writeString(single, Files.readAllLines(prompts()).get(3) + "\n");
        assertEquals(0, CliRun.of("embed", "--prompts", single.toString(), "--out", one.toString(), "--seed", "45").code());
        float[][] e1 = Npy.readFloat32Matrix(one.resolve("image_embeds.npy"));
        assertArrayEquals(ea[3], e1[0], 1e-5f);
        assertEquals(64, PriorNoise.gaussian(45, 64).length);
    }

    @Test
    void missingPromptsFileIsOneLineAndExitCode2() {
        CliRun r = CliRun.of("embed", "--prompts", tmp.resolve("nope.txt").toString(), "--out", tmp.resolve("o").toString());
        assertBadInput(r, "nope.txt: file not found");
    }

    @Test
    void emptyPromptsFile() throws IOException {
        Path empty = Files.writeString(tmp.resolve("empty.txt"), "");
        assertBadInput(CliRun.of("embed", "--prompts", empty.toString(), "--out", tmp.resolve("o").toString()),
                "empty.txt: holds no prompts");
    }

    @Test
    void noiseOfTheWrongShape() throws IOException {
        Path noise = tmp.resolve("noise.npy");
        Npy.write(noise, new float[3][64]);
        assertBadInput(CliRun.of("embed", "--prompts", prompts().toString(), "--out", tmp.resolve("o").toString(),
                "--noise", noise.toString()), "noise.npy: shape [3, 64] does not fit: expected [14, 64]");
    }

    @Test
    void malformedConfigAndMismatchedCheckpoint() throws IOException {
        Path model = copyModel();
        Files.writeString(model.resolve("prior/config.json"), "{\"num_layers\": 2,");
        assertBadInput(CliRun.of("embed", "--model", model.toString(), "--prompts", prompts().toString(),
                "--out", tmp.resolve("o").toString()), "prior/config.json: malformed JSON");

        Path other = copyModel();
        String config = Files.readString(other.resolve("prior/config.json")).replace("\"num_layers\": 2", "\"num_layers\": 3");
        Files.writeString(other.resolve("prior/config.json"), config);
        CliRun r = CliRun.of("embed", "--model", other.toString(), "--prompts", prompts().toString(), "--out", tmp.resolve("o").toString());
        assertBadInput(r, "checkpoint does not match its config");
        assertTrue(r.err().contains("transformer_blocks.2."), r.err());
    }

    @Test
    void verboseShowsTheStackTrace() {
        CliRun r = CliRun.of("embed", "--prompts", prompts().toString(), "--out", tmp.resolve("o").toString(),
                "--model", tmp.resolve("missing-model").toString(), "--verbose");
        assertEquals(2, r.code());
        assertTrue(r.err().contains("\tat "), r.err());
    }

    private static void assertBadInput(CliRun r, String expected) {
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains(expected), "stderr should contain '" + expected + "' but was: " + r.err());
        assertEquals(1, r.err().strip().lines().count(), "one line: " + r.err());
        assertFalse(r.err().contains("\tat "), "no stack trace without --verbose");
    }

    private Path copyModel() throws IOException {
        Path src = EmbeddedModels.tinyModelDir();
        Path dst = Files.createTempDirectory(tmp, "model");
        try (Stream<Path> files = Files.walk(src)) {
            for (Path p : files.sorted(Comparator.naturalOrder()).toList()) {
                Path target = dst.resolve(src.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
        return dst;
    }
}
