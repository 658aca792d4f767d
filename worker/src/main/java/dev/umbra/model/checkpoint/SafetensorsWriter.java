package dev.umbra.model.checkpoint;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Writes safetensors files, single or sharded with an {@code .index.json}, in F32, F16 or BF16.
 * Written here rather than with DJL's {@code NDList.encode(SAFETENSORS)} because that cannot write BF16,
 * shards, or files over 2 GB (it builds a {@code byte[]}).
 */
public final class SafetensorsWriter {

    private static final Gson GSON = new Gson();
    /** Elements converted and copied out of native memory at a time by the streaming writer (16 MB of fp32). */
    static final long CHUNK_ELEMENTS = 1L << 22;

    private SafetensorsWriter() {}

    /** Writes {@code tensors} (in map order) to one file, storing floating tensors as {@code type}. */
    public static void write(Path file, Map<String, NDArray> tensors, TensorType type) throws IOException {
        List<TensorSpec> specs = new ArrayList<>();
        for (Map.Entry<String, NDArray> e : tensors.entrySet()) {
            NDArray a = e.getValue();
            specs.add(new TensorSpec(e.getKey(), a.getShape(), storedType(a, type)));
        }
        write(file, specs, spec -> tensors.get(spec.name()));
    }

    /** A tensor to write: its state-dict key, its shape and the type its bytes are stored as. */
    public record TensorSpec(String name, Shape shape, TensorType type) {
        public long elements() {
            return shape.size();
        }

        public long bytes() {
            return elements() * type.bytes();
        }
    }

    /**
     * Where a streamed tensor's values come from. The writer asks for each tensor when it reaches it, writes it,
     * and hands it back through {@link #written} before asking for the next.
     */
    @FunctionalInterface
    public interface TensorSource {
        /** The values of {@code spec}, of its shape, in any type that converts to {@code spec.type()}. */
        NDArray values(TensorSpec spec) throws IOException;

        /** Called once the tensor's bytes are written: free what {@link #values} made (default: nothing). */
        default void written(TensorSpec spec, NDArray values) {}
    }

