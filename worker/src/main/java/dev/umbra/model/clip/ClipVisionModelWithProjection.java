package dev.umbra.model.clip;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import dev.umbra.model.nn.Conv2d;
import dev.umbra.model.nn.Embedding;
import dev.umbra.model.nn.HfBlock;
import dev.umbra.model.nn.LayerNorm;
import dev.umbra.model.nn.Linear;
import dev.umbra.model.nn.UnaryBlock;

/**
 * transformers' {@code CLIPVisionModelWithProjection}, block for block ({@code modeling_clip.py}), so that the
 * parameter names are the checkpoint's keys: {@code vision_model.encoder.layers.0.self_attn.q_proj.weight}, and the
 * historical {@code vision_model.pre_layrnorm}.
 *
 * <p>Input: {@code pixel_values [B, C, S, S]}, already normalised (see {@link #CLIP_MEAN}). Output:
 * {@code image_embeds [B, P]} and {@code last_hidden_state [B, 1 + patches, H]}. No attention mask.
 */
public final class ClipVisionModelWithProjection extends HfBlock {

    /** CLIP's image normalisation ({@code CLIPImageProcessor}): per-channel mean and std of [0, 1] RGB. */
    public static final float[] CLIP_MEAN = {0.48145466f, 0.4578275f, 0.40821073f};
    public static final float[] CLIP_STD = {0.26862954f, 0.26130258f, 0.27577711f};

    private final ClipVisionConfig config;
    private final ClipVisionTransformer visionModel;
    private final Linear visualProjection;

    public ClipVisionModelWithProjection(ClipVisionConfig config) {
        this.config = config;
        this.visionModel = child("vision_model", new ClipVisionTransformer(config));
        this.visualProjection = child("visual_projection", new Linear(config.hiddenSize(), config.projectionDim(), false));
    }

    public ClipVisionConfig config() {
        return config;
    }

    /** [B, C, S, S] RGB in [0, 1] to CLIP's normalised pixel values. */
    public static NDArray normalize(NDArray rgb) {
        NDArray mean = rgb.getManager().create(CLIP_MEAN).reshape(1, 3, 1, 1).toType(rgb.getDataType(), false);
        NDArray std = rgb.getManager().create(CLIP_STD).reshape(1, 3, 1, 1).toType(rgb.getDataType(), false);
        return rgb.sub(mean).div(std);
    }

    /** @return {@code [image_embeds [B,P], last_hidden_state [B,1+N,H]]} */
    @Override
    protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
        NDArray lastHiddenState = visionModel.apply(ps, inputs.get(0), training);             // [B,1+N,H]
        NDArray pooled = visionModel.postLayernorm.apply(ps, lastHiddenState.get(":, 0"), training); // [B,H]
        NDArray imageEmbeds = visualProjection.apply(ps, pooled, training);                    // [B,P]
        return new NDList(imageEmbeds, lastHiddenState);
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        long b = inputShapes[0].get(0);
        return new Shape[] {
            new Shape(b, config.projectionDim()),
            new Shape(b, config.numPatches() + 1L, config.hiddenSize())
        };
    }

    /** {@code CLIPVisionTransformer}: embeddings, pre_layrnorm, encoder; post_layernorm is applied to the pooled token. */
    static final class ClipVisionTransformer extends UnaryBlock {
        private final ClipVisionEmbeddings embeddings;
        private final LayerNorm preLayrnorm;
        private final ClipEncoder encoder;
        private final LayerNorm postLayernorm;

        ClipVisionTransformer(ClipVisionConfig config) {
            embeddings = child("embeddings", new ClipVisionEmbeddings(config));
            preLayrnorm = child("pre_layrnorm", new LayerNorm(config.hiddenSize(), config.layerNormEps()));
            encoder = child("encoder", new ClipEncoder(config));
            postLayernorm = child("post_layernorm", new LayerNorm(config.hiddenSize(), config.layerNormEps()));
        }

        /** The encoder's last hidden state, before post_layernorm (which transformers applies to the pooled token only). */
        @Override
        public NDArray apply(ParameterStore ps, NDArray pixelValues, boolean training) {
            NDArray x = embeddings.apply(ps, pixelValues, training);                       // [B,1+N,H]
            x = preLayrnorm.apply(ps, x, training);
            return encoder.apply(ps, x, null, training);
        }
    }

    /** {@code CLIPVisionEmbeddings}: class token, patch embedding (a strided conv without bias), positions. */
    static final class ClipVisionEmbeddings extends UnaryBlock {
        private final Parameter classEmbedding;
        private final Conv2d patchEmbedding;
        private final Embedding positionEmbedding;
        private final int hiddenSize;

        ClipVisionEmbeddings(ClipVisionConfig config) {
            hiddenSize = config.hiddenSize();
            classEmbedding = parameter("class_embedding", new Shape(config.hiddenSize()));
            int p = config.patchSize();
            patchEmbedding = child("patch_embedding",
                    new Conv2d(config.numChannels(), config.hiddenSize(), p, p, 0, false));
            positionEmbedding = child("position_embedding",
                    new Embedding(config.numPatches() + 1L, config.hiddenSize()));
        }

        @Override
        public NDArray apply(ParameterStore ps, NDArray pixelValues, boolean training) {
            long b = pixelValues.getShape().get(0);
            NDArray patches = patchEmbedding.apply(ps, pixelValues, training);            // [B,H,g,g]
            patches = patches.reshape(b, hiddenSize, -1).transpose(0, 2, 1);               // [B,N,H]
            // patches first, so that the broadcast class token belongs to the batch's manager, not the model's
            NDArray cls = patches.get(":, 0:1, :").zerosLike()
                    .add(ps.getValue(classEmbedding, patches.getDevice(), training));      // [B,1,H]
            NDArray x = NDArrays.concat(new NDList(cls, patches), 1);                       // [B,1+N,H]
            long t = x.getShape().get(1);
            NDArray positions = pixelValues.getManager().arange(t).toType(DataType.INT64, false);
            return x.add(positionEmbedding.apply(ps, positions, training));
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) {
            return new Shape[] {new Shape(inputShapes[0].get(0), -1, hiddenSize)};
        }
    }
}
