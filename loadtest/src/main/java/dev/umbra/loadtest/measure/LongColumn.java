package dev.umbra.loadtest.measure;

import java.util.ArrayList;
import java.util.List;

/**
 * A growable array of longs, indexed by request seq, in fixed chunks so that growing never copies (a long run at a
 * high rate holds millions of entries). Not thread-safe: {@link Measurements} guards it.
 */
final class LongColumn {

    private static final int CHUNK_BITS = 16;
    private static final int CHUNK = 1 << CHUNK_BITS;

    private final List<long[]> chunks = new ArrayList<>();

    void set(long index, long value) {
        int chunk = (int) (index >>> CHUNK_BITS);
        while (chunks.size() <= chunk) {
            chunks.add(new long[CHUNK]);
        }
        chunks.get(chunk)[(int) (index & (CHUNK - 1))] = value;
    }

    long get(long index) {
        return chunks.get((int) (index >>> CHUNK_BITS))[(int) (index & (CHUNK - 1))];
    }
}