    /**
     * Writes one file tensor by tensor: the header from {@code specs}, then each tensor's bytes as {@code source}
     * makes them, converted and copied out in chunks of at most {@value #CHUNK_ELEMENTS} elements. What is held at
     * once is one tensor (in native memory) and one chunk, whatever the size of the file.
     */
    public static void write(Path file, List<TensorSpec> specs, TensorSource source) throws IOException {
        byte[] json = GSON.toJson(header(specs)).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8; // keeps tensor data 8-byte aligned, as the format recommends
        Files.createDirectories(file.toAbsolutePath().getParent());
        try (OutputStream out = Files.newOutputStream(file)) {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, padded);
            out.write(len.array());
            out.write(json);
            for (int i = json.length; i < padded; i++) {
                out.write(' ');
            }
            WritableByteChannel channel = Channels.newChannel(out);
            for (TensorSpec spec : specs) {
                NDArray a = source.values(spec);
                if (a.size() != spec.elements()) {
                    throw new IllegalStateException(spec.name() + ": " + a.getShape() + " given for " + spec.shape());
                }
                writeValues(channel, a, spec.type());
                source.written(spec, a);
            }
        }
    }

    private static JsonObject header(List<TensorSpec> specs) {
        JsonObject header = new JsonObject();
        long offset = 0;
        for (TensorSpec spec : specs) {
            JsonObject t = new JsonObject();
            t.addProperty("dtype", spec.type().name());
            JsonArray shape = new JsonArray();
            for (long d : spec.shape().getShape()) {
                shape.add(d);
            }
            t.add("shape", shape);
            JsonArray offsets = new JsonArray();
            offsets.add(offset);
            offsets.add(offset + spec.bytes());
            t.add("data_offsets", offsets);
            header.add(spec.name(), t);
            offset += spec.bytes();
        }
        return header;
    }

    /** Writes {@code a}'s values as {@code stored}, a chunk at a time; every intermediate array is freed here. */
    private static void writeValues(WritableByteChannel channel, NDArray a, TensorType stored) throws IOException {
        long n = a.size();
        if (n <= CHUNK_ELEMENTS) {
            writeChunk(channel, a, stored);
            return;
        }
        try (NDArray flat = a.reshape(n)) {
            for (long from = 0; from < n; from += CHUNK_ELEMENTS) {
                long to = Math.min(n, from + CHUNK_ELEMENTS);
                try (NDArray part = flat.get(from + ":" + to)) {
                    writeChunk(channel, part, stored);
                }
            }
        }
    }

    private static void writeChunk(WritableByteChannel channel, NDArray a, TensorType stored) throws IOException {
        NDArray converted = converted(a, stored);
        try {
            ByteBuffer bytes = stored == TensorType.BF16 ? toBf16(converted.toFloatArray()) : littleEndian(converted);
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
        } finally {
            // A conversion belongs to the source array's manager: free it now, not with the model.
            if (converted != a) {
                converted.close();
            }
        }
    }

    /**
     * Writes {@code tensors} as shards of at most {@code maxShardBytes} each (a tensor is never split),
     * named {@code base-0000i-of-0000n.safetensors}, plus {@code base.safetensors.index.json} as
     * transformers does. {@code baseName} is e.g. {@code model.safetensors}.
     */
    public static void writeSharded(Path dir, String baseName, Map<String, NDArray> tensors, TensorType type,
                                    long maxShardBytes) throws IOException {
        List<Map<String, NDArray>> shards = new ArrayList<>();
        Map<String, NDArray> current = new LinkedHashMap<>();
        long currentBytes = 0;
        for (Map.Entry<String, NDArray> e : tensors.entrySet()) {
            long bytes = e.getValue().size() * storedType(e.getValue(), type).bytes();
            if (!current.isEmpty() && currentBytes + bytes > maxShardBytes) {
                shards.add(current);
                current = new LinkedHashMap<>();
                currentBytes = 0;
            }
            current.put(e.getKey(), e.getValue());
            currentBytes += bytes;
        }
        if (!current.isEmpty()) {
            shards.add(current);
        }
        String stem = baseName.endsWith(".safetensors") ? baseName.substring(0, baseName.length() - 12) : baseName;
        JsonObject weightMap = new JsonObject();
        long total = 0;
        for (int i = 0; i < shards.size(); i++) {
            String name = String.format(Locale.ROOT, "%s-%05d-of-%05d.safetensors", stem, i + 1, shards.size());
            write(dir.resolve(name), shards.get(i), type);
            for (Map.Entry<String, NDArray> e : shards.get(i).entrySet()) {
                weightMap.addProperty(e.getKey(), name);
                total += e.getValue().size() * storedType(e.getValue(), type).bytes();
            }
        }
        JsonObject index = new JsonObject();
        JsonObject metadata = new JsonObject();
        metadata.addProperty("total_size", total);
        index.add("metadata", metadata);
        index.add("weight_map", weightMap);
        Files.writeString(dir.resolve(baseName + ".index.json"), GSON.toJson(index));
    }

    private static TensorType storedType(NDArray a, TensorType floatType) {
        DataType t = a.getDataType();
        if (t == DataType.INT64) {
            return TensorType.I64;
        }
        if (t == DataType.INT32) {
            return TensorType.I32;
        }
        return floatType;
    }

    /** The array in the type its bytes are written from: F16 for F16, F32 for F32 and BF16, itself for integers. */
    private static NDArray converted(NDArray a, TensorType type) {
        DataType want = switch (type) {
            case F16 -> DataType.FLOAT16;
            case F32, BF16 -> DataType.FLOAT32;
            default -> a.getDataType();
        };
        return a.getDataType() == want ? a : a.toType(want, false);
    }

    private static ByteBuffer littleEndian(NDArray a) {
        ByteBuffer b = a.toByteBuffer();
        return b.order(ByteOrder.LITTLE_ENDIAN);
    }

    /** float32 to bfloat16 with round-to-nearest-even, as torch does. */
    static ByteBuffer toBf16(float[] values) {
        ByteBuffer out = ByteBuffer.allocate(values.length * 2).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) {
            int bits = Float.floatToRawIntBits(v);
            short bf;
            if (Float.isNaN(v)) {
                bf = (short) ((bits >>> 16) | 0x40);
            } else {
                bf = (short) ((bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16);
            }
            out.putShort(bf);
        }
        out.flip();
        return out;
    }
}
