package dev.umbra.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.umbra.io.Npy;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A second reference set, made by {@code src/test/python/eclipse_reference.py variant} (a float64 NumPy
 * re-implementation that reproduces the shared golden set to 2e-7), whose configuration differs from the
 * shared one wherever the Java code must not depend on it: quick_gelu, eos_token_id 2 (legacy pooling),
 * padding with 49407, max_position_embeddings 80, a prior whose width D=24 differs from E=32, 3 layers,
 * a text encoder in two F16 shards and a prior in BF16, no tokenizer folder (the shipped one is used).
 */
class VariantGoldenTest {

    @Test
    void everyOutputMatchesTheVariantReference() throws Exception {
        Path dir = Golden.dir().resolveSibling("golden-variant");
        ModelPaths paths = ModelPaths.of(dir);
        assertEquals(EmbeddedModels.defaultTokenizerDir(), paths.tokenizer());
        List<String> prompts = Golden.prompts();
        float[][] noise = Npy.readFloat32Matrix(dir.resolve("noise.npy"));
        try (EclipseModel model = EclipseModel.load(paths, new RuntimeOptions("cpu", "float32", 49407))) {
            assertEquals(32, model.embeddingDim());
            EmbeddingResult r = model.embed(prompts, noise, true);
            Golden.assertExact(Npy.read(dir.resolve("expected/input_ids.npy")), r.inputIds());
            Golden.assertClose(Npy.read(dir.resolve("expected/text_embeds.npy")), r.textEmbeds(), "text_embeds");
            double hidden = Golden.maxAbsError(Npy.read(dir.resolve("expected/last_hidden_state.npy")), r.lastHiddenState());
            assertTrue(hidden <= Golden.TOLERANCE, "last_hidden_state max abs error " + hidden);
            Golden.assertClose(Npy.read(dir.resolve("expected/image_embeds.npy")), r.imageEmbeds(), "image_embeds");
        }
    }
}
