package dev.umbra.model.checkpoint;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.types.DataType;
import com.google.gson.Gson;
import com.google.gson.JsonArray;
import com.google.gson.JsonObject;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.Channels;
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

    private SafetensorsWriter() {}

    /** Writes {@code tensors} (in map order) to one file, storing floating tensors as {@code type}. */
    public static void write(Path file, Map<String, NDArray> tensors, TensorType type) throws IOException {
        JsonObject header = new JsonObject();
        long offset = 0;
        for (Map.Entry<String, NDArray> e : tensors.entrySet()) {
            NDArray a = e.getValue();
            TensorType stored = storedType(a, type);
            long bytes = a.size() * stored.bytes();
            JsonObject t = new JsonObject();
            t.addProperty("dtype", stored.name());
            JsonArray shape = new JsonArray();
            for (long d : a.getShape().getShape()) {
                shape.add(d);
            }
            t.add("shape", shape);
            JsonArray offsets = new JsonArray();
            offsets.add(offset);
            offsets.add(offset + bytes);
            t.add("data_offsets", offsets);
            header.add(e.getKey(), t);
            offset += bytes;
        }
        byte[] json = GSON.toJson(header).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8; // keeps tensor data 8-byte aligned, as the format recommends
        Files.createDirectories(file.toAbsolutePath().getParent());
        try (OutputStream out = Files.newOutputStream(file)) {
            ByteBuffer len = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, padded);
            out.write(len.array());
            out.write(json);
            for (int i = json.length; i < padded; i++) {
                out.write(' ');
            }
            var channel = Channels.newChannel(out);
            for (NDArray a : tensors.values()) {
                TensorType stored = storedType(a, type);
                NDArray converted = converted(a, stored);
                try {
                    channel.write(stored == TensorType.BF16 ? toBf16(converted.toFloatArray()) : littleEndian(converted));
                } finally {
                    // A conversion belongs to the source array's manager: free it now, not with the model.
                    if (converted != a) {
                        converted.close();
                    }
                }
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
