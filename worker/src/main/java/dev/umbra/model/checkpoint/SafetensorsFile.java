package dev.umbra.model.checkpoint;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import com.google.gson.JsonElement;
import com.google.gson.JsonObject;
import com.google.gson.JsonParseException;
import com.google.gson.JsonParser;
import dev.umbra.model.ModelException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * One {@code .safetensors} file, read by memory-mapping each tensor's bytes: nothing of the file passes
 * through the Java heap, so a checkpoint larger than the heap loads (DJL's own {@code NDList.decode}
 * needs the whole file in a {@code byte[]}, under 2 GB, and about twice its size while decoding).
 *
 * <p>Layout: 8-byte little-endian header length N, N bytes of JSON {name: {dtype, shape, data_offsets}},
 * then the tensor bytes, offsets relative to the end of the header.
 */
public final class SafetensorsFile {

    /** A tensor's place in the file. */
    public record Entry(String name, TensorType type, long[] shape, long begin, long end) {
        public long elements() {
            long n = 1;
            for (long d : shape) {
                n *= d;
            }
            return n;
        }
    }

    private static final long MAX_HEADER = 100L << 20;

    private final Path path;
    private final long dataStart;
    private final Map<String, Entry> entries;

    private SafetensorsFile(Path path, long dataStart, Map<String, Entry> entries) {
        this.path = path;
        this.dataStart = dataStart;
        this.entries = entries;
    }

    /** Reads and checks the header; tensor bytes are only touched by {@link #load}. */
    public static SafetensorsFile open(Path path) {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) {
                throw new ModelException(path + ": not a safetensors file (" + size + " bytes, no header)");
            }
            ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
            readFully(ch, lenBuf, 0);
            long headerLen = lenBuf.getLong(0);
            if (headerLen <= 0 || headerLen > MAX_HEADER || 8 + headerLen > size) {
                throw new ModelException(path + ": not a safetensors file (header length " + headerLen
                        + " in a file of " + size + " bytes)");
            }
            ByteBuffer header = ByteBuffer.allocate((int) headerLen);
            readFully(ch, header, 8);
            String json = new String(header.array(), StandardCharsets.UTF_8);
            Map<String, Entry> entries = parseHeader(path, json, size - 8 - headerLen);
            return new SafetensorsFile(path, 8 + headerLen, Collections.unmodifiableMap(entries));
        } catch (IOException e) {
            throw new ModelException(path + ": cannot read (" + e.getMessage() + ")", e);
        }
    }

    private static Map<String, Entry> parseHeader(Path path, String json, long dataBytes) {
        JsonObject root;
        try {
            root = JsonParser.parseString(json).getAsJsonObject();
        } catch (JsonParseException | IllegalStateException e) {
            throw new ModelException(path + ": safetensors header is not a JSON object");
        }
        Map<String, Entry> entries = new LinkedHashMap<>();
        for (Map.Entry<String, JsonElement> e : root.entrySet()) {
            String name = e.getKey();
            if ("__metadata__".equals(name)) {
                continue;
            }
            try {
                JsonObject t = e.getValue().getAsJsonObject();
                String dtype = t.get("dtype").getAsString();
                TensorType type = TensorType.parse(dtype);
                if (type == null) {
                    throw new ModelException(path + ": tensor " + name + " has dtype " + dtype
                            + ", which this code does not read (F32, F16, BF16, I64, I32)");
                }
                var shapeJson = t.getAsJsonArray("shape");
                long[] shape = new long[shapeJson.size()];
                for (int i = 0; i < shape.length; i++) {
                    shape[i] = shapeJson.get(i).getAsLong();
                }
                var offsets = t.getAsJsonArray("data_offsets");
                long begin = offsets.get(0).getAsLong();
                long end = offsets.get(1).getAsLong();
                Entry entry = new Entry(name, type, shape, begin, end);
                if (begin < 0 || end < begin || end > dataBytes || !sizeMatches(shape, type, end - begin)) {
                    throw new ModelException(path + ": tensor " + name + " has data_offsets [" + begin + ", "
                            + end + "] that do not fit its shape " + new Shape(shape) + " " + dtype
                            + " within the file's " + dataBytes + " data bytes (truncated or corrupt file?)");
                }
                entries.put(name, entry);
            } catch (NullPointerException | IllegalStateException | UnsupportedOperationException
                    | IndexOutOfBoundsException ex) {
                throw new ModelException(path + ": malformed safetensors header entry for tensor " + name);
            }
        }
        return entries;
    }

    public Path path() {
        return path;
    }

    public Map<String, Entry> entries() {
        return entries;
    }

    /**
     * Creates the tensor in {@code manager}, in native memory it owns. F32/F16/I64/I32 bytes go from the
     * read-only mapping straight into a native copy (never the heap); BF16 is widened to F32 in Java into
     * native memory, because DJL aborts on BF16. The copy matters: a tensor left on the read-only mapping
     * would crash the process the first time training wrote to it.
     */
    public NDArray load(String name, NDManager manager) {
        Entry e = entries.get(name);
        if (e == null) {
            throw new ModelException(path + ": no tensor named " + name);
        }
        long length = e.end() - e.begin();
        if (length > Integer.MAX_VALUE) {
            throw new ModelException(path + ": tensor " + name + " is " + length
                    + " bytes; tensors over 2 GiB are not supported");
        }
        Shape shape = new Shape(e.shape());
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            if (length == 0) {
                return manager.create(shape, e.type().djlType());
            }
            ByteBuffer mapped = ch.map(FileChannel.MapMode.READ_ONLY, dataStart + e.begin(), length)
                    .order(ByteOrder.LITTLE_ENDIAN);
            if (e.type() == TensorType.BF16) {
                return manager.create(widenBf16(mapped, manager), shape, ai.djl.ndarray.types.DataType.FLOAT32);
            }
            try (NDArray view = manager.create(mapped, shape, e.type().djlType())) {
                NDArray array = view.duplicate();
                array.setName(name);
                return array;
            }
        } catch (IOException ex) {
            throw new ModelException(path + ": cannot read tensor " + name + " (" + ex.getMessage() + ")", ex);
        }
    }

    /** bfloat16 is the top half of a float32: shift each value up 16 bits. */
    static ByteBuffer widenBf16(ByteBuffer bf16, NDManager manager) {
        int n = bf16.remaining() / 2;
        ByteBuffer out = manager.allocateDirect(n * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            int bits = Short.toUnsignedInt(bf16.getShort(bf16.position() + 2 * i));
            out.putInt(4 * i, bits << 16);
        }
        return out;
    }

    /** Whether the shape holds exactly {@code bytes} of {@code type}; false on a negative dimension or overflow. */
    private static boolean sizeMatches(long[] shape, TensorType type, long bytes) {
        long n = type.bytes();
        for (long d : shape) {
            if (d < 0) {
                return false;
            }
            try {
                n = Math.multiplyExact(n, d);
            } catch (ArithmeticException overflow) {
                return false;
            }
        }
        return n == bytes;
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long position) throws IOException {
        long pos = position;
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos);
            if (n < 0) {
                throw new IOException("unexpected end of file");
            }
            pos += n;
        }
    }
}
