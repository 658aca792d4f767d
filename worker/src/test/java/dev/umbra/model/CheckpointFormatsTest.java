package dev.umbra.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonObject;
import com.google.gson.JsonParser;
import dev.umbra.model.checkpoint.Checkpoint;
import dev.umbra.model.checkpoint.SafetensorsFile;
import dev.umbra.model.checkpoint.SafetensorsWriter;
import dev.umbra.model.checkpoint.StateDict;
import dev.umbra.model.checkpoint.TensorType;
import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.Function;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Safetensors checkpoints written by {@link SafetensorsWriter} in F32, F16, BF16 and shards read back by
 * {@link SafetensorsFile} / {@link Checkpoint}, the tiny golden model re-saved in each format, and broken
 * files refused with a message naming the file and the tensor.
 *
 * <p>Rounded values are computed here independently of the writer: {@code rint(v / ulp) * ulp} with the ulp
 * of the target format at v's exponent, which is round-to-nearest-even by construction.
 */
class CheckpointFormatsTest {

    private static final String BASE = "model.safetensors";

    private static EclipseModel golden;
    private static List<String> prompts;
    private static float[][] noise;

    private NDManager manager;

    @BeforeAll
    static void loadGolden() throws IOException {
        golden = EclipseModel.load(ModelPaths.of(EmbeddedModels.tinyModelDir()), new RuntimeOptions("cpu", "float32", 0));
        prompts = Golden.prompts();
        noise = Golden.noise();
    }

    @AfterAll
    static void closeGolden() {
        golden.close();
    }

    @BeforeEach
    void newManager() {
        manager = NDManager.newBaseManager(Device.cpu(), DjlRuntime.ENGINE);
    }

    @AfterEach
    void closeManager() {
        manager.close();
    }

    // ---- independent rounding -------------------------------------------------------------------------

    /** v rounded to nearest-even with {@code mantissaBits} explicit bits and normal exponents from {@code minExp}. */
    private static float roundTo(float v, int mantissaBits, int minExp) {
        if (v == 0 || !Float.isFinite(v)) {
            return v;
        }
        int e = Math.max(Math.getExponent(v), minExp); // below minExp: subnormal, a fixed ulp
        double ulp = Math.scalb(1.0, e - mantissaBits);
        return (float) (Math.rint(v / ulp) * ulp);
    }

    static float toHalf(float v) {
        float r = roundTo(v, 10, -14);
        return Math.abs(r) >= 65536f ? Math.copySign(Float.POSITIVE_INFINITY, v) : r; // past 65504 rounds to inf
    }

    static float toBfloat16(float v) {
        return roundTo(v, 7, -126);
    }

    @Test
    void theIndependentRoundingIsRight() {
        // Ties go to the even neighbour, others to the nearest; these are the format definitions.
        assertEquals(1f, toHalf(1f + 0x1p-11f));
        assertEquals(1f + 0x1p-9f, toHalf(1f + 3 * 0x1p-11f));
        assertEquals(65504f, toHalf(65519f));
        assertEquals(Float.POSITIVE_INFINITY, toHalf(65520f));
        assertEquals(0x1p-24f, toHalf(0x1p-24f));
        assertEquals(0f, toHalf(0x1p-26f));
        assertEquals(1f, toBfloat16(1f + 0x1p-8f));
        assertEquals(1f + 0x1p-6f, toBfloat16(1f + 3 * 0x1p-8f));
        assertEquals(3.140625f, toBfloat16(3.14159265f));
    }

