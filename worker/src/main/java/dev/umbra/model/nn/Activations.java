package dev.umbra.model.nn;

import ai.djl.ndarray.NDArray;
import java.util.Locale;
import java.util.function.UnaryOperator;

/** The activation functions the supported configs name, as in transformers' {@code ACT2FN}. */
public final class Activations {

    private Activations() {}

    /** The activation for a config's {@code hidden_act}, or null when this code does not implement it. */
    public static UnaryOperator<NDArray> forName(String name) {
        switch (name.toLowerCase(Locale.ROOT)) {
            case "gelu":
                return Activations::gelu;
            case "quick_gelu":
                return Activations::quickGelu;
            default:
                return null;
        }
    }

    /** Exact (erf) GELU: torch's default, what transformers and diffusers call "gelu". */
    public static NDArray gelu(NDArray x) {
        return ai.djl.nn.Activation.gelu(x);
    }

    /** {@code x * sigmoid(1.702 x)}, OpenAI CLIP's activation. */
    public static NDArray quickGelu(NDArray x) {
        return x.mul(ai.djl.nn.Activation.sigmoid(x.mul(1.702f)));
    }
}
