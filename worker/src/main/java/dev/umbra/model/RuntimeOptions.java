package dev.umbra.model;

/**
 * How to run a model: on which device and in which precision.
 *
 * @param device   "auto" (GPU when DJL sees one, else CPU), "cpu", or "gpu"/"gpu:N"
 * @param dtype    "auto" (fp16 on GPU, fp32 on CPU), "float32" or "float16"
 * @param padTokenId id used to pad token sequences to 77 (0 by default; 49407 for openai/clip-vit-large-patch14)
 */
public record RuntimeOptions(String device, String dtype, long padTokenId) {

    public static final long DEFAULT_PAD_TOKEN_ID = 0;

    public static RuntimeOptions defaults() {
        return new RuntimeOptions("auto", "auto", DEFAULT_PAD_TOKEN_ID);
    }
}