    /** Awkward values for a 16-bit format, then seeded random ones across magnitudes. */
    private static float[] testValues(int n) {
        float[] special = {0f, -0f, 1f, -1f, 1f + 0x1p-11f, 1f + 3 * 0x1p-11f, 1f + 0x1p-8f, 1f + 3 * 0x1p-8f,
            3.14159265f, -2.7182817f, 65504f, 65519f, 0x1p-24f, 3e-8f, 6.1e-5f, 1e-3f, 1234.5678f, -0.1f};
        float[] out = new float[n];
        System.arraycopy(special, 0, out, 0, special.length);
        Random r = new Random(42);
        for (int i = special.length; i < n; i++) {
            out[i] = (float) (r.nextGaussian() * Math.pow(10, r.nextInt(9) - 5));
        }
        return out;
    }

    private Map<String, NDArray> smallTensors() {
        Map<String, NDArray> t = new LinkedHashMap<>();
        float[] v = testValues(4 * 6 + 7 + 2 * 3 * 5);
        t.put("layer.weight", manager.create(Arrays.copyOfRange(v, 0, 24), new Shape(4, 6)));
        t.put("layer.bias", manager.create(Arrays.copyOfRange(v, 24, 31), new Shape(7)));
        t.put("embedding", manager.create(Arrays.copyOfRange(v, 31, 61), new Shape(2, 3, 5)));
        t.put("position_ids", manager.create(new long[] {0, 1, 2, 3, 1L << 40}, new Shape(1, 5)));
        return t;
    }

    private void assertRoundTrip(Map<String, NDArray> written, Checkpoint read, TensorType type,
                                 Function<Float, Float> rounding) {
        assertEquals(written.keySet(), read.entries().keySet());
        for (Map.Entry<String, NDArray> e : written.entrySet()) {
            NDArray a = e.getValue();
            SafetensorsFile.Entry entry = read.entries().get(e.getKey());
            assertArrayEquals(a.getShape().getShape(), entry.shape(), e.getKey());
            NDArray loaded = read.load(e.getKey(), manager);
            assertEquals(a.getShape(), loaded.getShape(), e.getKey());
            if (a.getDataType() == DataType.INT64) {
                assertEquals(TensorType.I64, entry.type(), "integer tensors stay integers");
                assertArrayEquals(a.toLongArray(), loaded.toLongArray(), e.getKey());
                continue;
            }
            assertEquals(type, entry.type(), e.getKey());
            float[] want = a.toFloatArray();
            float[] got = loaded.toType(DataType.FLOAT32, false).toFloatArray();
            for (int i = 0; i < want.length; i++) {
                float expected = rounding.apply(want[i]);
                assertEquals(Float.floatToIntBits(expected), Float.floatToIntBits(got[i]),
                        e.getKey() + "[" + i + "]: " + want[i] + " stored as " + type + " should read " + expected
                                + ", read " + got[i]);
            }
        }
    }

    @Test
    void f32RoundTripsExactly(@TempDir Path dir) throws IOException {
        Map<String, NDArray> t = smallTensors();
        t.put("specials", manager.create(new float[] {Float.NaN, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY,
            Float.MIN_VALUE, Float.MAX_VALUE, -0f}));
        SafetensorsWriter.write(dir.resolve(BASE), t, TensorType.F32);
        assertRoundTrip(t, Checkpoint.open(dir, BASE), TensorType.F32, v -> v);
        assertEquals(List.of(dir.resolve(BASE)), Checkpoint.open(dir, BASE).files());
    }

    @Test
    void f16StoresTheNearestHalf(@TempDir Path dir) throws IOException {
        Map<String, NDArray> t = smallTensors();
        SafetensorsWriter.write(dir.resolve(BASE), t, TensorType.F16);
        assertRoundTrip(t, Checkpoint.open(dir, BASE), TensorType.F16, CheckpointFormatsTest::toHalf);
        // 2 bytes a value: the file's data section is half the F32 one (plus the 8-byte ids).
        long dataBytes = Checkpoint.open(dir, BASE).entries().values().stream().mapToLong(e -> e.end() - e.begin()).sum();
        assertEquals((24 + 7 + 30) * 2 + 5 * 8, dataBytes);
    }

