package dev.umbra.kafka.demo;

import dev.umbra.decoder.pool.PoolStats;
import dev.umbra.decoder.store.FileSystemImageStore;
import dev.umbra.io.Bytes;
import dev.umbra.schemas.GeneratedImage;
import dev.umbra.schemas.ImageResult;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.HdrHistogram.Histogram;

/**
 * The demo's pictures: inline ones written out to {@code DIR/<request>/<index>.png} (the image store's layout, so
 * that stored and inline pictures lie side by side), decode times and diversity gathered for the summary. Also
 * {@code batch}'s (dev.umbra.jobs), so that both lay pictures out alike.
 */
public final class DemoPictures {

    /**
     * @param pictures       images with a picture
     * @param inline         of them, carried inside the result
     * @param stored         of them, carried as a URI
     * @param dir            where they were written
     * @param decodeMs       decode_ms of the results with pictures: p50, p90, p99, p99.9, p99.99, max (empty when none)
     * @param pool           the decoder pool's figures, or null without a decoder
     * @param meanDiversity  mean pairwise cosine distance of a request's images, averaged over requests of 2 or more
     *                       (NaN when there are none)
     * @param diversityBasis what those distances compared (the results' diversity basis)
     */
    public record Summary(int pictures, int inline, int stored, Path dir, List<Double> decodeMs, PoolStats pool,
                          double meanDiversity, Set<String> diversityBasis) {}

    private final FileSystemImageStore store;
    private final Histogram decode = new Histogram(3);
    private int inline;
    private int stored;
    private double diversitySum;
    private int diversityCount;
    private final Set<String> basis = new TreeSet<>();

    public DemoPictures(Path dir) {
        this.store = new FileSystemImageStore(dir);
    }

    public void add(ImageResult result) throws IOException {
        boolean any = false;
        for (GeneratedImage image : result.getImages()) {
            if (image.getImage() != null) {
                store.put(result.getRequestId(), image.getIndex(), image.getImageFormat(), Bytes.of(image.getImage()));
                inline++;
                any = true;
            } else if (image.getImageUri() != null) {
                stored++;
                any = true;
            }
        }
        if (any) {
            decode.recordValue(Math.max(0, Math.round(result.getTimings().getDecodeMs() * 1000)));
        }
        if (result.getDiversity() != null) {
            diversitySum += result.getDiversity().getMeanPairwiseCosineDistance();
            diversityCount++;
            basis.add(result.getDiversity().getBasis());
        }
    }

    public Summary summary(PoolStats pool) {
        return new Summary(inline + stored, inline, stored, store.root(), DemoReport.percentilesMs(decode), pool,
                diversityCount == 0 ? Double.NaN : diversitySum / diversityCount, Set.copyOf(basis));
    }
}
