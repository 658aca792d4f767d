package dev.umbra.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.umbra.io.Npy;
import dev.umbra.io.PromptsFile;
import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;

/** The golden reference set (test resources) and comparisons against it. */
public final class Golden {

    /** float32 against a float64 reference: the spec expects about 1e-5; the issue allows 1e-4. */
    public static final double TOLERANCE = 1e-4;

    private Golden() {}

    public static Path dir() {
        try {
            return Path.of(Golden.class.getResource("/golden").toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    public static List<String> prompts() throws IOException {
        return PromptsFile.read(dir().resolve("inputs/prompts.txt"));
    }

    public static float[][] noise() throws IOException {
        return Npy.readFloat32Matrix(dir().resolve("inputs/noise.npy"));
    }

    public static Npy.Array expected(String name) throws IOException {
        return Npy.read(dir().resolve("expected/" + name + ".npy"));
    }

    public static void assertExact(Npy.Array expected, long[][] actual) {
        assertEquals(expected.shape()[0], actual.length, "rows");
        int cols = (int) expected.shape()[1];
        for (int i = 0; i < actual.length; i++) {
            long[] want = new long[cols];
            for (int j = 0; j < cols; j++) {
                want[j] = (long) expected.values()[i * cols + j];
            }
            assertArrayEquals(want, actual[i], "row " + i);
        }
    }

    /** Max absolute error over all values; asserts shapes match. */
    public static double maxAbsError(Npy.Array expected, float[][] actual) {
        assertEquals(2, expected.shape().length);
        assertEquals(expected.shape()[0], actual.length, "rows");
        int cols = (int) expected.shape()[1];
        double max = 0;
        for (int i = 0; i < actual.length; i++) {
            assertEquals(cols, actual[i].length, "columns of row " + i);
            for (int j = 0; j < cols; j++) {
                max = Math.max(max, Math.abs(expected.values()[i * cols + j] - actual[i][j]));
            }
        }
        return max;
    }

    public static double maxAbsError(Npy.Array expected, float[][][] actual) {
        assertEquals(3, expected.shape().length);
        assertEquals(expected.shape()[0], actual.length, "rows");
        int t = (int) expected.shape()[1];
        int h = (int) expected.shape()[2];
        double max = 0;
        for (int i = 0; i < actual.length; i++) {
            for (int j = 0; j < t; j++) {
                for (int k = 0; k < h; k++) {
                    max = Math.max(max, Math.abs(expected.values()[(i * t + j) * h + k] - actual[i][j][k]));
                }
            }
        }
        return max;
    }

    public static void assertClose(Npy.Array expected, float[][] actual, String what) {
        double err = maxAbsError(expected, actual);
        assertTrue(err <= TOLERANCE, what + ": max abs error " + err + " > " + TOLERANCE);
    }
}