    @Test
    void bf16StoresTheNearestBfloat16AndReadsBackAsF32(@TempDir Path dir) throws IOException {
        Map<String, NDArray> t = smallTensors();
        t.put("big", manager.create(new float[] {3.0e38f, -3.0e38f, Float.MAX_VALUE}));
        SafetensorsWriter.write(dir.resolve(BASE), t, TensorType.BF16);
        Checkpoint c = Checkpoint.open(dir, BASE);
        assertRoundTrip(t, c, TensorType.BF16, CheckpointFormatsTest::toBfloat16);
        // DJL aborts on BF16 arrays: they must arrive widened to F32.
        assertEquals(DataType.FLOAT32, c.load("layer.weight", manager).getDataType());
    }

    @Test
    void shardsSplitTensorsOverFilesAndLoadBack(@TempDir Path dir) throws IOException {
        Map<String, NDArray> t = smallTensors();
        // 96 + 28 + 120 + 40 bytes in F32: at most 130 bytes a shard gives 3 shards.
        SafetensorsWriter.writeSharded(dir, BASE, t, TensorType.F32, 130);
        assertFalse(Files.exists(dir.resolve(BASE)), "a sharded checkpoint has no single file");
        Path index = dir.resolve(BASE + ".index.json");
        JsonObject json = JsonParser.parseString(Files.readString(index)).getAsJsonObject();
        JsonObject weightMap = json.getAsJsonObject("weight_map");
        assertEquals(t.keySet(), weightMap.keySet());
        assertEquals(96 + 28 + 120 + 40, json.getAsJsonObject("metadata").get("total_size").getAsLong());
        long shards = weightMap.entrySet().stream().map(e -> e.getValue().getAsString()).distinct().count();
        assertEquals(3, shards);
        assertEquals("model-00001-of-00003.safetensors", weightMap.get("layer.weight").getAsString());
        assertEquals("model-00003-of-00003.safetensors", weightMap.get("position_ids").getAsString());

        Checkpoint c = Checkpoint.open(dir, BASE);
        assertEquals(4, c.files().size(), "the index and three shards");
        assertEquals(index, c.files().get(0));
        assertRoundTrip(t, c, TensorType.F32, v -> v);
    }

    @Test
    void shardsInF16(@TempDir Path dir) throws IOException {
        Map<String, NDArray> t = smallTensors();
        SafetensorsWriter.writeSharded(dir, BASE, t, TensorType.F16, 60);
        assertTrue(Checkpoint.open(dir, BASE).files().size() > 2);
        assertRoundTrip(t, Checkpoint.open(dir, BASE), TensorType.F16, CheckpointFormatsTest::toHalf);
    }

    // ---- the golden model, re-saved --------------------------------------------------------------------

    private enum Layout { F16, BF16, SHARDED_F32 }

    /** The golden model's weights written into a fresh model folder in {@code layout}. */
    private static Path resave(Path dir, Layout layout) throws IOException {
        Path source = EmbeddedModels.tinyModelDir();
        ModelPaths to = new ModelPaths(dir.resolve("tokenizer"), dir.resolve("text_encoder"), dir.resolve("prior"));
        Files.createDirectories(to.tokenizer());
        Files.createDirectories(to.textEncoder());
        Files.createDirectories(to.prior());
        Files.copy(source.resolve("tokenizer/tokenizer.json"), to.tokenizer().resolve("tokenizer.json"));
        Files.copy(source.resolve("text_encoder/config.json"), to.textEncoder().resolve("config.json"));
        Files.copy(source.resolve("prior/config.json"), to.prior().resolve("config.json"));
        Map<String, NDArray> text = StateDict.arrays(golden.textEncoder());
        Map<String, NDArray> prior = StateDict.arrays(golden.prior());
        switch (layout) {
            case F16 -> {
                SafetensorsWriter.write(to.textEncoder().resolve(EclipseModel.TEXT_ENCODER_WEIGHTS), text, TensorType.F16);
                SafetensorsWriter.write(to.prior().resolve(EclipseModel.PRIOR_WEIGHTS), prior, TensorType.F16);
            }
            case BF16 -> {
                SafetensorsWriter.write(to.textEncoder().resolve(EclipseModel.TEXT_ENCODER_WEIGHTS), text, TensorType.BF16);
                SafetensorsWriter.write(to.prior().resolve(EclipseModel.PRIOR_WEIGHTS), prior, TensorType.BF16);
            }
            case SHARDED_F32 -> {
                // The 12.6 MB token embedding alone in one shard, the rest spread over several.
                SafetensorsWriter.writeSharded(to.textEncoder(), EclipseModel.TEXT_ENCODER_WEIGHTS, text,
                        TensorType.F32, 200_000);
                SafetensorsWriter.writeSharded(to.prior(), EclipseModel.PRIOR_WEIGHTS, prior, TensorType.F32, 40_000);
            }
        }
        return dir;
    }

