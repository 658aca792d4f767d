package dev.umbra.decoder;

/**
 * One image to decode.
 *
 * @param imageEmbedding    the CLIP image embedding the prior made, [E]
 * @param negativeEmbedding what to steer away from (a negative prompt's embedding), or null for none
 * @param seed              the decoder's own randomness: the same seed and embedding give the same image
 * @param options           the request's own decoder settings
 */
public record DecodeRequest(float[] imageEmbedding, float[] negativeEmbedding, long seed, DecodeOptions options) {

    /** A request with the decoder's default settings. */
    public DecodeRequest(float[] imageEmbedding, float[] negativeEmbedding, long seed) {
        this(imageEmbedding, negativeEmbedding, seed, DecodeOptions.DEFAULTS);
    }

    public DecodeRequest {
        options = options == null ? DecodeOptions.DEFAULTS : options;
        if (imageEmbedding == null || imageEmbedding.length == 0) {
            throw new IllegalArgumentException("a decode request needs an image embedding");
        }
        if (negativeEmbedding != null && negativeEmbedding.length != imageEmbedding.length) {
            throw new IllegalArgumentException("the negative embedding has " + negativeEmbedding.length
                    + " values, the image embedding " + imageEmbedding.length);
        }
    }
}
