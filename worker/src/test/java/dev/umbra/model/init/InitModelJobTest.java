package dev.umbra.model.init;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.ndarray.types.Shape;
import dev.umbra.model.EclipseModel;
import dev.umbra.model.EmbeddingResult;
import dev.umbra.model.ModelPaths;
import dev.umbra.model.RuntimeOptions;
import dev.umbra.model.checkpoint.Checkpoint;
import dev.umbra.model.checkpoint.ModelFolder;
import dev.umbra.model.checkpoint.SafetensorsFile;
import dev.umbra.model.checkpoint.StateDict;
import dev.umbra.model.checkpoint.TensorType;
import dev.umbra.model.clip.ClipTextConfig;
import dev.umbra.model.clip.ClipTextModelWithProjection;
import dev.umbra.model.prior.PriorConfig;
import dev.umbra.model.prior.PriorTransformer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The presets' sizes against ECLIPSE-SPEC section 2 (parameter counts of the released checkpoints), their configs
 * through the readers the loader uses, and the Karlo preset written at its full size (F16, 315 MB): the counts read
 * back from the safetensors headers, every shape what the config implies, and the folder loaded and run by
 * {@link EclipseModel}. Kandinsky's 1.46 GB is checked through its plan, the specs its header is made from.
 */
class InitModelJobTest {

    static final long BIGG_TEXT_PARAMS = 694_659_840L;
    static final long KANDINSKY_PRIOR_PARAMS = 34_193_152L;
    static final long VIT_L_TEXT_PARAMS = 123_650_304L;
    static final long KARLO_PRIOR_PARAMS = 33_143_040L;

    @TempDir
    Path tmp;

    @Test
    void presetsHaveTheSizesOfTheReleasedCheckpoints() {
        List<InitModelJob.Part> kandinsky = InitModelJob.plan(ModelPreset.KANDINSKY, TensorType.F16);
        assertEquals(BIGG_TEXT_PARAMS, kandinsky.get(0).parameters());
        assertEquals(KANDINSKY_PRIOR_PARAMS, kandinsky.get(1).parameters());
        assertEquals(2 * BIGG_TEXT_PARAMS, kandinsky.get(0).bytes(), "float16: two bytes a parameter");
        List<InitModelJob.Part> karlo = InitModelJob.plan(ModelPreset.KARLO, TensorType.F32);
        assertEquals(VIT_L_TEXT_PARAMS, karlo.get(0).parameters());
        assertEquals(KARLO_PRIOR_PARAMS, karlo.get(1).parameters());
        assertEquals(4 * KARLO_PRIOR_PARAMS, karlo.get(1).bytes());
        assertEquals("text_encoder", karlo.get(0).folder());
        assertEquals(EclipseModel.TEXT_ENCODER_WEIGHTS, karlo.get(0).weightsFile());
        assertEquals(EclipseModel.PRIOR_WEIGHTS, karlo.get(1).weightsFile());

        ClipTextConfig bigG = ModelPreset.KANDINSKY.textEncoder();
        assertEquals(List.of(1280, 32, 20, 5120, 1280, "gelu"), List.of(bigG.hiddenSize(), bigG.numHiddenLayers(),
                bigG.numAttentionHeads(), bigG.intermediateSize(), bigG.projectionDim(), bigG.hiddenAct()));
        ClipTextConfig vitL = ModelPreset.KARLO.textEncoder();
        assertEquals(List.of(768, 12, 12, 3072, 768, "quick_gelu"), List.of(vitL.hiddenSize(), vitL.numHiddenLayers(),
                vitL.numAttentionHeads(), vitL.intermediateSize(), vitL.projectionDim(), vitL.hiddenAct()));
        assertEquals(new PriorConfig(16, 32, 10, 1280, 77, 3), ModelPreset.KANDINSKY.prior());
        assertEquals(new PriorConfig(16, 32, 10, 768, 77, 3), ModelPreset.KARLO.prior());
        assertEquals(TensorType.F16, ModelPreset.KARLO.defaultType());
        assertEquals(TensorType.F32, ModelPreset.TINY.defaultType());
        assertEquals(64, ModelPreset.TINY.prior().embeddingDim());
    }

    @Test
    void configsReadBackThroughTheLoadersReaders() throws Exception {
        for (ModelPreset preset : ModelPreset.values()) {
            Path dir = tmp.resolve(preset.cliName());
            ModelFolder.writeConfig(dir.resolve("text_encoder"), preset.textEncoder().toJson());
            ModelFolder.writeConfig(dir.resolve("prior"), preset.prior().toJson());
            assertEquals(preset.textEncoder(), ClipTextConfig.load(dir.resolve("text_encoder")), preset.cliName());
            assertEquals(preset.prior(), PriorConfig.load(dir.resolve("prior")), preset.cliName());
        }
    }

