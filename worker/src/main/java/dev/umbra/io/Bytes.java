package dev.umbra.io;

import java.nio.ByteBuffer;

/** Byte buffers as arrays. */
public final class Bytes {

    private Bytes() {}

    /** A copy of the buffer's remaining bytes; the buffer's position is left where it was. */
    public static byte[] of(ByteBuffer buffer) {
        ByteBuffer b = buffer.duplicate();
        byte[] bytes = new byte[b.remaining()];
        b.get(bytes);
        return bytes;
    }
}
