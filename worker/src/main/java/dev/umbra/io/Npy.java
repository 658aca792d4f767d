package dev.umbra.io;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * NumPy {@code .npy} files (format 1.0-3.0, C order, little-endian f4, f8, i4, i8), read to and written
 * from plain Java arrays. Written here because DJL only writes .npy inside .npz archives and only reads
 * into native arrays, while the command line wants plain arrays on both sides.
 */
public final class Npy {

    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final Pattern DESCR = Pattern.compile("'descr'\\s*:\\s*'([^']*)'");
    private static final Pattern FORTRAN = Pattern.compile("'fortran_order'\\s*:\\s*(True|False)");
    private static final Pattern SHAPE = Pattern.compile("'shape'\\s*:\\s*\\(([^)]*)\\)");

    /** An array read from a file: its NumPy dtype string, shape and values widened to double. */
    public record Array(String dtype, long[] shape, double[] values) {
        public long size() {
            return values.length;
        }
    }

    private Npy() {}

    /** Reads a whole .npy file; throws {@link IOException} with a message that says what is wrong. */
    public static Array read(Path file) throws IOException {
        byte[] bytes = Files.readAllBytes(file);
        ByteBuffer bb = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        if (bytes.length < 10 || !Arrays.equals(Arrays.copyOf(bytes, 6), MAGIC)) {
            throw new IOException("not a .npy file (no \\x93NUMPY magic)");
        }
        int major = bytes[6];
        int headerLen;
        int offset;
        if (major == 1) {
            headerLen = Short.toUnsignedInt(bb.getShort(8));
            offset = 10;
        } else if (major == 2 || major == 3) {
            headerLen = bb.getInt(8);
            offset = 12;
        } else {
            throw new IOException("unsupported .npy version " + major);
        }
        if (offset + headerLen > bytes.length) {
            throw new IOException("truncated .npy header");
        }
        String header = new String(bytes, offset, headerLen, StandardCharsets.ISO_8859_1);
        String descr = group(DESCR, header, "descr");
        if ("True".equals(group(FORTRAN, header, "fortran_order"))) {
            throw new IOException("Fortran-ordered arrays are not supported; save with C order");
        }
        String shapeText = group(SHAPE, header, "shape").trim();
        long[] shape = shapeText.isEmpty() ? new long[0] : Arrays.stream(shapeText.split(","))
                .map(String::trim).filter(s -> !s.isEmpty()).mapToLong(Long::parseLong).toArray();
        long count = 1;
        for (long d : shape) {
            count *= d;
        }
        int width = switch (descr) {
            case "<f4", "<i4" -> 4;
            case "<f8", "<i8" -> 8;
            default -> throw new IOException("unsupported dtype " + descr + " (float32, float64, int32, int64)");
        };
        int data = offset + headerLen;
        if ((long) bytes.length - data != count * width) {
            throw new IOException("holds " + (bytes.length - data) + " data bytes, shape " + Arrays.toString(shape)
                    + " of " + descr + " needs " + count * width);
        }
        double[] values = new double[(int) count];
        for (int i = 0; i < count; i++) {
            int p = data + i * width;
            values[i] = switch (descr) {
                case "<f4" -> bb.getFloat(p);
                case "<f8" -> bb.getDouble(p);
                case "<i4" -> bb.getInt(p);
                default -> bb.getLong(p);
            };
        }
        return new Array(descr, shape, values);
    }

    /** Reads a 2-D float32 array as rows; refuses any other dtype or rank. */
    public static float[][] readFloat32Matrix(Path file) throws IOException {
        Array a = read(file);
        if (!"<f4".equals(a.dtype())) {
            throw new IOException("dtype is " + a.dtype() + ", expected float32 (<f4)");
        }
        if (a.shape().length != 2) {
            throw new IOException("shape is " + Arrays.toString(a.shape()) + ", expected 2-D [N, E]");
        }
        int rows = (int) a.shape()[0];
        int cols = (int) a.shape()[1];
        float[][] out = new float[rows][cols];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                out[i][j] = (float) a.values()[i * cols + j];
            }
        }
        return out;
    }

    public static void write(Path file, float[][] rows) throws IOException {
        int cols = rows.length == 0 ? 0 : rows[0].length;
        ByteBuffer bb = ByteBuffer.allocate(rows.length * cols * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float[] row : rows) {
            for (float v : row) {
                bb.putFloat(v);
            }
        }
        write(file, "<f4", new long[] {rows.length, cols}, bb.array());
    }

    public static void write(Path file, long[][] rows) throws IOException {
        int cols = rows.length == 0 ? 0 : rows[0].length;
        ByteBuffer bb = ByteBuffer.allocate(rows.length * cols * 8).order(ByteOrder.LITTLE_ENDIAN);
        for (long[] row : rows) {
            for (long v : row) {
                bb.putLong(v);
            }
        }
        write(file, "<i8", new long[] {rows.length, cols}, bb.array());
    }

    public static void write(Path file, float[][][] blocks) throws IOException {
        int d1 = blocks.length == 0 ? 0 : blocks[0].length;
        int d2 = d1 == 0 ? 0 : blocks[0][0].length;
        ByteBuffer bb = ByteBuffer.allocate(blocks.length * d1 * d2 * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float[][] block : blocks) {
            for (float[] row : block) {
                for (float v : row) {
                    bb.putFloat(v);
                }
            }
        }
        write(file, "<f4", new long[] {blocks.length, d1, d2}, bb.array());
    }

    private static void write(Path file, String descr, long[] shape, byte[] data) throws IOException {
        StringBuilder dims = new StringBuilder();
        for (long d : shape) {
            dims.append(d).append(", ");
        }
        String shapeText = shape.length == 1 ? dims.toString().trim() : dims.substring(0, Math.max(0, dims.length() - 2));
        String dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': (" + shapeText + "), }";
        int total = MAGIC.length + 2 + 2 + dict.length() + 1;
        int pad = (64 - total % 64) % 64; // header padded so the data starts 64-byte aligned, as NumPy does
        ByteArrayOutputStream header = new ByteArrayOutputStream();
        header.write(MAGIC);
        header.write(1);
        header.write(0);
        int len = dict.length() + pad + 1;
        header.write(len & 0xff);
        header.write((len >> 8) & 0xff);
        header.write(dict.getBytes(StandardCharsets.ISO_8859_1));
        for (int i = 0; i < pad; i++) {
            header.write(' ');
        }
        header.write('\n');
        try (OutputStream out = Files.newOutputStream(file)) {
            header.writeTo(out);
            out.write(data);
        }
    }

    private static String group(Pattern p, String header, String key) throws IOException {
        Matcher m = p.matcher(header);
        if (!m.find()) {
            throw new IOException("malformed .npy header: no '" + key + "' in " + header.trim());
        }
        return m.group(1);
    }
}