    @Test
    void aDryRunWritesNothing() throws Exception {
        Path out = tmp.resolve("dry");
        List<String> lines = new ArrayList<>();
        InitModelJob.Summary s = InitModelJob.run(
                new InitModelJob.Options(ModelPreset.KANDINSKY, out, 0, null, true), lines::add);
        assertFalse(Files.exists(out));
        assertEquals(BIGG_TEXT_PARAMS + KANDINSKY_PRIOR_PARAMS, s.parameters());
        assertEquals(TensorType.F16, s.dtype());
        assertTrue(s.describe().startsWith("would write kandinsky model (random weights, seed 0, float16):"), s.describe());
        assertTrue(String.join("\n", lines).contains("694,659,840 parameters in 517 tensors, 1.39 GB"), lines.toString());
    }

    @Test
    void karloAtFullSizeLoadsAndEmbeds() throws Exception {
        Path out = tmp.resolve("karlo");
        List<String> progress = new ArrayList<>();
        InitModelJob.Summary s = InitModelJob.run(
                new InitModelJob.Options(ModelPreset.KARLO, out, 7, null, false), progress::add);
        assertEquals(VIT_L_TEXT_PARAMS + KARLO_PRIOR_PARAMS, s.parameters());
        assertTrue(progress.stream().anyMatch(l -> l.startsWith("text_encoder: 50% (")), "progress lines: " + progress);

        assertHeaderMatches(out.resolve("text_encoder"), EclipseModel.TEXT_ENCODER_WEIGHTS,
                StateDict.shapes(new ClipTextModelWithProjection(ModelPreset.KARLO.textEncoder())), VIT_L_TEXT_PARAMS);
        assertHeaderMatches(out.resolve("prior"), EclipseModel.PRIOR_WEIGHTS,
                StateDict.shapes(new PriorTransformer(ModelPreset.KARLO.prior())), KARLO_PRIOR_PARAMS);
        assertTrue(Files.isRegularFile(out.resolve("tokenizer/tokenizer.json")));
        assertTrue(Files.readString(out.resolve("README.md")).contains("random weights"));
        try (Stream<Path> files = Files.walk(out)) {
            assertTrue(files.noneMatch(p -> p.toString().endsWith(".part")), "no partial file is left");
        }

        try (EclipseModel model = EclipseModel.load(ModelPaths.of(out), new RuntimeOptions("cpu", "float32", 0))) {
            assertEquals(768, model.embeddingDim());
            EmbeddingResult r = model.embed(List.of("a red circle", "an astronaut riding a horse"),
                    new float[2][768], false);
            for (float[][] rows : new float[][][] {r.textEmbeds(), r.imageEmbeds()}) {
                assertEquals(768, rows[0].length);
                for (float[] row : rows) {
                    for (float v : row) {
                        assertTrue(Float.isFinite(v), "finite outputs");
                    }
                }
            }
            assertNotEquals(r.imageEmbeds()[0][0], r.imageEmbeds()[1][0], "different prompts, different embeddings");
        }
    }

    @Test
    void eachTensorHasASeedOfItsOwn() {
        int a = RandomCheckpoint.tensorSeed(0, "text_model.encoder.layers.0.mlp.fc1.weight");
        assertNotEquals(a, RandomCheckpoint.tensorSeed(0, "text_model.encoder.layers.1.mlp.fc1.weight"));
        assertNotEquals(a, RandomCheckpoint.tensorSeed(1, "text_model.encoder.layers.0.mlp.fc1.weight"));
        assertEquals(a, RandomCheckpoint.tensorSeed(0, "text_model.encoder.layers.0.mlp.fc1.weight"));
        assertTrue(a >= 0);
    }

    /** The file's header: every tensor the block declares, F16, of the config's shape, summing to {@code params}. */
    private static void assertHeaderMatches(Path dir, String file, Map<String, Shape> expected, long params) {
        Map<String, SafetensorsFile.Entry> entries = SafetensorsFile.open(dir.resolve(file)).entries();
        assertEquals(expected.keySet(), entries.keySet(), dir.toString());
        long total = 0;
        for (SafetensorsFile.Entry e : entries.values()) {
            assertEquals(TensorType.F16, e.type(), e.name());
            assertEquals(expected.get(e.name()), new Shape(e.shape()), e.name());
            total += e.elements();
        }
        assertEquals(params, total, dir + ": parameters from the header");
        assertEquals(entries.keySet(), Checkpoint.open(dir, file).entries().keySet());
    }
}
