package dev.umbra.decoder;

import java.util.List;

/**
 * Turns CLIP image embeddings into pictures: the stage after the prior (for real checkpoints a diffusion decoder
 * such as Kandinsky 2.2's; here the shapes world's). Implementations own their resources and free them on close.
 */
public interface ImageDecoder extends AutoCloseable {

    /** Decodes a batch, one image per request, in order. */
    List<DecodedImage> decode(List<DecodeRequest> requests);

    /** The embedding width E it takes. */
    int embeddingDim();

    /** Names the decoder and its exact weights, for results and logs. */
    String identity();

    /**
     * SHA-256 of the weights it runs, for the results' model identity; empty when they are not here to read (a
     * decoder service).
     */
    default String weightsSha256() {
        return "";
    }

    @Override
    void close();
}
