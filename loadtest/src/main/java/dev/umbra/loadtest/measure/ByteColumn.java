package dev.umbra.loadtest.measure;

import java.util.ArrayList;
import java.util.List;

/** {@link LongColumn} for bytes: one state per request. Not thread-safe. */
final class ByteColumn {

    private static final int CHUNK_BITS = 16;
    private static final int CHUNK = 1 << CHUNK_BITS;

    private final List<byte[]> chunks = new ArrayList<>();

    void set(long index, byte value) {
        int chunk = (int) (index >>> CHUNK_BITS);
        while (chunks.size() <= chunk) {
            chunks.add(new byte[CHUNK]);
        }
        chunks.get(chunk)[(int) (index & (CHUNK - 1))] = value;
    }

    byte get(long index) {
        return chunks.get((int) (index >>> CHUNK_BITS))[(int) (index & (CHUNK - 1))];
    }
}
