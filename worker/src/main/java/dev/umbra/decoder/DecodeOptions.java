package dev.umbra.decoder;

/**
 * A request's own decoder settings (the PromptRequest's decoder_options); null fields take the decoder's defaults.
 * Decoders without such knobs (the shapes decoder draws 64x64 in one pass) ignore them.
 *
 * @param steps    denoising steps
 * @param guidance classifier-free guidance scale
 * @param width    picture width in pixels
 * @param height   picture height in pixels
 */
public record DecodeOptions(Integer steps, Float guidance, Integer width, Integer height) {

    /** The decoder's defaults for everything. */
    public static final DecodeOptions DEFAULTS = new DecodeOptions(null, null, null, null);
}
