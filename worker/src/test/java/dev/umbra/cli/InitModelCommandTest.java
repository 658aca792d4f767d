package dev.umbra.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.umbra.io.Npy;
import dev.umbra.model.EclipseModel;
import dev.umbra.model.EmbeddingResult;
import dev.umbra.model.Golden;
import dev.umbra.model.ModelPaths;
import dev.umbra.model.RuntimeOptions;
import dev.umbra.model.checkpoint.SafetensorsFile;
import dev.umbra.model.checkpoint.TensorType;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code init-model} end to end at the tiny size: the folder is read back by {@link EclipseModel#load} and by
 * {@code embed --model}, the same seed gives the same bytes and another seed other weights, and bad arguments end
 * with one line and exit code 2.
 */
class InitModelCommandTest {

    @TempDir
    Path tmp;

    @Test
    void tinyPresetIsReadBackByTheLoaderAndByEmbed() throws IOException {
        Path model = tmp.resolve("tiny");
        CliRun r = CliRun.of("init-model", "--preset", "tiny", "--out", model.toString(), "--seed", "5");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("wrote tiny model (random weights, seed 5, float32): text_encoder 3,271,232"
                + " + prior 36,544 parameters"), r.out());
        for (String file : new String[] {"tokenizer/tokenizer.json", "tokenizer/NOTICE", "text_encoder/config.json",
            "text_encoder/model.safetensors", "prior/config.json", "prior/diffusion_pytorch_model.safetensors"}) {
            assertTrue(Files.isRegularFile(model.resolve(file)), file);
        }
        List<String> prompts = Golden.prompts();
        try (EclipseModel m = EclipseModel.load(ModelPaths.of(model), new RuntimeOptions("cpu", "float32", 0))) {
            assertEquals(model.resolve("tokenizer"), ModelPaths.of(model).tokenizer(), "its own tokenizer folder");
            EmbeddingResult e = m.embed(prompts, Golden.noise(), false);
            assertEquals(prompts.size(), e.imageEmbeds().length);
            assertEquals(64, e.imageEmbeds()[0].length);
        }
        Path out = tmp.resolve("embedded");
        CliRun embed = CliRun.of("embed", "--model", model.toString(), "--prompts",
                Golden.dir().resolve("inputs/prompts.txt").toString(), "--out", out.toString(), "--seed", "1");
        assertEquals(0, embed.code(), embed.err());
        float[][] image = Npy.readFloat32Matrix(out.resolve("image_embeds.npy"));
        assertEquals(14, image.length);
        for (float[] row : image) {
            for (float v : row) {
                assertTrue(Float.isFinite(v));
            }
        }
    }

    @Test
    void theSameSeedGivesTheSameBytesAndAnotherSeedOtherWeights() throws IOException {
        Path a = tmp.resolve("a");
        Path b = tmp.resolve("b");
        Path c = tmp.resolve("c");
        assertEquals(0, CliRun.of("init-model", "--preset", "tiny", "--out", a.toString(), "--seed", "11").code());
        assertEquals(0, CliRun.of("init-model", "--preset", "tiny", "--out", b.toString(), "--seed", "11").code());
        assertEquals(0, CliRun.of("init-model", "--preset", "tiny", "--out", c.toString(), "--seed", "12").code());
        List<String> files = files(a);
        assertEquals(files, files(b));
        assertEquals(7, files.size(), files.toString());
        for (String f : files) {
            assertArrayEquals(Files.readAllBytes(a.resolve(f)), Files.readAllBytes(b.resolve(f)), f + ", same seed");
            boolean weights = f.endsWith(".safetensors");
            boolean readme = f.equals("README.md");
            boolean same = Arrays.equals(Files.readAllBytes(a.resolve(f)), Files.readAllBytes(c.resolve(f)));
            assertEquals(!weights && !readme, same, f + ": another seed changes the weights (and the README) only");
        }
    }

    @Test
    void float16IsStoredAsF16AndLoads() throws IOException {
        Path model = tmp.resolve("half");
        CliRun r = CliRun.of("init-model", "--preset", "tiny", "--out", model.toString(), "--dtype", "float16");
        assertEquals(0, r.code(), r.err());
        for (SafetensorsFile.Entry e : SafetensorsFile.open(model.resolve("prior/diffusion_pytorch_model.safetensors"))
                .entries().values()) {
            assertEquals(TensorType.F16, e.type(), e.name());
        }
        try (EclipseModel m = EclipseModel.load(ModelPaths.of(model), new RuntimeOptions("cpu", "float32", 0))) {
            assertEquals(64, m.embeddingDim());
        }
    }

    @Test
    void dryRunPrintsThePlanAndWritesNothing() {
        Path out = tmp.resolve("never");
        CliRun r = CliRun.of("init-model", "--preset", "karlo", "--out", out.toString(), "--dry-run");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().startsWith("would write karlo model (random weights, seed 0, float16): text_encoder"
                + " 123,650,304 + prior 33,143,040 parameters"), r.out());
        assertTrue(r.err().contains("prior/diffusion_pytorch_model.safetensors: 33,143,040 parameters in 174 tensors"),
                r.err());
        assertFalse(Files.exists(out));
    }

    @Test
    void badArgumentsEndWithOneLineAndExitCode2() throws IOException {
        assertBadInput(CliRun.of("init-model", "--preset", "dalle", "--out", tmp.resolve("x").toString()),
                "--preset must be kandinsky, karlo or tiny (got 'dalle')");
        assertBadInput(CliRun.of("init-model", "--preset", "tiny", "--out", tmp.resolve("x").toString(),
                "--dtype", "bfloat16"), "--dtype must be float32 or float16 (got 'bfloat16')");
        Path full = Files.createDirectories(tmp.resolve("full"));
        Files.writeString(full.resolve("keep.txt"), "mine");
        assertBadInput(CliRun.of("init-model", "--preset", "tiny", "--out", full.toString()),
                "full: is not empty; init-model writes a new model folder");
        assertEquals("mine", Files.readString(full.resolve("keep.txt")));
        Path file = Files.writeString(tmp.resolve("file"), "");
        assertBadInput(CliRun.of("init-model", "--preset", "tiny", "--out", file.toString()), "exists and is not a folder");
        CliRun missing = CliRun.of("init-model", "--out", tmp.resolve("y").toString());
        assertEquals(2, missing.code());
        assertEquals("umbra-worker init-model: error: Missing required option: '--preset=kandinsky|karlo|tiny'",
                missing.err().strip());
    }

    private static void assertBadInput(CliRun r, String expected) {
        assertEquals(2, r.code(), r.err());
        assertTrue(r.err().contains(expected), "stderr should contain '" + expected + "' but was: " + r.err());
        assertEquals(1, r.err().strip().lines().count(), "one line: " + r.err());
        assertFalse(r.err().contains("\tat "), "no stack trace without --verbose");
    }

    private static List<String> files(Path dir) throws IOException {
        List<String> out = new ArrayList<>();
        try (Stream<Path> s = Files.walk(dir)) {
            s.filter(Files::isRegularFile).sorted().forEach(p -> out.add(dir.relativize(p).toString()));
        }
        return out;
    }
}
