package dev.umbra.model.clip;

import ai.djl.ndarray.NDArray;
import ai.djl.training.ParameterStore;
import dev.umbra.model.nn.Activations;
import dev.umbra.model.nn.Attention;
import dev.umbra.model.nn.LayerNorm;
import dev.umbra.model.nn.LayerStack;
import dev.umbra.model.nn.Linear;
import dev.umbra.model.nn.MaskedBlock;
import dev.umbra.model.nn.ModuleList;
import dev.umbra.model.nn.UnaryBlock;
import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;

/**
 * transformers' {@code CLIPEncoder}, shared by the text and the vision tower as in {@code modeling_clip.py}:
 * the stack of pre-LN layers, each attention and an MLP with a residual.
 */
public final class ClipEncoder extends MaskedBlock {

    private final ModuleList<ClipEncoderLayer> layers;

    ClipEncoder(ClipEncoderConfig config) {
        List<ClipEncoderLayer> list = new ArrayList<>();
        for (int i = 0; i < config.numHiddenLayers(); i++) {
            list.add(new ClipEncoderLayer(config));
        }
        layers = child("layers", new ModuleList<>(list));
    }

    @Override
    public NDArray apply(ParameterStore ps, NDArray x, NDArray mask, boolean training) {
        return LayerStack.apply(layers.modules(), ps, x, mask, training);
    }

    /** {@code CLIPEncoderLayer}: pre-LN attention and MLP, each with a residual. */
    static final class ClipEncoderLayer extends MaskedBlock {
        private final ClipAttention selfAttn;
        private final LayerNorm layerNorm1;
        private final ClipMlp mlp;
        private final LayerNorm layerNorm2;

        ClipEncoderLayer(ClipEncoderConfig config) {
            selfAttn = child("self_attn", new ClipAttention(config));
            layerNorm1 = child("layer_norm1", new LayerNorm(config.hiddenSize(), config.layerNormEps()));
            mlp = child("mlp", new ClipMlp(config));
            layerNorm2 = child("layer_norm2", new LayerNorm(config.hiddenSize(), config.layerNormEps()));
        }

        @Override
        public NDArray apply(ParameterStore ps, NDArray x, NDArray mask, boolean training) {
            x = x.add(selfAttn.apply(ps, layerNorm1.apply(ps, x, training), mask, training));
            return x.add(mlp.apply(ps, layerNorm2.apply(ps, x, training), training));
        }
    }

    /** {@code CLIPAttention}: q/k/v/out projections, scale 1/sqrt(head_dim). */
    static final class ClipAttention extends MaskedBlock {
        private final int heads;
        private final double scale;
        private final Linear kProj;
        private final Linear vProj;
        private final Linear qProj;
        private final Linear outProj;

        ClipAttention(ClipEncoderConfig config) {
            heads = config.numAttentionHeads();
            scale = 1.0 / Math.sqrt(config.headDim());
            int h = config.hiddenSize();
            kProj = child("k_proj", new Linear(h, h));
            vProj = child("v_proj", new Linear(h, h));
            qProj = child("q_proj", new Linear(h, h));
            outProj = child("out_proj", new Linear(h, h));
        }

        @Override
        public NDArray apply(ParameterStore ps, NDArray x, NDArray mask, boolean training) {
            NDArray q = qProj.apply(ps, x, training);
            NDArray k = kProj.apply(ps, x, training);
            NDArray v = vProj.apply(ps, x, training);
            return outProj.apply(ps, Attention.scaledDotProduct(q, k, v, mask, heads, scale), training);
        }
    }

    /** {@code CLIPMLP}: fc1, activation, fc2. */
    static final class ClipMlp extends UnaryBlock {
        private final UnaryOperator<NDArray> activation;
        private final Linear fc1;
        private final Linear fc2;

        ClipMlp(ClipEncoderConfig config) {
            activation = Activations.forName(config.hiddenAct());
            fc1 = child("fc1", new Linear(config.hiddenSize(), config.intermediateSize()));
            fc2 = child("fc2", new Linear(config.intermediateSize(), config.hiddenSize()));
        }

        @Override
        public NDArray apply(ParameterStore ps, NDArray x, boolean training) {
            return fc2.apply(ps, activation.apply(fc1.apply(ps, x, training)), training);
        }
    }
}
