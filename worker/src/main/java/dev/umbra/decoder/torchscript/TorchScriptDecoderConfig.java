package dev.umbra.decoder.torchscript;

import dev.umbra.model.checkpoint.JsonFiles;
import java.nio.file.Path;
import java.util.Set;

/**
 * The {@code decoder.json} beside {@code unet.pt} and {@code movq.pt}, written by
 * {@code deploy/decoder-torchscript/export.py}.
 *
 * @param source                 {@code source}: where the weights came from, for people
 * @param dtype                  {@code dtype}: float32 or float16, the files' weights and so their inputs
 * @param embeddingDim           {@code embedding_dim}: E, the CLIP image embedding the UNet is conditioned on
 * @param latentChannels         {@code latent_channels}: C of the latents [B, C, h, w]
 * @param unetOutChannels        {@code unet_out_channels}: C, or 2C when the UNet also predicts a variance
 *                               (Kandinsky 2.2), whose channels the loop drops
 * @param vaeScaleFactor         {@code vae_scale_factor}: pixels per latent along each side (8)
 * @param sizeMultiple           {@code size_multiple}: widths and heights must be multiples of it (64: latents a
 *                               multiple of 8, which the UNet halves three times)
 * @param outputRange            {@code output_range}: what movq.pt's pixels span
 * @param scheduler              {@code scheduler}: the noise schedule
 * @param sampler                {@code sampler}: ddpm (Kandinsky 2.2's pipeline) or ddim
 * @param defaults               {@code defaults}: steps, guidance, width and height of requests that name none
 * @param unconditionalEmbedding {@code unconditional_embedding}: an .npy [E] in the folder used as the negative
 *                               embedding of requests without one, or null for zeros
 */
public record TorchScriptDecoderConfig(String source, String dtype, int embeddingDim, int latentChannels,
                                       int unetOutChannels, int vaeScaleFactor, int sizeMultiple,
                                       OutputRange outputRange, SchedulerConfig scheduler, Sampler.Kind sampler,
                                       Defaults defaults, String unconditionalEmbedding) {

    public static final String FILE = "decoder.json";
    public static final String FORMAT = "umbra-torchscript-decoder";
    public static final int FORMAT_VERSION = 1;

    /** The pixel range of movq.pt's output. */
    public enum OutputRange {
        /** [-1, 1], diffusers' convention: pixel = (x + 1) / 2. */
        MINUS_ONE_TO_ONE("minus_one_to_one"),
        /** [0, 1]. */
        ZERO_TO_ONE("zero_to_one");

        private final String key;

        OutputRange(String key) {
            this.key = key;
        }

        public String key() {
            return key;
        }

        /** A value of the range to [0, 1], clamped. */
        public double toUnit(double x) {
            double u = this == MINUS_ONE_TO_ONE ? x * 0.5 + 0.5 : x;
            return Math.max(0, Math.min(1, u));
        }
    }

    /** What a request without its own decoder options gets. */
    public record Defaults(int steps, float guidance, int width, int height) {}

    public TorchScriptDecoderConfig {
        if (!Set.of("float32", "float16").contains(dtype)) {
            throw new IllegalArgumentException("dtype must be float32 or float16 (got " + dtype + ")");
        }
        if (unetOutChannels != latentChannels && unetOutChannels != 2 * latentChannels) {
            throw new IllegalArgumentException("unet_out_channels " + unetOutChannels + " is neither latent_channels "
                    + latentChannels + " nor twice it (a prediction and a learned variance)");
        }
        if (sizeMultiple % vaeScaleFactor != 0) {
            throw new IllegalArgumentException("size_multiple " + sizeMultiple + " is not a multiple of"
                    + " vae_scale_factor " + vaeScaleFactor);
        }
        if (defaults.steps() > scheduler.numTrainTimesteps()) {
            throw new IllegalArgumentException("defaults.steps " + defaults.steps() + " exceeds num_train_timesteps "
                    + scheduler.numTrainTimesteps());
        }
        if (!(defaults.guidance() >= 1) || Float.isInfinite(defaults.guidance())) {
            throw new IllegalArgumentException("defaults.guidance must be a number of at least 1 (got "
                    + defaults.guidance() + ")");
        }
        if (defaults.width() % sizeMultiple != 0 || defaults.height() % sizeMultiple != 0) {
            throw new IllegalArgumentException("the default size " + defaults.width() + "x" + defaults.height()
                    + " is not a multiple of size_multiple " + sizeMultiple);
        }
    }

    /** Whether the UNet's output carries variance channels after the prediction's. */
    public boolean learnedVariance() {
        return unetOutChannels == 2 * latentChannels;
    }

    /** Reads {@code dir/decoder.json}; every error names the file and the key. */
    public static TorchScriptDecoderConfig load(Path dir) {
        Path file = dir.resolve(FILE);
        JsonFields c = new JsonFields(file, "", JsonFiles.readObject(file));
        String format = c.string("format");
        if (!FORMAT.equals(format)) {
            throw c.unsupported("format", format, FORMAT);
        }
        int version = c.integer("format_version", 1);
        if (version != FORMAT_VERSION) {
            throw c.unsupported("format_version", version, String.valueOf(FORMAT_VERSION));
        }
        String range = c.oneOf("output_range", Set.of(OutputRange.MINUS_ONE_TO_ONE.key(),
                OutputRange.ZERO_TO_ONE.key()));
        JsonFields d = c.object("defaults");
        int latent = c.integer("latent_channels", 1);
        int out = c.integer("unet_out_channels", 1);
        if (c.has("learned_variance") && c.bool("learned_variance", false) != (out == 2 * latent)) {
            throw c.error("learned_variance disagrees with unet_out_channels " + out + " and latent_channels "
                    + latent);
        }
        try {
            return new TorchScriptDecoderConfig(c.optString("source"), c.oneOf("dtype", Set.of("float32", "float16")),
                    c.integer("embedding_dim", 1), latent, out, c.integer("vae_scale_factor", 1),
                    c.integer("size_multiple", 1),
                    range.equals(OutputRange.ZERO_TO_ONE.key()) ? OutputRange.ZERO_TO_ONE : OutputRange.MINUS_ONE_TO_ONE,
                    SchedulerConfig.read(c.object("scheduler")),
                    Sampler.Kind.parse(c.oneOf("sampler", Set.of("ddpm", "ddim"))),
                    new Defaults(d.integer("steps", 1), (float) d.number("guidance"), d.integer("width", 1),
                            d.integer("height", 1)),
                    c.optString("unconditional_embedding"));
        } catch (IllegalArgumentException e) {
            throw c.error(e.getMessage());
        }
    }

    /** The same files run with another sampler (tests; users edit decoder.json). */
    public TorchScriptDecoderConfig withSampler(Sampler.Kind kind) {
        return new TorchScriptDecoderConfig(source, dtype, embeddingDim, latentChannels, unetOutChannels,
                vaeScaleFactor, sizeMultiple, outputRange, scheduler, kind, defaults, unconditionalEmbedding);
    }
}
