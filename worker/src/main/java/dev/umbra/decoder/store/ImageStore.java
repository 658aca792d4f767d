package dev.umbra.decoder.store;

import java.io.IOException;
import java.net.URI;

/**
 * Where pictures too large to travel inside a result are kept; the result then carries the URI. The file system
 * store is the one here; an object store (S3, GCS) is another implementation of the same call.
 */
public interface ImageStore {

    /**
     * Stores one picture and returns where it can be read. Storing the same request's same image again replaces it
     * (a redelivered request writes the same name), so at-least-once delivery leaves one object per image.
     */
    URI put(String requestId, int index, String format, byte[] bytes) throws IOException;
}
