package dev.umbra.model.init;

import dev.umbra.io.UsageException;
import dev.umbra.model.EmbeddedModels;
import dev.umbra.model.checkpoint.TensorType;
import dev.umbra.model.clip.ClipTextConfig;
import dev.umbra.model.prior.PriorConfig;
import java.util.Locale;

/**
 * The sizes {@code init-model} writes (ECLIPSE-SPEC section 2). The text encoder's and the prior's configs are those
 * of the released checkpoints; only the weights are random.
 */
public enum ModelPreset {

    /** ECLIPSE for Kandinsky v2.2: the CLIP ViT-bigG/14 text tower (~695M) and the prior at E=1280 (34M). */
    KANDINSKY("CLIP ViT-bigG/14 text tower + ECLIPSE prior for Kandinsky v2.2 (E=1280)", TensorType.F16) {
        @Override
        public ClipTextConfig textEncoder() {
            return new ClipTextConfig(VOCAB, 1280, 5120, 1280, 32, 20, CONTEXT, "gelu", 1e-5, EOS);
        }

        @Override
        public PriorConfig prior() {
            return new PriorConfig(16, 32, 10, 1280, CONTEXT, 3);
        }
    },

    /** ECLIPSE for Karlo: the CLIP ViT-L/14 text tower (~124M, quick_gelu) and the prior at E=768 (33M). */
    KARLO("CLIP ViT-L/14 text tower + ECLIPSE prior for Karlo (E=768)", TensorType.F16) {
        @Override
        public ClipTextConfig textEncoder() {
            return new ClipTextConfig(VOCAB, 768, 3072, 768, 12, 12, CONTEXT, "quick_gelu", 1e-5, EOS);
        }

        @Override
        public PriorConfig prior() {
            return new PriorConfig(16, 32, 10, 768, CONTEXT, 3);
        }
    },

    /** The sizes of the embedded tiny model (the golden reference): width 64, 2 layers; prior 4 heads x 8, E=64. */
    TINY("the sizes of the embedded tiny model (text width 64, 2 layers; prior 4 heads x 8, 2 layers, E=64)",
            TensorType.F32) {
        @Override
        public ClipTextConfig textEncoder() {
            return ClipTextConfig.load(EmbeddedModels.tinyModelDir().resolve("text_encoder"));
        }

        @Override
        public PriorConfig prior() {
            return PriorConfig.load(EmbeddedModels.tinyModelDir().resolve("prior"));
        }
    };

    static final int VOCAB = 49408;
    static final int CONTEXT = 77;
    static final long EOS = 49407;

    private final String description;
    private final TensorType defaultType;

    ModelPreset(String description, TensorType defaultType) {
        this.description = description;
        this.defaultType = defaultType;
    }

    /** transformers' {@code CLIPTextModelWithProjection} config of this size. */
    public abstract ClipTextConfig textEncoder();

    /** The ECLIPSE {@code PriorTransformer} config of this size. */
    public abstract PriorConfig prior();

    public String description() {
        return description;
    }

    /** float16 for the real sizes (as the released weights, half the bytes), float32 for tiny. */
    public TensorType defaultType() {
        return defaultType;
    }

    /** The name on the command line: kandinsky, karlo, tiny. */
    public String cliName() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The preset of a command-line name; anything else is a {@link UsageException} naming the choices. */
    public static ModelPreset parse(String name) {
        if (name != null) {
            for (ModelPreset p : values()) {
                if (p.cliName().equals(name.trim().toLowerCase(Locale.ROOT))) {
                    return p;
                }
            }
        }
        throw new UsageException("--preset must be kandinsky, karlo or tiny (got '" + name + "')");
    }

    /** float32 or float16 (fp32, fp16) to the stored type; null gives {@code fallback}. */
    public static TensorType parseDtype(String dtype, TensorType fallback) {
        if (dtype == null) {
            return fallback;
        }
        return switch (dtype.trim().toLowerCase(Locale.ROOT)) {
            case "float32", "fp32" -> TensorType.F32;
            case "float16", "fp16" -> TensorType.F16;
            default -> throw new UsageException("--dtype must be float32 or float16 (got '" + dtype + "')");
        };
    }
}
