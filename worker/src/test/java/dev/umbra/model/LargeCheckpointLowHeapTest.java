package dev.umbra.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonObject;
import dev.umbra.model.checkpoint.SafetensorsWriter;
import dev.umbra.model.checkpoint.StateDict;
import dev.umbra.model.checkpoint.TensorType;
import dev.umbra.model.prior.PriorConfig;
import dev.umbra.model.prior.PriorTransformer;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A checkpoint more than twice the size of the JVM heap loads: a ~315 MB prior is written here, then loaded by
 * {@link LowHeapLoad} in a child JVM with {@code -Xmx128m}. Safetensors are memory-mapped and copied into
 * native memory, so nothing of the weights passes through the heap (DJL's {@code NDList.decode} would need
 * the whole file in a {@code byte[]}).
 */
class LargeCheckpointLowHeapTest {

    private static final int HEAP_MB = 128;

    /** The value at flat index {@code j} of the {@code t}-th tensor in key order; exact in float32. */
    static float value(int t, long j) {
        return (float) (j % 1009) + 1009f * t;
    }

    @Test
    void aPriorCheckpointLargerThanTheHeapLoadsInAChildJvm(@TempDir Path dir) throws Exception {
        // D = 16 x 64 = 1024, 6 layers, E = 768: ~79M parameters, ~315 MB in F32.
        PriorConfig config = new PriorConfig(16, 64, 6, 768, 77, 3);
        writeConfig(dir.resolve(PriorConfig.FILE), config);
        Path weights = dir.resolve(EclipseModel.PRIOR_WEIGHTS);
        Map<String, Shape> shapes = new TreeMap<>(StateDict.shapes(new PriorTransformer(config)));
        try (NDManager m = NDManager.newBaseManager(Device.cpu(), DjlRuntime.ENGINE)) {
            Map<String, NDArray> tensors = new LinkedHashMap<>();
            int t = 0;
            for (Map.Entry<String, Shape> e : shapes.entrySet()) {
                float[] values = new float[Math.toIntExact(e.getValue().size())];
                for (int j = 0; j < values.length; j++) {
                    values[j] = value(t, j);
                }
                tensors.put(e.getKey(), m.create(values, e.getValue()));
                t++;
            }
            SafetensorsWriter.write(weights, tensors, TensorType.F32);
        }
        long size = Files.size(weights);
        assertTrue(size > 2L * HEAP_MB << 20, "the checkpoint (" + size + " bytes) must exceed twice the child's heap");

        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> command = new ArrayList<>(List.of(java, "-Xmx" + HEAP_MB + "m", "-Dai.djl.offline=true",
                "-cp", System.getProperty("java.class.path"), LowHeapLoad.class.getName(), dir.toString()));
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().put("DJL_OFFLINE", "true");
        Process child = pb.start();
        // Read while it runs so that a full pipe never blocks it.
        byte[] out = child.getInputStream().readAllBytes();
        assertTrue(child.waitFor(120, TimeUnit.SECONDS), "child JVM did not finish");
        String output = new String(out, StandardCharsets.UTF_8);
        assertEquals(0, child.exitValue(), "child JVM failed:\n" + output);
        Matcher ok = Pattern.compile("OK tensors=(\\d+) values=(\\d+) checkpointBytes=(\\d+) maxHeap=(\\d+)")
                .matcher(output);
        assertTrue(ok.find(), "child JVM did not report OK:\n" + output);
        assertEquals(shapes.size(), Integer.parseInt(ok.group(1)));
        assertTrue(Integer.parseInt(ok.group(2)) >= 4 * shapes.size(), "values checked: " + ok.group(2));
        long checkpointBytes = Long.parseLong(ok.group(3));
        long maxHeap = Long.parseLong(ok.group(4));
        assertTrue(maxHeap <= (long) HEAP_MB << 20, "the child really ran with a " + HEAP_MB + " MB heap: " + maxHeap);
        assertTrue(checkpointBytes > 2 * maxHeap, checkpointBytes + " bytes of weights vs a heap of " + maxHeap);
    }

    private static void writeConfig(Path file, PriorConfig c) throws IOException {
        JsonObject json = new JsonObject();
        json.addProperty("_class_name", "PriorTransformer");
        json.addProperty("num_attention_heads", c.numAttentionHeads());
        json.addProperty("attention_head_dim", c.attentionHeadDim());
        json.addProperty("num_layers", c.numLayers());
        json.addProperty("embedding_dim", c.embeddingDim());
        json.addProperty("num_embeddings", c.numEmbeddings());
        json.addProperty("additional_embeddings", c.additionalEmbeddings());
        json.addProperty("added_emb_type", "prd");
        json.addProperty("encoder_hid_proj_type", "linear");
        Files.writeString(file, json.toString());
    }
}