    private static double maxAbsDiff(float[][] a, float[][] b) {
        double max = 0;
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < a[i].length; j++) {
                max = Math.max(max, Math.abs(a[i][j] - b[i][j]));
            }
        }
        return max;
    }

    private static double maxAbs(float[][] a) {
        double max = 0;
        for (float[] row : a) {
            for (float v : row) {
                max = Math.max(max, Math.abs(v));
            }
        }
        return max;
    }

    private static void assertFileTypes(Path dir, String baseName, TensorType type) {
        Checkpoint c = Checkpoint.open(dir, baseName);
        assertTrue(c.entries().values().stream().allMatch(e -> e.type() == type), dir + " stored as " + type);
    }

    @Test
    void shardedGoldenModelGivesTheSameResults(@TempDir Path dir) throws IOException {
        ModelPaths paths = ModelPaths.of(resave(dir, Layout.SHARDED_F32));
        assertTrue(Checkpoint.open(paths.textEncoder(), EclipseModel.TEXT_ENCODER_WEIGHTS).files().size() >= 4);
        assertTrue(Checkpoint.open(paths.prior(), EclipseModel.PRIOR_WEIGHTS).files().size() >= 4);
        EmbeddingResult reference = golden.embed(prompts, noise, false);
        try (EclipseModel sharded = EclipseModel.load(paths, new RuntimeOptions("cpu", "float32", 0))) {
            EmbeddingResult r = sharded.embed(prompts, noise, false);
            // Same F32 bits, same ops: the same numbers up to thread-order noise.
            double text = maxAbsDiff(reference.textEmbeds(), r.textEmbeds());
            double image = maxAbsDiff(reference.imageEmbeds(), r.imageEmbeds());
            assertTrue(text <= 1e-6, "text_embeds differ by " + text);
            assertTrue(image <= 1e-6, "image_embeds differ by " + image);
            Golden.assertClose(Golden.expected("image_embeds"), r.imageEmbeds(), "image_embeds (sharded)");
            // The identity checksums the files read: same tokenizer file, different weight files.
            var mine = sharded.identity().components();
            var theirs = golden.identity().components();
            assertEquals(theirs.get(0).sha256(), mine.get(0).sha256(), "tokenizer");
            assertFalse(theirs.get(1).sha256().equals(mine.get(1).sha256()), "text encoder shards");
            assertFalse(theirs.get(2).sha256().equals(mine.get(2).sha256()), "prior shards");
        }
    }

    /**
     * F16 keeps 11 significant bits (relative rounding error at most 2^-11 ~ 4.9e-4 a weight), BF16 only 8
     * (2^-8 ~ 3.9e-3). First every loaded weight must be exactly the rounded golden weight; then the outputs,
     * computed in F32 from those weights, may drift by what the rounding explains. Measured (max abs error
     * over the largest |value|, against the float64 reference): F16 2.5e-3 image / 1.5e-3 text, BF16 1.3e-2 /
     * 1.2e-2; LayerNorm over small random activations amplifies the weight error. The bounds are 4x those,
     * still far below the outputs themselves (max |image_embeds| ~2.7), so a wrong conversion fails them.
     */
    @Test
    void f16GoldenModelStaysCloseToTheReference(@TempDir Path dir) throws IOException {
        checkReducedPrecision(resave(dir, Layout.F16), TensorType.F16, CheckpointFormatsTest::toHalf, 1e-2);
    }

    @Test
    void bf16GoldenModelStaysCloseToTheReference(@TempDir Path dir) throws IOException {
        checkReducedPrecision(resave(dir, Layout.BF16), TensorType.BF16, CheckpointFormatsTest::toBfloat16, 5e-2);
    }

    /** Every parameter of {@code loaded} equals the rounded value of the same golden parameter. */
    private static void assertRoundedWeights(ai.djl.nn.Block original, ai.djl.nn.Block loaded,
                                             Function<Float, Float> rounding) {
        Map<String, NDArray> want = StateDict.arrays(original);
        Map<String, NDArray> got = StateDict.arrays(loaded);
        assertEquals(want.keySet(), got.keySet());
        for (String key : want.keySet()) {
            float[] w = want.get(key).toFloatArray();
            float[] g = got.get(key).toFloatArray();
            assertEquals(w.length, g.length, key);
            for (int i = 0; i < w.length; i++) {
                if (Float.floatToIntBits(rounding.apply(w[i])) != Float.floatToIntBits(g[i])) {
                    throw new AssertionError(key + "[" + i + "] = " + w[i] + " loaded as " + g[i]
                            + ", expected " + rounding.apply(w[i]));
                }
            }
        }
    }

    private static void checkReducedPrecision(Path dir, TensorType type, Function<Float, Float> rounding,
                                              double relativeTolerance) throws IOException {
        ModelPaths paths = ModelPaths.of(dir);
        assertFileTypes(paths.textEncoder(), EclipseModel.TEXT_ENCODER_WEIGHTS, type);
        assertFileTypes(paths.prior(), EclipseModel.PRIOR_WEIGHTS, type);
        try (EclipseModel model = EclipseModel.load(paths, new RuntimeOptions("cpu", "float32", 0))) {
            assertEquals(DataType.FLOAT32, model.dtype());
            assertRoundedWeights(golden.textEncoder(), model.textEncoder(), rounding);
            assertRoundedWeights(golden.prior(), model.prior(), rounding);
            EmbeddingResult r = model.embed(prompts, noise, false);
            float[][] expected = rows(Golden.expected("image_embeds"));
            float[][] expectedText = rows(Golden.expected("text_embeds"));
            double image = maxAbsDiff(expected, r.imageEmbeds()) / maxAbs(expected);
            double text = maxAbsDiff(expectedText, r.textEmbeds()) / maxAbs(expectedText);
            assertTrue(image <= relativeTolerance, type + " image_embeds relative error " + image);
            assertTrue(text <= relativeTolerance, type + " text_embeds relative error " + text);
            assertTrue(image > 0, "rounded weights cannot give the float64 reference bit for bit");
        }
    }

    private static float[][] rows(dev.umbra.io.Npy.Array a) {
        int n = (int) a.shape()[0];
        int m = (int) a.shape()[1];
        float[][] out = new float[n][m];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < m; j++) {
                out[i][j] = (float) a.values()[i * m + j];
            }
        }
        return out;
    }

    // ---- broken files ----------------------------------------------------------------------------------

    /** A safetensors file from a raw header and {@code dataBytes} zero bytes of data. */
    private static Path handMade(Path dir, String header, int dataBytes) throws IOException {
        Path file = dir.resolve(BASE);
        byte[] json = header.getBytes(StandardCharsets.UTF_8);
        try (OutputStream out = Files.newOutputStream(file)) {
            out.write(ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(json.length).array());
            out.write(json);
            out.write(new byte[dataBytes]);
        }
        return file;
    }

    private static ModelException refused(Path dir) {
        return assertThrows(ModelException.class, () -> {
            Checkpoint c = Checkpoint.open(dir, BASE);
            // Errors caught only when reading a tensor count too.
            try (NDManager m = NDManager.newBaseManager(Device.cpu(), DjlRuntime.ENGINE)) {
                for (String name : c.entries().keySet()) {
                    c.load(name, m);
                }
            }
        });
    }

    private static void assertMentions(ModelException e, String... parts) {
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), "\"" + e.getMessage() + "\" should mention " + part);
        }
    }

    @Test
    void dataOffsetsPastTheEndAreRefused(@TempDir Path dir) throws IOException {
        Path file = handMade(dir, "{\"ok\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"w\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[8,24]}}", 16);
        assertMentions(refused(dir), file.toString(), "tensor w ", "data_offsets [8, 24]");
    }

    @Test
    void dataOffsetsThatDisagreeWithTheShapeAreRefused(@TempDir Path dir) throws IOException {
        Path file = handMade(dir, "{\"w\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,12]}}", 16);
        assertMentions(refused(dir), file.toString(), "tensor w ", "(2, 2)");
    }

    @Test
    void negativeOffsetsOrSizesAreRefused(@TempDir Path dir) throws IOException {
        Path file = handMade(dir, "{\"w\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[-8,0]}}", 16);
        assertMentions(refused(dir), file.toString(), "tensor w ");
        // end before begin, with a negative dimension that makes the sizes agree: still corrupt.
        handMade(dir, "{\"w\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[8,4]}}", 16);
        assertMentions(refused(dir), file.toString(), "tensor w ");
        // A shape whose element count overflows a long to 0 bytes must not pass as an empty tensor.
        handMade(dir, "{\"w\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296],\"data_offsets\":[0,0]}}", 16);
        assertMentions(refused(dir), file.toString(), "tensor w ");
    }

    @Test
    void aTruncatedFileIsRefusedNamingTheCutTensor(@TempDir Path dir) throws IOException {
        Map<String, NDArray> t = smallTensors();
        Path file = dir.resolve(BASE);
        SafetensorsWriter.write(file, t, TensorType.F32);
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(raf.length() - 10); // cuts into the last tensor, position_ids
        }
        assertMentions(refused(dir), file.toString(), "position_ids", "truncated");
        // Cut inside the header: no tensor to name, but the file and the header length.
        try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
            raf.setLength(40);
        }
        assertMentions(refused(dir), file.toString(), "header length");
        Files.write(file, new byte[] {1, 2, 3});
        assertMentions(refused(dir), file.toString(), "3 bytes");
    }

    @Test
    void aHeaderThatIsNotJsonIsRefused(@TempDir Path dir) throws IOException {
        Path file = handMade(dir, "{\"w\": {\"dtype\": \"F32\", \"shape\": [1], ", 4);
        assertMentions(refused(dir), file.toString(), "header is not a JSON object");
        handMade(dir, "[1, 2, 3]", 4);
        assertMentions(refused(dir), file.toString(), "header is not a JSON object");
    }

    @Test
    void anEntryMissingItsFieldsIsRefused(@TempDir Path dir) throws IOException {
        Path file = handMade(dir, "{\"w\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}", 4);
        assertMentions(refused(dir), file.toString(), "tensor w", "malformed");
        handMade(dir, "{\"w\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0]}}", 4);
        assertMentions(refused(dir), file.toString(), "tensor w", "malformed");
    }

    @Test
    void unsupportedDtypesAreRefusedNamingTensorAndDtype(@TempDir Path dir) throws IOException {
        for (String dtype : new String[] {"F64", "I8", "U8", "BOOL", "F8_E4M3"}) {
            Path file = handMade(dir, "{\"__metadata__\":{\"format\":\"pt\"},"
                    + "\"odd.weight\":{\"dtype\":\"" + dtype + "\",\"shape\":[1],\"data_offsets\":[0,8]}}", 8);
            assertMentions(refused(dir), file.toString(), "odd.weight", dtype);
        }
    }

    @Test
    void aShardIndexPointingToAMissingShardIsRefusedNamingIt(@TempDir Path dir) throws IOException {
        SafetensorsWriter.writeSharded(dir, BASE, smallTensors(), TensorType.F32, 130);
        Path gone = dir.resolve("model-00002-of-00003.safetensors");
        Files.delete(gone);
        assertMentions(refused(dir), dir.resolve(BASE + ".index.json").toString(), "model-00002-of-00003.safetensors",
                "missing");
    }

    @Test
    void aShardIndexNamingATensorItsShardLacksIsRefused(@TempDir Path dir) throws IOException {
        SafetensorsWriter.writeSharded(dir, BASE, smallTensors(), TensorType.F32, 130);
        Path index = dir.resolve(BASE + ".index.json");
        JsonObject json = JsonParser.parseString(Files.readString(index)).getAsJsonObject();
        json.getAsJsonObject("weight_map").addProperty("layer.bias", "model-00003-of-00003.safetensors");
        Files.writeString(index, json.toString());
        assertMentions(refused(dir), index.toString(), "layer.bias", "model-00003-of-00003.safetensors");
    }

    @Test
    void aShardOutsideTheFolderIsRefused(@TempDir Path dir) throws IOException {
        Path inner = Files.createDirectories(dir.resolve("model"));
        SafetensorsWriter.write(dir.resolve("outside.safetensors"), smallTensors(), TensorType.F32);
        Files.writeString(inner.resolve(BASE + ".index.json"),
                "{\"weight_map\":{\"layer.weight\":\"../outside.safetensors\"}}");
        assertMentions(refused(inner), "../outside.safetensors", "outside");
        Files.writeString(inner.resolve(BASE + ".index.json"), "{\"metadata\":{}}");
        assertMentions(refused(inner), "weight_map");
    }

    @Test
    void aFolderWithoutWeightsIsRefused(@TempDir Path dir) {
        assertMentions(refused(dir), dir.toString(), BASE, BASE + ".index.json");
    }

    @Test
    void theWrittenHeaderIsPlainSafetensors(@TempDir Path dir) throws IOException {
        // Read back by hand, per the format: u64 LE length, JSON, 8-byte aligned data.
        Map<String, NDArray> t = smallTensors();
        Path file = dir.resolve(BASE);
        SafetensorsWriter.write(file, t, TensorType.BF16);
        byte[] bytes = Files.readAllBytes(file);
        long n = ByteBuffer.wrap(bytes, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, (8 + n) % 8, "data starts 8-byte aligned");
        JsonObject header = JsonParser.parseString(new String(bytes, 8, (int) n, StandardCharsets.UTF_8)).getAsJsonObject();
        assertEquals(Stream.of("layer.weight", "layer.bias", "embedding", "position_ids").toList(),
                List.copyOf(header.keySet()));
        assertEquals("BF16", header.getAsJsonObject("layer.weight").get("dtype").getAsString());
        assertEquals("I64", header.getAsJsonObject("position_ids").get("dtype").getAsString());
        long end = header.getAsJsonObject("position_ids").getAsJsonArray("data_offsets").get(1).getAsLong();
        assertEquals(bytes.length, 8 + n + end, "no bytes after the last tensor");
        // First bf16 value: layer.weight[0] = 0 -> 0x0000; second is -0 -> 0x8000 (little-endian).
        int data = (int) (8 + n);
        assertEquals(0, bytes[data] | bytes[data + 1]);
        assertEquals((byte) 0x80, bytes[data + 3]);
    }
}
