package dev.umbra.decoder.torchscript;

import dev.umbra.io.Npy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.stream.Stream;

/**
 * The shipped tiny export ({@code deploy/decoder-torchscript/export.py --tiny --seed 7}) and its reference, computed
 * by that script's Python loop when the files were made.
 */
final class TinyExport {

    private TinyExport() {}

    static Path dir() {
        try {
            return Path.of(TinyExport.class.getResource("/umbra/decoder/torchscript-tiny/decoder.json").toURI())
                    .getParent();
        } catch (URISyntaxException | NullPointerException e) {
            throw new IllegalStateException("the tiny TorchScript export is not on the test classpath", e);
        }
    }

    /** A reference array as float32 values, with its shape. */
    record Ref(long[] shape, float[] values) {
        /** Row {@code i} along the first axis. */
        float[] row(int i) {
            int n = values.length / (int) shape[0];
            return Arrays.copyOfRange(values, i * n, (i + 1) * n);
        }

        /** [steps, requests, ...]: the slice of step {@code s}, request {@code i}. */
        float[] at(int s, int i) {
            int n = values.length / (int) (shape[0] * shape[1]);
            int start = (s * (int) shape[1] + i) * n;
            return Arrays.copyOfRange(values, start, start + n);
        }
    }

    static Ref ref(String name) {
        try {
            Npy.Array a = Npy.read(dir().resolve("reference").resolve(name));
            float[] v = new float[(int) a.size()];
            for (int i = 0; i < v.length; i++) {
                v[i] = (float) a.values()[i];
            }
            return new Ref(a.shape(), v);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Noise from the reference: initial latents [N,C,h,w] and, for DDPM, step noise [S,N,C,h,w]. */
    static NoiseSource noise(Ref initial, Ref steps) {
        return (index, request) -> new NoiseSource.Stream() {
            @Override
            public float[] initial(int length) {
                return initial.row(index);
            }

            @Override
            public float[] step(int step, int length) {
                return steps.at(step, index);
            }
        };
    }

    /** A writable copy of the tiny export, to break. */
    static Path copyTo(Path target) throws IOException {
        try (Stream<Path> files = Files.walk(dir())) {
            for (Path p : (Iterable<Path>) files::iterator) {
                Path to = target.resolve(dir().relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(to);
                } else {
                    Files.copy(p, to);
                }
            }
        }
        return target;
    }

    static float maxAbsDiff(float[] a, float[] b) {
        if (a.length != b.length) {
            throw new AssertionError(a.length + " values against " + b.length);
        }
        float max = 0;
        for (int i = 0; i < a.length; i++) {
            max = Math.max(max, Math.abs(a[i] - b[i]));
        }
        return max;
    }

    /** The largest difference of one color channel between two pictures of one size, in levels of 255. */
    static int maxLevelDiff(dev.umbra.decoder.DecodedImage a, dev.umbra.decoder.DecodedImage b) {
        if (a.width() != b.width() || a.height() != b.height()) {
            throw new AssertionError(a.width() + "x" + a.height() + " against " + b.width() + "x" + b.height());
        }
        int worst = 0;
        for (int p = 0; p < a.rgb().length; p++) {
            for (int shift = 0; shift <= 16; shift += 8) {
                worst = Math.max(worst, Math.abs((a.rgb()[p] >> shift & 0xff) - (b.rgb()[p] >> shift & 0xff)));
            }
        }
        return worst;
    }
}
