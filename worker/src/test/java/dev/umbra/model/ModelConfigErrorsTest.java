package dev.umbra.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonElement;
import com.google.gson.JsonNull;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import com.google.gson.JsonPrimitive;
import dev.umbra.model.checkpoint.Checkpoint;
import dev.umbra.model.checkpoint.SafetensorsWriter;
import dev.umbra.model.checkpoint.StateDict;
import dev.umbra.model.checkpoint.TensorType;
import dev.umbra.model.prior.PriorConfig;
import dev.umbra.model.prior.PriorTransformer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The tiny model copied to a temp folder and broken one way at a time: each break is a {@link ModelException}
 * whose message names the file, the key or tensor, and the offending value.
 */
class ModelConfigErrorsTest {

    private static final RuntimeOptions CPU = new RuntimeOptions("cpu", "float32", 0);

    @TempDir
    Path dir;
    private ModelPaths paths;

    @BeforeEach
    void copyTinyModel() throws IOException {
        Path source = EmbeddedModels.tinyModelDir();
        try (Stream<Path> files = Files.walk(source)) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Path target = dir.resolve(source.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
        paths = ModelPaths.of(dir);
    }

    private Path textConfig() {
        return paths.textEncoder().resolve("config.json");
    }

    private Path priorConfig() {
        return paths.prior().resolve("config.json");
    }

    private static void edit(Path config, Consumer<JsonObject> change) throws IOException {
        JsonObject json = JsonParser.parseString(Files.readString(config)).getAsJsonObject();
        change.accept(json);
        Files.writeString(config, json.toString());
    }

    private static void set(Path config, String key, JsonElement value) throws IOException {
        edit(config, j -> j.add(key, value));
    }

    private ModelException loadFails() {
        return assertThrows(ModelException.class, () -> {
            try (EclipseModel m = EclipseModel.load(paths, CPU)) {
                // Loaded although broken: the assertion reports it.
            }
        });
    }

    private static void assertMentions(ModelException e, Object... parts) {
        for (Object part : parts) {
            assertTrue(e.getMessage().contains(part.toString()), "\"" + e.getMessage() + "\" should mention " + part);
        }
    }

    @Test
    void theUntouchedCopyLoads() {
        try (EclipseModel m = EclipseModel.load(paths, CPU)) {
            assertEquals(64, m.embeddingDim());
        }
    }

    // ---- config.json syntax ----------------------------------------------------------------------------

    @Test
    void malformedTextEncoderConfig() throws IOException {
        Files.writeString(textConfig(), "{\"hidden_size\": 64, \"num_hidden_layers\": ");
        assertMentions(loadFails(), textConfig(), "malformed JSON");
    }

    @Test
    void malformedPriorConfig() throws IOException {
        Files.writeString(priorConfig(), "{\"num_layers\": 2,, }");
        assertMentions(loadFails(), priorConfig(), "malformed JSON");
    }

    @Test
    void aConfigThatIsNotAnObject() throws IOException {
        Files.writeString(priorConfig(), "[1, 2, 3]");
        assertMentions(loadFails(), priorConfig(), "expected an object");
    }

    @Test
    void missingConfigFile() throws IOException {
        Files.delete(textConfig());
        assertMentions(loadFails(), textConfig(), "not found");
    }

    // ---- text encoder options --------------------------------------------------------------------------

    @Test
    void unsupportedHiddenAct() throws IOException {
        set(textConfig(), "hidden_act", new JsonPrimitive("relu"));
        assertMentions(loadFails(), textConfig(), "hidden_act", "\"relu\"", "gelu, quick_gelu");
    }

    @Test
    void headsThatDoNotDivideTheWidth() throws IOException {
        set(textConfig(), "num_attention_heads", new JsonPrimitive(5));
        assertMentions(loadFails(), textConfig(), "num_attention_heads=5", "hidden_size=64");
    }

    @Test
    void aFullClipModelConfigIsNotATextEncoder() throws IOException {
        edit(textConfig(), j -> j.add("text_config", new JsonObject()));
        assertMentions(loadFails(), textConfig(), "text_config", "CLIPTextModelWithProjection");
    }

    @Test
    void aNonPositiveOrNonIntegerSize() throws IOException {
        set(textConfig(), "num_hidden_layers", new JsonPrimitive(0));
        assertMentions(loadFails(), textConfig(), "num_hidden_layers = 0", "positive integer");
        set(textConfig(), "num_hidden_layers", new JsonPrimitive("two"));
        assertMentions(loadFails(), textConfig(), "num_hidden_layers = \"two\"", "positive integer");
        set(textConfig(), "num_hidden_layers", new JsonPrimitive(2.5));
        assertMentions(loadFails(), textConfig(), "num_hidden_layers = 2.5");
    }

    @Test
    void tooFewPositionsForClipsContext() throws IOException {
        set(textConfig(), "max_position_embeddings", new JsonPrimitive(64));
        assertMentions(loadFails(), textConfig(), "max_position_embeddings = 64", "77");
    }

    // ---- prior options ---------------------------------------------------------------------------------

    @Test
    void unsupportedAddedEmbType() throws IOException {
        set(priorConfig(), "added_emb_type", new JsonPrimitive("proj"));
        assertMentions(loadFails(), priorConfig(), "added_emb_type", "\"proj\"", "prd");
    }

    @Test
    void unsupportedNormInType() throws IOException {
        set(priorConfig(), "norm_in_type", new JsonPrimitive("layer"));
        assertMentions(loadFails(), priorConfig(), "norm_in_type", "\"layer\"", "null");
    }

    @Test
    void unsupportedEmbeddingProjNormType() throws IOException {
        set(priorConfig(), "embedding_proj_norm_type", new JsonPrimitive("layer"));
        assertMentions(loadFails(), priorConfig(), "embedding_proj_norm_type", "\"layer\"");
    }

    @Test
    void unsupportedEncoderHidProjType() throws IOException {
        set(priorConfig(), "encoder_hid_proj_type", new JsonPrimitive("identity"));
        assertMentions(loadFails(), priorConfig(), "encoder_hid_proj_type", "\"identity\"", "linear");
    }

    @Test
    void aDiffusionPriorsFourAdditionalEmbeddings() throws IOException {
        set(priorConfig(), "additional_embeddings", new JsonPrimitive(4));
        assertMentions(loadFails(), priorConfig(), "additional_embeddings = 4", "3");
        // Absent, diffusers' default (4) applies, and is refused the same way.
        edit(priorConfig(), j -> j.remove("additional_embeddings"));
        assertMentions(loadFails(), priorConfig(), "additional_embeddings = 4");
    }

    @Test
    void anotherDiffusersClass() throws IOException {
        set(priorConfig(), "_class_name", new JsonPrimitive("UNet2DConditionModel"));
        assertMentions(loadFails(), priorConfig(), "_class_name", "UNet2DConditionModel", "PriorTransformer");
    }

    @Test
    void anEmbeddingProjDimOtherThanEmbeddingDim() throws IOException {
        set(priorConfig(), "embedding_proj_dim", new JsonPrimitive(32));
        assertMentions(loadFails(), priorConfig(), "embedding_proj_dim = 32", "64");
        set(priorConfig(), "embedding_proj_dim", JsonNull.INSTANCE);
        set(priorConfig(), "clip_embed_dim", new JsonPrimitive(128));
        assertMentions(loadFails(), priorConfig(), "clip_embed_dim = 128");
    }

    @Test
    void aPriorTokenCountOtherThan77() throws IOException {
        set(priorConfig(), "num_embeddings", new JsonPrimitive(64));
        assertMentions(loadFails(), priorConfig(), "num_embeddings = 64", "77");
    }

    // ---- config against weights, and the two parts against each other ---------------------------------

    @Test
    void priorEmbeddingDimThatDoesNotFitTheTextEncoder() throws IOException {
        set(priorConfig(), "embedding_dim", new JsonPrimitive(32));
        assertMentions(loadFails(), priorConfig(), "embedding_dim = 32", textConfig(), "hidden_size = 64",
                "projection_dim = 64");
    }

    @Test
    void anEmbeddingDimThatDoesNotFitTheWeights() throws IOException {
        // Both configs agree on 32, the weights are 64 wide: the first tensor checked is named with both shapes.
        set(priorConfig(), "embedding_dim", new JsonPrimitive(32));
        set(textConfig(), "hidden_size", new JsonPrimitive(32));
        set(textConfig(), "projection_dim", new JsonPrimitive(32));
        assertMentions(loadFails(), paths.textEncoder(), "text_model.embeddings.token_embedding.weight",
                "(49408, 64)", "(49408, 32)");
    }

    @Test
    void aPriorWidthThatDoesNotFitTheWeights() throws IOException {
        set(priorConfig(), "attention_head_dim", new JsonPrimitive(16)); // D = 4 x 16 = 64, the weights have 32
        // The prior's own parameters are checked before its children's: positional_embedding [1, 80, D] first.
        assertMentions(loadFails(), paths.prior(), "tensor positional_embedding", "(1, 80, 32)", "(1, 80, 64)");
    }

    @Test
    void thePriorsEmbeddingDimAgainstItsWeightsDirectly() {
        // The same check one level down, for a prior loaded on its own.
        Checkpoint weights = Checkpoint.open(paths.prior(), EclipseModel.PRIOR_WEIGHTS);
        PriorTransformer narrow = new PriorTransformer(new PriorConfig(4, 8, 2, 32, 77, 3));
        try (NDManager m = NDManager.newBaseManager(Device.cpu(), DjlRuntime.ENGINE)) {
            ModelException e = assertThrows(ModelException.class,
                    () -> StateDict.load(narrow, weights, m, DataType.FLOAT32, Device.cpu(), Set.of()));
            // clip_mean [1, E] is the first parameter whose shape depends on E alone.
            assertMentions(e, paths.prior(), "tensor clip_mean", "(1, 64)", "(1, 32)");
        }
    }

    /** Rewrites the prior's weights with {@code change} applied to its tensors. */
    private void rewritePrior(Consumer<Map<String, NDArray>> change) throws IOException {
        Path file = paths.prior().resolve(EclipseModel.PRIOR_WEIGHTS);
        Checkpoint c = Checkpoint.open(paths.prior(), EclipseModel.PRIOR_WEIGHTS);
        try (NDManager m = NDManager.newBaseManager(Device.cpu(), DjlRuntime.ENGINE)) {
            Map<String, NDArray> tensors = new LinkedHashMap<>();
            for (String name : c.entries().keySet()) {
                tensors.put(name, c.load(name, m));
            }
            change.accept(tensors);
            Files.delete(file);
            SafetensorsWriter.write(file, tensors, TensorType.F32);
        }
    }

    @Test
    void aMissingTensor() throws IOException {
        rewritePrior(t -> t.remove("prd_embedding"));
        assertMentions(loadFails(), paths.prior(), "1 tensor(s) missing", "prd_embedding");
    }

    @Test
    void manyMissingTensorsAreCountedAndAFewNamed() throws IOException {
        rewritePrior(t -> t.keySet().removeIf(k -> k.startsWith("transformer_blocks.1.")));
        assertMentions(loadFails(), paths.prior(), "16 tensor(s) missing", "transformer_blocks.1.", ", ...");
    }

    @Test
    void anUnexpectedExtraTensor() throws IOException {
        rewritePrior(t -> {
            NDManager m = t.get("clip_mean").getManager();
            t.put("time_embedding.linear_1.weight", m.zeros(new Shape(32, 32)));
        });
        assertMentions(loadFails(), paths.prior(), "1 unexpected tensor(s)", "time_embedding.linear_1.weight");
    }

    @Test
    void theTextEncodersPositionIdsBufferIsTolerated() throws IOException {
        // Older transformers exports carry this buffer beside the parameters: it is skipped, not refused.
        Path file = paths.textEncoder().resolve(EclipseModel.TEXT_ENCODER_WEIGHTS);
        Checkpoint c = Checkpoint.open(paths.textEncoder(), EclipseModel.TEXT_ENCODER_WEIGHTS);
        try (NDManager m = NDManager.newBaseManager(Device.cpu(), DjlRuntime.ENGINE)) {
            Map<String, NDArray> tensors = new LinkedHashMap<>();
            for (String name : c.entries().keySet()) {
                tensors.put(name, c.load(name, m));
            }
            tensors.put("text_model.embeddings.position_ids", m.arange(77).reshape(1, 77).toType(DataType.INT64, false));
            Files.delete(file);
            SafetensorsWriter.write(file, tensors, TensorType.F32);
        }
        try (EclipseModel m = EclipseModel.load(paths, CPU)) {
            assertEquals(64, m.embeddingDim());
        }
    }

    // ---- folders and files -----------------------------------------------------------------------------

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> files = Files.walk(root)) {
            for (Path p : (Iterable<Path>) files.sorted(Comparator.reverseOrder())::iterator) {
                Files.delete(p);
            }
        }
    }

    @Test
    void missingPriorFolder() throws IOException {
        deleteTree(paths.prior());
        assertMentions(loadFails(), paths.prior(), "prior folder not found");
    }

    @Test
    void missingTextEncoderFolder() throws IOException {
        deleteTree(paths.textEncoder());
        assertMentions(loadFails(), paths.textEncoder(), "text encoder folder not found");
    }

    @Test
    void missingTokenizerFolder() throws IOException {
        deleteTree(paths.tokenizer());
        assertMentions(loadFails(), paths.tokenizer(), "tokenizer folder not found");
    }

    @Test
    void missingTokenizerFile() throws IOException {
        Files.delete(paths.tokenizer().resolve("tokenizer.json"));
        assertMentions(loadFails(), paths.tokenizer().resolve("tokenizer.json"), "not found");
    }

    @Test
    void missingWeights() throws IOException {
        Files.delete(paths.prior().resolve(EclipseModel.PRIOR_WEIGHTS));
        assertMentions(loadFails(), paths.prior(), "no weights", EclipseModel.PRIOR_WEIGHTS,
                EclipseModel.PRIOR_WEIGHTS + ".index.json");
    }

    // ---- runtime options -------------------------------------------------------------------------------

    @Test
    void invalidDeviceAndDtype() {
        ModelException device = assertThrows(ModelException.class,
                () -> EclipseModel.load(paths, new RuntimeOptions("tpu", "float32", 0)));
        assertMentions(device, "device \"tpu\"", "auto, cpu, gpu or gpu:N");
        ModelException index = assertThrows(ModelException.class,
                () -> EclipseModel.load(paths, new RuntimeOptions("gpu:x", "float32", 0)));
        assertMentions(index, "device \"gpu:x\"");
        ModelException dtype = assertThrows(ModelException.class,
                () -> EclipseModel.load(paths, new RuntimeOptions("cpu", "int8", 0)));
        assertMentions(dtype, "dtype \"int8\"", "float32", "float16");
    }

    @Test
    void aGpuThatIsNotThere() {
        // The CPU build of libtorch sees no GPU: asking for one names the device and the count.
        org.junit.jupiter.api.Assumptions.assumeTrue(DjlRuntime.engine().getGpuCount() <= 3);
        ModelException e = assertThrows(ModelException.class,
                () -> EclipseModel.load(paths, new RuntimeOptions("gpu:3", "float32", 0)));
        assertMentions(e, "device \"gpu:3\"", "not available");
    }
}
